//! [`Semaphore`] and [`BoundedSemaphore`]: asyncio's counting semaphores, one implementation.

use core::fmt;
use core::future::Future;
use core::mem::ManuallyDrop;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use futures_core::FusedFuture;
use pin_project_lite::pin_project;

use crate::loom::{AtomicUsize, Ordering};
use crate::permits::{MAX_PERMITS, RawSemaphore};
use crate::queue::{Waiter, WaiterState};

/// What both semaphores are made of.
struct Counter {
    raw: RawSemaphore,
    /// The bound of a [`BoundedSemaphore`]; [`UNBOUNDED`] for a plain [`Semaphore`].
    bound: usize,
    /// Permits taken out of circulation by [`SemaphorePermit::forget`] and not yet given back by
    /// `release()`. A [`BoundedSemaphore`] accepts a release only while this is non-zero: that is
    /// exactly when the count is below the bound, counting permits held by live guards.
    forgotten: AtomicUsize,
}

/// Above [`MAX_PERMITS`], so never a real bound.
const UNBOUNDED: usize = usize::MAX;

impl Counter {
    fn new(permits: usize, bound: usize) -> Result<Self, TooManyPermits> {
        if permits > MAX_PERMITS {
            return Err(TooManyPermits { requested: permits });
        }
        Ok(Counter {
            raw: RawSemaphore::new(permits),
            bound,
            forgotten: AtomicUsize::new(0),
        })
    }
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available_permits", &self.raw.available())
            .field("waiters", &self.raw.queue.len())
            .finish()
    }
}

/// asyncio's `Semaphore`: a counter of permits that tasks acquire and release, waiting in FIFO
/// order while none is available.
///
/// [`acquire`](Semaphore::acquire) returns a [`SemaphorePermit`] that releases its permit when
/// dropped. asyncio's manual style, `acquire()` now and `release()` later, maps to
/// [`SemaphorePermit::forget`] followed by [`Semaphore::release`].
///
/// # Fairness
///
/// Strictly first-in, first-out. A released permit goes directly to the oldest waiter, which
/// owns it before it even runs (as CPython reserves it at wake-up); a newcomer's
/// [`acquire`](Semaphore::acquire) or [`try_acquire`](Semaphore::try_acquire) never takes a
/// permit while anyone waits.
///
/// # Cancel safety
///
/// [`acquire`](Semaphore::acquire) is cancel-safe: dropping the [`Acquire`] future gives up its
/// place in the queue, and a permit already handed to it goes to the next waiter (or back to the
/// count).
///
/// # Examples
///
/// ```
/// use aiosync::Semaphore;
///
/// # futures_executor::block_on(async {
/// let sem = Semaphore::new(2);
/// let a = sem.acquire().await;
/// let b = sem.acquire().await;
/// assert!(sem.locked());
/// drop(a);
/// assert_eq!(sem.available_permits(), 1);
/// # drop(b);
/// # });
/// ```
pub struct Semaphore(Counter);

/// asyncio's `BoundedSemaphore`: a [`Semaphore`] whose count can never rise above its initial
/// value.
///
/// Permits returned by dropping a [`SemaphorePermit`] can never exceed the bound, so the only
/// way to try is an explicit [`release`](BoundedSemaphore::release), which returns
/// [`OverRelease`] instead of raising the count (asyncio's `ValueError`).
///
/// # Fairness
///
/// As for [`Semaphore`]: strict FIFO, permits handed directly to the oldest waiter, no barging.
///
/// # Cancel safety
///
/// As for [`Semaphore`]: [`acquire`](BoundedSemaphore::acquire) is cancel-safe.
///
/// # Examples
///
/// ```
/// use aiosync::BoundedSemaphore;
///
/// # futures_executor::block_on(async {
/// let sem = BoundedSemaphore::new(1);
/// assert!(sem.release().is_err()); // already at its bound
///
/// sem.acquire().await.forget(); // asyncio's `await sem.acquire()`
/// assert!(sem.release().is_ok()); // asyncio's `sem.release()`
/// # });
/// ```
///
/// # Errors
///
/// [`release`](BoundedSemaphore::release) fails with [`OverRelease`] when the count is already at
/// the bound.
pub struct BoundedSemaphore(Counter);

