//! Préau domain logic. Nothing here knows about windows, webviews or dialogs:
//! the desktop shell and the command line are thin adapters over this crate.

pub mod audit;
pub mod demo;
pub mod directory;
pub mod formats;
pub mod groups;
pub mod home;
pub mod import;
pub mod model;
pub mod people_csv;
pub mod progress;
pub mod reconcile;
pub mod rentree;
pub mod secrets;
pub mod store;
pub mod sync;
pub mod text;
pub mod ticket;
pub mod visibility;

/// Every program built on this crate (the window, the command line, the
/// benchmarks) allocates through mimalloc: reading an export builds and frees
/// many small records, where the system allocator spent a fifth of the time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Every error that crosses a boundary (IPC, CLI, logs) carries a stable code;
/// the UI translates codes, tests assert them.
pub trait ErrorCode {
    fn code(&self) -> &'static str;
}
