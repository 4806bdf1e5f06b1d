//! Loom models of Barrier: one leader and unique indices per cycle under concurrent arrival and
//! cancellation, `abort`/`reset` racing `wait`, and `reset` racing the end of a drain.
#![cfg(loom)]

use std::future::Future;
use std::task::{Context, Poll, Wake, Waker};

use aiosync::{Barrier, BarrierWaitResult, BrokenBarrier};
use loom::future::block_on;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::thread;

/// The results of one cycle: indices unique and below `parties`, exactly one leader, whose index
/// is `parties - 1`.
fn check_cycle(parties: usize, results: &[BarrierWaitResult]) {
    let mut indices: Vec<_> = results.iter().map(BarrierWaitResult::index).collect();
    indices.sort();
    indices.dedup();
    assert_eq!(indices.len(), results.len(), "an index handed out twice");
    assert!(indices.iter().all(|i| *i < parties));
    let leaders: Vec<_> = results.iter().filter(|r| r.is_leader()).collect();
    assert_eq!(leaders.len(), 1, "not exactly one leader");
    assert_eq!(leaders[0].index(), parties - 1);
}

/// Two threads pass a barrier of two twice: the second arrival of the faster one waits for the
/// drain, and each cycle gets indices {0, 1} and one leader.
#[test]
fn two_cycles_one_leader_each() {
    loom::model(|| {
        let barrier = Arc::new(Barrier::new(2));
        let b = barrier.clone();
        let other = thread::spawn(move || [block_on(b.wait()), block_on(b.wait())]);
        let mine = [block_on(barrier.wait()), block_on(barrier.wait())];
        let theirs = other.join().unwrap();
        for cycle in 0..2 {
            check_cycle(2, &[mine[cycle].unwrap(), theirs[cycle].unwrap()]);
        }
        assert_eq!(barrier.n_waiting(), 0);
    });
}

/// A wait queued and then dropped while another task arrives: either the drop came first and
/// the arrival is retracted (the other task then needs a live partner), or the other task
/// tripped the barrier first and the dropped wait merely left. Either way the one cycle has one
/// leader and unique indices, and the barrier ends up filling with nobody waiting.
#[test]
fn a_dropped_wait_is_retracted_or_released() {
    loom::model(|| {
        let barrier = Arc::new(Barrier::new(2));
        let mut cancelled = Box::pin(barrier.wait());
        assert!(
            cancelled
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_pending()
        );
        let done = Arc::new(AtomicBool::new(false));
        let (b, d) = (barrier.clone(), done.clone());
        let other = thread::spawn(move || {
            let result = block_on(b.wait()).unwrap();
            d.store(true, SeqCst);
            result
        });
        drop(cancelled);
        let mut results = Vec::new();
        // If the drop retracted the arrival, the other task waits alone: partner it.
        while !done.load(SeqCst) {
            if barrier.n_waiting() == 1 {
                results.push(block_on(barrier.wait()).unwrap());
                break;
            }
            thread::yield_now();
        }
        results.push(other.join().unwrap());
        if results.len() == 1 {
            // Tripped with the dropped wait, which left with index 0 unused.
            assert_eq!(results[0].index(), 1);
        }
        check_cycle(2, &results);
        assert_eq!(
            format!("{:?}", *barrier),
            "Barrier { state: filling, waiting: 0/2 }"
        );
    });
}

/// Three parties: two waits are queued, then one of them is dropped while a third task arrives.
/// If the drop came first, the arrival was retracted and the cycle needs another live party;
/// otherwise the third task tripped the barrier and the dropped wait merely left. Either way the
/// cycle has one leader and unique indices, and the barrier is not broken.
#[test]
fn three_parties_with_a_dropped_wait() {
    loom::model(|| {
        let barrier = Arc::new(Barrier::new(3));
        let noop = &mut Context::from_waker(Waker::noop());
        let mut kept = Box::pin(barrier.wait());
        let mut cancelled = Box::pin(barrier.wait());
        assert!(kept.as_mut().poll(noop).is_pending());
        assert!(cancelled.as_mut().poll(noop).is_pending());
        let b = barrier.clone();
        let other = thread::spawn(move || block_on(b.wait()).unwrap());
        drop(cancelled);
        let mut results = Vec::new();
        // `kept` cannot leave before it is polled again, so the phase is filling (and
        // `n_waiting` non-zero) exactly when the barrier has not tripped.
        if barrier.n_waiting() > 0 {
            results.push(block_on(barrier.wait()).unwrap());
        }
        results.push(other.join().unwrap());
        results.push(block_on(kept.as_mut()).unwrap());
        assert_eq!(results.last().unwrap().index(), 0);
        check_cycle(3, &results);
        // The drain ended: the dropped wait counted as leaving.
        assert_eq!(
            format!("{:?}", *barrier),
            "Barrier { state: filling, waiting: 0/3 }"
        );
    });
}

