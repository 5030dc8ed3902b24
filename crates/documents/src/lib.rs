//! Documents for omnia, three independent building blocks used by applications (issue 4) and,
//! later, by decisions and flows:
//!
//! - [`receipt`]: the submission receipt PDF (*ricevuta di presentazione*), tagged for accessibility;
//! - [`pdf_check`]: checks on a PDF uploaded by a user before it is stored (size, real PDF,
//!   not encrypted, readable, no JavaScript or launch actions), each refusal with a stable code and
//!   an Italian message;
//! - [`blobs`]: the blob store trait, with a local-directory and an in-memory implementation.
//!
//! Nothing here touches the database or knows about tenants: callers decide who may read what.

pub mod blobs;
pub mod pdf_check;
pub mod pdf_isolated;
pub mod receipt;

mod metrics;
mod text;
