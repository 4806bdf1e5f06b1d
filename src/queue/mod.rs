//! [`Queue`], [`LifoQueue`] and [`PriorityQueue`]: asyncio's queues, with `task_done`/`join` and
//! shutdown, cancel-safe both ways.

// The layout, one protocol per file, all on one core:
// - `buffer`: the items, FIFO, LIFO or by priority, behind one enum;
// - `line`: a line of parked getters or putters, and how a woken task keeps its place;
// - `get`, `put`, `join` (with `task_done`), `shutdown`: each protocol's methods of `Core` and
//   its future;
// - `tracked`: `get_tracked` and the `Tracked` item that calls `task_done` when dropped;
// - `shared`: the public methods, written once for the three types; `kinds`: the three types.
// This file holds the core they share: one mutex over the items and the three lines, so every
// rule below is checked and changed in one critical section.

use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::loom::{Mutex, MutexGuard};
use crate::waitlist::{List, Panic, Waiter, WaiterState, WakeList, wake};

mod buffer;
mod error;
mod get;
mod join;
mod kinds;
mod line;
mod put;
mod shared;
mod shutdown;
mod tracked;

pub use error::{QueueShutDown, TaskDoneError, TryGetError, TryPutError};
pub use get::Get;
pub use join::Join;
pub use kinds::{LifoQueue, PriorityQueue, Queue};
pub use put::Put;
pub use tracked::{GetTracked, Tracked};

use buffer::Buffer;
use line::Line;

/// What the three queue types are made of; their futures borrow it.
pub(crate) struct Core<T> {
    /// 0: unbounded.
    maxsize: usize,
    state: Mutex<State<T>>,
}

/// Everything the queue's rules read or change, under one lock. No user code runs under it,
/// except a `PriorityQueue`'s `Ord`, which changes nothing (see `buffer`).
struct State<T> {
    items: Buffer<T>,
    getters: Line,
    putters: Line,
    /// Tasks in `join`; each node's value is the `finished` count it saw when it parked.
    joiners: List,
    /// Items put and not yet marked done.
    unfinished: usize,
    /// How many times `unfinished` reached 0 with tasks in `join`, wrapping: a joiner whose
    /// value differs was there when it last did, and is released.
    finished: usize,
    shutdown: bool,
}

type Locked<'a, T> = MutexGuard<'a, State<T>>;

impl<T> State<T> {
    fn is_full(&self, maxsize: usize) -> bool {
        maxsize > 0 && self.items.len() >= maxsize
    }
}

impl<T> Core<T> {
    crate::loom::const_fn! {
        fn new(maxsize: usize, items: Buffer<T>) -> Self {
            Core {
                maxsize,
                state: Mutex::new(State {
                    items,
                    getters: Line::new(),
                    putters: Line::new(),
                    joiners: List::new(),
                    unfinished: 0,
                    finished: 0,
                    shutdown: false,
                }),
            }
        }
    }

    #[inline]
    fn lock(&self) -> Locked<'_, T> {
        self.state.lock()
    }

    fn qsize(&self) -> usize {
        self.lock().items.len()
    }

    fn full(&self) -> bool {
        self.lock().is_full(self.maxsize)
    }

    /// For a dropped [`Get`] or [`Put`]: `node` leaves `line` (the getters or the putters), and
    /// a task woken for an item or a slot passes the wake-up on to the next in that line if
    /// `left(state, maxsize)` says one is still there to take, as asyncio's `get` and `put` do
    /// on cancellation.
    fn cancel(
        &self,
        node: Pin<&Waiter>,
        line: fn(&mut State<T>) -> &mut Line,
        left: fn(&State<T>, usize) -> bool,
    ) {
        let mut s = match node.state() {
            WaiterState::Queued => {
                let mut s = self.lock();
                let (state, waker) = line(&mut s).remove(node);
                if state != WaiterState::Woken {
                    drop(s);
                    drop(waker);
                    return;
                }
                // Woken while the lock was being taken (and then it held no waker).
                s
            }
            WaiterState::Woken => self.lock(),
            WaiterState::Idle | WaiterState::Done => return,
        };
        let next = if left(&s, self.maxsize) {
            line(&mut s).wake_next().flatten()
        } else {
            None
        };
        drop(s);
        wake(next);
    }

    fn getters(&self) -> usize {
        self.lock().getters.len()
    }

    fn putters(&self) -> usize {
        self.lock().putters.len()
    }

    fn unfinished_tasks(&self) -> usize {
        self.lock().unfinished
    }

    fn is_shutdown(&self) -> bool {
        self.lock().shutdown
    }

    /// For the owner of a parked node, in the list `list` picks: `Ready` once the node has been
    /// woken; otherwise makes sure its waker wakes `cx`'s task and returns `Pending`. The waker
    /// is cloned with the lock released (a clone may run any code), then checked again.
    fn poll_parked(
        &self,
        node: Pin<&Waiter>,
        cx: &mut Context<'_>,
        list: for<'s> fn(&'s mut State<T>, Pin<&Waiter>) -> &'s mut List,
    ) -> Poll<()> {
        let mut fresh: Option<Waker> = None;
        loop {
            // Woken: if dropping `fresh` panics, the future's drop passes the wake-up on.
            if node.state() != WaiterState::Queued {
                return Poll::Ready(());
            }
            let mut s = self.lock();
            if node.state() != WaiterState::Queued {
                drop(s);
                return Poll::Ready(());
            }
            let list = list(&mut s, node);
            match fresh.take() {
                None if list.will_wake(node, cx.waker()) => return Poll::Pending,
                None => {
                    drop(s);
                    fresh = Some(cx.waker().clone());
                }
                Some(waker) => {
                    let old = list.set_waker(node, waker);
                    drop(s);
                    drop(old);
                    return Poll::Pending;
                }
            }
        }
    }

    /// Runs a wake-up job that may wake more tasks than one batch of wakers holds: `batch` makes
    /// the changes under the lock and fills `wakers`, and returns whether the job goes on. Each
    /// batch is woken with the lock released; a waker that panics does not stop the job, and
    /// the first panic is returned, for the caller to re-raise once its own job is done.
    #[must_use = "the panic of a waker must be re-raised with `finish`"]
    fn wake_batched<'a>(
        &'a self,
        mut s: Locked<'a, T>,
        mut batch: impl FnMut(&mut State<T>, &mut WakeList) -> bool,
    ) -> Panic {
        let mut wakers = WakeList::new();
        let mut panic = Panic::default();
        loop {
            let more = batch(&mut s, &mut wakers);
            drop(s);
            wakers.wake_all(&mut panic);
            if !more {
                break;
            }
            s = self.lock();
        }
        panic
    }
}

impl<T> Core<T> {
    /// The `Debug` output of a queue named `name`: its counts, not its items.
    fn debug(&self, name: &str, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let s = self.lock();
        let (qsize, getters, putters) = (s.items.len(), s.getters.len(), s.putters.len());
        let (unfinished, shutdown) = (s.unfinished, s.shutdown);
        drop(s);
        f.debug_struct(name)
            .field("maxsize", &self.maxsize)
            .field("qsize", &qsize)
            .field("getters", &getters)
            .field("putters", &putters)
            .field("unfinished_tasks", &unfinished)
            .field("is_shutdown", &shutdown)
            .finish()
    }
}
