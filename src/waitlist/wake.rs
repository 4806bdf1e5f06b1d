//! Waking outside the mutex: a batch of wakers collected under it, one waker after it, and the
//! panic of a waker kept until the job it interrupted is done.

use core::mem::MaybeUninit;
use core::task::Waker;
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use crate::loom::WAKE_BATCH;

/// Wakers collected under a wait list's mutex, to be woken after it is released, in FIFO order.
///
/// A waker that panics does not stop the job: [`wake_all`](WakeList::wake_all) wakes the rest
/// and keeps the first panic in a [`Panic`], which the caller re-raises once its whole job (every
/// batch) is done.
pub(crate) struct WakeList {
    /// `wakers[..len]` are initialised. Left uninitialised otherwise: a release that hands off
    /// one waiter must not pay for clearing the whole batch.
    wakers: [MaybeUninit<Waker>; WAKE_BATCH],
    len: usize,
}

impl WakeList {
    #[inline]
    pub(crate) fn new() -> Self {
        WakeList {
            wakers: [const { MaybeUninit::uninit() }; WAKE_BATCH],
            len: 0,
        }
    }

    #[inline]
    pub(crate) fn is_full(&self) -> bool {
        self.len == WAKE_BATCH
    }

    #[inline]
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        assert!(!self.is_full(), "WakeList overflow");
        if let Some(waker) = waker {
            self.wakers[self.len].write(waker);
            self.len += 1;
        }
    }

    /// Wakes every collected waker, in the order they were pushed, and empties the list. A panic
    /// of one is caught and kept in `panic` (the first one only).
    #[inline]
    pub(crate) fn wake_all(&mut self, panic: &mut Panic) {
        let len = core::mem::replace(&mut self.len, 0);
        for slot in &self.wakers[..len] {
            // SAFETY: `wakers[..len]` were initialised by `push`; `len` is reset first, so each
            // is read exactly once.
            let waker = unsafe { slot.assume_init_read() };
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| waker.wake())) {
                panic.keep(payload);
            }
        }
    }
}

impl Drop for WakeList {
    fn drop(&mut self) {
        // Only reached with wakers left if the job was abandoned by a panic in this crate before
        // `wake_all`; the wakers are dropped (their nodes stay granted).
        for slot in &mut self.wakers[..self.len] {
            // SAFETY: as in `wake_all`.
            unsafe { slot.assume_init_drop() };
        }
    }
}

/// Wakes one waker once the job that granted it is complete. A panic is re-raised, unless this
/// thread is already unwinding (a release run by a guard's drop during a panic must not abort).
#[inline]
pub(crate) fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| waker.wake())) {
            let mut panic = Panic::default();
            panic.keep(payload);
            panic.finish();
        }
    }
}

/// A waker a job no longer needs, held until the job is done: the job may re-raise another
/// waker's panic first, and a second panic, from this one's `drop` while that one unwinds, would
/// abort the process. So while the thread unwinds it is dropped quietly: its panic is dropped,
/// the first one goes on.
pub(crate) struct Spare(pub(crate) Option<Waker>);

impl Drop for Spare {
    #[inline]
    fn drop(&mut self) {
        if let Some(waker) = self.0.take() {
            if std::thread::panicking() {
                let _ = catch_unwind(AssertUnwindSafe(|| drop(waker)));
            } else {
                drop(waker);
            }
        }
    }
}

/// The first panic of a user callback (a waker) met while finishing a job that must not stop
/// half way; re-raised by [`finish`](Panic::finish) once the job is complete.
#[derive(Default)]
pub(crate) struct Panic(Option<Box<dyn Any + Send>>);

impl Panic {
    #[cold]
    fn keep(&mut self, payload: Box<dyn Any + Send>) {
        if self.0.is_none() {
            self.0 = Some(payload);
        }
    }

    /// Re-raises the kept panic, unless this thread is already unwinding (a second panic would
    /// abort the process; the first one is on its way out anyway).
    #[inline]
    pub(crate) fn finish(self) {
        if let Some(payload) = self.0 {
            if !std::thread::panicking() {
                resume_unwind(payload);
            }
        }
    }
}

impl core::fmt::Debug for Panic {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Panic").field(&self.0.is_some()).finish()
    }
}
