//! The auto traits that must *not* hold, each checked by a doctest that must fail to compile
//! (error E0277, an unsatisfied trait bound). `tests/types.rs` checks the positive cases; the
//! README's Soundness section has the table.
//!
//! `OwnedMappedLockGuard<u8, Cell<u8>>` is not `Sync`: `&guard` hands out `&U`: sharing it needs
//! `U: Sync`.
//!
//! ```compile_fail,E0277
//! use std::cell::Cell;
//! use aiosync::OwnedMappedLockGuard;
//! fn check<T: Sync>() {}
//! check::<OwnedMappedLockGuard<u8, Cell<u8>>>();
//! ```
//!
//! `OwnedMappedLockGuard<Rc<u8>, u8>` is not `Sync`: `&guard` reaches the `Arc<Lock<T>>`, which
//! may be cloned and dropped on any thread only if `T: Send`.
//!
//! ```compile_fail,E0277
//! use std::rc::Rc;
//! use aiosync::OwnedMappedLockGuard;
//! fn check<T: Sync>() {}
//! check::<OwnedMappedLockGuard<Rc<u8>, u8>>();
//! ```
//!
//! `OwnedMappedLockGuard<Rc<u8>, u8>` is not `Send`: the last `Arc` it holds may drop the `T` on
//! the thread it moved to.
//!
//! ```compile_fail,E0277
//! use std::rc::Rc;
//! use aiosync::OwnedMappedLockGuard;
//! fn check<T: Send>() {}
//! check::<OwnedMappedLockGuard<Rc<u8>, u8>>();
//! ```
//!
//! `OwnedMappedLockGuard<u8, Rc<u8>>` is not `Send`: it hands out `&mut U`.
//!
//! ```compile_fail,E0277
//! use std::rc::Rc;
//! use aiosync::OwnedMappedLockGuard;
//! fn check<T: Send>() {}
//! check::<OwnedMappedLockGuard<u8, Rc<u8>>>();
//! ```
//!
//! `OwnedLockGuard<Cell<u8>>` is not `Sync`: `&guard` hands out `&T`: sharing it needs `T: Sync`.
//!
//! ```compile_fail,E0277
//! use std::{cell::Cell, rc::Rc};
//! use aiosync::{Lock, LockGuard, MappedLockGuard, OwnedLockGuard};
//! fn check<T: Sync>() {}
//! check::<OwnedLockGuard<Cell<u8>>>();
//! ```
//!
//! `LockGuard<'static, Cell<u8>>` is not `Sync`: as for the owned guard.
//!
//! ```compile_fail,E0277
//! use std::{cell::Cell, rc::Rc};
//! use aiosync::{Lock, LockGuard, MappedLockGuard, OwnedLockGuard};
//! fn check<T: Sync>() {}
//! check::<LockGuard<'static, Cell<u8>>>();
//! ```
//!
//! `MappedLockGuard<'static, Cell<u8>>` is not `Sync`: as for the owned guard.
//!
//! ```compile_fail,E0277
//! use std::{cell::Cell, rc::Rc};
//! use aiosync::{Lock, LockGuard, MappedLockGuard, OwnedLockGuard};
//! fn check<T: Sync>() {}
//! check::<MappedLockGuard<'static, Cell<u8>>>();
//! ```
//!
//! `aiosync::condition::Wait<'static, LockGuard<'static, Cell<u8>>>` is not `Sync`: it holds the guard.
//!
//! ```compile_fail,E0277
//! use std::{cell::Cell, rc::Rc};
//! use aiosync::{Lock, LockGuard, MappedLockGuard, OwnedLockGuard};
//! fn check<T: Sync>() {}
//! check::<aiosync::condition::Wait<'static, LockGuard<'static, Cell<u8>>>>();
//! ```
//!
//! `Lock<Rc<u8>>` is not `Send`: the value moves with the lock.
//!
//! ```compile_fail,E0277
//! use std::{cell::Cell, rc::Rc};
//! use aiosync::{Lock, LockGuard, MappedLockGuard, OwnedLockGuard};
//! fn check<T: Send>() {}
//! check::<Lock<Rc<u8>>>();
//! ```
//!
//! `Lock<Rc<u8>>` is not `Sync`: whoever holds the lock owns the value, on any thread.
//!
//! ```compile_fail,E0277
//! use std::{cell::Cell, rc::Rc};
//! use aiosync::{Lock, LockGuard, MappedLockGuard, OwnedLockGuard};
//! fn check<T: Sync>() {}
//! check::<Lock<Rc<u8>>>();
//! ```
//!
//! `LockGuard<'static, Rc<u8>>` is not `Send`: a guard hands out `&mut T`.
//!
//! ```compile_fail,E0277
//! use std::{cell::Cell, rc::Rc};
//! use aiosync::{Lock, LockGuard, MappedLockGuard, OwnedLockGuard};
//! fn check<T: Send>() {}
//! check::<LockGuard<'static, Rc<u8>>>();
//! ```
//!
//! `OwnedLockGuard<Rc<u8>>` is not `Send`: as for `LockGuard`.
//!
//! ```compile_fail,E0277
//! use std::{cell::Cell, rc::Rc};
//! use aiosync::{Lock, LockGuard, MappedLockGuard, OwnedLockGuard};
//! fn check<T: Send>() {}
//! check::<OwnedLockGuard<Rc<u8>>>();
//! ```
//!
//! `MappedLockGuard<'static, Rc<u8>>` is not `Send`: as for `LockGuard`.
//!
//! ```compile_fail,E0277
//! use std::{cell::Cell, rc::Rc};
//! use aiosync::{Lock, LockGuard, MappedLockGuard, OwnedLockGuard};
//! fn check<T: Send>() {}
//! check::<MappedLockGuard<'static, Rc<u8>>>();
//! ```
//!
//! `aiosync::lock::Acquire<'static, Rc<u8>>` is not `Send`: it resolves to a guard.
//!
//! ```compile_fail,E0277
//! use std::{cell::Cell, rc::Rc};
//! use aiosync::{Lock, LockGuard, MappedLockGuard, OwnedLockGuard};
//! fn check<T: Send>() {}
//! check::<aiosync::lock::Acquire<'static, Rc<u8>>>();
//! ```
//!
//! `aiosync::lock::AcquireOwned<Rc<u8>>` is not `Send`: it resolves to a guard.
//!
//! ```compile_fail,E0277
//! use std::{cell::Cell, rc::Rc};
//! use aiosync::{Lock, LockGuard, MappedLockGuard, OwnedLockGuard};
//! fn check<T: Send>() {}
//! check::<aiosync::lock::AcquireOwned<Rc<u8>>>();
//! ```
//!
//! `aiosync::condition::Wait<'static, LockGuard<'static, Rc<u8>>>` is not `Send`: it holds the guard.
//!
//! ```compile_fail,E0277
//! use std::{cell::Cell, rc::Rc};
//! use aiosync::{Lock, LockGuard, MappedLockGuard, OwnedLockGuard};
//! fn check<T: Send>() {}
//! check::<aiosync::condition::Wait<'static, LockGuard<'static, Rc<u8>>>>();
//! ```
//!
//! `Lock<u8>` is not `RefUnwindSafe`: it does not poison, so a panic that unwinds out of a
//! critical section with the value half changed leaves it that way for the next holder. As with
//! std's `Mutex` before poisoning, `AssertUnwindSafe` is the caller's statement that this is
//! fine. The other primitives hold no value and are unwind-safe (`tests/types.rs`).
//!
//! ```compile_fail,E0277
//! use std::panic::RefUnwindSafe;
//! use aiosync::Lock;
//! fn check<T: RefUnwindSafe>() {}
//! check::<Lock<u8>>();
//! ```
