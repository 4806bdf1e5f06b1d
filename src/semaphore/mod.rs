//! [`Semaphore`] and [`BoundedSemaphore`]: asyncio's counting semaphores, one implementation.

// The layout, one concern per file:
// - `counter`: `Counter`, what both semaphores are made of (the permit core, bound, headroom);
// - `shared`: the methods the two semaphores share, with the same code and docs;
// - `unbounded`, `bounded`: each type and its own methods;
// - `future`, `permit`, `error`: the types the methods return.
// This file holds what spans both: the `AnySemaphore` trait and its seal.

use std::sync::Arc;

// The permit core and the waiter node, named once for every file of the module.
use crate::permits::{MAX_PERMITS, RawSemaphore};
use crate::queue::{Waiter, WaiterState};

mod bounded;
mod counter;
mod error;
mod future;
mod permit;
mod shared;
mod unbounded;

pub use bounded::BoundedSemaphore;
pub use error::{OverRelease, TooManyPermits};
pub use future::{Acquire, AcquireOwned};
pub use permit::{OwnedSemaphorePermit, SemaphorePermit};
pub use unbounded::Semaphore;

/// [`Semaphore`] or [`BoundedSemaphore`], for code generic over both; also what an
/// [`OwnedSemaphorePermit`] can come from. Sealed.
///
/// Its methods are the semaphores' own, with one signature that suits both where theirs differ:
///
/// - [`acquire_many`](AnySemaphore::acquire_many) returns a `Result`, as
///   [`BoundedSemaphore::acquire_many`] does: [`TooManyPermits`] when `n` is more than the
///   semaphore can ever hold (its bound, or `MAX_PERMITS` for a [`Semaphore`], whose own
///   `acquire_many` panics there).
/// - [`release`](AnySemaphore::release) returns `Result<(), OverRelease>`, as
///   [`BoundedSemaphore::release`] does. For a [`Semaphore`] it is always `Ok`: it has no bound,
///   and above `MAX_PERMITS` it panics as [`Semaphore::release`] does, because an overflow is a
///   bug rather than an outcome to handle.
///
/// The semaphores' inherent methods take precedence, so importing the trait changes nothing for
/// code that names a concrete type.
///
/// # Examples
///
/// ```
/// use aiosync::{AnySemaphore, BoundedSemaphore, Semaphore};
///
/// /// Runs `job` with `n` permits of either kind of semaphore.
/// async fn with_permits<S: AnySemaphore>(sem: &S, n: usize, job: impl FnOnce()) -> Result<(), aiosync::TooManyPermits> {
///     let permits = sem.acquire_many(n)?.await;
///     job();
///     drop(permits);
///     Ok(())
/// }
///
/// # futures_executor::block_on(async {
/// let (sem, bounded) = (Semaphore::new(3), BoundedSemaphore::new(2));
/// with_permits(&sem, 3, || assert!(sem.locked())).await.unwrap();
/// with_permits(&bounded, 2, || assert_eq!(bounded.available_permits(), 0)).await.unwrap();
/// assert!(with_permits(&bounded, 3, || ()).await.is_err()); // above the bound
/// # });
/// ```
pub trait AnySemaphore: private::Sealed + Sized {
    /// Waits for a permit: [`Semaphore::acquire`].
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe; see [`Semaphore`'s notes](Semaphore#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, BoundedSemaphore};
    /// async fn one<S: AnySemaphore>(sem: &S) -> usize {
    ///     sem.acquire().await.num_permits()
    /// }
    /// assert_eq!(futures_executor::block_on(one(&BoundedSemaphore::new(1))), 1);
    /// ```
    fn acquire(&self) -> Acquire<'_> {
        Acquire::new(self.counter(), 1)
    }

    /// Waits for `n` permits at once: [`BoundedSemaphore::acquire_many`].
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe; see [`Semaphore`'s notes](Semaphore#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, Semaphore};
    /// fn too_many<S: AnySemaphore>(sem: &S) -> bool {
    ///     sem.acquire_many(usize::MAX).is_err()
    /// }
    /// assert!(too_many(&Semaphore::new(1))); // an error here, not a panic
    /// ```
    ///
    /// # Errors
    ///
    /// [`TooManyPermits`] if `n` exceeds the bound, or `MAX_PERMITS` for a [`Semaphore`].
    fn acquire_many(&self, n: usize) -> Result<Acquire<'_>, TooManyPermits> {
        Acquire::checked(self.counter(), n)
    }

