//! The acquire futures: [`Acquire`] resolves to a [`LockGuard`], [`AcquireOwned`] to an
//! [`OwnedLockGuard`].

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use std::sync::Arc;

use futures_core::FusedFuture;
use pin_project_lite::pin_project;

use super::{Lock, LockGuard, OwnedLockGuard};
use crate::waitlist::{Waiter, WaiterState};

pin_project! {
    /// The future returned by [`Lock::acquire`]; resolves to a [`LockGuard`].
    ///
    /// Dropping it before it completes is safe: see [`Lock`'s cancel safety](Lock#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let lock = aiosync::Lock::new(5);
    /// let acquire: aiosync::lock::Acquire<'_, i32> = lock.acquire();
    /// assert_eq!(*acquire.await, 5);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Acquire<'a, T: ?Sized> {
        lock: &'a Lock<T>,
        #[pin]
        node: Waiter,
    }

    impl<T: ?Sized> PinnedDrop for Acquire<'_, T> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            this.lock.raw.cancel_acquire(this.node.as_ref());
        }
    }
}

impl<'a, T: ?Sized> Acquire<'a, T> {
    pub(super) fn new(lock: &'a Lock<T>) -> Self {
        Acquire {
            lock,
            node: Waiter::new(),
        }
    }
}

impl<'a, T: ?Sized> Future for Acquire<'a, T> {
    type Output = LockGuard<'a, T>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let node = this.node.as_ref();
        let lock = *this.lock;
        ready!(lock.raw.poll_acquire(node, cx));
        Poll::Ready(LockGuard::new(lock))
    }
}

impl<T: ?Sized> FusedFuture for Acquire<'_, T> {
    fn is_terminated(&self) -> bool {
        self.node.state() == WaiterState::Done
    }
}

impl<T: ?Sized> fmt::Debug for Acquire<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("state", &self.node.state())
            .finish()
    }
}

pin_project! {
    /// The future returned by [`Lock::acquire_owned`]; resolves to an [`OwnedLockGuard`].
    ///
    /// Dropping it before it completes is safe: see [`Lock`'s cancel safety](Lock#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # futures_executor::block_on(async {
    /// let lock = Arc::new(aiosync::Lock::new(()));
    /// let acquire: aiosync::lock::AcquireOwned<()> = lock.acquire_owned();
    /// let guard = acquire.await;
    /// # drop(guard);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct AcquireOwned<T: ?Sized> {
        // `None` once the guard has taken it over.
        lock: Option<Arc<Lock<T>>>,
        #[pin]
        node: Waiter,
    }

    impl<T: ?Sized> PinnedDrop for AcquireOwned<T> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(lock) = this.lock {
                lock.raw.cancel_acquire(this.node.as_ref());
            }
        }
    }
}

impl<T: ?Sized> AcquireOwned<T> {
    pub(super) fn new(lock: Arc<Lock<T>>) -> Self {
        AcquireOwned {
            lock: Some(lock),
            node: Waiter::new(),
        }
    }
}

impl<T: ?Sized> Future for AcquireOwned<T> {
    type Output = OwnedLockGuard<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let node = this.node.as_ref();
        let lock = this
            .lock
            .as_ref()
            .expect("`AcquireOwned` polled after completion");
        ready!(lock.raw.poll_acquire(node, cx));
        let lock = this.lock.take().expect("checked above");
        Poll::Ready(OwnedLockGuard::new(lock))
    }
}

impl<T: ?Sized> FusedFuture for AcquireOwned<T> {
    fn is_terminated(&self) -> bool {
        self.lock.is_none()
    }
}

impl<T: ?Sized> fmt::Debug for AcquireOwned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcquireOwned")
            .field("state", &self.node.state())
            .finish()
    }
}
