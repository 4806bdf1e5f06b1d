//! The wait list under every primitive: a mutex around an intrusive FIFO [`List`] of [`Waiter`]
//! nodes, with a safe API. All list pointers are in [`list`] (with the invariants they keep);
//! waking outside the mutex is in [`wake`]. This module adds the count and the protocol helpers
//! every primitive shares.
//!
//! Operations that unlink a node hand its [`Waker`] back; it is woken or dropped only after the
//! [`Locked`] guard is, so no user code runs under the mutex.
//!
//! # Writing a primitive
//!
//! A primitive keeps its state in atomics (for the paths that never wait) and a [`WaitList`] for
//! the rest. Its wait future holds a pinned [`Waiter`] and follows the node's states:
//!
//! - `poll`, by [`Waiter::state`]:
//!   - `Idle`: try to complete without waiting. Otherwise clone the task's waker *before*
//!     locking (a clone may run any code), lock, check again, and [`Locked::push_back`].
//!   - `Queued`: [`WaitList::poll_waiter`], which refreshes the stored waker if the task's
//!     changed, and reports when another task has granted the node.
//!   - `Woken`: the grant is the future's: take it, and [`Waiter::complete`] the node.
//!   - `Done`: polled after completion, a bug in the caller: panic.
//! - `Drop`: if `Queued` or `Woken`, [`WaitList::leave`]; if the node was granted (`Woken`),
//!   pass the grant on to the next waiter, since the owner will never use it.
//! - Granting (a release, a `set`, a `notify`): under the lock, [`Locked::grant_front`] as many
//!   as the state allows, then wake them after unlocking: [`WaitList::wake_batched`] for any
//!   number, [`wake`] for one.
//!
//! Commit every state change before running user code (a waker's `clone`, `wake` or `drop`):
//! should it panic, the primitive must already be whole. A poll that has taken something and
//! then runs user code holds it in a guard that gives it back if that code panics.

mod list;
mod wake;

use core::pin::Pin;
use core::task::{Context, Poll, Waker};

pub(crate) use list::{List, MAX_VALUE, Waiter, WaiterState};
pub(crate) use wake::{Panic, Spare, WakeList, wake};

use crate::loom::{AtomicU32, Mutex, MutexGuard, Ordering};

/// A mutex-guarded FIFO of waiters, with `config`: a constant of the primitive's, kept beside the
/// 32-bit count where the mutex leaves room, so that it costs no space (a `Lock<()>` is 32 bytes
/// with its fairness bound).
pub(crate) struct WaitList<C = ()> {
    list: Mutex<List>,
    /// Linked nodes. Changed only under the mutex; read without it as a snapshot, for
    /// statistics only (past `u32::MAX` waiters it wraps).
    len: AtomicU32,
    config: C,
}

impl WaitList {
    crate::loom::const_fn! {
        pub(crate) fn new() -> Self {
            WaitList::with_config(())
        }
    }
}

impl<C> WaitList<C> {
    crate::loom::const_fn! {
        pub(crate) fn with_config(config: C) -> Self {
            WaitList {
                list: Mutex::new(List::new()),
                len: AtomicU32::new(0),
                config,
            }
        }
    }

    #[inline]
    pub(crate) fn config(&self) -> &C {
        &self.config
    }

    #[inline]
    pub(crate) fn lock(&self) -> Locked<'_, C> {
        Locked {
            waiters: self,
            list: self.list.lock(),
        }
    }

    /// How many waiters are linked, without taking the lock (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed) as usize
    }

    /// For the owner of a linked node: `Ready` once the node has been granted (unlinked by
    /// someone else), otherwise makes sure the node's waker will wake `cx` and returns `Pending`.
    pub(crate) fn poll_waiter(&self, node: Pin<&Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        let mut fresh = None;
        loop {
            // Granted: if dropping `fresh` panics, the node is still `Woken` and the future's
            // drop passes the grant on.
            if node.state() != WaiterState::Queued {
                return Poll::Ready(());
            }
            let q = self.lock();
            if node.state() != WaiterState::Queued {
                drop(q);
                return Poll::Ready(());
            }
            if q.keep_waiting(node, cx, &mut fresh) {
                return Poll::Pending;
            }
        }
    }

    /// For a future's `Drop`: unlinks `node` if it is still linked. Returns the state it had
    /// (`Woken`: granted first, so the grant is to be passed on) with its waker, which goes when
    /// the returned value is dropped, after the mutex is released.
    pub(crate) fn leave(&self, node: Pin<&Waiter>) -> Left {
        let mut q = self.lock();
        let (state, _, waker) = q.remove(node);
        drop(q);
        Left {
            state,
            _waker: waker,
        }
    }

    /// Runs a wake-up job that may grant more waiters than one batch of wakers holds. `batch`
    /// makes the state changes under the mutex and fills `wakers` (until it is full or the job is
    /// done), and returns whether the job goes on. After each batch the mutex is released and
    /// the batch woken, then taken again for the next. A waker that panics does not stop the
    /// job: the first panic is re-raised once it is done (not while already unwinding).
    pub(crate) fn wake_batched<'a>(
        &'a self,
        mut q: Locked<'a, C>,
        mut batch: impl FnMut(&mut Locked<'a, C>, &mut WakeList) -> bool,
    ) {
        let mut wakers = WakeList::new();
        let mut panic = Panic::default();
        loop {
            let more = batch(&mut q, &mut wakers);
            drop(q);
            wakers.wake_all(&mut panic);
            if !more {
                break;
            }
            q = self.lock();
        }
        panic.finish();
    }
}

