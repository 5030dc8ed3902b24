//! OpenAPI schemas of the domain types that travel over the API (feature `openapi`).
//!
//! Most types derive `utoipa::ToSchema` behind `cfg_attr(feature = "openapi")`;
//! this module holds the hand-written schemas: decimals as strings, the
//! codice fiscale and the working pattern (`5` or `6`).

use std::borrow::Cow;

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::calendar::WorkPattern;
use crate::ids::CodiceFiscale;

/// Pattern of a decimal written as a string (`"14.00"`, `"-3"`, `"0.5"`).
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$";

/// Schema of a `rust_decimal::Decimal`: a string with format `decimal`.
/// Used as `#[schema(value_type = crate::openapi::DecimalString)]`.
pub struct DecimalString;

impl PartialSchema for DecimalString {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::Custom("decimal".into())))
            .pattern(Some(DECIMAL_PATTERN))
            .description(Some(
                "Exact decimal number written as a string (amounts in euro with 2 decimals, \
                 hours, weeks, rates); inputs also accept a JSON number.",
            ))
            .examples([serde_json::json!("14.00")])
            .into()
    }
}

impl ToSchema for DecimalString {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Decimal")
    }
}

impl PartialSchema for CodiceFiscale {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^([A-Za-z0-9]{16}|[0-9]{11})$"))
            .description(Some(
                "Codice fiscale: 16 characters for a person (check character and omocodia \
                 verified), 11 digits for a company.",
            ))
            .examples([serde_json::json!("RSSMRA80A01F205X")])
            .into()
    }
}

impl ToSchema for CodiceFiscale {}

impl PartialSchema for WorkPattern {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .enum_values(Some([5, 6]))
            .description(Some(
                "Working days per week of the productive unit: 5 (Monday–Friday) or 6 \
                 (Monday–Saturday).",
            ))
            .into()
    }
}

impl ToSchema for WorkPattern {}
