//! Semaphore and BoundedSemaphore: asyncio's semantics (asyncio-semantics.md §4, §5) with
//! permits handed directly to the oldest waiter.

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use aiosync::{BoundedSemaphore, Semaphore};
use common::{Counter, Exec, poll, poll_noop, scaled, until};

#[test]
fn counts_permits() {
    let sem = Semaphore::new(2);
    assert!(!sem.locked());
    let a = sem.try_acquire().unwrap();
    let b = sem.try_acquire().unwrap();
    assert_eq!(a.num_permits(), 1);
    assert!(sem.locked());
    assert!(sem.try_acquire().is_none());
    drop(a);
    assert_eq!(sem.available_permits(), 1);
    drop(b);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn zero_permits_is_locked_and_release_adds_one() {
    let sem = Semaphore::new(0);
    assert!(sem.locked());
    sem.release();
    sem.release();
    assert_eq!(sem.available_permits(), 2);
    assert_eq!(Semaphore::default().available_permits(), 1);
}

#[test]
fn releases_wake_distinct_waiters_in_fifo_order_with_permits_reserved() {
    // asyncio's test_acquire: two releases with waiters queued leave the count at 0.
    let sem = Semaphore::new(0);
    let (wakes, waker) = Counter::new();
    let mut a = pin!(sem.acquire());
    let mut b = pin!(sem.acquire());
    let mut c = pin!(sem.acquire());
    for f in [a.as_mut(), b.as_mut(), c.as_mut()] {
        assert!(poll(f, &waker).is_pending());
    }
    sem.release();
    sem.release();
    assert_eq!(wakes.wakes(), 2);
    assert_eq!(sem.available_permits(), 0);
    assert!(sem.locked());
    assert!(poll(c.as_mut(), &waker).is_pending());
    let Poll::Ready(_b) = poll(b.as_mut(), &waker) else {
        panic!("b not granted")
    };
    let Poll::Ready(_a) = poll(a.as_mut(), &waker) else {
        panic!("a not granted")
    };
    assert!(poll(c.as_mut(), &waker).is_pending());
}

#[test]
fn newcomers_never_barge_past_waiters() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut waiter = pin!(sem.acquire());
    assert!(poll_noop(waiter.as_mut()).is_pending());
    drop(held);
    assert!(sem.try_acquire().is_none());
    let mut newcomer = pin!(sem.acquire());
    assert!(poll_noop(newcomer.as_mut()).is_pending());
    let Poll::Ready(permit) = poll_noop(waiter.as_mut()) else {
        panic!("waiter lost its permit")
    };
    drop(permit);
    assert!(poll_noop(newcomer.as_mut()).is_ready());
}

#[test]
fn a_woken_then_dropped_acquire_passes_its_permit_on() {
    let sem = Semaphore::new(0);
    let (wakes, waker) = Counter::new();
    let mut a = Box::pin(sem.acquire());
    let mut b = pin!(sem.acquire());
    assert!(poll(a.as_mut(), &waker).is_pending());
    assert!(poll(b.as_mut(), &waker).is_pending());
    sem.release();
    drop(a);
    assert_eq!(wakes.wakes(), 2);
    let Poll::Ready(_b) = poll(b.as_mut(), &waker) else {
        panic!("b not granted")
    };
    assert_eq!(sem.available_permits(), 0);
}

