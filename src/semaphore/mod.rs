//! [`Semaphore`] and [`BoundedSemaphore`]: asyncio's counting semaphores, one implementation.

// The layout, one concern per file:
// - `counter`: `Counter`, what both semaphores are made of (the permit core, bound, headroom);
// - `shared`: every method both types have, written once with its docs and examples, and the
//   few things that differ by kind (`Semaphore` panics where `BoundedSemaphore` returns errors);
// - `unbounded`, `bounded`: each type, its docs, and what only it has (`release*`, `bound`, and
//   the resizes: `reduce_permits` and `drain_permits`, or `set_bound`);
// - `future`, `permit`, `error`: the types the methods return.
// This file holds what spans both: the `AnySemaphore` trait and its seal.

use std::sync::Arc;

// The permit core and the waiter node, named once for every file of the module.
use crate::raw::{MAX_PERMITS, RawSemaphore};
use crate::waitlist::{Waiter, WaiterState};

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
/// Each method's docs link to the inherent method it stands for, which has the details and an
/// example.
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
    fn acquire(&self) -> Acquire<'_> {
        Acquire::new(self.counter(), 1)
    }

    /// Waits for `n` permits at once: [`BoundedSemaphore::acquire_many`].
    ///
    /// # Errors
    ///
    /// [`TooManyPermits`] if `n` exceeds the bound, or `MAX_PERMITS` for a [`Semaphore`].
    fn acquire_many(&self, n: usize) -> Result<Acquire<'_>, TooManyPermits> {
        Acquire::checked(self.counter(), n)
    }

    /// Waits for a permit of a semaphore in an [`Arc`]: [`Semaphore::acquire_owned`].
    fn acquire_owned(self: &Arc<Self>) -> AcquireOwned<Self> {
        AcquireOwned::new(self, 1)
    }

    /// Waits for `n` permits of a semaphore in an [`Arc`]:
    /// [`BoundedSemaphore::acquire_many_owned`].
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
    #[must_use = "if unused the permit is released at once"]
    fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.counter().try_acquire(1)
    }

    /// Takes `n` permits without waiting: [`Semaphore::try_acquire_many`].
    #[must_use = "if unused the permits are released at once"]
    fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        self.counter().try_acquire(n)
    }

    /// Takes a permit of a semaphore in an [`Arc`] without waiting:
    /// [`Semaphore::try_acquire_owned`].
    #[must_use = "if unused the permit is released at once"]
    fn try_acquire_owned(self: &Arc<Self>) -> Option<OwnedSemaphorePermit<Self>> {
        OwnedSemaphorePermit::try_new(self, 1)
    }

    /// Takes `n` permits of a semaphore in an [`Arc`] without waiting:
    /// [`Semaphore::try_acquire_many_owned`].
    #[must_use = "if unused the permits are released at once"]
    fn try_acquire_many_owned(self: &Arc<Self>, n: usize) -> Option<OwnedSemaphorePermit<Self>> {
        OwnedSemaphorePermit::try_new(self, n)
    }

    /// The number of permits that can be acquired right now:
    /// [`Semaphore::available_permits`].
    fn available_permits(&self) -> usize {
        self.counter().raw.available()
    }

    /// Whether an acquire would wait: [`Semaphore::locked`].
    fn locked(&self) -> bool {
        self.counter().raw.locked()
    }

    /// How many tasks wait for permits: [`Semaphore::waiters`].
    fn waiters(&self) -> usize {
        self.counter().raw.waiters()
    }

    /// How many permits a resize left owed: [`Semaphore::deficit`].
    fn deficit(&self) -> usize {
        self.counter().raw.deficit()
    }

    /// Gives back a permit: [`BoundedSemaphore::release`], or [`Semaphore::release`] made to
    /// return `Ok` (see the [trait's notes](AnySemaphore)).
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
