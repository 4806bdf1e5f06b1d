//! The errors: asyncio's `QueueShutDown`, `QueueFull`, `QueueEmpty` and `task_done`'s
//! `ValueError`. Those of a put give the item back.

use core::fmt;

#[cfg(doc)]
use super::Queue;

/// The queue was shut down: asyncio's `QueueShutDown`. From a put, it holds the item, which was
/// not added (`T` is `()` for a get).
///
/// # Examples
///
/// ```
/// # futures_executor::block_on(async {
/// let queue = aiosync::Queue::new(0);
/// queue.shutdown();
/// let err = queue.put("job").await.unwrap_err();
/// assert_eq!(err.into_inner(), "job");
/// assert_eq!(queue.get().await, Err(aiosync::QueueShutDown::default()));
/// # });
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct QueueShutDown<T = ()>(T);

/// What a get fails with, for comparisons.
impl Default for QueueShutDown {
    fn default() -> Self {
        QueueShutDown(())
    }
}

impl<T> QueueShutDown<T> {
    pub(super) fn new(item: T) -> Self {
        QueueShutDown(item)
    }

    /// The item that could not be put.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = aiosync::Queue::new(0);
    /// queue.shutdown();
    /// let err = queue.put_blocking(vec![1, 2]).unwrap_err();
    /// assert_eq!(err.into_inner(), [1, 2]);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

// Like std's `SendError`: no `T: Debug` bound, so `unwrap` works for any item.
impl<T> fmt::Debug for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueShutDown(..)")
    }
}

impl<T> fmt::Display for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is shut down")
    }
}

impl<T> std::error::Error for QueueShutDown<T> {}

/// Why `put_nowait` could not add the item, which it gives back: asyncio's `QueueFull` and
/// `QueueShutDown`.
///
/// # Examples
///
/// ```
/// use aiosync::{Queue, TryPutError};
///
/// let queue = Queue::new(1);
/// queue.put_nowait(1).unwrap();
/// assert_eq!(queue.put_nowait(2), Err(TryPutError::Full(2)));
/// queue.shutdown();
/// assert_eq!(queue.put_nowait(3), Err(TryPutError::ShutDown(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TryPutError<T> {
    /// The queue holds `maxsize` items: asyncio's `QueueFull`.
    Full(T),
    /// The queue was shut down: asyncio's `QueueShutDown`.
    ShutDown(T),
}

impl<T> TryPutError<T> {
    /// The item that could not be put.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = aiosync::Queue::new(1);
    /// queue.put_nowait("a").unwrap();
    /// assert_eq!(queue.put_nowait("b").unwrap_err().into_inner(), "b");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(item) | TryPutError::ShutDown(item) => item,
        }
    }

    /// Whether the queue was full.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = aiosync::Queue::new(1);
    /// queue.put_nowait(1).unwrap();
    /// assert!(queue.put_nowait(2).unwrap_err().is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TryPutError::Full(_))
    }

    /// Whether the queue was shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = aiosync::Queue::new(0);
    /// queue.shutdown();
    /// assert!(queue.put_nowait(1).unwrap_err().is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        matches!(self, TryPutError::ShutDown(_))
    }
}

impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryPutError::Full(_) => "Full(..)",
            TryPutError::ShutDown(_) => "ShutDown(..)",
        })
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryPutError::Full(_) => "the queue is full",
            TryPutError::ShutDown(_) => "the queue is shut down",
        })
    }
}

impl<T> std::error::Error for TryPutError<T> {}

/// Why `get_nowait` returned no item: asyncio's `QueueEmpty` and `QueueShutDown`.
///
/// # Examples
///
/// ```
/// use aiosync::{Queue, TryGetError};
///
/// let queue = Queue::<u8>::new(0);
/// assert_eq!(queue.get_nowait(), Err(TryGetError::Empty));
/// queue.shutdown();
/// assert_eq!(queue.get_nowait(), Err(TryGetError::ShutDown));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryGetError {
    /// No item is in the queue: asyncio's `QueueEmpty`.
    Empty,
    /// The queue was shut down, and no item is left in it: asyncio's `QueueShutDown`.
    ShutDown,
}

impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryGetError::Empty => "the queue is empty",
            TryGetError::ShutDown => "the queue is shut down and empty",
        })
    }
}

impl std::error::Error for TryGetError {}

/// `task_done` was called more times than items were put: asyncio's
/// `ValueError('task_done() called too many times')`. The count is left at 0.
///
/// # Examples
///
/// ```
/// let queue = aiosync::Queue::<u8>::new(0);
/// let err = queue.task_done().unwrap_err();
/// assert_eq!(err.to_string(), "task_done() called too many times");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskDoneError(pub(super) ());

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called too many times")
    }
}

impl std::error::Error for TaskDoneError {}
