//! The bounded-bypass policy (`Fairness::Bounded`) of Lock, Semaphore and BoundedSemaphore, by
//! hand-polling with counting wakers: exactly `k` bypasses per oldest waiter, then the hand-off.

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use aiosync::{BoundedSemaphore, Condition, Fairness, Lock, Semaphore};
use common::{Counter, poll, poll_noop};

#[test]
fn fifo_is_the_default_and_bounded_zero_is_fifo() {
    assert_eq!(Fairness::default(), Fairness::Fifo);
    assert_eq!(Lock::new(()).fairness(), Fairness::Fifo);
    assert_eq!(Semaphore::new(1).fairness(), Fairness::Fifo);
    assert_eq!(BoundedSemaphore::new(1).fairness(), Fairness::Fifo);
    assert_eq!(
        Lock::with_fairness((), Fairness::Bounded(0)).fairness(),
        Fairness::Fifo
    );
    let sem = Semaphore::with_fairness(1, Fairness::Bounded(3));
    assert_eq!(sem.fairness(), Fairness::Bounded(3));
    assert!(format!("{sem:?}").contains("Bounded(3)"));
}

/// A Lock counts bypasses in its word, which on 32-bit targets cannot hold `u32::MAX` of them.
#[test]
fn a_lock_caps_its_bound_at_what_its_word_can_count() {
    let lock = Lock::with_fairness((), Fairness::Bounded(u32::MAX));
    let expected = u32::try_from(usize::MAX / 8).unwrap_or(u32::MAX);
    assert_eq!(lock.fairness(), Fairness::Bounded(expected));
    let sem = Semaphore::with_fairness(1, Fairness::Bounded(u32::MAX));
    assert_eq!(sem.fairness(), Fairness::Bounded(u32::MAX));
}

/// Holds the lock with one waiter queued, then releases and re-acquires with `try_acquire` (a
/// task that releases and acquires again) until that fails; returns how many succeeded.
fn bypasses_of_a_lock(lock: &Lock<u32>) -> usize {
    let mut guard = lock.try_acquire().unwrap();
    let start = *guard;
    let (wakes, waker) = Counter::new();
    let mut waiter = pin!(lock.acquire());
    assert!(poll(waiter.as_mut(), &waker).is_pending());
    let mut bypasses = 0;
    loop {
        *guard += 1;
        drop(guard);
        match lock.try_acquire() {
            Some(g) => {
                guard = g;
                bypasses += 1;
                // The waiter was woken by the first release and has not run since.
                assert_eq!(wakes.wakes(), 1);
            }
            None => break,
        }
    }
    // The forced hand-off: the waiter owns the lock before it runs.
    assert!(lock.locked());
    match poll(waiter.as_mut(), &waker) {
        Poll::Ready(g) => assert_eq!(*g, start + bypasses as u32 + 1),
        Poll::Pending => panic!("the hand-off did not reach the oldest waiter"),
    }
    bypasses
}

#[test]
fn the_oldest_waiter_is_bypassed_exactly_k_times() {
    for k in [1, 2, 5, 16] {
        let lock = Lock::with_fairness(0, Fairness::Bounded(k));
        assert_eq!(bypasses_of_a_lock(&lock), k as usize, "k = {k}");
        // The count belongs to that waiter: the next one gets k again.
        assert_eq!(
            bypasses_of_a_lock(&lock),
            k as usize,
            "k = {k}, second waiter"
        );
    }
    assert_eq!(bypasses_of_a_lock(&Lock::new(0)), 0, "FIFO");
}

#[test]
fn a_woken_oldest_waiter_takes_the_lock_when_nobody_bypasses() {
    let lock = Lock::with_fairness((), Fairness::BOUNDED);
    let guard = lock.try_acquire().unwrap();
    let (wakes, waker) = Counter::new();
    let mut waiter = pin!(lock.acquire());
    assert!(poll(waiter.as_mut(), &waker).is_pending());
    drop(guard);
    assert_eq!(wakes.wakes(), 1);
    assert!(!lock.locked(), "an open release leaves the lock free");
    let Poll::Ready(guard) = poll(waiter.as_mut(), &waker) else {
        panic!("the woken waiter did not take the free lock");
    };
    assert!(lock.locked());
    drop(guard);
    assert!(!lock.locked());
}

