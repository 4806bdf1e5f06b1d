//! The methods the three queues share, written once: [`queue_methods!`] emits them, with their
//! documentation and examples, for [`Queue`], [`LifoQueue`] and [`PriorityQueue`].

use core::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::time::Duration;

use super::{
    Get, GetTracked, Join, LifoQueue, PriorityQueue, Put, Queue, QueueShutDown, TaskDoneError,
    TryGetError, TryPutError,
};
use crate::blocking::{block_on, block_on_timeout};

macro_rules! queue_methods {
    ($ty:ident) => {
        impl<T> $ty<T> {
            /// The most items the queue holds; 0 if it is unbounded.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("assert_eq!(aiosync::", stringify!($ty), "::<u8>::new(3).maxsize(), 3);")]
            /// ```
            pub fn maxsize(&self) -> usize {
                self.core.maxsize
            }

            /// How many items the queue holds. An item put for a getter that was woken but has
            /// not taken it yet still counts, as in asyncio.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(0);")]
            /// queue.put_nowait(1).unwrap();
            /// assert_eq!(queue.qsize(), 1);
            /// ```
            #[doc(alias = "len")]
            pub fn qsize(&self) -> usize {
                self.core.qsize()
            }

            /// Whether the queue holds no item.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(0);")]
            /// assert!(queue.empty());
            /// queue.put_nowait(1).unwrap();
            /// assert!(!queue.empty());
            /// ```
            #[doc(alias = "is_empty")]
            pub fn empty(&self) -> bool {
                self.qsize() == 0
            }

            /// Whether the queue holds `maxsize` items, so that a put would wait. An unbounded
            /// queue is never full.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(1);")]
            /// assert!(!queue.full());
            /// queue.put_nowait(1).unwrap();
            /// assert!(queue.full());
            /// ```
            #[doc(alias = "is_full")]
            pub fn full(&self) -> bool {
                self.core.full()
            }

            /// Adds an item, waiting while the queue is full. asyncio's `await queue.put(item)`.
            ///
            /// Completes at once, without waiting, if there is room. Otherwise the task waits
            /// in line behind the other putters.
            ///
            /// # Fairness
            ///
            #[doc = concat!("See the [type-level notes](", stringify!($ty), "#fairness).")]
            ///
            /// # Cancel safety
            ///
            /// Cancel-safe: the future holds the item until the poll that adds it, so dropping
            /// it adds nothing (and drops the item). A putter woken for a free slot passes the
            #[doc = concat!("wake-up on. See the [type-level notes](", stringify!($ty), "#cancel-safety).")]
            ///
            /// # Examples
            ///
            /// ```
            /// # futures_executor::block_on(async {
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(1);")]
            /// queue.put(1).await.unwrap();
            /// assert!(queue.full());
            /// # });
            /// ```
            ///
            /// # Errors
            ///
            /// [`QueueShutDown`], with the item, if the queue is shut down before the item is
            /// added, as asyncio raises `QueueShutDown`.
            pub fn put(&self, item: T) -> Put<'_, T> {
                Put::new(&self.core, item)
            }

            /// Adds an item if there is room, without waiting. asyncio's `put_nowait(item)`.
            ///
            /// Wakes the first task waiting to get, if any.
            ///
            /// # Examples
            ///
            /// ```
            /// use aiosync::TryPutError;
            ///
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(1);")]
            /// queue.put_nowait(1).unwrap();
            /// assert_eq!(queue.put_nowait(2), Err(TryPutError::Full(2)));
            /// ```
            ///
            /// # Errors
            ///
            /// [`TryPutError::ShutDown`] if the queue is shut down, else [`TryPutError::Full`]
            /// if it holds `maxsize` items; either gives the item back.
            pub fn put_nowait(&self, item: T) -> Result<(), TryPutError<T>> {
                self.core.put_nowait(item)
            }

            /// Takes the next item, waiting while the queue is empty. asyncio's
            /// `await queue.get()`.
            ///
            /// Completes at once, without waiting, if an item is there. Otherwise the task waits
            /// in line behind the other getters. After [`shutdown`](Self::shutdown) the items
            /// left are still given out; then it fails.
            ///
            /// # Fairness
            ///
            #[doc = concat!("See the [type-level notes](", stringify!($ty), "#fairness).")]
            ///
            /// # Cancel safety
            ///
            /// Cancel-safe: the item leaves the queue only in the poll that returns it, so
            /// dropping the future never loses one. A getter woken for an item passes the
            #[doc = concat!("wake-up on. See the [type-level notes](", stringify!($ty), "#cancel-safety).")]
            ///
            /// # Examples
            ///
            /// ```
            /// # futures_executor::block_on(async {
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(0);")]
            /// queue.put_nowait(1).unwrap();
            /// assert_eq!(queue.get().await, Ok(1));
            /// # });
            /// ```
            ///
            /// # Errors
            ///
            /// [`QueueShutDown`] once the queue is shut down and empty.
            pub fn get(&self) -> Get<'_, T> {
                Get::new(&self.core)
            }

            /// Takes the next item if there is one, without waiting. asyncio's `get_nowait()`.
            ///
            /// Wakes the first task waiting to put, if any.
            ///
            /// # Examples
            ///
            /// ```
            /// use aiosync::TryGetError;
            ///
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(0);")]
            /// assert_eq!(queue.get_nowait(), Err(TryGetError::Empty));
            /// queue.put_nowait(1).unwrap();
            /// assert_eq!(queue.get_nowait(), Ok(1));
            /// ```
            ///
            /// # Errors
            ///
            /// [`TryGetError::Empty`] if the queue holds no item, [`TryGetError::ShutDown`]
            /// instead if it is also shut down.
            pub fn get_nowait(&self) -> Result<T, TryGetError> {
                self.core.get_nowait()
            }

            /// Like [`get`](Self::get), but the item comes as a [`Tracked`](crate::Tracked),
            /// which calls [`task_done`](Self::task_done) when dropped: a worker that returns
            /// early, panics or is cancelled still marks its item done, so `join` cannot wait
            /// forever. asyncio's `item = await queue.get()` with `try: ... finally:
            /// queue.task_done()`.
            ///
            /// # Cancel safety
            ///
            #[doc = concat!("As [`get`](Self::get); see the [type-level notes](", stringify!($ty), "#cancel-safety).")]
            ///
            /// # Examples
            ///
            /// ```
            /// # futures_executor::block_on(async {
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(0);")]
            /// queue.put_nowait(1).unwrap();
            /// let job = queue.get_tracked().await.unwrap();
            /// assert_eq!(*job, 1);
            /// drop(job);
            /// queue.join().await; // nothing unfinished
            /// # });
            /// ```
            ///
            /// # Errors
            ///
            /// As [`get`](Self::get).
            pub fn get_tracked(&self) -> GetTracked<'_, T> {
                GetTracked::new(&self.core)
            }

            /// Marks an item taken from the queue as processed. asyncio's `task_done()`.
            ///
            /// Every item put counts as unfinished until this is called for it; when the count
            /// reaches 0, every task waiting in [`join`](Self::join) is released. Like asyncio's,
            /// it does not check which item is done.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(0);")]
            /// queue.put_nowait(1).unwrap();
            /// assert_eq!(queue.unfinished_tasks(), 1);
            /// queue.get_nowait().unwrap();
            /// queue.task_done().unwrap();
            /// assert_eq!(queue.unfinished_tasks(), 0);
            /// assert!(queue.task_done().is_err());
            /// ```
            ///
            /// # Errors
            ///
            /// [`TaskDoneError`] if nothing is unfinished (called more times than items were
            /// put), as asyncio raises `ValueError`.
            pub fn task_done(&self) -> Result<(), TaskDoneError> {
                self.core.task_done()
            }

            /// Waits until every item put has been marked done with
            /// [`task_done`](Self::task_done). asyncio's `await queue.join()`.
            ///
            /// Completes at once if nothing is unfinished. When the count reaches 0, every task
            /// waiting then is released, even if a put raises it again before it runs.
            ///
            /// # Cancel safety
            ///
            #[doc = concat!("Cancel-safe; see the [type-level notes](", stringify!($ty), "#cancel-safety).")]
            ///
            /// # Examples
            ///
            /// ```
            /// # futures_executor::block_on(async {
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(0);")]
            /// queue.put_nowait(1).unwrap();
            /// let (_, ()) = futures_util::join!(queue.join(), async {
            ///     queue.get().await.unwrap();
            ///     queue.task_done().unwrap();
            /// });
            /// # });
            /// ```
            pub fn join(&self) -> Join<'_, T> {
                Join::new(&self.core)
            }

            /// How many items were put and not yet marked done. asyncio's `_unfinished_tasks`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(0);")]
            /// queue.put_nowait(1).unwrap();
            /// queue.put_nowait(2).unwrap();
            /// assert_eq!(queue.unfinished_tasks(), 2);
            /// ```
            pub fn unfinished_tasks(&self) -> usize {
                self.core.unfinished_tasks()
            }

            /// Shuts the queue down. asyncio's `shutdown()`.
            ///
            /// From then on every put fails and gives its item back. Gets still take the items
            /// left, then fail once the queue is empty. Every task waiting to put or get is
            /// woken to find that out. [`join`](Self::join) is not affected: it still waits for
            /// every item to be marked done. Calling it again changes nothing.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(0);")]
            /// queue.put_nowait(1).unwrap();
            /// queue.shutdown();
            /// assert!(queue.put_nowait(2).unwrap_err().is_shutdown());
            /// assert_eq!(queue.get_nowait(), Ok(1));
            /// assert_eq!(queue.get_nowait(), Err(aiosync::TryGetError::ShutDown));
            /// ```
            ///
            /// # Panics
            ///
            /// If a woken task's waker panics, once every task has been woken.
            pub fn shutdown(&self) {
                self.core.shutdown(false);
            }

            /// Shuts the queue down and drops the items left in it. asyncio's
            /// `shutdown(immediate=True)`.
            ///
            /// As [`shutdown`](Self::shutdown), but gets fail at once. The unfinished count is
            /// lowered by the number of items dropped, stopping at 0, and if that leaves it at
            /// 0, the tasks in [`join`](Self::join) are released; items taken before still need
            /// their [`task_done`](Self::task_done). The items are dropped last, after the
            /// waiting tasks are woken, outside the queue's lock.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(0);")]
            /// queue.put_nowait(1).unwrap();
            /// queue.put_nowait(2).unwrap();
            /// queue.get_nowait().unwrap();
            /// queue.shutdown_immediate();
            /// assert!(queue.empty());
            /// assert_eq!(queue.unfinished_tasks(), 1); // the item taken before
            /// ```
            ///
            /// # Panics
            ///
            /// If a woken task's waker or a dropped item's destructor panics, once every task
            /// has been woken.
            pub fn shutdown_immediate(&self) {
                self.core.shutdown(true);
            }

            /// Whether [`shutdown`](Self::shutdown) or
            /// [`shutdown_immediate`](Self::shutdown_immediate) was called.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::<u8>::new(0);")]
            /// queue.shutdown();
            /// assert!(queue.is_shutdown());
            /// ```
            #[doc(alias = "is_closed")]
            pub fn is_shutdown(&self) -> bool {
                self.core.is_shutdown()
            }

            /// How many tasks wait in [`get`](Self::get): parked, and not yet woken for an item.
            /// asyncio's `len(queue._getters)`. A waiting future that is dropped leaves the count
            /// at once.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("assert_eq!(aiosync::", stringify!($ty), "::<u8>::new(0).getters(), 0);")]
            /// ```
            pub fn getters(&self) -> usize {
                self.core.getters()
            }

            /// How many tasks wait in [`put`](Self::put): parked, and not yet woken for a free
            /// slot. asyncio's `len(queue._putters)`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("assert_eq!(aiosync::", stringify!($ty), "::<u8>::new(1).putters(), 0);")]
            /// ```
            pub fn putters(&self) -> usize {
                self.core.putters()
            }

            /// Blocks the current thread in [`put`](Self::put), for synchronous code feeding
            /// async tasks: same line, same order, same guarantees.
            ///
            /// Calling it inside an async task blocks that executor thread; use `.await` there.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::sync::Arc;
            ///
            #[doc = concat!("let queue = Arc::new(aiosync::", stringify!($ty), "::new(1));")]
            /// let q = queue.clone();
            /// let producer = std::thread::spawn(move || q.put_blocking(1));
            /// # futures_executor::block_on(async {
            /// assert_eq!(queue.get().await, Ok(1));
            /// # });
            /// producer.join().unwrap().unwrap();
            /// ```
            ///
            /// # Errors
            ///
            /// As [`put`](Self::put).
            pub fn put_blocking(&self, item: T) -> Result<(), QueueShutDown<T>> {
                block_on(self.put(item))
            }

            /// Blocks the current thread in [`get`](Self::get); see
            /// [`put_blocking`](Self::put_blocking).
            ///
            /// # Examples
            ///
            /// ```
            /// use std::sync::Arc;
            ///
            #[doc = concat!("let queue = Arc::new(aiosync::", stringify!($ty), "::new(0));")]
            /// let q = queue.clone();
            /// let consumer = std::thread::spawn(move || q.get_blocking());
            /// queue.put_nowait(1).unwrap();
            /// assert_eq!(consumer.join().unwrap(), Ok(1));
            /// ```
            ///
            /// # Errors
            ///
            /// As [`get`](Self::get).
            pub fn get_blocking(&self) -> Result<T, QueueShutDown> {
                block_on(self.get())
            }

            /// Blocks the current thread in [`join`](Self::join); see
            /// [`put_blocking`](Self::put_blocking).
            ///
            /// # Examples
            ///
            /// ```
            /// use std::sync::Arc;
            ///
            #[doc = concat!("let queue = Arc::new(aiosync::", stringify!($ty), "::new(0));")]
            /// queue.put_nowait(1).unwrap();
            /// let q = queue.clone();
            /// let worker = std::thread::spawn(move || {
            ///     q.get_blocking().unwrap();
            ///     q.task_done().unwrap();
            /// });
            /// queue.join_blocking();
            /// worker.join().unwrap();
            /// ```
            pub fn join_blocking(&self) {
                block_on(self.join());
            }

            /// Like [`put_blocking`](Self::put_blocking), but gives up after `timeout`: `None`
            /// then. A put that times out is a dropped [`put`](Self::put) future: it adds
            /// nothing, and the item is dropped.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            ///
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(1);")]
            /// let ten_ms = Duration::from_millis(10);
            /// assert_eq!(queue.put_blocking_timeout(1, ten_ms), Some(Ok(())));
            /// assert_eq!(queue.put_blocking_timeout(2, ten_ms), None); // full
            /// assert_eq!(queue.qsize(), 1);
            /// ```
            ///
            /// # Errors
            ///
            /// As [`put`](Self::put), inside the `Some`.
            #[must_use = "`None` means the put timed out and the item was dropped"]
            pub fn put_blocking_timeout(
                &self,
                item: T,
                timeout: Duration,
            ) -> Option<Result<(), QueueShutDown<T>>> {
                block_on_timeout(self.put(item), timeout)
            }

            /// Like [`get_blocking`](Self::get_blocking), but gives up after `timeout`: `None`
            /// then. A get that times out is a dropped [`get`](Self::get) future: it took
            /// nothing.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            ///
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(0);")]
            /// let ten_ms = Duration::from_millis(10);
            /// assert_eq!(queue.get_blocking_timeout(ten_ms), None);
            /// queue.put_nowait(1).unwrap();
            /// assert_eq!(queue.get_blocking_timeout(ten_ms), Some(Ok(1)));
            /// ```
            ///
            /// # Errors
            ///
            /// As [`get`](Self::get), inside the `Some`.
            #[must_use = "`None` means the get timed out"]
            pub fn get_blocking_timeout(&self, timeout: Duration) -> Option<Result<T, QueueShutDown>> {
                block_on_timeout(self.get(), timeout)
            }

            /// Like [`join_blocking`](Self::join_blocking), but gives up after `timeout`.
            /// Returns whether every item was done in time (`false`: timed out).
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            ///
            #[doc = concat!("let queue = aiosync::", stringify!($ty), "::new(0);")]
            /// queue.put_nowait(1).unwrap();
            /// assert!(!queue.join_blocking_timeout(Duration::from_millis(10)));
            /// ```
            #[must_use = "`false` means the join timed out"]
            pub fn join_blocking_timeout(&self, timeout: Duration) -> bool {
                block_on_timeout(self.join(), timeout).is_some()
            }
        }

        // A waker that panics finds the queue whole: every change is committed before user code
        // runs, and an item taken by a poll that then meets a panic goes back. The items move
        // in and out by value, so unwinding across the queue only moves `T`s across.
        impl<T: UnwindSafe> UnwindSafe for $ty<T> {}
        impl<T: UnwindSafe> RefUnwindSafe for $ty<T> {}

        impl<T> fmt::Debug for $ty<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.core.debug(stringify!($ty), f)
            }
        }
    };
}

queue_methods!(Queue);
queue_methods!(LifoQueue);
queue_methods!(PriorityQueue);
