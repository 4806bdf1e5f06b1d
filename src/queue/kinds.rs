//! The three queue types, each a [`Core`] with its kind of buffer: their own docs and
//! constructors here, their shared methods in `shared`.

use super::Core;
use super::buffer::Buffer;
#[cfg(doc)]
use super::{QueueShutDown, TryGetError, TryPutError};

/// asyncio's `Queue`: a first-in, first-out queue for tasks, with an optional bound,
/// `task_done`/`join` to wait until every item is processed, and shutdown.
///
/// | asyncio | aiosync |
/// |---|---|
/// | `q = asyncio.Queue(maxsize=0)` | `let q = Queue::new(0);` (0 is unbounded; `Default` too) |
/// | `await q.put(x)` | `q.put(x).await?` (`Err` gives `x` back: the queue was shut down) |
/// | `q.put_nowait(x)` / `QueueFull` | `q.put_nowait(x)?` / `Err(TryPutError::Full(x))` |
/// | `x = await q.get()` | `let x = q.get().await?;` (`Err`: shut down and empty) |
/// | `q.get_nowait()` / `QueueEmpty` | `q.get_nowait()?` / `Err(TryGetError::Empty)` |
/// | `q.task_done()` / `ValueError` | `q.task_done()?` / `Err(TaskDoneError)` |
/// | `item = await q.get()` … `finally: q.task_done()` | `let item = q.get_tracked().await?;` (done when dropped) |
/// | `await q.join()` | `q.join().await` |
/// | `q.shutdown()` / `q.shutdown(immediate=True)` | `q.shutdown()` / `q.shutdown_immediate()` |
/// | `QueueShutDown` | [`QueueShutDown`], [`TryPutError::ShutDown`], [`TryGetError::ShutDown`] |
/// | `q.qsize()`, `q.empty()`, `q.full()`, `q.maxsize` | `qsize()`, `empty()`, `full()`, `maxsize()` |
/// | `len(q._getters)`, `len(q._putters)`, `q._unfinished_tasks` | `getters()`, `putters()`, `unfinished_tasks()` |
/// | — (threads) | `put_blocking`, `get_blocking`, `join_blocking`, and their `_timeout` forms |
///
/// [`LifoQueue`] and [`PriorityQueue`] differ only in the order items come out.
///
/// # Fairness
///
/// Tasks waiting to get are served in the order they started waiting, and so are tasks waiting
/// to put. As in asyncio, each item put wakes the first waiting getter, and each item taken
/// wakes the first waiting putter; the woken task takes its item (or adds its own) when it next
/// runs. Until then the item stays in the queue (`qsize()` counts it) and a task that does not
/// wait may take it first: `get_nowait`, or a `get` that finds an item, completes at once, as in
/// asyncio. The woken getter then parks again **in its place at the front**, not at the back as
/// in asyncio, and so does a putter whose free slot was filled first: waiting tasks are served
/// strictly in order (this removes asyncio's gh-83055, where puts could land out of order).
///
/// # Cancel safety
///
/// Every future is cancel-safe: dropping it before it completes loses nothing.
///
/// - [`get`](Queue::get): an item leaves the queue only in the poll that returns it, so a
///   dropped get never loses one. A getter woken for an item and dropped before it ran passes
///   the wake-up on to the next getter, if an item is still there, as asyncio does.
/// - [`put`](Queue::put): the item stays in the future until the poll that adds it, so a
///   dropped put adds nothing (the item is dropped with it). A putter woken for a free slot and
///   dropped passes the wake-up on to the next putter, if a slot is still free.
/// - [`get_tracked`](Queue::get_tracked): as `get`; and the [`Tracked`](super::Tracked) item
///   it returns calls `task_done` however it is dropped, even by a panic.
/// - [`join`](Queue::join): leaves the line; there is nothing to pass on.
///
/// A dropped waiting task leaves [`getters`](Queue::getters) and [`putters`](Queue::putters) at
/// once. The blocking forms wait in the same lines, and a `_timeout` form that gives up is a
/// dropped future: a `put_blocking_timeout` that times out adds nothing.
///
/// # Examples
///
/// Workers that process items until the queue is shut down, and a producer that waits for the
/// work to be done:
///
/// ```
/// use aiosync::Queue;
///
/// # futures_executor::block_on(async {
/// let queue = Queue::new(2);
/// let worker = |id| {
///     let queue = &queue;
///     async move {
///         let mut done = Vec::new();
///         while let Ok(job) = queue.get_tracked().await {
///             done.push((id, *job));
///         }
///         done
///     }
/// };
/// let producer = async {
///     for job in 0..6 {
///         queue.put(job).await.unwrap(); // waits while two jobs are queued
///     }
///     queue.join().await; // every job processed
///     queue.shutdown(); // the workers' gets fail: they return
/// };
/// let (a, b, ()) = futures_util::join!(worker('a'), worker('b'), producer);
/// assert_eq!(a.len() + b.len(), 6);
/// # });
/// ```
///
/// From a thread, with the blocking forms:
///
/// ```
/// use std::sync::Arc;
///
/// let queue = Arc::new(aiosync::Queue::new(1));
/// let q = queue.clone();
/// let producer = std::thread::spawn(move || {
///     for i in 0..3 {
///         q.put_blocking(i).unwrap();
///     }
/// });
/// # futures_executor::block_on(async {
/// for i in 0..3 {
///     assert_eq!(queue.get().await, Ok(i));
/// }
/// # });
/// producer.join().unwrap();
/// ```
pub struct Queue<T> {
    pub(super) core: Core<T>,
}

