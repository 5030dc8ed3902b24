//! The application's use cases, with access control in one place.
//!
//! Every function that touches employer data takes a capability: an [`EmployerScope`]
//! (acting for one employer), an [`OfficeScope`] (operator of one office) or an
//! [`AdminScope`]. Their fields are private and only [`Services`] constructs them, after
//! checking the permission table of `DESIGN.md`, so a handler that forgets a check does not
//! compile. Functions that start from an id a user typed (`application`, `submit`, …) take
//! the [`Principal`] and resolve the capability internally.
//!
//! A resource of another tenant answers [`ServiceError::NotFound`], exactly like one that
//! does not exist: no error, message or timing says which.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use omnia_documents::blobs::{BlobStore, MemoryStore};
use omnia_store::Db;

pub mod admin;
pub mod applications;
pub mod audit;
pub mod auth;
pub mod checks;
pub mod conguaglio;
pub mod demo;
pub mod drafts;
mod error;
pub mod flows;
mod receipt;
pub mod reference;
pub mod registry;
mod scope;
#[cfg(feature = "testing")]
pub mod testing;

pub use admin::{DelegationView, NewDelegation, NewUserInput, UserView};
pub use applications::{
    ApplicationSummary, ApplicationView, CausaleRef, Decision, EmployerRef, NewApplication,
    OfficeRef, Outcome, RequestedWorker, UnitRef, WorkerLine,
};
pub use audit::{AuditEventView, ChainReport};
pub use auth::{NewSession, Principal, SessionContext, StoredResponse};
pub use checks::{CheckSeverity, Finding, Review, Section};
pub use drafts::{
    CsvLineError, DeclarationsSection, DraftContent, HeadcountEntry, ImportMode, ImportReport,
    IndicatorValues, IndicatorsGranularity, IndicatorsSection, PaymentMode, QuarterIndicators,
    ReportMode, ReportSection, RequestKind, RequestSection, StartDraft, StoredPdf, SubmitInput,
    WorkerEntry, YearIndicators,
};
pub use error::{FieldError, ServiceError};
pub use omnia_store::{
    ApplicationId, ApplicationState, EmployerId, OfficeId, Qualifica, Role, SessionKind, UnitId,
    UserId, WorkerId,
};
pub use reference::{ReferenceSource, ReferenceVersionView};
pub use registry::{
    BenefitOption, CausaleOption, EmployerDetail, EmployerSummary, HeadcountView, UnitView,
    WorkerView,
};
pub use scope::{AdminScope, EmployerScope, OfficeScope};

/// Source of the current time; tests substitute a [`ManualClock`] to make sessions expire.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        omnia_store::now()
    }
}

/// A clock that only moves when told to (tests).
#[derive(Debug)]
pub struct ManualClock(std::sync::Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock(std::sync::Mutex::new(omnia_store::truncate(start)))
    }
    pub fn advance(&self, by: chrono::TimeDelta) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The use cases. Cheap to clone: it holds the [`Db`] (reference-counted pools) and the clock.
#[derive(Clone)]
pub struct Services {
    db: Db,
    clock: Arc<dyn Clock>,
    blobs: Arc<dyn BlobStore>,
    reference: reference::ReferenceCache,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").field("db", &self.db).finish()
    }
}

impl Services {
    /// Services over `db` with the system clock and an in-memory blob store (tests, demo
    /// runs); production passes a durable store with [`Services::with_blobs`].
    pub fn new(db: Db) -> Self {
        Self {
            db,
            clock: Arc::new(SystemClock),
            blobs: Arc::new(MemoryStore::new()),
            reference: Default::default(),
        }
    }

    pub fn with_clock(db: Db, clock: Arc<dyn Clock>) -> Self {
        Self {
            db,
            clock,
            blobs: Arc::new(MemoryStore::new()),
            reference: Default::default(),
        }
    }

    /// Services whose uploads and receipts go to `blobs` (e.g. a `LocalDirStore` under the
    /// data directory).
    pub fn with_blobs(db: Db, blobs: Arc<dyn BlobStore>) -> Self {
        Self {
            db,
            clock: Arc::new(SystemClock),
            blobs,
            reference: Default::default(),
        }
    }

    /// The same services with another blob store (builder form, keeps the clock).
    pub fn blobs_in(mut self, blobs: Arc<dyn BlobStore>) -> Self {
        self.blobs = blobs;
        self
    }

    pub(crate) fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.blobs
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The civil date used for date-effective checks (delegation validity).
    /// Our policy: the UTC date; Italy is at most two hours ahead, so a delegation ending
    /// "today" stays usable until 01:00/02:00 Italian time of the next day.
    pub(crate) fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}
