//! Findings: what an evaluation says, each tagged with the rule that produced it.

use serde::{Deserialize, Serialize};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = FindingSeverity))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational.
    Info,
    /// A warning: the application may still be filed (e.g. *non compatibile*).
    Warning,
    /// The request (or part of it) cannot be authorised as proposed.
    Blocking,
}

/// One statement of the rules engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RuleFinding))]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// Rule ID of `DOMAIN.md`, e.g. `R-LIM-2`.
    pub rule: String,
    pub severity: Severity,
    /// Stable machine code, e.g. `biennio_exceeded`.
    pub code: String,
    /// JSON pointer of the input field concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// English message.
    pub message: String,
}

impl Finding {
    pub fn new(rule: &str, severity: Severity, code: &str, message: impl Into<String>) -> Self {
        Self {
            rule: rule.to_string(),
            severity,
            code: code.to_string(),
            field: None,
            message: message.into(),
        }
    }
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}
