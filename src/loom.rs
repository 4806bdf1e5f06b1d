//! The one place that chooses between real and model-checked synchronization.
//!
//! Everything the wait list and the primitives share between threads (the wait list's mutex, atomics,
//! cells holding list pointers and wakers) comes from here, so the primitives themselves contain no
//! `cfg(loom)`. Under `--cfg loom` they are loom's, which lets loom explore every interleaving of
//! them. Under Miri the wait list's mutex is std's, because parking_lot's parking uses integer-to-pointer
//! casts that `-Zmiri-strict-provenance` rejects.

// loom is an optional dependency, so that it never enters a dependent's Cargo.lock.
#[cfg(all(loom, not(feature = "loom")))]
compile_error!("`--cfg loom` model checking needs aiosync's `loom` feature: add `--features loom`");

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// Defines a constructor as a `const fn`, or as a plain `fn` under loom, whose atomics and mutex
/// cannot be made in a const context. This is what lets the primitives' `new` be `const` (so they
/// can be `static`s) without a `cfg(loom)` in their own files.
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        #[cfg(not(loom))]
        $(#[$attr])* $vis const fn $($rest)*
        #[cfg(loom)]
        $(#[$attr])* $vis fn $($rest)*
    };
}
pub(crate) use const_fn;

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// How many wakers are collected under a wait list's mutex before it is released to wake them. Under
/// loom it is 2, so that a model with three waiters already needs a second batch.
#[cfg(not(loom))]
pub(crate) const WAKE_BATCH: usize = 32;
#[cfg(loom)]
pub(crate) const WAKE_BATCH: usize = 2;

/// The mutex guarding each wait list: parking_lot normally, std under Miri, loom under loom.
#[derive(Debug)]
pub(crate) struct Mutex<T>(Inner<T>);

#[cfg(all(not(loom), not(miri)))]
type Inner<T> = parking_lot::Mutex<T>;
#[cfg(all(not(loom), not(miri)))]
pub(crate) type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;

#[cfg(all(not(loom), miri))]
type Inner<T> = std::sync::Mutex<T>;
#[cfg(all(not(loom), miri))]
pub(crate) type MutexGuard<'a, T> = std::sync::MutexGuard<'a, T>;

#[cfg(loom)]
type Inner<T> = loom::sync::Mutex<T>;
#[cfg(loom)]
pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    /// `parking_lot::const_mutex` rather than `Mutex::new`: it is `const` with every `lock_api`
    /// version that parking_lot 0.12 accepts.
    #[cfg(all(not(loom), not(miri)))]
    pub(crate) const fn new(value: T) -> Self {
        Mutex(parking_lot::const_mutex(value))
    }

    #[cfg(all(not(loom), miri))]
    pub(crate) const fn new(value: T) -> Self {
        Mutex(Inner::new(value))
    }

    #[cfg(loom)]
    pub(crate) fn new(value: T) -> Self {
        Mutex(Inner::new(value))
    }

    #[cfg(all(not(loom), not(miri)))]
    #[inline]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock()
    }

    /// std's and loom's mutexes poison on panic; the wait list stays consistent across a panic (every
    /// list operation completes before user code can run), so poisoning is ignored.
    #[cfg(any(loom, miri))]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// An `UnsafeCell` whose accesses loom can check; outside loom it is `std::cell::UnsafeCell`.
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(CellInner<T>);

#[cfg(not(loom))]
type CellInner<T> = std::cell::UnsafeCell<T>;
#[cfg(loom)]
type CellInner<T> = loom::cell::UnsafeCell<T>;

impl<T> UnsafeCell<T> {
    pub(crate) fn new(value: T) -> Self {
        UnsafeCell(CellInner::new(value))
    }

    /// Runs `f` with a pointer for reading. The caller makes sure no write happens meanwhile.
    #[cfg(not(loom))]
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with a pointer for writing. The caller makes sure no other access happens meanwhile.
    #[cfg(not(loom))]
    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }

    #[cfg(loom)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        self.0.with(f)
    }

    #[cfg(loom)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        self.0.with_mut(f)
    }
}
