//! Resizing a semaphore, and the deficit a shrink may leave. [`RawSemaphore::resizing`] takes the
//! mutex for one resize, which then grows, shrinks or drains the permits in that one critical
//! section, so it is atomic with respect to every acquire, release, cancellation and hand-off.
//! The rules of the parent module hold, and these:
//!
//! - A shrink takes available permits first, those held back for a granted waiter included
//!   (they are nobody's yet), and records the rest as a deficit: the word's count with `DEFICIT`
//!   set. Permits assigned to a waiter, granted to one, or held are never taken back.
//! - The word holds permits or a deficit, never both. Permits released while a deficit is owed
//!   repay it before any waiter is served or any permit becomes available: [`repay`] runs
//!   wherever released permits reach the waiters or the word (`release_with`, `open`, `settle`).
//!   A shrink made between two wake batches of a release (by a waker) counts as made after that
//!   release, which goes on serving its waiters; `settle` repays the deficit from what is left.
//! - `DEFICIT` is set and cleared only under the mutex and keeps the fast paths out, so no
//!   release, and no acquire, meets a deficit without the mutex.
//! - A grow is a release under the same lock, by the same rules as any release. Nothing else
//!   here wakes anyone: taking permits cannot complete a request.
//!
//! [`repay`]: RawSemaphore::repay

use super::{DEFICIT, MAX_PERMITS, ONE, QUEUED, RawSemaphore, permits};
use crate::loom::Ordering;
use crate::waitlist::Locked;

/// The permits owed that the word `cur` records.
#[inline]
fn owed(cur: usize) -> usize {
    if cur & DEFICIT != 0 { cur / ONE } else { 0 }
}

/// The semaphore's mutex, held for one resize: what the caller reads or changes between
/// [`RawSemaphore::resizing`] and the grow, shrink or drain (a bound) changes with it, atomically.
pub(crate) struct Resizing<'a> {
    sem: &'a RawSemaphore,
    q: Locked<'a, u32>,
}

impl RawSemaphore {
    /// Locks the semaphore for one resize.
    #[cold]
    pub(crate) fn resizing(&self) -> Resizing<'_> {
        Resizing {
            sem: self,
            q: self.list.lock(),
        }
    }

    /// How many released permits will be absorbed before any reaches a waiter (a snapshot).
    pub(crate) fn deficit(&self) -> usize {
        owed(self.state.load(Ordering::Acquire))
    }

    /// Under the mutex, with `n` permits being released: repays the deficit from them first.
    /// Returns how many are left for the waiters and the word.
    pub(super) fn repay(&self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let cur = self.state.load(Ordering::Acquire);
        if cur & DEFICIT == 0 {
            return n;
        }
        // `DEFICIT` is set, so only mutex holders change the word.
        let owed = cur / ONE;
        if n < owed {
            self.state.store(cur - n * ONE, Ordering::Release);
            return 0;
        }
        self.state.store(cur & QUEUED, Ordering::Release);
        n - owed
    }
}

impl Resizing<'_> {
    /// Adds `n` permits, as a release of `n` does: the deficit first, then the waiters by the
    /// fairness policy's rules, then the word. Wakes whoever it granted after unlocking.
    pub(crate) fn grow(self, n: usize) {
        self.sem.release_locked(self.q, n);
    }

    /// Removes `n` permits: the available ones first, the rest as a deficit.
    ///
    /// # Panics
    ///
    /// If the deficit would exceed [`MAX_PERMITS`]. Nothing changes then.
    pub(crate) fn shrink(self, n: usize) {
        let state = &self.sem.state;
        let mut cur = state.load(Ordering::Acquire);
        loop {
            let avail = permits(cur);
            let next = if avail >= n {
                cur - n * ONE
            } else {
                let owed = owed(cur)
                    .checked_add(n - avail)
                    .filter(|&owed| owed <= MAX_PERMITS)
                    .unwrap_or_else(|| {
                        panic!("semaphore deficit overflow: more than {MAX_PERMITS} permits owed")
                    });
                (owed * ONE) | DEFICIT | (cur & QUEUED)
            };
            // With both flags clear, the fast paths may change the word meanwhile.
            match state.compare_exchange(cur, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
        drop(self.q);
    }

    /// Takes every available permit; returns how many.
    pub(crate) fn drain(self) -> usize {
        let state = &self.sem.state;
        let mut cur = state.load(Ordering::Acquire);
        let taken = loop {
            let avail = permits(cur);
            if avail == 0 {
                break 0;
            }
            // With both flags clear, the fast paths may change the word meanwhile.
            match state.compare_exchange(
                cur,
                cur - avail * ONE,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break avail,
                Err(actual) => cur = actual,
            }
        };
        drop(self.q);
        taken
    }
}
