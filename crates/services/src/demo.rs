//! Demo data (issue 2, point 4).
use crate::{ServiceError, Services};

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DemoReport {
    pub loaded: bool,
    pub employers: usize,
    pub units: usize,
    pub workers: usize,
    pub users: usize,
    pub applications: usize,
}

pub async fn load(_s: &Services) -> Result<DemoReport, ServiceError> {
    Ok(DemoReport::default())
}
