//! [`Condition`]: asyncio's `Condition`, a condition variable that works with any [`Lock`](crate::Lock).

use core::fmt;
use core::future::Future;
use core::pin::{Pin, pin};
use core::task::{Context, Poll, ready};
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::time::{Duration, Instant};

use futures_core::FusedFuture;
use pin_project_lite::pin_project;

use crate::blocking::{block_on, deadline, poll_until};
use crate::lock::{Guard, Relock};
use crate::waitlist::{WaitList, Waiter, WaiterState};

/// asyncio's `Condition`: tasks holding a [`Lock`](crate::Lock) wait until another task notifies them.
///
/// A `Condition` does not own a lock; it is used with one, like `std::sync::Condvar`. That is what
/// lets several conditions share one lock, as in the classic bounded buffer with `not_empty` and
/// `not_full`. Every method takes the [`LockGuard`](crate::LockGuard), so waiting or notifying without holding the
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
/// [`wait`](Condition::wait) joins the condition's wait list before it releases the lock, and
/// [`notify`](Condition::notify) needs the lock's guard, so a notification sent after the lock is
/// released cannot be missed. `wait` returns with the lock held again.
///
/// # Fairness
///
/// Notified in FIFO order, as asyncio does: [`notify`](Condition::notify) wakes the oldest
/// waiters, and each woken waiter re-acquires the lock when it next runs, queueing for it like any
/// other [`acquire`](crate::Lock::acquire). So a notifier that releases the lock and takes it again
/// before the waiter runs goes first, and a waiter competes for the lock on the lock's own FIFO
/// terms.
///
/// # Cancel safety
///
/// [`wait`](Condition::wait) and [`wait_for`](Condition::wait_for) are cancel-safe in asyncio's
/// sense: dropping the future never loses a notification and never leaves the lock held by no
/// one or by two. A waiter dropped after it was notified (before it ran, or while it waited for the
/// lock again) passes its notification to the next waiter (asyncio's gh-112202 fix) and leaves the
/// lock's wait list, passing the lock on if it had been handed to it. Unlike asyncio, which notifies
/// another waiter on *any* exit by exception, a waiter that was never notified passes nothing on,
/// so a cancellation causes no spurious wake-up. Also unlike asyncio, a dropped wait does not
/// re-acquire the lock: the guard it consumed is gone with it.
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
/// With a deadline. asyncio's `await asyncio.wait_for(cond.wait(), timeout)` inside
/// `async with cond:` re-acquires the lock before raising `TimeoutError`.
/// [`wait_until`](Condition::wait_until) does the same with any future as its deadline (your
/// runtime's timer): it returns the guard either way, and whether the deadline won. A runtime's
/// own timeout around [`wait`](Condition::wait) or [`wait_for`](Condition::wait_for) drops the
/// future, and the guard inside it: after a timeout the lock is *not* held, so a loop that waits
/// that way takes the lock again on every round:
///
/// ```
/// use std::time::Duration;
/// use aiosync::{Condition, Lock};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let (jobs, not_empty) = (Lock::new(Vec::new()), Condition::new());
/// let worker = async {
///     let mut idle_rounds = 0;
///     loop {
///         let guard = jobs.acquire().await; // every round: a timed-out wait took the guard
///         let wait = not_empty.wait_for(guard, |jobs: &mut Vec<u32>| !jobs.is_empty());
///         match tokio::time::timeout(Duration::from_millis(10), wait).await {
///             Ok(mut jobs) => break (jobs.pop(), idle_rounds),
///             Err(_elapsed) => idle_rounds += 1, // the lock is not held here
///         }
///     }
/// };
/// let producer = async {
///     tokio::time::sleep(Duration::from_millis(35)).await;
///     let mut queue = jobs.acquire().await;
///     queue.push(7);
///     not_empty.notify(&queue, 1);
/// };
/// let ((job, idle_rounds), ()) = futures_util::join!(worker, producer);
/// assert_eq!(job, Some(7));
/// assert!(idle_rounds >= 1);
/// # });
/// ```
///
/// From a thread, [`wait_blocking_timeout`](Condition::wait_blocking_timeout) and
/// [`wait_for_blocking_timeout`](Condition::wait_for_blocking_timeout) follow
/// `std::sync::Condvar` instead: they take the lock again before returning.
///
/// Waiting or notifying without holding the lock, asyncio's `RuntimeError('cannot wait on
/// un-acquired lock')`, does not compile, because both take the guard:
///
/// ```compile_fail
/// let (lock, cond) = (aiosync::Lock::new(()), aiosync::Condition::new());
/// cond.notify(&lock, 1); // error: a `&Lock` is not a guard
/// ```
///
/// And `wait` consumes the guard, so it cannot be used while the lock is given up:
///
/// ```compile_fail
/// # futures_executor::block_on(async {
/// let (lock, cond) = (aiosync::Lock::new(0), aiosync::Condition::new());
/// let mut guard = lock.acquire().await;
/// let wait = cond.wait(guard);
/// *guard += 1; // error: borrow of moved value `guard`
/// # });
/// ```
///
/// A `Condition` is meant to be used with one lock, as asyncio's is bound to one. Using it with
/// several is not unsound, but [`notify`](Condition::notify) then wakes waiters whatever lock
/// they waited with.
pub struct Condition {
    /// Its own wait list: a waiter joins it while holding the lock and is woken from it by `notify`.
    waiters: WaitList,
}

