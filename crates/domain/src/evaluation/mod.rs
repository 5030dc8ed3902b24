//! Pure evaluations of the rules (no I/O): benefit suggestion, eligibility,
//! deadlines, limits and amounts. [`crate::simulation::simulate`] composes them.

pub mod amounts;
pub mod deadlines;
pub mod eligibility;
pub mod limits;
pub mod selection;
