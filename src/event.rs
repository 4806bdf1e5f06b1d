//! [`Event`]: asyncio's `Event`, a flag that tasks can wait to see set.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::time::Duration;

use futures_core::FusedFuture;
use pin_project_lite::pin_project;

use crate::blocking::{block_on, block_on_timeout};
use crate::loom::{AtomicUsize, Ordering};
use crate::waitlist::{MAX_VALUE, WaitList, Waiter, WaiterState};

/// Bit 0 of `state`: the flag. The bits above count calls to `set` that found the flag clear
/// (the generation); a waiter records the generation it queued in, so `set` wakes exactly the
/// waiters queued before it, even if `clear` and new waiters follow while it is still waking.
const SET: usize = 1;
const GENERATION: usize = 2;

/// asyncio's `Event`: tasks wait until the flag is set; `set` wakes them all, `clear` resets it.
///
/// # Fairness
///
/// [`set`](Event::set) wakes every task that was waiting at that moment, in the order they started
/// waiting. A waiter woken by `set` completes even if [`clear`](Event::clear) runs before it is
/// polled. [`wait`](Event::wait) on a set event completes at once.
///
/// # Cancel safety
///
/// [`wait`](Event::wait) is cancel-safe: dropping the [`Wait`] future just leaves the wait list, and
/// since `set` wakes everyone, nothing has to be passed on.
///
/// # Examples
///
/// ```
/// use aiosync::Event;
///
/// # futures_executor::block_on(async {
/// let ready = Event::new();
/// let (_, ()) = futures_util::join!(
///     async { ready.wait().await; println!("ready!") },
///     async { ready.set() },
/// );
/// assert!(ready.is_set());
/// # });
/// ```
pub struct Event {
    state: AtomicUsize,
    waiters: WaitList,
}

impl Event {
    crate::loom::const_fn! {
        /// Creates an event whose flag is clear. A `const fn`, so an event can be a `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// assert!(!aiosync::Event::new().is_set());
        /// ```
        ///
        /// ```
        /// static SHUTDOWN: aiosync::Event = aiosync::Event::new();
        ///
        /// std::thread::spawn(|| SHUTDOWN.set()).join().unwrap();
        /// SHUTDOWN.wait_blocking();
        /// ```
        pub fn new() -> Self {
            Event {
                state: AtomicUsize::new(0),
                waiters: WaitList::new(),
            }
        }
    }