impl Condition {
    crate::loom::const_fn! {
        /// Creates a condition, not yet tied to any lock. A `const fn`, so a condition can be a
        /// `static`, next to a `static` [`Lock`](crate::Lock).
        ///
        /// # Examples
        ///
        /// ```
        /// let not_empty = aiosync::Condition::new();
        /// assert_eq!(not_empty.waiters(), 0);
        /// ```
        ///
        /// ```
        /// use aiosync::{Condition, Lock};
        ///
        /// static READY: Lock<bool> = Lock::new(false);
        /// static CHANGED: Condition = Condition::new();
        ///
        /// let waiter = std::thread::spawn(|| {
        ///     drop(CHANGED.wait_for_blocking(READY.acquire_blocking(), |ready| *ready));
        /// });
        /// let mut ready = READY.acquire_blocking();
        /// *ready = true;
        /// CHANGED.notify_all(&ready);
        /// drop(ready);
        /// waiter.join().unwrap();
        /// ```
        pub fn new() -> Self {
            Condition {
                waiters: WaitList::new(),
            }
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
    pub fn wait<G: Guard>(&self, guard: G) -> Wait<'_, G> {
        Wait {
            cond: self,
            guard: Some(guard),
            parked: None,
            reacquiring: false,
            timed_out: false,
            node: Waiter::new(),
        }
    }

    /// [`wait`](Condition::wait) with a deadline: `deadline` is any future, such as
    /// `tokio::time::sleep(d)` or smol's `Timer::after(d)`. Resolves to the guard, with the lock
    /// held again either way, and whether the deadline came first, as `std::sync::Condvar::
    /// wait_timeout` does: asyncio's `wait_for(cond.wait(), t)`, which also re-acquires the lock
    /// before raising `TimeoutError`. A runtime's own `timeout(d, cond.wait(guard))` drops the
    /// guard with the wait instead.
    ///
    /// # Cancel safety
    ///
    /// A notification is never lost: if one comes as the deadline passes, the wait takes it and
    /// reports that the deadline did not win. Dropping the future otherwise follows the
    /// [type-level notes](Condition#cancel-safety); a timed-out wait dropped while it takes the
    /// lock again has no notification to pass on.
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{Condition, Lock};
    ///
    /// # futures_executor::block_on(async {
    /// let (lock, cond) = (Lock::new(0), Condition::new());
    /// let guard = lock.acquire().await;
    /// // Any future is a deadline; this one has passed already.
    /// let (guard, timed_out) = cond.wait_until(guard, std::future::ready(())).await;
    /// assert!(timed_out); // nobody notified
    /// assert!(lock.locked()); // and the lock is held again
    /// # drop(guard);
    /// # });
    /// ```
    ///
    /// Notified in time:
    ///
    /// ```
    /// use aiosync::{Condition, Lock};
    ///
    /// # futures_executor::block_on(async {
    /// let (lock, cond) = (Lock::new(false), Condition::new());
    /// let waiter = async {
    ///     let guard = lock.acquire().await;
    ///     cond.wait_until(guard, std::future::pending::<()>()).await
    /// };
    /// let notifier = async {
    ///     let mut ready = lock.acquire().await;
    ///     *ready = true;
    ///     cond.notify(&ready, 1);
    /// };
    /// let ((ready, timed_out), ()) = futures_util::join!(waiter, notifier);
    /// assert!(*ready && !timed_out);
    /// # });
    /// ```
    pub fn wait_until<G: Guard, D: Future>(&self, guard: G, deadline: D) -> WaitUntil<'_, G, D> {
        WaitUntil {
            wait: self.wait(guard),
            deadline,
            deadline_passed: false,
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
    /// A panic of `predicate` propagates (the lock is released when the future is dropped).
    pub fn wait_for<G: Guard, F>(&self, guard: G, predicate: F) -> WaitFor<'_, G, F>
    where
        F: FnMut(&mut G::Target) -> bool,
    {
        WaitFor {
            wait: self.wait(guard),
            predicate,
        }
    }

    /// Blocks the current thread in [`wait`](Condition::wait), for synchronous code sharing the
    /// condition with async code: same wait list, same order, same guarantees.
    ///
    /// Calling it inside an async task blocks that executor thread; use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiosync::{Condition, Lock};
    ///
    /// let shared = Arc::new((Lock::new(false), Condition::new()));
    /// let s = shared.clone();
    /// let waiter = std::thread::spawn(move || {
    ///     let (lock, cond) = &*s;
    ///     let mut ready = lock.acquire_blocking();
    ///     while !*ready {
    ///         ready = cond.wait_blocking(ready);
    ///     }
    /// });
    /// # futures_executor::block_on(async {
    /// let (lock, cond) = &*shared;
    /// let mut ready = lock.acquire().await;
    /// *ready = true;
    /// cond.notify_all(&ready);
    /// # });
    /// waiter.join().unwrap();
    /// ```
    ///
    pub fn wait_blocking<G: Guard>(&self, guard: G) -> G {
        block_on(self.wait(guard))
    }

    /// Blocks the current thread in [`wait_for`](Condition::wait_for); see
    /// [`wait_blocking`](Condition::wait_blocking).
    ///
    /// Calling it inside an async task blocks that executor thread; use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// let (lock, cond) = (aiosync::Lock::new(3), aiosync::Condition::new());
    /// let n = cond.wait_for_blocking(lock.acquire_blocking(), |n| *n > 2);
    /// assert_eq!(*n, 3);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`wait_for`](Condition::wait_for).
    pub fn wait_for_blocking<G: Guard, F>(&self, guard: G, predicate: F) -> G
    where
        F: FnMut(&mut G::Target) -> bool,
    {
        block_on(self.wait_for(guard, predicate))
    }

    /// Like [`wait_blocking`](Condition::wait_blocking), but stops waiting for a notification
    /// after `timeout`. Returns the guard, with the lock held again either way, and whether the
    /// wait timed out, as `std::sync::Condvar::wait_timeout` does.
    ///
    /// Calling it inside an async task blocks that executor thread; use `.await` there.
    ///
    /// The timeout covers the wait for a notification only: a waiter notified in time waits for
    /// the lock as long as it takes and reports `false`. A waiter that times out leaves the
    /// condition's wait list, then takes the lock again. A notification that reached it before
    /// it could leave is kept, as in [`wait_until`](Condition::wait_until): the wait reports
    /// `false`, and no notification is lost or consumed for nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use aiosync::{Condition, Lock};
    ///
    /// let (lock, cond) = (Lock::new(0), Condition::new());
    /// let (guard, timed_out) = cond.wait_blocking_timeout(lock.acquire_blocking(), Duration::from_millis(10));
    /// assert!(timed_out); // nobody notified
    /// assert!(lock.locked()); // and the lock is held again
    /// # drop(guard);
    /// ```
    #[doc(alias = "wait_timeout")]
    pub fn wait_blocking_timeout<G: Guard>(&self, guard: G, timeout: Duration) -> (G, bool) {
        let mut wait = pin!(self.wait(guard));
        if let Poll::Ready(guard) = poll_until(wait.as_mut(), deadline(timeout)) {
            return (guard, false);
        }
        // Timed out, unless a notification came first; either way only the lock is to come.
        let timed_out = !wait.as_mut().stop_waiting();
        (block_on(wait), timed_out)
    }

    /// Like [`wait_for_blocking`](Condition::wait_for_blocking), but gives up after `timeout`.
    /// Returns the guard, with the lock held either way, and whether it timed out with the
    /// predicate still false, as `std::sync::Condvar::wait_timeout_while` does (with the
    /// predicate the other way round: here it says when to stop waiting).
    ///
    /// Calling it inside an async task blocks that executor thread; use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use aiosync::{Condition, Lock};
    ///
    /// let (lock, cond) = (Lock::new(vec![1]), Condition::new());
    /// let ten_ms = Duration::from_millis(10);
    /// let (items, timed_out) = cond.wait_for_blocking_timeout(lock.acquire_blocking(), ten_ms, |v| v.len() > 1);
    /// assert!(timed_out);
    /// let (items, timed_out) = cond.wait_for_blocking_timeout(items, ten_ms, |v| !v.is_empty());
    /// assert!(!timed_out); // true from the start
    /// # drop(items);
    /// ```
    ///
    /// # Panics
    ///
    /// A panic of `predicate` propagates; the guard is dropped, releasing the lock.
    pub fn wait_for_blocking_timeout<G: Guard, F>(
        &self,
        mut guard: G,
        timeout: Duration,
        mut predicate: F,
    ) -> (G, bool)
    where
        F: FnMut(&mut G::Target) -> bool,
    {
        let deadline = deadline(timeout);
        loop {
            if predicate(&mut guard) {
                return (guard, false);
            }
            let left = match deadline {
                None => Duration::MAX,
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => left,
                    _ => return (guard, true),
                },
            };
            guard = self.wait_blocking_timeout(guard, left).0;
        }
    }

    /// Wakes up to `n` waiting tasks, oldest first; returns how many. asyncio's `notify(n)`.
    ///
    /// The guard proves the caller holds the lock. Each notified task re-acquires the lock when it
    /// next runs, so it gets it after the caller releases it, in its turn among the lock's waiters.
    /// The wake-ups happen in batches outside the condition's mutex; a waker that panics does not
    /// stop the others, and its panic is re-raised once all `n` were notified.
    ///
    /// # Examples
    ///
    /// ```
    /// let (lock, cond) = (aiosync::Lock::new(()), aiosync::Condition::new());
    /// let guard = lock.try_acquire().unwrap();
    /// assert_eq!(cond.notify(&guard, 1), 0); // nobody waits
    /// ```
    ///
    #[doc(alias = "notify_one")]
    pub fn notify<G: Guard>(&self, guard: &G, n: usize) -> usize {
        // The guard is only the proof: waiters join while holding the lock, so none can join,
        // and none can be missed, while the caller holds it.
        let _ = guard;
        self.wake(n)
    }

    /// Wakes up to `n` waiters, in batches, finishing the job even if a waker panics.
    fn wake(&self, n: usize) -> usize {
        let mut notified = 0;
        self.waiters.wake_batched(self.waiters.lock(), |q, wakers| {
            while notified < n && !wakers.is_full() && !q.is_empty() {
                wakers.push(q.grant_front());
                notified += 1;
            }
            notified < n && !q.is_empty()
        });
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
    #[doc(alias = "notify_waiters")]
    pub fn notify_all<G: Guard>(&self, guard: &G) -> usize {
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

// A waker that panics finds the Condition consistent: every state change is committed before user
// code runs. Only the wait list's `UnsafeCell` keeps these from being automatic.
impl UnwindSafe for Condition {}
impl RefUnwindSafe for Condition {}

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
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let (lock, cond) = (aiosync::Lock::new(()), aiosync::Condition::new());
    /// let wait: aiosync::condition::Wait<'_, _> = cond.wait(lock.acquire().await);
    /// drop(wait); // never polled: the guard inside is dropped, releasing the lock
    /// assert!(!lock.locked());
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Wait<'a, G: Guard> {
        cond: &'a Condition,
        // The guard, until the first poll gives the lock up.
        guard: Option<G>,
        // The lock, from then until the guard is made again.
        parked: Option<G::Parked>,
        // Whether `node` waits for the lock (after a notification) rather than for a notification.
        reacquiring: bool,
        // Whether it waits for the lock because its deadline passed, with no notification to
        // pass on.
        timed_out: bool,
        #[pin]
        node: Waiter,
    }

    impl<G: Guard> PinnedDrop for Wait<'_, G> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let node = this.node.as_ref();
            let Some(parked) = this.parked.as_ref() else {
                return; // Not waiting: any guard still held is dropped with the future.
            };
            if *this.reacquiring {
                // The notification this waiter consumed goes to the next one (CPython
                // gh-112202), even if passing the lock on below panics in a waker.
                let _pass_on = (!*this.timed_out).then(|| PassOn(this.cond));
                // Leaves the lock's wait list, passing the lock on if it was handed to us.
                G::parked_lock(parked).cancel_acquire_with(node);
            } else {
                let left = this.cond.waiters.leave(node);
                // Only a notified waiter has a notification to pass on.
                let _pass_on = (left.state == WaiterState::Woken).then(|| PassOn(this.cond));
                // Drops the waker, user code: should it panic, `_pass_on` still passes the
                // notification on.
                drop(left);
            }
        }
    }
}

