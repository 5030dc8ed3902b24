//! Payment-data flows (R-FLO): the published formats (XML modelled on
//! UniEmens, and CSV), a streaming reader for each, the catalogue of checks
//! and the single-pass checker, benefit amounts (R-AMT) for the accepted
//! records, and a SEPA `pain.001.001.09` writer for payment batches.
//!
//! Format reference: `docs/flows/README.md`; checks: `docs/flows/checks.md`.

pub mod authorisations;
pub mod catalogue;
pub mod check;
pub mod csv;
pub mod generate;
pub mod model;
pub mod pipeline;
pub mod sepa;
pub mod split;
pub mod values;
pub mod xml;

pub use authorisations::{Authorisation, Authorisations, LoadError, PaymentRoute};
pub use catalogue::{Class, Code, Level, Severity};
pub use check::{CheckOptions, Finding, Hooks, Outcome, RecordAmount, Report, Summary, check_flow};
pub use model::{FlowReader, Location};
pub use xml::XmlReader;
pub use xml::quick::QuickXmlReader;
