//! [`Condition`]: asyncio's `Condition`, a condition variable that works with any [`Lock`].

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use futures_core::FusedFuture;
use pin_project_lite::pin_project;

use crate::lock::{Lock, LockGuard};
use crate::queue::{SideList, Waiter, WaiterState};

/// asyncio's `Condition`: tasks holding a [`Lock`] wait until another task notifies them.
///
/// A `Condition` does not own a lock; it is used with one, like `std::sync::Condvar`. That is what
/// lets several conditions share one lock, as in the classic bounded buffer with `not_empty` and
/// `not_full`. Every method takes the [`LockGuard`], so waiting or notifying without holding the
/// lock (asyncio's `RuntimeError`) does not compile:
///
/// | asyncio | aiosync |
/// |---|---|
/// | `async with cond:` | `let guard = lock.acquire().await;` |
/// | `await cond.wait()` | `guard = cond.wait(guard).await;` |
/// | `await cond.wait_for(pred)` | `guard = cond.wait_for(guard, pred).await;` |
/// | `cond.notify(n)` | `cond.notify(&guard, n);` |
/// | `cond.notify_all()` | `cond.notify_all(&guard);` |
///
/// [`wait`](Condition::wait) releases the lock and starts waiting in one step, so a notification
/// sent after the lock is released cannot be missed, and it returns with the lock held again.
///
/// # Fairness
///
/// Notified in FIFO order. A notified waiter is not woken to compete for the lock: it is moved
/// to the back of the lock's own queue and woken when the lock is handed to it, so notified
/// waiters get the lock in the order they were notified and one `notify_all` causes no stampede.
///
/// # Cancel safety
///
/// [`wait`](Condition::wait) and [`wait_for`](Condition::wait_for) are cancel-safe in asyncio's
/// sense: dropping the future never loses a notification and never leaves the lock held by no
/// one or by two. A waiter dropped after being notified passes its notification to the next
/// waiter (asyncio's gh-112202 fix; the cost is a possible spurious wake-up, so re-check your
/// condition, or use `wait_for`), and if the lock had already been handed to it, passes the lock
/// on too. Unlike asyncio, a dropped wait does not re-acquire the lock: the guard it consumed is
/// gone with it.
///
/// # Examples
///
/// ```
/// use aiosync::{Condition, Lock};
///
/// # futures_executor::block_on(async {
/// let lock = Lock::new(false);
/// let ready = Condition::new();
///
/// futures_util::join!(
///     async {
///         let guard = ready.wait_for(lock.acquire().await, |ready| *ready).await;
///         assert!(*guard);
///     },
///     async {
///         let mut guard = lock.acquire().await;
///         *guard = true;
///         ready.notify_all(&guard);
///     },
/// );
/// # });
/// ```
///
/// # Panics
///
/// A condition serves one lock at a time: waiting with a guard of another lock while tasks still
/// wait with the first one panics, and so does notifying with such a guard.
pub struct Condition {
    /// Guarded by the mutex of the lock's queue, so that a notified waiter moves to the lock's
    /// queue under one lock.
    waiters: SideList,
}

impl Condition {
    /// Creates a condition, not yet tied to any lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let not_empty = aiosync::Condition::new();
    /// assert_eq!(not_empty.waiters(), 0);
    /// ```
    pub fn new() -> Self {
        Condition {
            waiters: SideList::new(),
        }
    }

    /// Releases the lock, waits to be notified, then waits for the lock again and returns its
    /// guard. asyncio's `await cond.wait()`.
    ///
    /// The lock is released and the task queued when the future is first polled; until then the
    /// future holds the guard.
    ///
    /// # Cancel safety
    ///
    /// See the [type-level notes](Condition#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{Condition, Lock};
    ///
    /// # futures_executor::block_on(async {
    /// let (lock, cond) = (Lock::new(0), Condition::new());
    /// futures_util::join!(
    ///     async {
    ///         let mut n = lock.acquire().await;
    ///         while *n == 0 {
    ///             n = cond.wait(n).await;
    ///         }
    ///     },
    ///     async {
    ///         let mut n = lock.acquire().await;
    ///         *n = 1;
    ///         cond.notify(&n, 1);
    ///     },
    /// );
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// When polled, if the condition is in use with a different lock.
    pub fn wait<'a, T: ?Sized>(&'a self, guard: LockGuard<'a, T>) -> Wait<'a, T> {
        Wait {
            cond: self,
            lock: LockGuard::lock(&guard),
            guard: Some(guard),
            node: Waiter::new(),
        }
    }