/// The methods both semaphores share, with the same code and documentation.
macro_rules! shared_methods {
    ($ty:ident) => {
        impl $ty {
            /// The largest number of permits a semaphore can hold.
            pub const MAX_PERMITS: usize = MAX_PERMITS;

            #[doc = concat!("Waits for a permit. asyncio's `await sem.acquire()` / `async with sem`.")]
            ///
            /// The request joins the queue when the future is first polled.
            ///
            /// # Cancel safety
            ///
            #[doc = concat!("Cancel-safe; see the [type-level notes](", stringify!($ty), "#cancel-safety).")]
            ///
            /// # Examples
            ///
            /// ```
            /// # futures_executor::block_on(async {
            #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(1);")]
            /// let permit = sem.acquire().await;
            /// assert_eq!(sem.available_permits(), 0);
            /// # drop(permit);
            /// # });
            /// ```
            pub fn acquire(&self) -> Acquire<'_> {
                Acquire { sem: &self.0, n: 1, node: Waiter::new() }
            }

            /// Takes a permit if one is available and nobody is waiting, without waiting.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(1);")]
            /// let permit = sem.try_acquire().unwrap();
            /// assert!(sem.try_acquire().is_none());
            /// # drop(permit);
            /// ```
            pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
                self.0.raw.try_acquire(1).then(|| SemaphorePermit { sem: &self.0, n: 1 })
            }

            /// The number of permits that can be acquired right now.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(3);")]
            /// assert_eq!(sem.available_permits(), 3);
            /// ```
            pub fn available_permits(&self) -> usize {
                self.0.raw.available()
            }

            /// Whether [`acquire`](Self::acquire) would wait: no permit is available (while
            /// anyone waits, none ever is). asyncio's `locked()`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(0);")]
            /// assert!(sem.locked());
            /// ```
            pub fn locked(&self) -> bool {
                self.available_permits() == 0
            }

            /// How many tasks wait for permits (a snapshot, taken without locking).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("assert_eq!(aiosync::", stringify!($ty), "::new(1).waiters(), 0);")]
            /// ```
            pub fn waiters(&self) -> usize {
                self.0.raw.queue.len()
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($ty)).field(&self.0).finish()
            }
        }
    };
}

shared_methods!(Semaphore);
shared_methods!(BoundedSemaphore);

impl Semaphore {
    /// Creates a semaphore with `permits` permits.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::Semaphore::new(4);
    /// assert_eq!(sem.available_permits(), 4);
    /// ```
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`]; [`try_new`](Semaphore::try_new) returns
    /// an error instead.
    pub fn new(permits: usize) -> Self {
        Self::try_new(permits).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Creates a semaphore with `permits` permits, or fails if there are too many.
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::Semaphore;
    /// assert!(Semaphore::try_new(Semaphore::MAX_PERMITS + 1).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`TooManyPermits`] if `permits` exceeds [`Semaphore::MAX_PERMITS`].
    pub fn try_new(permits: usize) -> Result<Self, TooManyPermits> {
        Counter::new(permits, UNBOUNDED).map(Semaphore)
    }

    /// Adds a permit, waking the oldest waiter if there is one. asyncio's `release()`: there is
    /// no upper limit and no check that the caller acquired one.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::Semaphore::new(0);
    /// sem.release();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    ///
    /// # Panics
    ///
    /// If the count would exceed [`Semaphore::MAX_PERMITS`].
    pub fn release(&self) {
        self.0.raw.release(1);
    }
}

impl Default for Semaphore {
    /// asyncio's default: one permit.
    fn default() -> Self {
        Semaphore::new(1)
    }
}

impl BoundedSemaphore {
    /// Creates a bounded semaphore with `permits` permits, which is also its bound.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::BoundedSemaphore::new(2);
    /// assert_eq!(sem.bound(), 2);
    /// ```
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`BoundedSemaphore::MAX_PERMITS`];
    /// [`try_new`](BoundedSemaphore::try_new) returns an error instead.
    pub fn new(permits: usize) -> Self {
        Self::try_new(permits).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Creates a bounded semaphore with `permits` permits, or fails if there are too many.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(aiosync::BoundedSemaphore::try_new(3).is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`TooManyPermits`] if `permits` exceeds [`BoundedSemaphore::MAX_PERMITS`].
    pub fn try_new(permits: usize) -> Result<Self, TooManyPermits> {
        Counter::new(permits, permits).map(BoundedSemaphore)
    }

    /// The bound: the initial number of permits, which the count never exceeds.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(aiosync::BoundedSemaphore::new(5).bound(), 5);
    /// ```
    pub fn bound(&self) -> usize {
        self.0.bound
    }

    /// Gives back a permit taken with [`SemaphorePermit::forget`], waking the oldest waiter if
    /// there is one. asyncio's `release()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let sem = aiosync::BoundedSemaphore::new(1);
    /// sem.acquire().await.forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// sem.release().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// [`OverRelease`] if the count is already at the bound, counting the permits that live
    /// [`SemaphorePermit`]s hold (they will come back when dropped). Nothing changes then.
    pub fn release(&self) -> Result<(), OverRelease> {
        self.0
            .forgotten
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |f| f.checked_sub(1))
            .map_err(|_| OverRelease {
                bound: self.bound(),
            })?;
        self.0.raw.release(1);
        Ok(())
    }
}