/// Passes one notification on when dropped, by unwinding too.
struct PassOn<'a>(&'a Condition);

impl Drop for PassOn<'_> {
    fn drop(&mut self) {
        self.0.wake(1);
    }
}

impl<G: Guard> Wait<'_, G> {
    /// For a wait whose deadline passed (after its first poll): stops waiting for a
    /// notification, unless one came first, and from then on waits only for the lock. Returns
    /// whether a notification came first: then it is this wait's, as if the deadline had not
    /// passed, so none is lost.
    fn stop_waiting(self: Pin<&mut Self>) -> bool {
        let this = self.project();
        if *this.reacquiring {
            return !*this.timed_out;
        }
        debug_assert!(this.guard.is_none(), "a wait stops after its first poll");
        let node = this.node.as_ref();
        let left = this.cond.waiters.leave(node);
        let notified = left.state == WaiterState::Woken;
        // The state first, then the waker it held (user code): should dropping it panic, the
        // future's drop passes the notification on if there was one, and only then.
        node.rearm();
        *this.reacquiring = true;
        *this.timed_out = !notified;
        drop(left);
        notified
    }
}

impl<G: Guard> Future for Wait<'_, G> {
    type Output = G;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<G> {
        let this = self.project();
        let node = this.node.as_ref();
        if !*this.reacquiring {
            match node.state() {
                WaiterState::Idle => {
                    // Cloned first: should the clone panic, the guard is still in the future.
                    let waker = cx.waker().clone();
                    let guard = this.guard.take().expect("`Wait` polled after completion");
                    let mut q = this.cond.waiters.lock();
                    q.push_back(node, 0, waker);
                    drop(q);
                    // Queued while holding the lock, which `notify` needs: no lost wake-up. The
                    // handle is kept before the guard goes: should releasing the lock panic in a
                    // waker, the future's drop still leaves the condition's wait list.
                    *this.parked = Some(G::handle(&guard));
                    drop(guard);
                    return Poll::Pending;
                }
                WaiterState::Queued => ready!(this.cond.waiters.poll_waiter(node, cx)),
                WaiterState::Woken => {}
                WaiterState::Done => panic!("`Wait` polled after completion"),
            }
            // Notified: re-acquire the lock like any other acquirer.
            node.rearm();
            *this.reacquiring = true;
        }
        let parked = this.parked.as_ref().expect("a waiting `Wait` has its lock");
        ready!(G::parked_lock(parked).poll_acquire_with(node, cx));
        *this.reacquiring = false;
        let parked = this.parked.take().expect("checked above");
        Poll::Ready(G::relocked(parked, Relock::after_acquiring()))
    }
}

