#![doc = include_str!("../README.md")]
#![deny(unsafe_op_in_unsafe_fn, missing_docs, missing_debug_implementations)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![warn(rust_2018_idioms, unreachable_pub)]

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
