//! Reading on its own thread: the reader parses ahead while the checker
//! works, through a bounded channel of batches (memory stays bounded: at
//! most a few batches of records in flight, and their buffers are recycled).

// Records travel between the threads as boxes, so moving one never copies the
// ~1 KiB struct; the pools are vectors of such boxes.
#![allow(clippy::vec_box)]

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::catalogue::Code;
use crate::model::*;

const BATCH: usize = 256;

enum Msg {
    Header(Box<RawHeader>),
    Employer(Box<RawEmployer>),
    Position(Box<RawPosition>),
    Record(Box<RawRecord>),
    End,
    Fatal(Fatal),
}

struct Batch {
    msgs: Vec<(Msg, Vec<Issue>)>,
    bytes: u64,
}

/// A [`FlowReader`] whose parsing runs on a background thread.
pub struct Threaded {
    rx: Receiver<Batch>,
    back: SyncSender<Vec<Box<RawRecord>>>,
    current: std::vec::IntoIter<(Msg, Vec<Issue>)>,
    recycle: Vec<Box<RawRecord>>,
    items: Items,
    bytes: u64,
    done: bool,
    handle: Option<JoinHandle<()>>,
}

fn produce<R: FlowReader>(
    mut reader: R,
    tx: SyncSender<Batch>,
    back: Receiver<Vec<Box<RawRecord>>>,
) {
    let mut pool: Vec<Box<RawRecord>> = Vec::new();
    let mut msgs = Vec::with_capacity(BATCH);
    loop {
        let mut issues = Vec::new();
        let (msg, last) = match reader.next_item(&mut issues) {
            Ok(Item::Header) => (Msg::Header(Box::new(reader.header().clone())), false),
            Ok(Item::Employer) => (Msg::Employer(Box::new(reader.employer().clone())), false),
            Ok(Item::Position) => (Msg::Position(Box::new(reader.position().clone())), false),
            Ok(Item::Record) => {
                if pool.is_empty() {
                    while let Ok(v) = back.try_recv() {
                        pool.extend(v);
                    }
                }
                let mut r = pool.pop().unwrap_or_default();
                reader.swap_record(&mut r);
                (Msg::Record(r), false)
            }
            Ok(Item::End) => (Msg::End, true),
            Err(f) => (Msg::Fatal(f), true),
        };
        msgs.push((msg, issues));
        if last || msgs.len() == BATCH {
            let batch = Batch {
                msgs: std::mem::replace(&mut msgs, Vec::with_capacity(BATCH)),
                bytes: reader.bytes_read(),
            };
            if tx.send(batch).is_err() || last {
                return;
            }
        }
    }
}

impl Threaded {
    /// Starts reading `reader` on a new thread.
    pub fn spawn<R: FlowReader + Send + 'static>(reader: R) -> std::io::Result<Self> {
        let (tx, rx) = sync_channel(4);
        let (back, back_rx) = sync_channel(4);
        let handle = std::thread::Builder::new()
            .name("flow-reader".into())
            .spawn(move || produce(reader, tx, back_rx))?;
        Ok(Self {
            rx,
            back,
            current: Vec::new().into_iter(),
            recycle: Vec::with_capacity(BATCH),
            items: Items::default(),
            bytes: 0,
            done: false,
            handle: Some(handle),
        })
    }
}

impl FlowReader for Threaded {
    fn next_item(&mut self, issues: &mut Vec<Issue>) -> Result<Item, Fatal> {
        if self.done {
            return Ok(Item::End);
        }
        let (msg, mut found) = match self.current.next() {
            Some(m) => m,
            None => match self.rx.recv() {
                Ok(batch) => {
                    self.bytes = batch.bytes;
                    self.current = batch.msgs.into_iter();
                    match self.current.next() {
                        Some(m) => m,
                        None => return self.next_item(issues),
                    }
                }
                Err(_) => {
                    self.done = true;
                    let panicked = self.handle.take().map(|h| h.join().is_err());
                    return Err(Fatal {
                        code: Code::FO01,
                        loc: Location::default(),
                        element: "documento".into(),
                        message: format!(
                            "lettura interrotta ({})",
                            if panicked == Some(true) {
                                "errore interno"
                            } else {
                                "fine inattesa"
                            }
                        ),
                    });
                }
            },
        };
        issues.append(&mut found);
        match msg {
            Msg::Header(h) => {
                self.items.header = *h;
                Ok(Item::Header)
            }
            Msg::Employer(e) => {
                self.items.employer = *e;
                Ok(Item::Employer)
            }
            Msg::Position(p) => {
                self.items.position = *p;
                Ok(Item::Position)
            }
            Msg::Record(mut r) => {
                std::mem::swap(&mut self.items.record, &mut *r);
                self.recycle.push(r);
                if self.recycle.len() >= BATCH {
                    let v = std::mem::replace(&mut self.recycle, Vec::with_capacity(BATCH));
                    let _ = self.back.try_send(v);
                }
                Ok(Item::Record)
            }
            Msg::End => {
                self.done = true;
                Ok(Item::End)
            }
            Msg::Fatal(f) => {
                self.done = true;
                Err(f)
            }
        }
    }

    fn items(&self) -> &Items {
        &self.items
    }
    fn items_mut(&mut self) -> &mut Items {
        &mut self.items
    }
    fn bytes_read(&self) -> u64 {
        self.bytes
    }
}

impl Drop for Threaded {
    fn drop(&mut self) {
        // Unblock and end the reader thread if the checker stopped early.
        let (_, rx) = sync_channel(0);
        drop(std::mem::replace(&mut self.rx, rx));
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
