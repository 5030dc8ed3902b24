//! Persistence for omnia: one [`Db`] over SQLite (embedded default) and PostgreSQL
//! (production), with migrations per backend and repositories grouped by module.
//!
//! Design (see `reference/rust-stack.md` §1):
//! - No `Any` driver: [`Db`] holds the concrete pools, so chrono, JSON and typed ids work.
//! - SQL text lives in `const &str` items with `$1` placeholders (sqlx maps them on SQLite
//!   too) and runs on both backends through the crate-internal `on!` macro; the few
//!   dialect-specific statements are written per backend where they are used.
//! - Every repository function is an inherent method on [`Tx`]. Writes use
//!   [`Db::begin`] (SQLite: `BEGIN IMMEDIATE` on the single-connection writer pool, so a
//!   read-then-write never dies with `SQLITE_BUSY`); reads use [`Db::read`] (the reader
//!   pool on SQLite), which also gives multi-query views one consistent snapshot.
//! - Instants are `DateTime<Utc>` truncated to microseconds ([`now`]) so they round-trip
//!   identically through `TIMESTAMPTZ` and SQLite text (the audit hash depends on it).

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

pub mod applications;
pub mod audit;
pub mod flows;
pub mod idempotency;
pub mod model;
pub mod reference;
pub mod registry;
pub mod sessions;
pub mod users;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use model::*;

/// Errors of the persistence layer. Callers map them to their own error type; only
/// [`Error::is_unique_violation`] is meant to be inspected.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(
        "unsupported database URL (expected sqlite:PATH or postgres://…; in-memory SQLite is not supported)"
    )]
    UnsupportedUrl,
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

impl Error {
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Error::Sqlx(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which engine a [`Db`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
enum Pools {
    Pg(PgPool),
    Lite { write: SqlitePool, read: SqlitePool },
}

/// Handle to the database: cheap to clone (the pools are reference-counted).
#[derive(Clone)]
pub struct Db {
    pools: Pools,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend())
            .finish()
    }
}

/// Options for [`Db::connect_with`]; [`Db::connect`] uses the defaults.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// PostgreSQL pool size per app node.
    pub pg_max_connections: u32,
    /// SQLite reader pool size (the writer pool always has exactly one connection).
    pub sqlite_readers: u32,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            pg_max_connections: 10,
            sqlite_readers: 4,
        }
    }
}

impl Db {
    /// Connects to `sqlite:PATH?mode=rwc` / `sqlite://PATH` or `postgres://…`.
    /// Does not migrate: call [`Db::migrate`].
    pub async fn connect(url: &str) -> Result<Db> {
        Self::connect_with(url, &ConnectOptions::default()).await
    }

    pub async fn connect_with(url: &str, opts: &ConnectOptions) -> Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let o = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(opts.pg_max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(o)
                .await?;
            Ok(Db {
                pools: Pools::Pg(pool),
            })
        } else if url.starts_with("sqlite:") {
            if url.contains(":memory:") || url.contains("mode=memory") {
                // The writer and reader pools would each get their own empty database.
                return Err(Error::UnsupportedUrl);
            }
            let o = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            // One writer connection makes "one writer at a time" structural; IMMEDIATE
            // transactions on it never hit SQLITE_BUSY upgrades.
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(o.clone())
                .await?;
            let read = SqlitePoolOptions::new()
                .max_connections(opts.sqlite_readers.max(1))
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(o.read_only(true))
                .await?;
            Ok(Db {
                pools: Pools::Lite { write, read },
            })
        } else {
            Err(Error::UnsupportedUrl)
        }
    }

    pub fn backend(&self) -> Backend {
        match &self.pools {
            Pools::Pg(_) => Backend::Postgres,
            Pools::Lite { .. } => Backend::Sqlite,
        }
    }

    /// Applies the embedded migrations of this backend (PostgreSQL: under sqlx's advisory
    /// lock, so several nodes starting together are safe).
    pub async fn migrate(&self) -> Result<()> {
        match &self.pools {
            Pools::Pg(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
            Pools::Lite { write, .. } => sqlx::migrate!("migrations/sqlite").run(write).await?,
        }
        Ok(())
    }

    /// Cheap liveness query for `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        match &self.pools {
            Pools::Pg(p) => sqlx::query("SELECT 1").execute(p).await?.rows_affected(),
            Pools::Lite { read, .. } => {
                sqlx::query("SELECT 1").execute(read).await?.rows_affected()
            }
        };
        Ok(())
    }

    /// `(table, column)` pairs of the application schema, sorted (sqlx's own bookkeeping
    /// table excluded): the input of the schema-parity test.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>> {
        let mut cols: Vec<(String, String)> = match &self.pools {
            Pools::Pg(p) => {
                sqlx::query_as(
                    "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) \
                     FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'",
                )
                .fetch_all(p)
                .await?
            }
            Pools::Lite { read, .. } => {
                sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                     AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
                )
                .fetch_all(read)
                .await?
            }
        };
        cols.sort();
        Ok(cols)
    }

    /// Starts a write transaction (SQLite: `BEGIN IMMEDIATE` on the writer).
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match &self.pools {
            Pools::Pg(p) => Tx {
                inner: TxInner::Pg(p.begin().await?),
            },
            Pools::Lite { write, .. } => Tx {
                inner: TxInner::Lite(write.begin_with("BEGIN IMMEDIATE").await?),
            },
        })
    }

    /// Starts a read transaction (SQLite: on the read-only pool, so readers never queue
    /// behind the writer). Dropping it without commit is fine.
    pub async fn read(&self) -> Result<Tx> {
        Ok(match &self.pools {
            Pools::Pg(p) => Tx {
                inner: TxInner::Pg(p.begin().await?),
            },
            Pools::Lite { read, .. } => Tx {
                inner: TxInner::Lite(read.begin().await?),
            },
        })
    }

    /// Closes the pools (graceful shutdown).
    pub async fn close(&self) {
        match &self.pools {
            Pools::Pg(p) => p.close().await,
            Pools::Lite { write, read } => {
                read.close().await;
                write.close().await;
            }
        }
    }
}

pub(crate) enum TxInner {
    Pg(Transaction<'static, Postgres>),
    Lite(Transaction<'static, Sqlite>),
}

/// A transaction on either backend. Repository methods live in `impl Tx` blocks of the
/// modules (`registry`, `users`, …). Dropped without [`Tx::commit`] = rolled back.
pub struct Tx {
    pub(crate) inner: TxInner,
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Pg(t) => t.commit().await?,
            TxInner::Lite(t) => t.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            TxInner::Pg(t) => t.rollback().await?,
            TxInner::Lite(t) => t.rollback().await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Pg(_) => Backend::Postgres,
            TxInner::Lite(_) => Backend::Sqlite,
        }
    }
}

/// Stamps one body out for both concrete connections of a [`Tx`]: `$c` is
/// `&mut PgConnection` or `&mut SqliteConnection`, so the same `const` SQL and the same
/// `FromRow` types run on both without the `Any` driver.
macro_rules! on {
    ($tx:expr, |$c:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::TxInner::Pg(t) => {
                let $c: &mut ::sqlx::PgConnection = &mut **t;
                $body
            }
            $crate::TxInner::Lite(t) => {
                let $c: &mut ::sqlx::SqliteConnection = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on;

/// The current instant truncated to microseconds: PostgreSQL keeps microseconds, so
/// anything finer would not round-trip (and would break the audit hash).
pub fn now() -> DateTime<Utc> {
    truncate(Utc::now())
}

pub fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}
