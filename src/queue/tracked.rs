//! `get_tracked`: an item that marks itself done when dropped, so that a worker that returns
//! early, panics or is cancelled cannot leave `join` waiting forever.

use core::fmt;
use core::future::Future;
use core::ops::{Deref, DerefMut};
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use futures_core::FusedFuture;
use pin_project_lite::pin_project;

#[cfg(doc)]
use super::Queue;
use super::{Core, Get, QueueShutDown};

/// An item from `get_tracked`, which calls `task_done` when dropped: asyncio's
/// `try: ... finally: queue.task_done()` as a value. It derefs to the item.
///
/// # Examples
///
/// ```
/// # futures_executor::block_on(async {
/// let queue = aiosync::Queue::new(0);
/// queue.put_nowait(String::from("job")).unwrap();
/// {
///     let mut job = queue.get_tracked().await.unwrap();
///     job.push_str(" done");
///     assert_eq!(*job, "job done");
///     assert_eq!(queue.unfinished_tasks(), 1);
/// } // dropped: task_done
/// assert_eq!(queue.unfinished_tasks(), 0);
/// queue.join().await;
/// # });
/// ```
pub struct Tracked<'a, T> {
    core: &'a Core<T>,
    /// `None` only once `into_inner` took it.
    item: Option<T>,
}

impl<T> Tracked<'_, T> {
    /// Marks the item done now and returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let queue = aiosync::Queue::new(0);
    /// queue.put_nowait(vec![1, 2]).unwrap();
    /// let job = queue.get_tracked().await.unwrap();
    /// let items: Vec<i32> = aiosync::Tracked::into_inner(job);
    /// assert_eq!(items, [1, 2]);
    /// assert_eq!(queue.unfinished_tasks(), 0);
    /// # });
    /// ```
    pub fn into_inner(mut this: Self) -> T {
        let item = this.item.take().expect("a `Tracked` holds its item");
        drop(this);
        item
    }
}

impl<T> Drop for Tracked<'_, T> {
    fn drop(&mut self) {
        // Only an extra `task_done` elsewhere can have brought the count to 0 already; there is
        // nothing left to mark then.
        let _ = self.core.task_done();
    }
}

impl<T> Deref for Tracked<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.item.as_ref().expect("a `Tracked` holds its item")
    }
}

impl<T> DerefMut for Tracked<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.item.as_mut().expect("a `Tracked` holds its item")
    }
}

impl<T: fmt::Debug> fmt::Debug for Tracked<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Tracked").field(&**self).finish()
    }
}

pin_project! {
    /// The future returned by `get_tracked` on [`Queue`], `LifoQueue` and `PriorityQueue`: a
    /// [`Get`] whose item comes as a [`Tracked`].
    ///
    /// Dropping it before it completes is as safe as dropping a [`Get`]: see
    /// [`Queue`'s cancel safety](Queue#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_core::FusedFuture;
    ///
    /// # futures_executor::block_on(async {
    /// let queue = aiosync::Queue::new(0);
    /// queue.put_nowait(1).unwrap();
    /// let mut get = std::pin::pin!(queue.get_tracked());
    /// assert_eq!(*get.as_mut().await.unwrap(), 1);
    /// assert!(get.is_terminated());
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct GetTracked<'a, T> {
        #[pin]
        get: Get<'a, T>,
    }
}

impl<'a, T> GetTracked<'a, T> {
    pub(super) fn new(core: &'a Core<T>) -> Self {
        GetTracked {
            get: Get::new(core),
        }
    }
}

impl<'a, T> Future for GetTracked<'a, T> {
    type Output = Result<Tracked<'a, T>, QueueShutDown>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let get = self.project().get;
        let core = get.core();
        let item = ready!(get.poll(cx))?;
        Poll::Ready(Ok(Tracked {
            core,
            item: Some(item),
        }))
    }
}

impl<T> FusedFuture for GetTracked<'_, T> {
    fn is_terminated(&self) -> bool {
        self.get.is_terminated()
    }
}

impl<T> fmt::Debug for GetTracked<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("GetTracked").field(&self.get).finish()
    }
}