    /// Waits until `predicate` returns `true`, checking it with the lock held first and again
    /// after each wake-up; returns the guard with the predicate true. asyncio's
    /// `await cond.wait_for(predicate)`.
    ///
    /// # Cancel safety
    ///
    /// See the [type-level notes](Condition#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{Condition, Lock};
    ///
    /// # futures_executor::block_on(async {
    /// let (queue, not_empty) = (Lock::new(vec![1]), Condition::new());
    /// let mut items = not_empty.wait_for(queue.acquire().await, |q| !q.is_empty()).await;
    /// assert_eq!(items.pop(), Some(1));
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// If the condition is in use with a different lock; a panic of `predicate` propagates (the
    /// lock is released when the future is dropped).
    pub fn wait_for<'a, T: ?Sized, F>(
        &'a self,
        guard: LockGuard<'a, T>,
        predicate: F,
    ) -> WaitFor<'a, T, F>
    where
        F: FnMut(&mut T) -> bool,
    {
        WaitFor {
            wait: self.wait(guard),
            predicate,
        }
    }

    /// Wakes up to `n` waiting tasks, oldest first; returns how many. asyncio's `notify(n)`.
    ///
    /// The guard proves the caller holds the lock. The notified tasks line up for the lock, which
    /// they get, one after the other, once the caller releases it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (lock, cond) = (aiosync::Lock::new(()), aiosync::Condition::new());
    /// let guard = lock.try_acquire().unwrap();
    /// assert_eq!(cond.notify(&guard, 1), 0); // nobody waits
    /// ```
    ///
    /// # Panics
    ///
    /// If tasks wait on this condition with a different lock.
    pub fn notify<T: ?Sized>(&self, guard: &LockGuard<'_, T>, n: usize) -> usize {
        let raw = &LockGuard::lock(guard).raw;
        let mut q = raw.queue.lock();
        if q.side_taken(&self.waiters) {
            drop(q);
            panic!(
                "notify with a guard of a different lock than the waiters' (a Condition serves one lock at a time)"
            );
        }
        let mut notified = 0;
        while notified < n && q.move_side_front(&self.waiters, 1) {
            notified += 1;
        }
        // The caller holds the lock, so this only marks the lock as having waiters.
        raw.release_with(q, 0);
        notified
    }

    /// Wakes every waiting task; returns how many. asyncio's `notify_all()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (lock, cond) = (aiosync::Lock::new(()), aiosync::Condition::new());
    /// let guard = lock.try_acquire().unwrap();
    /// assert_eq!(cond.notify_all(&guard), 0);
    /// ```
    ///
    /// # Panics
    ///
    /// If tasks wait on this condition with a different lock.
    pub fn notify_all<T: ?Sized>(&self, guard: &LockGuard<'_, T>) -> usize {
        self.notify(guard, usize::MAX)
    }

    /// How many tasks wait to be notified (a snapshot, taken without locking).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(aiosync::Condition::new().waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.waiters.len()
    }
}

impl Default for Condition {
    fn default() -> Self {
        Condition::new()
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("waiters", &self.waiters())
            .finish()
    }
}