impl<G: Guard> FusedFuture for Wait<'_, G> {
    fn is_terminated(&self) -> bool {
        self.guard.is_none() && self.parked.is_none()
    }
}

impl<G: Guard> fmt::Debug for Wait<'_, G> {
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
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let (lock, cond) = (aiosync::Lock::new(1), aiosync::Condition::new());
    /// let wait_for = cond.wait_for(lock.acquire().await, |n| *n == 1);
    /// assert_eq!(*wait_for.await, 1); // the predicate already holds
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct WaitFor<'a, G: Guard, F> {
        #[pin]
        wait: Wait<'a, G>,
        predicate: F,
    }
}

impl<G: Guard, F: FnMut(&mut G::Target) -> bool> Future for WaitFor<'_, G, F> {
    type Output = G;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<G> {
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

impl<G: Guard, F: FnMut(&mut G::Target) -> bool> FusedFuture for WaitFor<'_, G, F> {
    fn is_terminated(&self) -> bool {
        self.wait.is_terminated()
    }
}

impl<G: Guard, F> fmt::Debug for WaitFor<'_, G, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitFor").field("wait", &self.wait).finish()
    }
}

pin_project! {
    /// The future returned by [`Condition::wait_until`]; resolves to the guard and whether the
    /// deadline came first.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let (lock, cond) = (aiosync::Lock::new(()), aiosync::Condition::new());
    /// let wait: aiosync::condition::WaitUntil<'_, _, _> =
    ///     cond.wait_until(lock.acquire().await, std::future::ready(()));
    /// let (_guard, timed_out) = wait.await;
    /// assert!(timed_out);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct WaitUntil<'a, G: Guard, D> {
        #[pin]
        wait: Wait<'a, G>,
        #[pin]
        deadline: D,
        // Once it has, the deadline is not polled again, and the wait only takes the lock.
        deadline_passed: bool,
    }
}

impl<G: Guard, D: Future> Future for WaitUntil<'_, G, D> {
    type Output = (G, bool);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<(G, bool)> {
        let mut this = self.project();
        if !*this.deadline_passed {
            if let Poll::Ready(guard) = this.wait.as_mut().poll(cx) {
                return Poll::Ready((guard, false));
            }
            if this.deadline.poll(cx).is_pending() {
                return Poll::Pending;
            }
            *this.deadline_passed = true;
            this.wait.as_mut().stop_waiting();
        }
        let timed_out = this.wait.timed_out;
        let guard = ready!(this.wait.poll(cx));
        Poll::Ready((guard, timed_out))
    }
}

impl<G: Guard, D: Future> FusedFuture for WaitUntil<'_, G, D> {
    fn is_terminated(&self) -> bool {
        self.wait.is_terminated()
    }
}

impl<G: Guard, D> fmt::Debug for WaitUntil<'_, G, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitUntil")
            .field("wait", &self.wait)
            .field("deadline_passed", &self.deadline_passed)
            .finish()
    }
}
