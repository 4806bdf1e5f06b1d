#![doc = include_str!("../README.md")]
#![deny(unsafe_op_in_unsafe_fn, missing_docs, missing_debug_implementations)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![warn(rust_2018_idioms, unreachable_pub)]

// The layers, bottom up (the README's "How it is built" has the picture):
// - `loom`: the one place that picks std/parking_lot or loom's mutex, atomics and cells;
// - `waitlist`: the intrusive FIFO wait list every primitive waits on, the only list `unsafe`;
// - `raw`: the permit cores under `lock` and `semaphore`, one protocol (and policy) per file;
// - the primitives, safe code over those; `blocking` drives any of their futures on a thread.
mod blocking;
mod fairness;
mod loom;
mod raw;
mod waitlist;

pub mod barrier;
pub mod condition;
pub mod event;
pub mod lock;
pub mod queue;
pub mod semaphore;

pub use barrier::{Barrier, BarrierWaitResult, BrokenBarrier};
pub use condition::Condition;
pub use event::Event;
pub use fairness::Fairness;
pub use lock::{Guard, Lock, LockGuard, MappedLockGuard, OwnedLockGuard, OwnedMappedLockGuard};
pub use queue::{
    LifoQueue, PriorityQueue, Queue, QueueShutDown, TaskDoneError, Tracked, TryGetError,
    TryPutError,
};
pub use semaphore::{
    AnySemaphore, BoundedSemaphore, OverRelease, OwnedSemaphorePermit, Semaphore, SemaphorePermit,
    TooManyPermits,
};
