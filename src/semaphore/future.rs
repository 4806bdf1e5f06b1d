//! The futures that wait for permits: [`Acquire`] borrows its semaphore, [`AcquireOwned`] holds
//! it in an [`Arc`].

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use std::sync::Arc;

use futures_core::FusedFuture;
use pin_project_lite::pin_project;

use super::counter::Counter;
use super::{
    AnySemaphore, OwnedSemaphorePermit, SemaphorePermit, TooManyPermits, Waiter, WaiterState,
};
#[cfg(doc)]
use super::{BoundedSemaphore, Semaphore};

pin_project! {
    /// The future returned by `acquire` on [`Semaphore`] and [`BoundedSemaphore`]; resolves to a
    /// [`SemaphorePermit`].
    ///
    /// Dropping it before it completes is safe: see
    /// [`Semaphore`'s cancel safety](Semaphore#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let sem = aiosync::Semaphore::new(1);
    /// let acquire: aiosync::semaphore::Acquire<'_> = sem.acquire();
    /// assert_eq!(acquire.await.num_permits(), 1);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Acquire<'a> {
        sem: &'a Counter,
        n: usize,
        #[pin]
        node: Waiter,
    }

    impl PinnedDrop for Acquire<'_> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            this.sem.raw.cancel_acquire(this.node.as_ref(), *this.n);
        }
    }
}

impl<'a> Acquire<'a> {
    pub(super) fn new(sem: &'a Counter, n: usize) -> Self {
        Acquire {
            sem,
            n,
            node: Waiter::new(),
        }
    }

    /// `acquire_many`: refused at once if the semaphore could never hold `n` permits.
    pub(super) fn checked(sem: &'a Counter, n: usize) -> Result<Self, TooManyPermits> {
        sem.check_request(n)?;
        Ok(Acquire::new(sem, n))
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = SemaphorePermit<'a>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let node = this.node.as_ref();
        ready!(this.sem.raw.poll_acquire(node, *this.n, cx));
        Poll::Ready(SemaphorePermit {
            sem: this.sem,
            n: *this.n,
        })
    }
}

impl FusedFuture for Acquire<'_> {
    fn is_terminated(&self) -> bool {
        self.node.state() == WaiterState::Done
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("permits", &self.n)
            .field("state", &self.node.state())
            .finish()
    }
}

pin_project! {
    /// The future returned by `acquire_owned` and `acquire_many_owned` on [`Semaphore`] and
    /// [`BoundedSemaphore`]; resolves to an [`OwnedSemaphorePermit`].
    ///
    /// Dropping it before it completes is safe: see
    /// [`Semaphore`'s cancel safety](Semaphore#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # futures_executor::block_on(async {
    /// let sem = Arc::new(aiosync::Semaphore::new(1));
    /// let acquire: aiosync::semaphore::AcquireOwned<aiosync::Semaphore> = sem.acquire_owned();
    /// assert_eq!(acquire.await.num_permits(), 1);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct AcquireOwned<S: AnySemaphore> {
        // `None` once the permit has taken it over.
        sem: Option<Arc<S>>,
        n: usize,
        #[pin]
        node: Waiter,
    }

    impl<S: AnySemaphore> PinnedDrop for AcquireOwned<S> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(sem) = this.sem {
                sem.counter().raw.cancel_acquire(this.node.as_ref(), *this.n);
            }
        }
    }
}

impl<S: AnySemaphore> AcquireOwned<S> {
    pub(super) fn new(sem: &Arc<S>, n: usize) -> Self {
        AcquireOwned {
            sem: Some(sem.clone()),
            n,
            node: Waiter::new(),
        }
    }

    /// `acquire_many_owned`: refused at once if the semaphore could never hold `n` permits.
    pub(super) fn checked(sem: &Arc<S>, n: usize) -> Result<Self, TooManyPermits> {
        sem.counter().check_request(n)?;
        Ok(AcquireOwned::new(sem, n))
    }
}

impl<S: AnySemaphore> Future for AcquireOwned<S> {
    type Output = OwnedSemaphorePermit<S>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let sem = this
            .sem
            .as_ref()
            .expect("`AcquireOwned` polled after completion");
        ready!(
            sem.counter()
                .raw
                .poll_acquire(this.node.as_ref(), *this.n, cx)
        );
        Poll::Ready(OwnedSemaphorePermit {
            sem: this.sem.take().expect("checked above"),
            n: *this.n,
        })
    }
}

impl<S: AnySemaphore> FusedFuture for AcquireOwned<S> {
    fn is_terminated(&self) -> bool {
        self.sem.is_none()
    }
}

impl<S: AnySemaphore> fmt::Debug for AcquireOwned<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcquireOwned")
            .field("permits", &self.n)
            .field("state", &self.node.state())
            .finish()
    }
}
