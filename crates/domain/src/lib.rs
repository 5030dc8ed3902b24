//! omnia-domain: the pure business core of omnia (no I/O).
//!
//! - [`ids`]: validated identifiers (codice fiscale, partita IVA, matricola, IBAN, ticket, …)
//! - [`benefit`]: benefits and solidarity funds
//! - [`application`]: reduction kind and periods
//! - [`quantity`]: hours, or whole days for CISOA, requested per worker
//! - [`reference`]: date-effective reference data (causali, massimali, rates, regimes)
//! - [`simulation`]: the verdict for `POST /api/v1/simulations` and `omnia simulate`
//!
//! Feature `openapi`: `utoipa::ToSchema` for the simulation input/output and what they contain.
//!
//! Rule IDs (`R-…`) refer to `DOMAIN.md`; see `docs/rules.md`.

pub mod application;
pub mod benefit;
pub mod calendar;
pub mod evaluation;
pub mod findings;
pub mod ids;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod quantity;
pub mod reference;
pub mod simulation;
