//! The blob store: opaque bytes (uploaded PDFs, receipts, flow files) under validated keys.
//!
//! [`BlobStore`] is a small, object-safe async trait (`Arc<dyn BlobStore>` in the app state) with
//! two implementations here: [`LocalDirStore`] (files under a data directory, the embedded
//! default) and [`MemoryStore`] (tests). An S3-compatible implementation over `object_store` plugs
//! in behind the same trait (see the crate README).
//!
//! Blobs are **immutable**: `put` on an existing key succeeds only if the bytes are the same
//! (an idempotent retry) and fails with [`BlobError::Conflict`] otherwise. Keys are either chosen
//! by the caller ([`BlobKey::parse`], e.g. `receipts/<uuid>.pdf`), generated
//! ([`BlobKey::random`]), or derived from the content ([`BlobKey::content_addressed`],
//! `sha256/ab/abcdef…`). The database keeps the [`BlobRef`] (key, hash, size) next to the owner.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

/// A boxed future, so that the trait stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

const MAX_KEY_LEN: usize = 512;
const MAX_SEGMENTS: usize = 8;

/// A validated blob key: 1 to 8 `/`-separated segments of ASCII letters, digits, `-`, `_` and
/// `.`, no segment empty or starting with `.` (so no `.`, `..` or hidden files), at most 512
/// bytes. Such a key maps to a relative path that can never leave the store's directory, and to
/// an object name that is valid on every S3-compatible store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobKey(String);

/// Why a string is not a [`BlobKey`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("chiave di archiviazione non valida: {reason}")]
pub struct InvalidKey {
    /// What is wrong with it.
    pub reason: &'static str,
}

impl BlobKey {
    /// Validates a key.
    pub fn parse(s: &str) -> Result<Self, InvalidKey> {
        let fail = |reason| Err(InvalidKey { reason });
        if s.is_empty() {
            return fail("vuota");
        }
        if s.len() > MAX_KEY_LEN {
            return fail("troppo lunga");
        }
        let segments: Vec<&str> = s.split('/').collect();
        if segments.len() > MAX_SEGMENTS {
            return fail("troppi livelli");
        }
        for seg in segments {
            if seg.is_empty() {
                return fail("contiene un livello vuoto");
            }
            if seg.starts_with('.') {
                return fail("un livello inizia con un punto");
            }
            if !seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            {
                return fail("contiene caratteri non ammessi");
            }
        }
        Ok(BlobKey(s.to_string()))
    }

    /// A new key `<prefix>/<uuid v7>` (time-ordered); `prefix` must itself be a valid key.
    pub fn random(prefix: &str) -> Result<Self, InvalidKey> {
        Self::parse(&format!("{prefix}/{}", uuid::Uuid::now_v7()))
    }

    /// The content-addressed key of `bytes`: `sha256/<first two hex digits>/<hex digest>`.
    pub fn content_addressed(bytes: &[u8]) -> Self {
        let hex = sha256_hex(bytes);
        BlobKey(format!("sha256/{}/{hex}", &hex[..2]))
    }

