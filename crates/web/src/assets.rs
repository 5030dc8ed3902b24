//! Embedded static assets (Bootstrap Italia, Swagger UI) served under `/static`.