#[test]
fn a_woken_then_dropped_acquire_with_nobody_behind_returns_its_permit() {
    let sem = Semaphore::new(0);
    let mut a = Box::pin(sem.acquire());
    assert!(poll_noop(a.as_mut()).is_pending());
    sem.release();
    assert_eq!(sem.available_permits(), 0);
    drop(a);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn a_dropped_pending_acquire_changes_no_count() {
    let sem = Semaphore::new(0);
    let mut a = Box::pin(sem.acquire());
    let mut b = pin!(sem.acquire());
    assert!(poll_noop(a.as_mut()).is_pending());
    assert!(poll_noop(b.as_mut()).is_pending());
    drop(a);
    assert_eq!(sem.waiters(), 1);
    sem.release();
    assert!(poll_noop(b.as_mut()).is_ready());
}

#[test]
fn forget_then_release_is_asyncios_manual_style() {
    let sem = Semaphore::new(1);
    sem.try_acquire().unwrap().forget();
    assert_eq!(sem.available_permits(), 0);
    sem.release();
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn too_many_permits() {
    assert!(Semaphore::try_new(Semaphore::MAX_PERMITS).is_ok());
    let err = Semaphore::try_new(Semaphore::MAX_PERMITS + 1).unwrap_err();
    assert!(err.to_string().contains("can hold at most"), "{err}");
    assert!(BoundedSemaphore::try_new(usize::MAX).is_err());
}

#[test]
#[should_panic(expected = "can hold at most")]
fn new_panics_above_max_permits() {
    let _ = Semaphore::new(usize::MAX);
}

#[test]
#[should_panic(expected = "permit count overflow")]
fn release_panics_above_max_permits() {
    let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    sem.release();
}

#[test]
fn bounded_refuses_to_release_above_its_bound() {
    let sem = BoundedSemaphore::new(1);
    let err = sem.release().unwrap_err();
    assert_eq!(
        err.to_string(),
        "BoundedSemaphore released too many times (bound 1)"
    );
    assert_eq!(sem.available_permits(), 1);
    assert_eq!(sem.bound(), 1);

    // A live permit will come back on drop, so releasing on its behalf is refused too.
    let held = sem.try_acquire().unwrap();
    assert!(sem.release().is_err());
    drop(held);
    assert_eq!(sem.available_permits(), 1);

    assert!(BoundedSemaphore::new(0).release().is_err());
}

#[test]
fn bounded_forget_then_release() {
    let sem = BoundedSemaphore::new(2);
    sem.try_acquire().unwrap().forget();
    sem.try_acquire().unwrap().forget();
    assert!(sem.locked());
    sem.release().unwrap();
    sem.release().unwrap();
    assert!(sem.release().is_err());
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn bounded_release_hands_to_a_waiter_and_the_bound_still_holds() {
    // CPython accepts a second release here (its count ignores the woken waiter) and then lets
    // the count exceed the bound; with guards the count is exact, so the second release fails.
    let sem = BoundedSemaphore::new(1);
    sem.try_acquire().unwrap().forget();
    let mut w = pin!(sem.acquire());
    assert!(poll_noop(w.as_mut()).is_pending());
    sem.release().unwrap();
    assert!(sem.release().is_err());
    let Poll::Ready(permit) = poll_noop(w.as_mut()) else {
        panic!("not granted")
    };
    drop(permit);
    assert_eq!(sem.available_permits(), 1);
}

/// Never more holders than permits, on any executor, with some tasks cancelled mid-wait.
async fn permits_are_conserved(ex: Exec) {
    let sem = Arc::new(BoundedSemaphore::new(3));
    let holders = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (sem, holders) = (sem.clone(), holders.clone());
            ex.spawn(async move {
                for _ in 0..scaled(300) {
                    let permit = sem.acquire().await;
                    assert!(
                        holders.fetch_add(1, Ordering::SeqCst) < 3,
                        "more holders than permits"
                    );
                    common::yield_now().await;
                    holders.fetch_sub(1, Ordering::SeqCst);
                    drop(permit);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await;
    }
    assert_eq!(sem.available_permits(), 3);
    assert!(sem.release().is_err());
}

/// Waiters queued one after the other get permits in that order.
async fn fifo_across_tasks(ex: Exec) {
    let sem = Arc::new(Semaphore::new(0));
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for i in 0..10 {
        let (sem2, order) = (sem.clone(), order.clone());
        tasks.push(ex.spawn(async move {
            sem2.acquire().await.forget();
            order.lock().unwrap().push(i);
        }));
        until(|| sem.waiters() == i + 1).await;
    }
    // One permit at a time: granted tasks may run in any order, grants may not.
    for i in 0..10 {
        sem.release();
        until(|| order.lock().unwrap().len() == i + 1).await;
    }
    for task in tasks {
        task.await;
    }
    assert_eq!(*order.lock().unwrap(), (0..10).collect::<Vec<_>>());
}

on_every_executor!(
    permits_are_conserved,
    fifo_across_tasks,
    owned_permits_in_tasks_with_deadlines,
);

#[test]
fn a_large_request_at_the_head_is_not_starved_by_small_ones() {
    let sem = Semaphore::new(0);
    let mut big = pin!(sem.acquire_many(3));
    let mut small = pin!(sem.acquire());
    assert!(poll_noop(big.as_mut()).is_pending());
    assert!(poll_noop(small.as_mut()).is_pending());
    sem.release();
    sem.release();
    // The two permits are set aside for the head; the small request behind it gets nothing.
    assert!(poll_noop(small.as_mut()).is_pending());
    assert!(sem.try_acquire().is_none());
    assert_eq!(sem.available_permits(), 0);
    sem.release();
    let Poll::Ready(permit) = poll_noop(big.as_mut()) else {
        panic!("head not served")
    };
    assert_eq!(permit.num_permits(), 3);
    sem.release();
    assert!(poll_noop(small.as_mut()).is_ready());
}

#[test]
fn a_dropped_partly_served_request_passes_its_permits_on() {
    let sem = Semaphore::new(0);
    let mut big = Box::pin(sem.acquire_many(3));
    let mut small = pin!(sem.acquire());
    assert!(poll_noop(big.as_mut()).is_pending());
    assert!(poll_noop(small.as_mut()).is_pending());
    sem.release_many(2);
    drop(big);
    // One of the two set-aside permits serves the next waiter, the other goes back.
    let Poll::Ready(_permit) = poll_noop(small.as_mut()) else {
        panic!("not handed on")
    };
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn many_permits_split_merge_and_release_many() {
    let sem = Semaphore::new(5);
    let mut four = sem.try_acquire_many(4).unwrap();
    assert!(sem.try_acquire_many(2).is_none());
    let one = four.split(1).unwrap();
    assert!(four.split(4).is_none());
    assert_eq!((four.num_permits(), one.num_permits()), (3, 1));
    drop(one);
    assert_eq!(sem.available_permits(), 2);
    four.merge(sem.try_acquire().unwrap());
    assert_eq!(four.num_permits(), 4);
    four.forget();
    assert_eq!(sem.available_permits(), 1);
    sem.release_many(4);
    assert_eq!(sem.available_permits(), 5);
    assert_eq!(sem.try_acquire_many(0).unwrap().num_permits(), 0);
}

#[test]
#[should_panic(expected = "different semaphores")]
fn merging_permits_of_two_semaphores_panics() {
    let (a, b) = (Semaphore::new(1), Semaphore::new(1));
    a.try_acquire().unwrap().merge(b.try_acquire().unwrap());
}

#[test]
fn bounded_requests_above_the_bound_fail_at_once() {
    let sem = BoundedSemaphore::new(2);
    let err = sem.acquire_many(3).unwrap_err();
    assert!(err.to_string().contains("at most 2"), "{err}");
    assert!(sem.try_acquire_many(3).is_none());
    let two = sem.try_acquire_many(2).unwrap();
    two.forget();
    assert!(sem.release_many(3).is_err());
    sem.release_many(2).unwrap();
    assert_eq!(sem.available_permits(), 2);
    assert!(sem.release().is_err());
    let sem = Arc::new(sem);
    assert!(sem.acquire_many_owned(3).is_err());
}

#[test]
fn owned_permits_outlive_the_borrow_and_keep_fifo() {
    let sem = Arc::new(BoundedSemaphore::new(2));
    let mut held = sem.try_acquire_many_owned(2).unwrap();
    let mut owned = pin!(sem.acquire_owned());
    let mut borrowed = pin!(sem.acquire());
    assert!(poll_noop(owned.as_mut()).is_pending());
    assert!(poll_noop(borrowed.as_mut()).is_pending());
    let one = held.split(1).unwrap();
    std::thread::spawn(move || drop(one)).join().unwrap();
    let Poll::Ready(permit) = poll_noop(owned.as_mut()) else {
        panic!("FIFO: the owned acquire queued first")
    };
    assert!(Arc::ptr_eq(permit.semaphore(), &sem));
    assert!(poll_noop(borrowed.as_mut()).is_pending());
    drop(held);
    assert!(poll_noop(borrowed.as_mut()).is_ready());
    permit.forget();
    assert!(sem.release().is_ok());
    assert!(sem.release().is_err());
}

#[test]
fn blocking_acquires_wait_in_the_same_fifo_queue_as_async_ones() {
    let sem = Arc::new(Semaphore::new(0));
    let mut early = pin!(sem.acquire());
    assert!(poll_noop(early.as_mut()).is_pending());
    let s = sem.clone();
    let blocking = std::thread::spawn(move || s.acquire_blocking().forget());
    while sem.waiters() < 2 {
        std::thread::yield_now();
    }
    sem.release();
    let Poll::Ready(permit) = poll_noop(early.as_mut()) else {
        panic!("the blocking waiter barged")
    };
    permit.forget();
    sem.release();
    blocking.join().unwrap();
    assert_eq!(sem.available_permits(), 0);
}

/// Owned permits handed to spawned tasks, a pool-style workload with some requests abandoned at a
/// deadline: the count comes back whole.
async fn owned_permits_in_tasks_with_deadlines(ex: Exec) {
    let sem = Arc::new(Semaphore::new(3));
    let busy = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let (sem, busy) = (sem.clone(), busy.clone());
            ex.spawn(async move {
                let deadline = Duration::from_millis(if i % 3 == 0 { 1 } else { 5_000 });
                let Some(permit) =
                    common::timeout(deadline, sem.acquire_many_owned(1 + i % 2)).await
                else {
                    return;
                };
                let now = busy.fetch_add(permit.num_permits(), Ordering::SeqCst);
                assert!(
                    now + permit.num_permits() <= 3,
                    "more permits out than exist"
                );
                common::sleep(Duration::from_millis(1)).await;
                busy.fetch_sub(permit.num_permits(), Ordering::SeqCst);
            })
        })
        .collect();
    for task in tasks {
        task.await;
    }
    assert_eq!(sem.available_permits(), 3);
    assert_eq!(sem.waiters(), 0);
}

/// Issue: permits held by live permit objects were not counted against `MAX_PERMITS`, so a
/// release could push the total over it; dropping a permit then panicked inside `Drop` and lost
/// its permits, and `merge` could wrap.
#[test]
fn release_beyond_max_permits_counting_held_ones_panics_before_changing_anything() {
    let max = Semaphore::MAX_PERMITS;
    let sem = Semaphore::new(max);
    let mut all = sem.try_acquire_many(max - 1).unwrap();
    all.merge(sem.try_acquire().unwrap());
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sem.release()));
    assert!(caught.is_err(), "released a permit above MAX_PERMITS");
    assert_eq!(sem.available_permits(), 0);
    drop(all); // returns every permit, no panic
    assert_eq!(sem.available_permits(), max);
    // A forgotten permit makes room for exactly one release.
    sem.try_acquire().unwrap().forget();
    sem.release();
    assert_eq!(sem.available_permits(), max);
}

#[test]
fn owned_permits_merge_within_max_permits() {
    let max = Semaphore::MAX_PERMITS;
    let sem = Arc::new(Semaphore::new(max));
    let mut a = sem.try_acquire_many_owned(max - 1).unwrap();
    a.merge(sem.try_acquire_owned().unwrap());
    assert_eq!(a.num_permits(), max);
    drop(a);
    assert_eq!(sem.available_permits(), max);
}

/// `Semaphore::new` and `BoundedSemaphore::new` are `const`: `static` semaphores, shared by
/// threads without an `Arc`, never let more than their permits in.
#[test]
#[cfg(not(loom))] // `new` is not `const` under loom
fn static_semaphores_are_shared_by_threads() {
    static SEM: Semaphore = Semaphore::new(2);
    static BOUNDED: BoundedSemaphore = BoundedSemaphore::new(1);
    static INSIDE: AtomicUsize = AtomicUsize::new(0);
    let n = scaled(500);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                for _ in 0..n {
                    let permit = SEM.acquire_blocking();
                    assert!(INSIDE.fetch_add(1, Ordering::SeqCst) < 2);
                    INSIDE.fetch_sub(1, Ordering::SeqCst);
                    drop(permit);
                    BOUNDED.acquire_blocking().forget();
                    BOUNDED.release().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(SEM.available_permits(), 2);
    assert_eq!(BOUNDED.available_permits(), 1);
    assert!(BOUNDED.release().is_err());
}

/// `try_new` is `const` too.
#[test]
#[cfg(not(loom))] // `new` is not `const` under loom
fn try_new_in_a_static() {
    static SEM: Result<Semaphore, aiosync::TooManyPermits> = Semaphore::try_new(3);
    static TOO_MANY: Result<BoundedSemaphore, aiosync::TooManyPermits> =
        BoundedSemaphore::try_new(usize::MAX);
    assert_eq!(SEM.as_ref().unwrap().available_permits(), 3);
    assert!(TOO_MANY.is_err());
}

/// A blocking acquire that times out leaves the queue as a dropped `Acquire` does: the waiter
/// behind it gets the next permit and the count is unchanged.
#[test]
fn a_timed_out_blocking_acquire_leaves_the_queue_and_loses_nothing() {
    let sem = Arc::new(Semaphore::new(1));
    let held = sem.try_acquire().unwrap();
    let s = sem.clone();
    let timed = std::thread::spawn(move || {
        s.acquire_blocking_timeout(Duration::from_millis(50))
            .is_some()
    });
    while sem.waiters() < 1 {
        std::thread::yield_now();
    }
    let (counter, waker) = Counter::new();
    let mut next = pin!(sem.acquire());
    assert!(poll(next.as_mut(), &waker).is_pending());
    assert!(!timed.join().unwrap());
    assert_eq!(sem.waiters(), 1);
    assert_eq!(sem.available_permits(), 0);
    drop(held);
    assert_eq!(counter.wakes(), 1);
    assert!(poll(next.as_mut(), &waker).is_ready());
    assert_eq!(sem.available_permits(), 1);
    assert_eq!(sem.waiters(), 0);
}

#[test]
fn a_blocking_acquire_with_a_timeout_gets_a_permit_released_in_time() {
    let sem = Arc::new(BoundedSemaphore::new(1));
    sem.try_acquire().unwrap().forget();
    let s = sem.clone();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        s.release().unwrap();
    });
    let permit = sem.acquire_blocking_timeout(Duration::from_secs(60));
    assert!(permit.is_some(), "released long before the timeout");
    release.join().unwrap();
    drop(permit);
    assert_eq!(sem.available_permits(), 1);
    assert!(sem.release().is_err(), "nothing was counted twice");
}

/// A many-permit blocking acquire that times out gives back the permits already set aside for
/// it: the waiter behind it gets them, and the count comes back whole.
#[test]
fn a_timed_out_many_permit_blocking_acquire_passes_on_what_it_was_given() {
    let sem = Arc::new(Semaphore::new(3));
    let held = sem.try_acquire_many(2).unwrap();
    let s = sem.clone();
    let timed = std::thread::spawn(move || {
        s.acquire_many_blocking_timeout(3, Duration::from_millis(50))
            .is_some()
    });
    // It queues at the head, taking the one free permit as a first part.
    while sem.waiters() < 1 || sem.available_permits() > 0 {
        std::thread::yield_now();
    }
    let (counter, waker) = Counter::new();
    let mut next = pin!(sem.acquire());
    assert!(poll(next.as_mut(), &waker).is_pending());
    assert!(!timed.join().unwrap());
    assert_eq!(
        counter.wakes(),
        1,
        "the set-aside permit went to the next waiter"
    );
    let Poll::Ready(one) = poll(next.as_mut(), &waker) else {
        panic!("the next waiter was not granted")
    };
    drop((one, held));
    assert_eq!(sem.available_permits(), 3);
    assert_eq!(sem.waiters(), 0);
}

/// Both semaphores have the same blocking variants: one or many permits, borrowed or owned,
/// with or without a timeout; the bounded one refuses at once what it could never serve.
#[test]
fn blocking_variants_of_both_semaphores() {
    let ms = Duration::from_millis(10);
    let sem = Arc::new(Semaphore::new(4));
    let a = sem.acquire_many_blocking(2);
    let b = sem.acquire_owned_blocking();
    let c = sem.acquire_many_owned_blocking(1);
    assert_eq!(sem.available_permits(), 0);
    assert!(sem.acquire_owned_blocking_timeout(ms).is_none());
    assert!(sem.acquire_many_owned_blocking_timeout(2, ms).is_none());
    assert!(sem.acquire_many_blocking_timeout(1, ms).is_none());
    drop((a, b, c));
    assert_eq!(
        sem.acquire_many_owned_blocking_timeout(4, ms)
            .unwrap()
            .num_permits(),
        4
    );
    assert_eq!(sem.available_permits(), 4);

    let bounded = Arc::new(BoundedSemaphore::new(3));
    let err = bounded.acquire_many_blocking(4).unwrap_err();
    assert_eq!((err.requested(), err.max()), (4, 3));
    assert!(bounded.acquire_many_blocking_timeout(4, ms).is_err());
    assert!(bounded.acquire_many_owned_blocking(4).is_err());
    assert!(bounded.acquire_many_owned_blocking_timeout(4, ms).is_err());
    let a = bounded.acquire_many_blocking(2).unwrap();
    let b = bounded.acquire_owned_blocking();
    assert!(bounded.acquire_owned_blocking_timeout(ms).is_none());
    assert!(
        bounded
            .acquire_many_blocking_timeout(1, ms)
            .unwrap()
            .is_none()
    );
    assert!(
        bounded
            .acquire_many_owned_blocking_timeout(1, ms)
            .unwrap()
            .is_none()
    );
    drop((a, b));
    let all = bounded.acquire_many_owned_blocking(3).unwrap();
    assert_eq!(all.num_permits(), 3);
    drop(all);
    assert_eq!(bounded.available_permits(), 3);
    assert_eq!(bounded.waiters(), 0);
}

/// `AnySemaphore` makes code generic over both kinds, with one signature for both.
#[test]
fn generic_code_over_both_semaphores() {
    use aiosync::AnySemaphore;

    fn exercise<S: AnySemaphore>(sem: &Arc<S>) -> (bool, bool) {
        assert_eq!(sem.available_permits(), 2);
        let one = sem.try_acquire().unwrap();
        let owned = sem.try_acquire_owned().unwrap();
        assert!(sem.locked());
        assert!(sem.try_acquire_many(1).is_none());
        assert!(sem.try_acquire_many_owned(1).is_none());
        let mut waiting = pin!(sem.acquire());
        assert!(poll_noop(waiting.as_mut()).is_pending());
        assert_eq!(sem.waiters(), 1);
        drop((one, owned));
        assert!(poll_noop(waiting.as_mut()).is_ready());
        assert!(
            sem.acquire_many(usize::MAX).is_err(),
            "an error, not a panic"
        );
        assert!(sem.acquire_many_owned(usize::MAX).is_err());
        let owned = futures_executor::block_on(sem.acquire_owned());
        let one = futures_executor::block_on(sem.acquire_many_owned(1).unwrap());
        drop((owned, one));
        futures_executor::block_on(sem.acquire_many(2).unwrap()).forget();
        // Two forgotten, then given back, then one more than the initial count.
        let released = (sem.release().is_ok(), sem.release_many(2).is_ok());
        assert_eq!(sem.waiters(), 0);
        released
    }

    let sem = Arc::new(Semaphore::new(2));
    assert_eq!(exercise(&sem), (true, true));
    assert_eq!(sem.available_permits(), 3, "a Semaphore has no bound");
    let bounded = Arc::new(BoundedSemaphore::new(2));
    assert_eq!(exercise(&bounded), (true, false));
    assert_eq!(
        bounded.available_permits(),
        1,
        "a refused release changes nothing"
    );
}

#[test]
fn a_request_for_no_permits_completes_at_once_even_behind_waiters() {
    // It was queued, and never served once it reached the head.
    let sem = Semaphore::new(0);
    let mut a = pin!(sem.acquire());
    assert!(poll_noop(a.as_mut()).is_pending());
    let mut zero = pin!(sem.acquire_many(0));
    let Poll::Ready(none) = poll_noop(zero.as_mut()) else {
        panic!("a request for 0 permits waited");
    };
    assert_eq!(none.num_permits(), 0);
    assert_eq!(sem.try_acquire_many(0).unwrap().num_permits(), 0);
    assert_eq!(sem.waiters(), 1);
    sem.release();
    assert!(poll_noop(a.as_mut()).is_ready());

    let bounded = BoundedSemaphore::new(1);
    let held = bounded.try_acquire().unwrap();
    let mut a = Box::pin(bounded.acquire());
    assert!(poll_noop(a.as_mut()).is_pending());
    assert!(poll_noop(pin!(bounded.acquire_many(0).unwrap())).is_ready());
    assert!(bounded.acquire_many_blocking(0).is_ok());
    drop(a);
    drop(held);
    assert_eq!(bounded.available_permits(), 1);
}