    /// The key as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for BlobKey {
    type Err = InvalidKey;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// What the database keeps about a stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    /// Where it is.
    pub key: BlobKey,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// Errors of a blob store.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// No blob under this key.
    #[error("blob not found: {0}")]
    NotFound(BlobKey),
    /// A different blob is already stored under this key (blobs are immutable).
    #[error("a different blob already exists under {0}")]
    Conflict(BlobKey),
    /// The storage itself failed.
    #[error("blob storage I/O error on {key}: {source}")]
    Io {
        /// The key being read or written.
        key: BlobKey,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A background task failed (panicked or was cancelled).
    #[error("blob storage task failed: {0}")]
    Task(String),
}

/// Where blobs live. Object-safe: keep an `Arc<dyn BlobStore>`.
pub trait BlobStore: Send + Sync + fmt::Debug {
    /// Stores `bytes` under `key`. Idempotent for the same bytes; [`BlobError::Conflict`] if other
    /// bytes are already there. The blob is visible to `get` only once complete.
    fn put<'a>(
        &'a self,
        key: &'a BlobKey,
        bytes: Vec<u8>,
    ) -> BoxFuture<'a, Result<BlobRef, BlobError>>;
    /// Reads the blob under `key`.
    fn get<'a>(&'a self, key: &'a BlobKey) -> BoxFuture<'a, Result<Vec<u8>, BlobError>>;
    /// Deletes the blob under `key`; deleting a missing blob is not an error.
    fn delete<'a>(&'a self, key: &'a BlobKey) -> BoxFuture<'a, Result<(), BlobError>>;
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl BlobRef {
    /// The reference of `bytes` stored under `key` (for implementations of [`BlobStore`]).
    pub fn of(key: &BlobKey, bytes: &[u8]) -> Self {
        BlobRef {
            key: key.clone(),
            sha256: sha256_hex(bytes),
            size: bytes.len() as u64,
        }
    }
}

fn blob_ref(key: &BlobKey, bytes: &[u8]) -> BlobRef {
    BlobRef::of(key, bytes)
}

// --- Local directory -----------------------------------------------------------------------------

/// Blobs as files under a directory: key `a/b/c` is the file `<root>/a/b/c`. Writes go to a
/// temporary file in `<root>/.tmp` (same filesystem), are flushed to disk, then linked into place
/// with `hard_link`, which fails if the target exists — so a reader never sees a partial file, and
/// two writers racing on one key cannot overwrite each other. Blocking I/O runs on tokio's
/// blocking pool.
#[derive(Debug, Clone)]
pub struct LocalDirStore {
    root: Arc<PathBuf>,
}

impl LocalDirStore {
    /// Opens (creating if needed) a store rooted at `root`.
    pub fn open(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(root.join(".tmp"))?;
        Ok(Self {
            root: Arc::new(root),
        })
    }

    /// The directory holding the blobs.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Path of the file for `key`. Safe by construction: every segment of a [`BlobKey`] is a plain
    /// file name (no separators, no `.`/`..`, no leading dot).
    pub fn path_of(&self, key: &BlobKey) -> PathBuf {
        let mut p = self.root.as_ref().clone();
        for seg in key.as_str().split('/') {
            p.push(seg);
        }
        p
    }

    fn put_blocking(&self, key: &BlobKey, bytes: &[u8]) -> Result<BlobRef, BlobError> {
        let io = |source| BlobError::Io {
            key: key.clone(),
            source,
        };
        let target = self.path_of(key);
        let wanted = blob_ref(key, bytes);
        if let Some(existing) = self.existing(key, &target)? {
            return same_or_conflict(key, &existing, wanted);
        }
        let parent = target.parent().expect("a key path has a parent");
        std::fs::create_dir_all(parent).map_err(io)?;
        let tmp = self
            .root
            .join(".tmp")
            .join(uuid::Uuid::now_v7().to_string());
        let result = (|| {
            let mut f = std::fs::File::create_new(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            drop(f);
            std::fs::hard_link(&tmp, &target)
        })();
        let _ = std::fs::remove_file(&tmp);
        match result {
            Ok(()) => {
                // Make the new directory entry durable too.
                if let Ok(dir) = std::fs::File::open(parent) {
                    let _ = dir.sync_all();
                }
                Ok(wanted)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // Lost a race with another writer of the same key.
                let existing = std::fs::read(&target).map_err(io)?;
                same_or_conflict(key, &existing, wanted)
            }
            Err(e) => Err(io(e)),
        }
    }

    fn existing(&self, key: &BlobKey, target: &Path) -> Result<Option<Vec<u8>>, BlobError> {
        match std::fs::read(target) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(BlobError::Io {
                key: key.clone(),
                source: e,
            }),
        }
    }

    fn get_blocking(&self, key: &BlobKey) -> Result<Vec<u8>, BlobError> {
        self.existing(key, &self.path_of(key))?
            .ok_or_else(|| BlobError::NotFound(key.clone()))
    }

