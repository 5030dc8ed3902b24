//! HTTP layer: HTML pages (askama + Bootstrap Italia), the JSON API under `/api/v1`
//! with its OpenAPI document, authentication, CSRF and operations endpoints.
//!
//! Handlers never see sqlx: they call `omnia_services`, whose functions take typed
//! capabilities (`EmployerScope`, `OfficeScope`, `AdminScope`) so a forgotten
//! permission check does not compile.

pub mod assets;
pub mod pages;