    /// Waits for a permit of a semaphore in an [`Arc`]: [`Semaphore::acquire_owned`].
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe; see [`Semaphore`'s notes](Semaphore#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiosync::{AnySemaphore, OwnedSemaphorePermit, Semaphore};
    /// async fn take<S: AnySemaphore>(sem: &Arc<S>) -> OwnedSemaphorePermit<S> {
    ///     sem.acquire_owned().await
    /// }
    /// let permit = futures_executor::block_on(take(&Arc::new(Semaphore::new(1))));
    /// # drop(permit);
    /// ```
    fn acquire_owned(self: &Arc<Self>) -> AcquireOwned<Self> {
        AcquireOwned::new(self, 1)
    }

    /// Waits for `n` permits of a semaphore in an [`Arc`]:
    /// [`BoundedSemaphore::acquire_many_owned`].
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe; see [`Semaphore`'s notes](Semaphore#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiosync::{AnySemaphore, BoundedSemaphore};
    /// fn too_many<S: AnySemaphore>(sem: &Arc<S>) -> bool {
    ///     sem.acquire_many_owned(3).is_err()
    /// }
    /// assert!(too_many(&Arc::new(BoundedSemaphore::new(2))));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](AnySemaphore::acquire_many).
    fn acquire_many_owned(
        self: &Arc<Self>,
        n: usize,
    ) -> Result<AcquireOwned<Self>, TooManyPermits> {
        AcquireOwned::checked(self, n)
    }

    /// Takes a permit without waiting: [`Semaphore::try_acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, Semaphore};
    /// fn busy<S: AnySemaphore>(sem: &S) -> bool {
    ///     sem.try_acquire().is_none()
    /// }
    /// assert!(busy(&Semaphore::new(0)));
    /// ```
    #[must_use = "if unused the permit is released at once"]
    fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.counter().try_acquire(1)
    }

    /// Takes `n` permits without waiting: [`Semaphore::try_acquire_many`].
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, BoundedSemaphore};
    /// fn room_for<S: AnySemaphore>(sem: &S, n: usize) -> bool {
    ///     sem.try_acquire_many(n).is_some()
    /// }
    /// assert!(room_for(&BoundedSemaphore::new(2), 2));
    /// ```
    #[must_use = "if unused the permits are released at once"]
    fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        self.counter().try_acquire(n)
    }

    /// Takes a permit of a semaphore in an [`Arc`] without waiting:
    /// [`Semaphore::try_acquire_owned`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiosync::{AnySemaphore, BoundedSemaphore};
    /// fn busy<S: AnySemaphore>(sem: &Arc<S>) -> bool {
    ///     sem.try_acquire_owned().is_none()
    /// }
    /// assert!(!busy(&Arc::new(BoundedSemaphore::new(1))));
    /// ```
    #[must_use = "if unused the permit is released at once"]
    fn try_acquire_owned(self: &Arc<Self>) -> Option<OwnedSemaphorePermit<Self>> {
        self.try_acquire_many_owned(1)
    }

    /// Takes `n` permits of a semaphore in an [`Arc`] without waiting:
    /// [`Semaphore::try_acquire_many_owned`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiosync::{AnySemaphore, Semaphore};
    /// fn room_for<S: AnySemaphore>(sem: &Arc<S>, n: usize) -> bool {
    ///     sem.try_acquire_many_owned(n).is_some()
    /// }
    /// assert!(!room_for(&Arc::new(Semaphore::new(2)), 3));
    /// ```
    #[must_use = "if unused the permits are released at once"]
    fn try_acquire_many_owned(self: &Arc<Self>, n: usize) -> Option<OwnedSemaphorePermit<Self>> {
        OwnedSemaphorePermit::try_new(self, n)
    }

    /// The number of permits that can be acquired right now:
    /// [`Semaphore::available_permits`].
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, BoundedSemaphore};
    /// fn free<S: AnySemaphore>(sem: &S) -> usize {
    ///     sem.available_permits()
    /// }
    /// assert_eq!(free(&BoundedSemaphore::new(3)), 3);
    /// ```
    fn available_permits(&self) -> usize {
        self.counter().raw.available()
    }

    /// Whether an acquire would wait: [`Semaphore::locked`].
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, Semaphore};
    /// fn would_wait<S: AnySemaphore>(sem: &S) -> bool {
    ///     sem.locked()
    /// }
    /// assert!(would_wait(&Semaphore::new(0)));
    /// ```
    fn locked(&self) -> bool {
        self.counter().raw.locked()
    }

    /// How many tasks wait for permits: [`Semaphore::waiters`].
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, Semaphore};
    /// fn queue_length<S: AnySemaphore>(sem: &S) -> usize {
    ///     sem.waiters()
    /// }
    /// assert_eq!(queue_length(&Semaphore::new(1)), 0);
    /// ```
    fn waiters(&self) -> usize {
        self.counter().raw.waiters()
    }

    /// Gives back a permit: [`BoundedSemaphore::release`], or [`Semaphore::release`] made to
    /// return `Ok` (see the [trait's notes](AnySemaphore)).
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, BoundedSemaphore, Semaphore};
    /// fn give_back<S: AnySemaphore>(sem: &S) -> bool {
    ///     sem.release().is_ok()
    /// }
    /// assert!(give_back(&Semaphore::new(1))); // no bound
    /// assert!(!give_back(&BoundedSemaphore::new(1))); // already at its bound
    /// ```
    ///
    /// # Panics
    ///
    /// For a [`Semaphore`], as [`Semaphore::release`]: if the count would exceed `MAX_PERMITS`.
    ///
    /// # Errors
    ///
    /// For a [`BoundedSemaphore`], as [`BoundedSemaphore::release`]: [`OverRelease`] if the count
    /// is already at the bound.
    fn release(&self) -> Result<(), OverRelease> {
        self.release_many(1)
    }

    /// Gives back `n` permits: [`BoundedSemaphore::release_many`], or
    /// [`Semaphore::release_many`] made to return `Ok`.
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, BoundedSemaphore};
    /// fn give_back<S: AnySemaphore>(sem: &S, n: usize) -> bool {
    ///     sem.release_many(n).is_ok()
    /// }
    /// let sem = BoundedSemaphore::new(2);
    /// sem.try_acquire_many(2).unwrap().forget();
    /// assert!(!give_back(&sem, 3));
    /// assert!(give_back(&sem, 2));
    /// ```
    ///
    /// # Panics
    ///
    /// For a [`Semaphore`], as [`Semaphore::release_many`].
    ///
    /// # Errors
    ///
    /// For a [`BoundedSemaphore`], as [`BoundedSemaphore::release_many`].
    fn release_many(&self, n: usize) -> Result<(), OverRelease>;
}

/// Public, so that [`AnySemaphore`] can name it, in a private module, so that nothing outside
/// the crate can implement it.
mod private {
    use super::counter::Counter;

    pub trait Sealed {
        fn counter(&self) -> &Counter;
    }
}