    fn delete_blocking(&self, key: &BlobKey) -> Result<(), BlobError> {
        match std::fs::remove_file(self.path_of(key)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(BlobError::Io {
                key: key.clone(),
                source: e,
            }),
        }
    }
}

fn same_or_conflict(key: &BlobKey, existing: &[u8], wanted: BlobRef) -> Result<BlobRef, BlobError> {
    if existing.len() as u64 == wanted.size && sha256_hex(existing) == wanted.sha256 {
        Ok(wanted)
    } else {
        Err(BlobError::Conflict(key.clone()))
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BlobError> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BlobError::Task(e.to_string()))?
}

impl BlobStore for LocalDirStore {
    fn put<'a>(
        &'a self,
        key: &'a BlobKey,
        bytes: Vec<u8>,
    ) -> BoxFuture<'a, Result<BlobRef, BlobError>> {
        let (store, key) = (self.clone(), key.clone());
        Box::pin(blocking(move || store.put_blocking(&key, &bytes)))
    }

    fn get<'a>(&'a self, key: &'a BlobKey) -> BoxFuture<'a, Result<Vec<u8>, BlobError>> {
        let (store, key) = (self.clone(), key.clone());
        Box::pin(blocking(move || store.get_blocking(&key)))
    }

    fn delete<'a>(&'a self, key: &'a BlobKey) -> BoxFuture<'a, Result<(), BlobError>> {
        let (store, key) = (self.clone(), key.clone());
        Box::pin(blocking(move || store.delete_blocking(&key)))
    }
}

// --- Memory --------------------------------------------------------------------------------------

/// Blobs in a map, for tests. Same semantics as [`LocalDirStore`].
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    blobs: Arc<Mutex<HashMap<BlobKey, Arc<Vec<u8>>>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of blobs stored.
    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<BlobKey, Arc<Vec<u8>>>> {
        // A panic while holding the lock cannot leave the map half-updated (single inserts).
        self.blobs.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl BlobStore for MemoryStore {
    fn put<'a>(
        &'a self,
        key: &'a BlobKey,
        bytes: Vec<u8>,
    ) -> BoxFuture<'a, Result<BlobRef, BlobError>> {
        Box::pin(async move {
            let wanted = blob_ref(key, &bytes);
            let mut map = self.map();
            if let Some(existing) = map.get(key) {
                return same_or_conflict(key, existing, wanted);
            }
            map.insert(key.clone(), Arc::new(bytes));
            Ok(wanted)
        })
    }

    fn get<'a>(&'a self, key: &'a BlobKey) -> BoxFuture<'a, Result<Vec<u8>, BlobError>> {
        Box::pin(async move {
            self.map()
                .get(key)
                .map(|b| b.as_ref().clone())
                .ok_or_else(|| BlobError::NotFound(key.clone()))
        })
    }

    fn delete<'a>(&'a self, key: &'a BlobKey) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            self.map().remove(key);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_could_escape_or_surprise_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/./b",
            "a//b",
            "a/",
            ".hidden",
            "a/.tmp/x",
            "a\\b",
            "a b",
            "C:x",
            "è",
            "a\0b",
            "%2e%2e",
        ] {
            assert!(BlobKey::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(BlobKey::parse("a/".repeat(9).trim_end_matches('/')).is_err());
        assert!(BlobKey::parse(&"a".repeat(513)).is_err());
        for good in [
            "a",
            "receipts/2026/0190abcd.pdf",
            "sha256/ab/abcdef",
            "x_y-z.1",
        ] {
            assert_eq!(BlobKey::parse(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn generated_keys_are_valid() {
        let k = BlobKey::content_addressed(b"hello");
        assert_eq!(
            k.as_str(),
            "sha256/2c/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert!(BlobKey::parse(k.as_str()).is_ok());
        let r = BlobKey::random("uploads").unwrap();
        assert!(r.as_str().starts_with("uploads/"));
        assert_ne!(r, BlobKey::random("uploads").unwrap());
        assert!(BlobKey::random("../x").is_err());
    }
}