/// asyncio's `LifoQueue`: a [`Queue`] that gives out the newest item first, as a stack.
///
/// Everything but the order of the items is [`Queue`]'s: its waiting, fairness, cancel safety,
/// `task_done`/`join` and shutdown.
///
/// # Fairness
///
/// As [`Queue`'s](Queue#fairness): the items come out newest first, and the tasks that wait for
/// them are served oldest first.
///
/// # Cancel safety
///
/// As [`Queue`'s](Queue#cancel-safety).
///
/// # Examples
///
/// ```
/// # futures_executor::block_on(async {
/// let stack = aiosync::LifoQueue::new(0);
/// for i in [1, 3, 2] {
///     stack.put(i).await.unwrap();
/// }
/// assert_eq!(stack.get().await, Ok(2));
/// assert_eq!(stack.get().await, Ok(3));
/// assert_eq!(stack.get().await, Ok(1));
/// # });
/// ```
pub struct LifoQueue<T> {
    pub(super) core: Core<T>,
}

/// asyncio's `PriorityQueue`: a [`Queue`] that gives out the smallest item first, by `T`'s
/// [`Ord`]; items that compare equal come out in the order they were put.
///
/// asyncio's heap does not keep equal items in order, which is why its docs suggest
/// `(priority, count, item)` tuples; here an item that compares by its priority alone is
/// enough: jobs of equal priority come out first come, first served. Everything but the order
/// of the items is [`Queue`]'s.
///
/// # Fairness
///
/// As [`Queue`'s](Queue#fairness): the items come out smallest first, and the tasks that wait
/// for them are served oldest first.
///
/// # Cancel safety
///
/// As [`Queue`'s](Queue#cancel-safety).
///
/// # Examples
///
/// ```
/// use std::cmp::Ordering;
///
/// /// Ordered by urgency alone, most urgent first.
/// #[derive(Debug)]
/// struct Job { urgency: u8, name: &'static str }
///
/// impl Ord for Job {
///     fn cmp(&self, other: &Self) -> Ordering {
///         other.urgency.cmp(&self.urgency)
///     }
/// }
/// impl PartialOrd for Job {
///     fn partial_cmp(&self, other: &Self) -> Option<Ordering> { Some(self.cmp(other)) }
/// }
/// impl PartialEq for Job {
///     fn eq(&self, other: &Self) -> bool { self.urgency == other.urgency }
/// }
/// impl Eq for Job {}
///
/// # futures_executor::block_on(async {
/// let jobs = aiosync::PriorityQueue::new(0);
/// jobs.put(Job { urgency: 1, name: "tidy up" }).await.unwrap();
/// jobs.put(Job { urgency: 5, name: "fix the outage" }).await.unwrap();
/// jobs.put(Job { urgency: 1, name: "answer mail" }).await.unwrap();
/// assert_eq!(jobs.get().await.unwrap().name, "fix the outage");
/// assert_eq!(jobs.get().await.unwrap().name, "tidy up"); // put first of the equal ones
/// assert_eq!(jobs.get().await.unwrap().name, "answer mail");
/// # });
/// ```
///
/// # Panics
///
/// `T`'s `Ord` runs while the queue is locked, when an item is put or taken: it must not use
/// the same queue (that would deadlock). If it panics, the put or get it ran for panics and
/// changes nothing; the items are all still there. The one exception: a get whose item goes
/// back because a waker panicked puts it back with `Ord` too, and if that panics as well, the
/// item is dropped (with the queue unlocked).
pub struct PriorityQueue<T> {
    pub(super) core: Core<T>,
}

impl<T> Queue<T> {
    crate::loom::const_fn! {
        /// Creates a queue that holds at most `maxsize` items; 0 means unbounded, as asyncio's
        /// `maxsize <= 0` does. A `const fn`, so a queue can be a `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// let queue = aiosync::Queue::<u32>::new(10);
        /// assert_eq!(queue.maxsize(), 10);
        /// ```
        ///
        /// ```
        /// static JOBS: aiosync::Queue<u32> = aiosync::Queue::new(0);
        ///
        /// std::thread::spawn(|| JOBS.put_blocking(7).unwrap()).join().unwrap();
        /// assert_eq!(JOBS.get_blocking(), Ok(7));
        /// ```
        pub fn new(maxsize: usize) -> Self {
            Queue {
                core: Core::new(maxsize, Buffer::fifo()),
            }
        }
    }
}

impl<T> LifoQueue<T> {
    crate::loom::const_fn! {
        /// Creates a LIFO queue that holds at most `maxsize` items; 0 means unbounded. A
        /// `const fn`, so a queue can be a `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// let stack = aiosync::LifoQueue::<u32>::new(0);
        /// assert_eq!(stack.maxsize(), 0);
        /// ```
        pub fn new(maxsize: usize) -> Self {
            LifoQueue {
                core: Core::new(maxsize, Buffer::lifo()),
            }
        }
    }
}

impl<T: Ord> PriorityQueue<T> {
    crate::loom::const_fn! {
        /// Creates a priority queue that holds at most `maxsize` items; 0 means unbounded. A
        /// `const fn`, so a queue can be a `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// let jobs = aiosync::PriorityQueue::<(u8, String)>::new(100);
        /// assert_eq!(jobs.maxsize(), 100);
        /// ```
        pub fn new(maxsize: usize) -> Self {
            PriorityQueue {
                core: Core::new(maxsize, Buffer::priority()),
            }
        }
    }
}

/// An unbounded queue.
impl<T> Default for Queue<T> {
    fn default() -> Self {
        Queue::new(0)
    }
}

/// An unbounded queue.
impl<T> Default for LifoQueue<T> {
    fn default() -> Self {
        LifoQueue::new(0)
    }
}

/// An unbounded queue.
impl<T: Ord> Default for PriorityQueue<T> {
    fn default() -> Self {
        PriorityQueue::new(0)
    }
}