pin_project! {
    /// The future returned by `acquire` on [`Semaphore`] and [`BoundedSemaphore`]; resolves to a
    /// [`SemaphorePermit`].
    ///
    /// Dropping it before it completes is safe: see
    /// [`Semaphore`'s cancel safety](Semaphore#cancel-safety).
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Acquire<'a> {
        sem: &'a Counter,
        n: usize,
        #[pin]
        node: Waiter,
    }

    impl PinnedDrop for Acquire<'_> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            this.sem.raw.cancel_acquire(this.node.as_ref(), *this.n);
        }
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = SemaphorePermit<'a>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        ready!(this.sem.raw.poll_acquire(this.node.as_ref(), *this.n, cx));
        Poll::Ready(SemaphorePermit {
            sem: this.sem,
            n: *this.n,
        })
    }
}

impl FusedFuture for Acquire<'_> {
    fn is_terminated(&self) -> bool {
        self.node.state() == WaiterState::Done
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("permits", &self.n)
            .field("state", &self.node.state())
            .finish()
    }
}

/// Permits acquired from a [`Semaphore`] or [`BoundedSemaphore`]; dropping it gives them back.
#[must_use = "if unused the permit is released at once"]
#[clippy::has_significant_drop]
pub struct SemaphorePermit<'a> {
    sem: &'a Counter,
    n: usize,
}

impl SemaphorePermit<'_> {
    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::Semaphore::new(1);
    /// assert_eq!(sem.try_acquire().unwrap().num_permits(), 1);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.n
    }

    /// Keeps the permits out of circulation instead of giving them back: asyncio's
    /// `acquire()` without a matching `release()` yet. A later `release()` gives one back.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// sem.release();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn forget(self) {
        let this = ManuallyDrop::new(self);
        if this.sem.bound != UNBOUNDED {
            this.sem.forgotten.fetch_add(this.n, Ordering::AcqRel);
        }
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.raw.release(self.n);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.n)
            .finish()
    }
}

/// A semaphore was asked to hold more than `MAX_PERMITS` permits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooManyPermits {
    requested: usize,
}

impl fmt::Display for TooManyPermits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a semaphore cannot hold {} permits (at most {MAX_PERMITS})",
            self.requested
        )
    }
}

impl std::error::Error for TooManyPermits {}

/// [`BoundedSemaphore::release`] would have raised the count above the bound: asyncio's
/// `ValueError('BoundedSemaphore released too many times')`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverRelease {
    bound: usize,
}

impl fmt::Display for OverRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BoundedSemaphore released too many times (bound {})",
            self.bound
        )
    }
}

impl std::error::Error for OverRelease {}