    /// Whether the flag is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = aiosync::Event::new();
    /// event.set();
    /// assert!(event.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.state.load(Ordering::Acquire) & SET != 0
    }

    /// Sets the flag and wakes every task waiting for it, oldest first. Does nothing if the flag
    /// is already set.
    ///
    /// The waiters are unlinked and woken in batches, each batch after the wait list's mutex is
    /// released, so the cost per waiter is constant and a waker that re-enters the event cannot
    /// deadlock.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = aiosync::Event::new();
    /// event.set();
    /// event.set(); // no effect
    /// assert!(event.is_set());
    /// ```
    pub fn set(&self) {
        if self.is_set() {
            return;
        }
        let q = self.waiters.lock();
        if self.state.load(Ordering::Relaxed) & SET != 0 {
            return;
        }
        // The flag is clear and only `set`, under this lock, sets it: adding sets it and starts a
        // new generation in one step.
        self.state.fetch_add(GENERATION | SET, Ordering::AcqRel);
        self.waiters.wake_batched(q, |q, wakers| {
            // Re-read each batch: a later `set` may have started a newer generation meanwhile.
            let current = generation(self.state.load(Ordering::Relaxed));
            while !wakers.is_full() && q.front_value().is_some_and(|g| g != current) {
                wakers.push(q.grant_front());
            }
            q.front_value().is_some_and(|g| g != current)
        });
    }

    /// Clears the flag. Tasks that a `set` has already woken still complete.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = aiosync::Event::new();
    /// event.set();
    /// event.clear();
    /// assert!(!event.is_set());
    /// ```
    #[doc(alias = "reset")]
    pub fn clear(&self) {
        self.state.fetch_and(!SET, Ordering::AcqRel);
    }

    /// How many tasks wait for the flag (a snapshot, taken without locking).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(aiosync::Event::new().waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.waiters.len()
    }

    /// Waits until the flag is set; completes at once if it already is. asyncio's
    /// `await event.wait()`.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe; see the [type-level notes](Event#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let event = aiosync::Event::new();
    /// event.set();
    /// event.wait().await;
    /// # });
    /// ```
    pub fn wait(&self) -> Wait<'_> {
        Wait {
            event: self,
            node: Waiter::new(),
        }
    }

    /// Blocks the current thread until the event is set, for synchronous code sharing the event
    /// with async code. It waits in the same wait list as [`wait`](Event::wait).
    ///
    /// Calling it inside an async task blocks that executor thread; use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let event = Arc::new(aiosync::Event::new());
    /// let e = event.clone();
    /// let waiter = std::thread::spawn(move || e.wait_blocking());
    /// event.set();
    /// waiter.join().unwrap();
    /// ```
    pub fn wait_blocking(&self) {
        block_on(self.wait());
    }

    /// Like [`wait_blocking`](Event::wait_blocking), but gives up after `timeout`. Returns
    /// whether the event was set (`false`: timed out). A wait that times out just leaves the
    /// wait list, as a dropped [`wait`](Event::wait) future does.
    ///
    /// Calling it inside an async task blocks that executor thread; use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let event = aiosync::Event::new();
    /// assert!(!event.wait_blocking_timeout(Duration::from_millis(10)));
    /// event.set();
    /// assert!(event.wait_blocking_timeout(Duration::from_millis(10)));
    /// ```
    #[must_use = "`false` means the wait timed out"]
    pub fn wait_blocking_timeout(&self, timeout: Duration) -> bool {
        block_on_timeout(self.wait(), timeout).is_some()
    }
}

fn generation(state: usize) -> usize {
    (state / GENERATION) & MAX_VALUE
}

// A waker that panics finds the Event consistent: every state change is committed before user
// code runs. Only the wait list's `UnsafeCell` keeps these from being automatic.
impl UnwindSafe for Event {}
impl RefUnwindSafe for Event {}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("is_set", &self.is_set())
            .field("waiters", &self.waiters())
            .finish()
    }
}

pin_project! {
    /// The future returned by [`Event::wait`].
    ///
    /// Dropping it before it completes is safe: see [`Event`'s cancel safety](Event#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_core::FusedFuture;
    ///
    /// # futures_executor::block_on(async {
    /// let event = aiosync::Event::new();
    /// event.set();
    /// let mut wait = std::pin::pin!(event.wait());
    /// wait.as_mut().await;
    /// assert!(wait.is_terminated());
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Wait<'a> {
        event: &'a Event,
        #[pin]
        node: Waiter,
    }

    impl PinnedDrop for Wait<'_> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.node.state() == WaiterState::Queued {
                drop(this.event.waiters.leave(this.node.as_ref()));
            }
        }
    }
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let node = this.node.as_ref();
        let event = *this.event;
        match node.state() {
            WaiterState::Idle => {
                if !event.is_set() {
                    let waker = cx.waker().clone();
                    let mut q = event.waiters.lock();
                    let state = event.state.load(Ordering::Acquire);
                    if state & SET == 0 {
                        q.push_back(node, generation(state), waker);
                        return Poll::Pending;
                    }
                }
            }
            WaiterState::Queued => {
                if event.waiters.poll_waiter(node, cx).is_pending() {
                    return Poll::Pending;
                }
            }
            WaiterState::Woken => {}
            WaiterState::Done => panic!("`Wait` polled after completion"),
        }
        node.complete();
        Poll::Ready(())
    }
}

impl FusedFuture for Wait<'_> {
    fn is_terminated(&self) -> bool {
        self.node.state() == WaiterState::Done
    }
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("state", &self.node.state())
            .finish()
    }
}