pin_project! {
    /// The future returned by [`Condition::wait`]; resolves to the lock's guard.
    ///
    /// Dropping it before it completes is safe: see
    /// [`Condition`'s cancel safety](Condition#cancel-safety).
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Wait<'a, T: ?Sized> {
        cond: &'a Condition,
        lock: &'a Lock<T>,
        // The guard, until the first poll hands its permit over to the queue.
        guard: Option<LockGuard<'a, T>>,
        #[pin]
        node: Waiter,
    }

    impl<T: ?Sized> PinnedDrop for Wait<'_, T> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let node = this.node.as_ref();
            if !matches!(node.state(), WaiterState::Listed | WaiterState::Queued | WaiterState::Woken) {
                return; // Not queued: any guard still held is dropped with the future.
            }
            let raw = &this.lock.raw;
            let mut q = raw.queue.lock();
            let lock_permit = match q.remove(node, Some(&this.cond.waiters)).0 {
                WaiterState::Listed => return, // never notified: nothing to pass on
                WaiterState::Queued => 0,      // notified, waiting for the lock
                _ => 1,                        // notified and handed the lock
            };
            // The notification this waiter consumed goes to the next one (CPython gh-112202),
            // then the lock, if it was ours, goes to the next in the lock's queue.
            q.move_side_front(&this.cond.waiters, 1);
            raw.release_with(q, lock_permit);
        }
    }
}

impl<'a, T: ?Sized> Future for Wait<'a, T> {
    type Output = LockGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let node = this.node.as_ref();
        let lock = *this.lock;
        match node.state() {
            WaiterState::Idle => {
                assert!(this.guard.is_some(), "`Wait` polled after completion");
                let waker = cx.waker().clone();
                let mut q = lock.raw.queue.lock();
                if !q.push_side(&this.cond.waiters, node, waker) {
                    drop(q);
                    panic!(
                        "wait with a guard of a different lock than the other waiters' (a Condition serves one lock at a time)"
                    );
                }
                // Queued before the lock is released, under the same mutex: no lost wake-up.
                this.guard.take().map(LockGuard::into_lock);
                lock.raw.release_with(q, 1);
                return Poll::Pending;
            }
            WaiterState::Listed | WaiterState::Queued => {
                ready!(lock.raw.queue.poll_waiter(node, cx))
            }
            WaiterState::Woken => {}
            WaiterState::Done => panic!("`Wait` polled after completion"),
        }
        node.complete();
        Poll::Ready(LockGuard::new(lock))
    }
}

impl<T: ?Sized> FusedFuture for Wait<'_, T> {
    fn is_terminated(&self) -> bool {
        match self.node.state() {
            WaiterState::Done => true,
            WaiterState::Idle => self.guard.is_none(),
            _ => false,
        }
    }
}

impl<T: ?Sized> fmt::Debug for Wait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("state", &self.node.state())
            .finish()
    }
}

pin_project! {
    /// The future returned by [`Condition::wait_for`]; resolves to the lock's guard once the
    /// predicate holds.
    ///
    /// Dropping it before it completes is safe: see
    /// [`Condition`'s cancel safety](Condition#cancel-safety).
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct WaitFor<'a, T: ?Sized, F> {
        #[pin]
        wait: Wait<'a, T>,
        predicate: F,
    }
}

impl<'a, T: ?Sized, F: FnMut(&mut T) -> bool> Future for WaitFor<'a, T, F> {
    type Output = LockGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            let wait = this.wait.as_mut().project();
            // Holding the lock and not queued: check the predicate before waiting.
            if let Some(guard) = wait.guard.as_mut() {
                if (this.predicate)(guard) {
                    return Poll::Ready(wait.guard.take().expect("guard checked above"));
                }
            }
            let guard = ready!(this.wait.as_mut().poll(cx));
            let wait = this.wait.as_mut().project();
            wait.node.as_ref().rearm();
            *wait.guard = Some(guard);
        }
    }
}

impl<T: ?Sized, F: FnMut(&mut T) -> bool> FusedFuture for WaitFor<'_, T, F> {
    fn is_terminated(&self) -> bool {
        self.wait.is_terminated()
    }
}

impl<T: ?Sized, F> fmt::Debug for WaitFor<'_, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitFor").field("wait", &self.wait).finish()
    }
}