impl<C> core::fmt::Debug for WaitList<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WaitList")
            .field("len", &self.len())
            .finish()
    }
}

/// The state a node had when it left its list; holds its waker until dropped.
#[must_use = "dropping it drops the node's waker, which must happen after the mutex is released"]
pub(crate) struct Left {
    pub(crate) state: WaiterState,
    _waker: Option<Waker>,
}

/// A locked [`WaitList`]. Wakers it hands out must be woken or dropped after it is dropped.
pub(crate) struct Locked<'a, C = ()> {
    waiters: &'a WaitList<C>,
    list: MutexGuard<'a, List>,
}

impl<C> Locked<'_, C> {
    /// Changes the count; only mutex holders do, so no read-modify-write is needed.
    #[inline]
    fn add_len(&self, up: bool) {
        let len = self.waiters.len.load(Ordering::Relaxed);
        let len = if up {
            len.wrapping_add(1)
        } else {
            len.wrapping_sub(1)
        };
        self.waiters.len.store(len, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Links an idle node at the tail, with `value` and `waker`.
    #[inline]
    pub(crate) fn push_back(&mut self, node: Pin<&Waiter>, value: usize, waker: Waker) {
        self.list.push_back(node, value, waker);
        self.add_len(true);
    }

    /// The value of the oldest waiter.
    #[inline]
    pub(crate) fn front_value(&self) -> Option<usize> {
        self.list.front_value()
    }

    /// Changes the value of the oldest waiter (for example, the permits it still needs).
    pub(crate) fn set_front_value(&mut self, value: usize) {
        self.list.set_front_value(value);
    }

    /// Whether `node` is the oldest waiter.
    #[inline]
    pub(crate) fn is_front(&self, node: Pin<&Waiter>) -> bool {
        self.list.is_front(node)
    }

    /// Takes the oldest waiter's waker, leaving it linked, so that its owner polls and finds what
    /// it waits for without being granted it. To be woken once the lock is dropped.
    pub(crate) fn take_front_waker(&mut self) -> Option<Waker> {
        self.list.take_front_waker()
    }

    /// Unlinks the oldest waiter, marks it woken (its grant now belongs to it) and returns its
    /// waker, to be woken once the lock is dropped.
    #[inline]
    pub(crate) fn grant_front(&mut self) -> Option<Waker> {
        let waker = self.list.grant_front()?;
        self.add_len(false);
        waker
    }

    /// Unlinks `node` if it is still linked, leaving it idle. Returns the state and value it had
    /// (`Woken` means someone granted it first) and the waker it held, which the caller must drop
    /// after dropping this guard.
    #[must_use = "the waker must be dropped after the guard"]
    #[inline]
    pub(crate) fn remove(&mut self, node: Pin<&Waiter>) -> (WaiterState, usize, Option<Waker>) {
        let removed = self.list.remove(node);
        if removed.0 == WaiterState::Queued {
            self.add_len(false);
        }
        removed
    }

    /// For the owner of a linked node that was not served: makes sure its stored waker wakes
    /// `cx`'s task, and releases the mutex. `false` if it had to release it first to clone the
    /// waker (a clone may run any code) into `fresh`: the caller locks again and checks again,
    /// since anything may have changed meanwhile, passing `fresh` back in.
    pub(crate) fn keep_waiting(
        mut self,
        node: Pin<&Waiter>,
        cx: &mut Context<'_>,
        fresh: &mut Option<Waker>,
    ) -> bool {
        let old = match fresh.take() {
            None if self.list.will_wake(node, cx.waker()) => return true,
            None => {
                drop(self);
                *fresh = Some(cx.waker().clone());
                return false;
            }
            Some(waker) => self.list.set_waker(node, waker),
        };
        drop(self);
        drop(old);
        true
    }
}

impl<C> core::fmt::Debug for Locked<'_, C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Locked")
            .field("waiters", self.waiters)
            .finish()
    }
}
