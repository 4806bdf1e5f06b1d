//! [`Guard`]: the guards a [`Condition`](crate::Condition) waits with, and [`Park`], what it
//! does with their lock meanwhile.

use core::ops::DerefMut;
use std::sync::Arc;

use super::{Lock, LockGuard, OwnedLockGuard};

/// A held [`Lock`] that a [`Condition`](crate::Condition) can wait and notify with:
/// [`LockGuard`] or [`OwnedLockGuard`]. Sealed: the condition must be able to give the lock up
/// while waiting and take it back.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use aiosync::{Condition, Guard, Lock};
///
/// /// Works with borrowed and owned guards alike.
/// fn bump<G: Guard<Target = u32>>(cond: &Condition, mut guard: G) -> G {
///     *guard += 1;
///     cond.notify_all(&guard);
///     guard
/// }
///
/// let (lock, cond) = (Arc::new(Lock::new(0)), Condition::new());
/// drop(bump(&cond, lock.try_acquire().unwrap()));
/// drop(bump(&cond, lock.try_acquire_owned().unwrap()));
/// assert_eq!(*lock.try_acquire().unwrap(), 2);
/// ```
///
/// Only a [`Condition`](crate::Condition) that has taken the lock again can turn a guard's lock
/// back into a guard: code outside the crate cannot make one without acquiring.
///
/// ```compile_fail,E0061
/// use aiosync::{Guard, Lock};
///
/// fn forge<G: Guard>(guard: &G) -> G {
///     G::relocked(G::handle(guard))
/// }
/// ```
pub trait Guard: DerefMut + Park {}

impl<T: ?Sized> Guard for LockGuard<'_, T> {}
impl<T: ?Sized> Guard for OwnedLockGuard<T> {}

/// What a [`Condition`](crate::Condition) does with a guard's lock while it waits: give it up,
/// keeping a handle on the lock, and take it again through the lock's own wait list. Public in a
/// private module, so [`Guard`] is sealed. Its methods can still be called through a `Guard`
/// bound, which is why [`relocked`](Park::relocked) asks for a [`Relock`].
pub trait Park: DerefMut + Sized {
    /// The lock, while the guard is given up.
    type Parked;
    /// A handle on the guard's lock. Taken before the guard is dropped (which releases the lock),
    /// so that a wait holds it even if releasing panics in a waker.
    fn handle(guard: &Self) -> Self::Parked;
    /// The lock a handle is on.
    fn parked_lock(parked: &Self::Parked) -> &Lock<Self::Target>;
    /// The guard again, for whoever has taken the lock again.
    fn relocked(parked: Self::Parked, _: Relock) -> Self;
}

/// Permission to call [`Park::relocked`], which makes a guard without taking the lock: only this
/// crate can make one, and does so only after taking the lock.
#[derive(Debug)]
pub struct Relock(());

impl Relock {
    /// For a wait that has taken its lock again.
    pub(crate) fn after_acquiring() -> Self {
        Relock(())
    }
}

impl<'a, T: ?Sized> Park for LockGuard<'a, T> {
    type Parked = &'a Lock<T>;

    fn handle(guard: &Self) -> Self::Parked {
        LockGuard::lock(guard)
    }

    fn parked_lock(parked: &Self::Parked) -> &Lock<T> {
        parked
    }

    fn relocked(parked: Self::Parked, _: Relock) -> Self {
        LockGuard::new(parked)
    }
}

impl<T: ?Sized> Park for OwnedLockGuard<T> {
    type Parked = Arc<Lock<T>>;

    fn handle(guard: &Self) -> Self::Parked {
        OwnedLockGuard::lock(guard).clone()
    }

    fn parked_lock(parked: &Self::Parked) -> &Lock<T> {
        parked
    }

    fn relocked(parked: Self::Parked, _: Relock) -> Self {
        OwnedLockGuard::new(parked)
    }
}
