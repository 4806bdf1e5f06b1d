//! [`Counter`], what both semaphores are made of: the permit core, plus the bound and the
//! headroom that keep releases within it.
//!
//! The accounting, with `cap` the bound (or [`MAX_PERMITS`] for a plain semaphore):
//!
//! - *circulation* `C`: the permits available (in the core's word, held back ones included),
//!   assigned or granted to waiters, and held by live permit objects; forgotten ones are not;
//! - *deficit* `D`: how far `C` is above the capacity a resize asked for; kept in the core's
//!   word, where it and available permits never coexist (the core's `resize` module);
//! - `headroom = cap - (C - D)`: how many permits `release` may still add. A permit repaying
//!   the deficit leaves `C` and `D` together, so it does not change the headroom; a shrink of a
//!   plain semaphore lowers `C - D` and raises the headroom as much; a bounded resize moves the
//!   bound and `C - D` together, so the headroom stays (it is the forgotten permits a
//!   `BoundedSemaphore` may take back). Once `D` is 0, `C <= cap`: the bound holds.
//! - No sum overflows: `C` grows only while `D` is 0, so it stays within `cap`; `D` stays within
//!   [`MAX_PERMITS`] (a plain semaphore's shrink checks it; a bounded one's deficit is at most
//!   the permits it ever had); so the headroom is at most twice [`MAX_PERMITS`].

use core::cmp::Ordering as Cmp;
use core::fmt;

use super::{MAX_PERMITS, RawSemaphore, SemaphorePermit, TooManyPermits};
use crate::Fairness;
use crate::loom::{AtomicUsize, Ordering};

/// Above [`MAX_PERMITS`], so never a real bound.
pub(super) const UNBOUNDED: usize = usize::MAX;

/// What both semaphores are made of. Public, so that the sealed trait can name it, in a private
/// module, so that nothing outside the crate can.
pub struct Counter {
    pub(super) raw: RawSemaphore,
    /// The bound of a [`BoundedSemaphore`](super::BoundedSemaphore); [`UNBOUNDED`] for a plain
    /// [`Semaphore`](super::Semaphore). Changed only under the core's mutex, by a resize.
    bound: AtomicUsize,
    /// How many permits `release` may still add: the bound (or [`MAX_PERMITS`]) minus the
    /// permits in circulation, plus the deficit (see the module's notes). `forget` raises it,
    /// `release` lowers it and is refused when it would go below zero. So available plus held
    /// permits never exceed [`MAX_PERMITS`]: dropping or merging permits cannot overflow.
    headroom: AtomicUsize,
}

impl Counter {
    crate::loom::const_fn! {
        /// `permits` permits; `bounded` makes that number the bound as well.
        pub(super) fn new(
            permits: usize,
            bounded: bool,
            fairness: Fairness,
        ) -> Result<Self, TooManyPermits> {
            if permits > MAX_PERMITS {
                return Err(TooManyPermits {
                    requested: permits,
                    max: MAX_PERMITS,
                });
            }
            let bound = if bounded { permits } else { UNBOUNDED };
            // `Ord::min` is not `const`.
            let max = if bound < MAX_PERMITS { bound } else { MAX_PERMITS };
            Ok(Counter {
                raw: RawSemaphore::new(permits, fairness),
                bound: AtomicUsize::new(bound),
                headroom: AtomicUsize::new(max - permits),
            })
        }
    }

    /// The bound; [`UNBOUNDED`] for a plain semaphore.
    pub(super) fn bound(&self) -> usize {
        self.bound.load(Ordering::Relaxed)
    }

    /// Fails if `n` permits could not be held at once: above the current bound or
    /// [`MAX_PERMITS`].
    pub(super) fn check_request(&self, n: usize) -> Result<(), TooManyPermits> {
        let max = self.bound().min(MAX_PERMITS);
        if n > max {
            return Err(TooManyPermits { requested: n, max });
        }
        Ok(())
    }

    pub(super) fn try_acquire(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        self.check_request(n).ok()?;
        self.raw
            .try_acquire(n)
            .then(|| SemaphorePermit { sem: self, n })
    }

    pub(super) fn forget(&self, n: usize) {
        self.headroom.fetch_add(n, Ordering::AcqRel);
    }

    /// `release(n)`: adds `n` permits if the headroom allows, or changes nothing.
    pub(super) fn add_capacity(&self, n: usize) -> Result<(), ()> {
        self.headroom
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |h| h.checked_sub(n))
            .map_err(drop)?;
        // Releasing nothing changes nothing: not even, under the bounded policy, a hand-off.
        self.release(n);
        Ok(())
    }

    /// Lowers a plain semaphore's capacity by `n`: `C - D` falls by `n`, so the headroom rises
    /// by as much, once the core has changed (until then a release may be refused, never
    /// wrongly accepted).
    pub(super) fn reduce(&self, n: usize) {
        self.raw.resizing().shrink(n);
        self.headroom.fetch_add(n, Ordering::AcqRel);
    }

    /// Takes every available permit of a plain semaphore out of circulation, as `forget` does.
    pub(super) fn drain(&self) -> usize {
        let taken = self.raw.resizing().drain();
        self.headroom.fetch_add(taken, Ordering::AcqRel);
        taken
    }

    /// Moves a bounded semaphore's bound and capacity together, under the core's mutex, so that
    /// concurrent resizes apply in the order they read the bound. The headroom stays.
    pub(super) fn set_bound(&self, bound: usize) {
        let resizing = self.raw.resizing();
        let old = self.bound.swap(bound, Ordering::Relaxed);
        match bound.cmp(&old) {
            Cmp::Greater => resizing.grow(bound - old),
            Cmp::Less => resizing.shrink(old - bound),
            Cmp::Equal => {}
        }
    }

    /// Gives back `n` permits that a permit object held, so the headroom already counts them.
    #[inline]
    pub(super) fn release(&self, n: usize) {
        if n > 0 {
            self.raw.release(n);
        }
    }
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available_permits", &self.raw.available())
            .field("deficit", &self.raw.deficit())
            .field("waiters", &self.raw.waiters())
            .finish()
    }
}