#[test]
fn a_bypassed_waiter_that_polls_again_is_woken_by_the_next_release() {
    let lock = Lock::with_fairness((), Fairness::Bounded(4));
    let guard = lock.try_acquire().unwrap();
    let (wakes, waker) = Counter::new();
    let mut waiter = pin!(lock.acquire());
    assert!(poll(waiter.as_mut(), &waker).is_pending());
    drop(guard);
    let guard = lock.try_acquire().unwrap(); // bypass 1
    // The waiter runs, finds the lock taken, and waits again.
    assert!(poll(waiter.as_mut(), &waker).is_pending());
    assert_eq!(wakes.wakes(), 1);
    drop(guard);
    assert_eq!(wakes.wakes(), 2);
    assert!(poll(waiter.as_mut(), &waker).is_ready());
}

#[test]
fn waiters_stay_in_order_among_themselves() {
    let lock = Lock::with_fairness((), Fairness::BOUNDED);
    let guard = lock.try_acquire().unwrap();
    let mut first = pin!(lock.acquire());
    let mut second = pin!(lock.acquire());
    assert!(poll_noop(first.as_mut()).is_pending());
    assert!(poll_noop(second.as_mut()).is_pending());
    drop(guard);
    assert!(
        poll_noop(second.as_mut()).is_pending(),
        "second overtook first"
    );
    let g = match poll_noop(first.as_mut()) {
        Poll::Ready(g) => g,
        Poll::Pending => panic!("the oldest waiter could not take a free lock"),
    };
    drop(g);
    assert!(poll_noop(second.as_mut()).is_ready());
}

#[test]
fn cancelling_the_woken_oldest_waiter_passes_the_open_lock_on() {
    let lock = Lock::with_fairness((), Fairness::Bounded(1));
    let guard = lock.try_acquire().unwrap();
    let (_, waker1) = Counter::new();
    let (wakes2, waker2) = Counter::new();
    let mut first = Box::pin(lock.acquire());
    let mut second = pin!(lock.acquire());
    assert!(poll(first.as_mut(), &waker1).is_pending());
    assert!(poll(second.as_mut(), &waker2).is_pending());
    drop(guard); // open: the first is woken, the lock is free
    let bypass = lock.try_acquire().unwrap(); // the first's one bypass
    drop(first); // cancelled, woken but not served
    // The second is now the oldest, with a fresh count: one more bypass is allowed.
    drop(bypass);
    assert_eq!(wakes2.wakes(), 1, "the new oldest waiter was not woken");
    let bypass = lock
        .try_acquire()
        .expect("the new oldest waiter has its own count");
    drop(bypass);
    assert!(lock.try_acquire().is_none(), "bound exceeded");
    assert!(poll(second.as_mut(), &waker2).is_ready());
}

#[test]
fn cancelling_the_oldest_waiter_with_the_lock_open_wakes_the_next() {
    let lock = Lock::with_fairness((), Fairness::Bounded(3));
    let guard = lock.try_acquire().unwrap();
    let (_, waker1) = Counter::new();
    let (wakes2, waker2) = Counter::new();
    let mut first = Box::pin(lock.acquire());
    let mut second = pin!(lock.acquire());
    assert!(poll(first.as_mut(), &waker1).is_pending());
    assert!(poll(second.as_mut(), &waker2).is_pending());
    drop(guard);
    drop(first); // the lock is free and nobody will release it again
    assert_eq!(wakes2.wakes(), 1, "lost wake-up");
    assert!(poll(second.as_mut(), &waker2).is_ready());
}

#[test]
fn a_semaphore_head_request_is_bypassed_at_most_k_times_then_served_whole() {
    let sem = Semaphore::with_fairness(3, Fairness::Bounded(2));
    let held = sem.try_acquire_many(3).unwrap();
    let (wakes, waker) = Counter::new();
    let mut big = pin!(sem.acquire_many(3));
    assert!(poll(big.as_mut(), &waker).is_pending());
    held.forget();
    sem.release(); // open: 1 permit, not enough for the head, so it is not woken
    assert_eq!(wakes.wakes(), 0);
    let a = sem.try_acquire().unwrap(); // bypass 1
    drop(a);
    let b = sem.try_acquire().unwrap(); // bypass 2
    assert!(sem.try_acquire().is_none(), "a third bypass");
    assert!(sem.locked());
    drop(b); // forced: the permit is set aside for the head
    assert_eq!(sem.available_permits(), 0);
    sem.release_many(2);
    assert_eq!(wakes.wakes(), 1);
    match poll(big.as_mut(), &waker) {
        Poll::Ready(p) => assert_eq!(p.num_permits(), 3),
        Poll::Pending => panic!("the head's request was not served"),
    }
}

