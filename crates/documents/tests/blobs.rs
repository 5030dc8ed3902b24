//! The blob stores: the same behaviour from the local directory and the in-memory store.

use std::sync::Arc;

use omnia_documents::blobs::{
    BlobError, BlobKey, BlobStore, LocalDirStore, MemoryStore, sha256_hex,
};

fn key(s: &str) -> BlobKey {
    BlobKey::parse(s).unwrap()
}

/// The contract every implementation keeps.
async fn contract(store: Arc<dyn BlobStore>) {
    let k = key("uploads/relazione-tecnica.pdf");
    let bytes = b"%PDF-1.7 ... %%EOF".to_vec();

    assert!(matches!(store.get(&k).await, Err(BlobError::NotFound(ref missing)) if *missing == k));

    let r = store.put(&k, bytes.clone()).await.unwrap();
    assert_eq!(r.key, k);
    assert_eq!(r.size, bytes.len() as u64);
    assert_eq!(r.sha256, sha256_hex(&bytes));
    assert_eq!(store.get(&k).await.unwrap(), bytes);

    // Same bytes again: an idempotent retry. Other bytes: refused, the blob is unchanged.
    assert_eq!(store.put(&k, bytes.clone()).await.unwrap(), r);
    assert!(matches!(
        store.put(&k, b"altro".to_vec()).await,
        Err(BlobError::Conflict(_))
    ));
    assert_eq!(store.get(&k).await.unwrap(), bytes);

    // Content-addressed keys.
    let ca = BlobKey::content_addressed(&bytes);
    assert_eq!(
        store.put(&ca, bytes.clone()).await.unwrap().sha256,
        r.sha256
    );

    // Empty blobs are blobs.
    let empty = key("empty");
    assert_eq!(store.put(&empty, Vec::new()).await.unwrap().size, 0);
    assert_eq!(store.get(&empty).await.unwrap(), Vec::<u8>::new());

    store.delete(&k).await.unwrap();
    assert!(matches!(store.get(&k).await, Err(BlobError::NotFound(_))));
    store.delete(&k).await.unwrap(); // deleting twice is fine
    // After a delete the key can be used again.
    store.put(&k, b"nuovo".to_vec()).await.unwrap();
    assert_eq!(store.get(&k).await.unwrap(), b"nuovo");
}

#[tokio::test]
async fn memory_store_keeps_the_contract() {
    contract(Arc::new(MemoryStore::new())).await;
}

#[tokio::test]
async fn local_dir_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    contract(Arc::new(
        LocalDirStore::open(dir.path().join("blobs")).unwrap(),
    ))
    .await;
}

#[tokio::test]
async fn local_dir_store_writes_files_under_its_root_and_leaves_no_temporaries() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::open(dir.path()).unwrap();
    let k = key("receipts/2026/03/ricevuta.pdf");
    store.put(&k, b"abc".to_vec()).await.unwrap();
    let path = dir.path().join("receipts/2026/03/ricevuta.pdf");
    assert_eq!(store.path_of(&k), path);
    assert_eq!(std::fs::read(&path).unwrap(), b"abc");
    assert!(path.starts_with(store.root()));
    let temporaries = std::fs::read_dir(dir.path().join(".tmp")).unwrap().count();
    assert_eq!(temporaries, 0);
    // A second store on the same directory sees the blob (it survives a restart).
    let again = LocalDirStore::open(dir.path()).unwrap();
    assert_eq!(again.get(&k).await.unwrap(), b"abc");
}

#[tokio::test]
async fn concurrent_writers_of_one_key_never_mix_contents() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::open(dir.path()).unwrap();
    let k = key("race/target");
    let mut tasks = Vec::new();
    for i in 0..16u8 {
        let (store, k) = (store.clone(), k.clone());
        tasks.push(tokio::spawn(async move {
            store.put(&k, vec![i; 100_000]).await.map(|_| i)
        }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(i) => winners.push(i),
            Err(BlobError::Conflict(_)) => {}
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one writer wins");
    assert_eq!(store.get(&k).await.unwrap(), vec![winners[0]; 100_000]);
}

#[test]
fn keys_cannot_escape_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::open(dir.path()).unwrap();
    for bad in [
        "../evil",
        "/abs",
        "a/../../evil",
        "..",
        ".tmp/x",
        "a\\..\\b",
    ] {
        assert!(BlobKey::parse(bad).is_err(), "{bad}");
    }
    for good in ["a", "x/y/z.pdf", "sha256/ab/cd"] {
        assert!(store.path_of(&key(good)).starts_with(dir.path()));
    }
}