/// `abort` racing two arrivals: every wait completes (a tripped cycle's released task may still
/// get `BrokenBarrier`, decided when it runs), at most one leader, and the barrier is broken
/// until `reset`.
#[test]
fn abort_racing_waits() {
    loom::model(|| {
        let barrier = Arc::new(Barrier::new(2));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let b = barrier.clone();
                thread::spawn(move || block_on(b.wait()))
            })
            .collect();
        barrier.abort();
        let results: Vec<_> = waiters.into_iter().map(|t| t.join().unwrap()).collect();
        let passed: Vec<_> = results.iter().filter_map(|r| r.ok()).collect();
        assert!(passed.iter().filter(|r| r.is_leader()).count() <= 1);
        if passed.len() == 2 {
            check_cycle(2, &passed);
        }
        assert!(barrier.is_broken());
        barrier.reset();
        assert_eq!(
            format!("{:?}", *barrier),
            "Barrier { state: filling, waiting: 0/2 }"
        );
    });
}

/// `reset` racing an arrival: a task that was waiting gets `BrokenBarrier` and the barrier
/// reopens when it leaves; a task arriving after the reset waits for a partner as usual.
#[test]
fn reset_racing_wait() {
    loom::model(|| {
        let barrier = Arc::new(Barrier::new(2));
        let done = Arc::new(AtomicBool::new(false));
        let (b, d) = (barrier.clone(), done.clone());
        let waiter = thread::spawn(move || {
            let result = block_on(b.wait());
            d.store(true, SeqCst);
            result
        });
        barrier.reset();
        let mut mine = None;
        while !done.load(SeqCst) {
            if barrier.n_waiting() == 1 {
                mine = Some(block_on(barrier.wait()).unwrap());
                break;
            }
            thread::yield_now();
        }
        let theirs = waiter.join().unwrap();
        match mine {
            Some(mine) => check_cycle(2, &[mine, theirs.unwrap()]),
            None => assert_eq!(theirs, Err(BrokenBarrier)),
        }
        assert!(!barrier.is_broken());
        assert_eq!(barrier.n_waiting(), 0);
    });
}

/// A task waits to arrive while a cycle drains, and checks again at every wake; `reset` races
/// the exit of the task the trip released. Whatever the order, no wake-up is lost: once both are
/// done, the waiting task has arrived in the next cycle, or, if it arrived before the reset, got
/// `BrokenBarrier` from it.
#[test]
fn reset_racing_the_end_of_a_drain_wakes_the_blocked_arrival() {
    struct Wakes(AtomicUsize);
    impl Wake for Wakes {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    loom::model(|| {
        let barrier = Arc::new(Barrier::new(2));
        let (left, reset) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let (b, done) = (barrier.clone(), left.clone());
        let released = thread::spawn(move || {
            let _ = block_on(b.wait()); // broken if the reset came before it left
            done.store(true, SeqCst);
        });
        while barrier.n_waiting() == 0 {
            thread::yield_now();
        }
        let noop = &mut Context::from_waker(Waker::noop());
        assert!(Box::pin(barrier.wait()).as_mut().poll(noop).is_ready()); // trips
        let wakes = std::sync::Arc::new(Wakes(AtomicUsize::new(0)));
        let waker = Waker::from(wakes.clone());
        let cx = &mut Context::from_waker(&waker);
        let mut blocked = Box::pin(barrier.wait());
        let mut outcome = blocked.as_mut().poll(cx);
        let (b, done) = (barrier.clone(), reset.clone());
        let resetter = thread::spawn(move || {
            b.reset();
            done.store(true, SeqCst);
        });
        let mut seen = 0;
        loop {
            // Read first: a wake by a thread seen finished is then seen below.
            let finished = left.load(SeqCst) && reset.load(SeqCst);
            let woken = wakes.0.load(SeqCst);
            if outcome.is_pending() && woken > seen {
                seen = woken;
                outcome = blocked.as_mut().poll(cx);
            } else if finished {
                break;
            } else {
                thread::yield_now();
            }
        }
        released.join().unwrap();
        resetter.join().unwrap();
        let expected = match outcome {
            Poll::Ready(result) => {
                assert_eq!(result, Err(BrokenBarrier));
                "Barrier { state: filling, waiting: 0/2 }"
            }
            Poll::Pending => "Barrier { state: filling, waiting: 1/2 }",
        };
        assert_eq!(format!("{:?}", *barrier), expected);
    });
}
