//! Reading the operation's files on worker threads while this thread stores
//! what they find: the files are parsed side by side (one per core), then
//! each is sent in compressed pieces for its batch to keep; a bounded channel
//! keeps memory flat when the store is the slower side. Items reach the
//! handler in each file's own order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use super::Abort;
use crate::formats::any::{read_typed, AnyRecord};
use crate::formats::csvtable::ColumnPreset;
use crate::formats::detect::Detected;
use crate::formats::source::{Ctl, Input};
use crate::formats::{FormatError, Item};
use crate::progress::CancelToken;

/// Size of the pieces a file is kept in.
const FILE_CHUNK: usize = 1 << 20;
/// Messages in flight between the readers and the store.
const CHANNEL: usize = 16;
/// Events per message: one wake-up of this thread per batch, not per record.
const BATCH: usize = 256;

/// One file to read.
pub(super) struct Job<'a> {
    pub input: &'a Input,
    pub detected: &'a Detected,
    pub preset: Option<&'a ColumnPreset>,
    /// Whether the records themselves travel to the handler (formats the
    /// checks, population and findings use), or only the fact of them.
    pub keep: bool,
    /// Read before the others: the handler can do its work on these files
    /// while the others are still being read.
    pub first: bool,
}

/// What the handler is given; `job` indexes the jobs.
#[allow(clippy::large_enum_variant)] // as `AnyRecord`
pub(super) enum Event {
    /// A piece of the file itself, LZ4-compressed, for the batch to keep.
    Chunk {
        job: usize,
        n: u64,
        packed: Vec<u8>,
    },
    Item {
        job: usize,
        item: Item<Option<AnyRecord>>,
    },
    Progress {
        job: usize,
        done: u64,
        total: u64,
    },
    /// Every item of the job was handed over, and it was read to its end.
    Finished {
        job: usize,
    },
}

enum Msg {
    Events(Vec<Event>),
    Done { job: usize, result: Result<(), FormatError> },
}

/// Why reading stopped before the end.
pub(super) enum Stopped {
    /// The handler refused an event.
    Handler(Abort),
    Cancelled,
}

/// The files that could not be read to their end (the reader's verdict),
/// by job: the others were read all the same, so that every refusal is
/// known at once.
pub(super) type Failures = Vec<(usize, FormatError)>;

/// Stops the workers however the handler's loop ends.
struct StopOnDrop<'a>(&'a CancelToken);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Reads every job, handing events to `handle` on this thread. A handler
/// error or a cancel stops every reader; a file that cannot be read is
/// reported with the others' verdicts.
pub(super) fn read_all(
    jobs: &[Job<'_>],
    cancel: &CancelToken,
    handle: &mut dyn FnMut(Event) -> Result<(), Abort>,
) -> Result<Failures, Stopped> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4).min(jobs.len());
    // The files asked first, then the biggest first, so that the last one to
    // start is a small one.
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&j| (!jobs[j].first, std::cmp::Reverse(jobs[j].input.len().unwrap_or(0))));
    let order = &order;
    let next = AtomicUsize::new(0);
    let stop = CancelToken::new();
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Msg>(CHANNEL);
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, stop) = (&next, &stop);
            scope.spawn(move || worker(jobs, order, next, stop, tx));
        }
        drop(tx);
        let _stop = StopOnDrop(&stop);
        receive(rx, jobs.len(), cancel, handle)
    })
}

fn receive(
    rx: Receiver<Msg>,
    count: usize,
    cancel: &CancelToken,
    handle: &mut dyn FnMut(Event) -> Result<(), Abort>,
) -> Result<Failures, Stopped> {
    let mut finished = 0;
    let mut failures = Vec::new();
    while finished < count {
        let Ok(msg) = rx.recv() else { break };
        if cancel.is_cancelled() {
            return Err(Stopped::Cancelled);
        }
        match msg {
            Msg::Events(events) => {
                for event in events {
                    handle(event).map_err(Stopped::Handler)?;
                }
            }
            Msg::Done { job, result: Ok(()) } => {
                finished += 1;
                handle(Event::Finished { job }).map_err(Stopped::Handler)?;
            }
            Msg::Done { result: Err(FormatError::Cancelled), .. } => return Err(Stopped::Cancelled),
            Msg::Done { job, result: Err(error) } => {
                failures.push((job, error));
                finished += 1;
            }
        }
    }
    if finished < count {
        // A worker ended without its verdict: only a cancel does that.
        return Err(Stopped::Cancelled);
    }
    Ok(failures)
}

fn worker(jobs: &[Job<'_>], order: &[usize], next: &AtomicUsize, stop: &CancelToken, tx: SyncSender<Msg>) {
    loop {
        let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) else { return };
        let Some(job) = jobs.get(index) else { return };
        if stop.is_cancelled() {
            return;
        }
        let result = read_one(index, job, stop, &tx);
        if tx.send(Msg::Done { job: index, result }).is_err() {
            return;
        }
    }
}

/// Gathers a worker's events into batches.
struct Outbox<'a> {
    tx: &'a SyncSender<Msg>,
    events: Vec<Event>,
}

impl Outbox<'_> {
    fn push(&mut self, event: Event) -> Result<(), FormatError> {
        self.events.push(event);
        if self.events.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), FormatError> {
        if self.events.is_empty() {
            return Ok(());
        }
        let events = std::mem::replace(&mut self.events, Vec::with_capacity(BATCH));
        self.tx.send(Msg::Events(events)).map_err(|_| FormatError::Cancelled)
    }
}

fn read_one(index: usize, job: &Job<'_>, stop: &CancelToken, tx: &SyncSender<Msg>) -> Result<(), FormatError> {
    let outbox = std::cell::RefCell::new(Outbox { tx, events: Vec::with_capacity(BATCH) });
    let mut progress = |done: u64, total: u64| {
        // A lost progress event only matters when everything stops.
        let _ = outbox.borrow_mut().push(Event::Progress { job: index, done, total });
    };
    let mut ctl = Ctl { cancel: stop, progress: &mut progress };
    read_typed(job.input, job.detected, job.preset, &mut ctl, &mut |item| {
        let item = match item {
            Item::Header(h) => Item::Header(h),
            Item::Reject(r) => Item::Reject(r),
            Item::Record(r, location) => Item::Record(job.keep.then_some(r), location),
        };
        outbox.borrow_mut().push(Event::Item { job: index, item })
    })?;
    // Then the file itself, compressed here rather than on the storing thread.
    let mut n = 0;
    job.input.for_each_chunk(stop, FILE_CHUNK, &mut |bytes| {
        let packed = lz4_flex::block::compress_prepend_size(bytes);
        let mut outbox = outbox.borrow_mut();
        outbox.push(Event::Chunk { job: index, n, packed })?;
        n += 1;
        outbox.flush()
    })?;
    let flushed = outbox.borrow_mut().flush();
    flushed
}
