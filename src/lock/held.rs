//! [`Held`], a held lock's permit: every guard releases the lock by dropping one and has no
//! `Drop` of its own, so mapping a guard only moves its `Held` into the new guard.

use std::sync::Arc;

use super::Lock;
use crate::raw::RawLock;

/// What a [`Held`] reaches its lock's core through: the lock, borrowed or in an `Arc`, or just
/// its core (a mapped guard no longer knows the value's type).
pub(super) trait Handle {
    fn raw(&self) -> &RawLock;
}

impl<T: ?Sized> Handle for &Lock<T> {
    #[inline]
    fn raw(&self) -> &RawLock {
        &self.raw
    }
}

impl Handle for &RawLock {
    #[inline]
    fn raw(&self) -> &RawLock {
        self
    }
}

impl<T: ?Sized> Handle for Arc<Lock<T>> {
    #[inline]
    fn raw(&self) -> &RawLock {
        &self.raw
    }
}

/// The lock's permit, held through a handle: dropping it releases the lock.
pub(super) struct Held<H: Handle>(H);

impl<H: Handle> Held<H> {
    /// For whoever holds the lock's permit, which this takes over.
    #[inline]
    pub(super) fn new(handle: H) -> Self {
        Held(handle)
    }

    #[inline]
    pub(super) fn handle(&self) -> &H {
        &self.0
    }
}

impl<'a, T: ?Sized> Held<&'a Lock<T>> {
    /// Keeps only the lock's core, for a guard that no longer knows `T`; the permit moves along.
    #[inline]
    pub(super) fn narrow(self) -> Held<&'a RawLock> {
        let lock = self.0;
        // The permit moves to the new token, so this one must not release it. It holds a
        // borrow only: forgetting it leaks nothing.
        core::mem::forget(self);
        Held(&lock.raw)
    }
}

impl<H: Handle> Drop for Held<H> {
    #[inline]
    fn drop(&mut self) {
        self.0.raw().unlock();
    }
}