#[test]
fn a_semaphore_head_takes_open_permits_and_the_rest_go_on() {
    let sem = Semaphore::with_fairness(0, Fairness::BOUNDED);
    let (wakes1, waker1) = Counter::new();
    let (wakes2, waker2) = Counter::new();
    let mut first = pin!(sem.acquire_many(2));
    let mut second = pin!(sem.acquire());
    assert!(poll(first.as_mut(), &waker1).is_pending());
    assert!(poll(second.as_mut(), &waker2).is_pending());
    sem.release_many(3);
    assert_eq!((wakes1.wakes(), wakes2.wakes()), (1, 0));
    let p1 = match poll(first.as_mut(), &waker1) {
        Poll::Ready(p) => p,
        Poll::Pending => panic!("the head could not take open permits"),
    };
    // The head took two and left one, which covers the new head: it is woken.
    assert_eq!(wakes2.wakes(), 1);
    assert!(poll(second.as_mut(), &waker2).is_ready());
    drop(p1);
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn a_bounded_semaphore_stays_within_its_bound() {
    let sem = BoundedSemaphore::with_fairness(2, Fairness::Bounded(1));
    let a = sem.try_acquire().unwrap();
    let b = sem.try_acquire().unwrap();
    let mut waiter = pin!(sem.acquire());
    assert!(poll_noop(waiter.as_mut()).is_pending());
    drop(a); // open
    let c = sem.try_acquire().unwrap(); // the one bypass
    drop(c); // forced to the waiter
    drop(b);
    let granted = match poll_noop(waiter.as_mut()) {
        Poll::Ready(p) => p,
        Poll::Pending => panic!("not served"),
    };
    assert_eq!(sem.available_permits(), 1);
    assert!(sem.release().is_err(), "above the bound");
    drop(granted);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn a_condition_works_with_a_bounded_lock() {
    let lock = Arc::new(Lock::with_fairness(0u32, Fairness::Bounded(2)));
    let cond = Arc::new(Condition::new());
    common::tokio_multi_thread(|exec| async move {
        let waiters: Vec<_> = (0..8)
            .map(|_| {
                let (lock, cond) = (lock.clone(), cond.clone());
                exec.spawn(async move {
                    let mut g = lock.acquire().await;
                    while *g == 0 {
                        g = cond.wait(g).await;
                    }
                    *g += 1;
                })
            })
            .collect();
        loop {
            let mut g = lock.acquire().await;
            if lock.waiters() == 0 && cond.waiters() == 8 {
                *g = 1;
                cond.notify_all(&g);
                break;
            }
            drop(g);
            common::yield_now().await;
        }
        for w in waiters {
            w.await;
        }
        assert_eq!(*lock.acquire().await, 9);
    });
}

#[test]
fn many_tasks_on_a_bounded_lock_lose_nothing() {
    for exec in [common::tokio_multi_thread, common::futures_thread_pool] {
        let lock = Arc::new(Lock::with_fairness(0u64, Fairness::Bounded(3)));
        let tasks = 16;
        let iters = common::scaled(2_000);
        let l = lock.clone();
        exec(move |exec: common::Exec| async move {
            let handles: Vec<_> = (0..tasks)
                .map(|i| {
                    let lock = l.clone();
                    exec.spawn(async move {
                        for j in 0..iters {
                            let mut g = lock.acquire().await;
                            *g += 1;
                            if (i + j) % 7 == 0 {
                                common::yield_now().await;
                            }
                        }
                    })
                })
                .collect();
            for h in handles {
                h.await;
            }
        });
        assert_eq!(*lock.try_acquire().unwrap(), (tasks * iters) as u64);
    }
}

#[test]
fn printing_a_bounded_lock_is_not_a_bypass() {
    let lock = Lock::with_fairness(0, Fairness::Bounded(1));
    let guard = lock.try_acquire().unwrap();
    let mut waiter = pin!(lock.acquire());
    assert!(poll_noop(waiter.as_mut()).is_pending());
    drop(guard); // left free for the oldest waiter, which may be bypassed once
    for _ in 0..3 {
        let _ = format!("{lock:?}");
    }
    assert!(
        lock.try_acquire().is_some(),
        "printing used up the oldest waiter's bypass budget"
    );
    assert!(lock.try_acquire().is_none());
    assert!(poll_noop(waiter.as_mut()).is_ready());
}
