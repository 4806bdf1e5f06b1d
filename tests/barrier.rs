//! Barrier: asyncio's semantics (asyncio-barrier.md) and the cancellation guarantees asyncio
//! lacks (gh-155233). CPython's `BarrierTests` and the gh-155233 cases are replayed in
//! `cpython_barrier.rs`.

mod common;

use std::cell::RefCell;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;

use aiosync::barrier::Wait;
use aiosync::{Barrier, BarrierWaitResult, BrokenBarrier};
use common::fifo::{self, sleep0};
use common::{Counter, Exec, poll, poll_noop, scaled};
use futures_core::FusedFuture;

fn index(result: Result<BarrierWaitResult, BrokenBarrier>) -> usize {
    result.expect("barrier broken").index()
}

fn debug(barrier: &Barrier) -> String {
    format!("{barrier:?}")
}

// ---------------------------------------------------------------------------------------------
// Cancellation, with the expectations corrected where asyncio's differ.

/// asyncio's late decrement (asyncio-barrier.md §4): Barrier(2), A waits and is cancelled, C
/// arrives. In asyncio C can pass with A's stale arrival; here C waits for a live partner.
#[test]
fn a_dropped_arrival_never_completes_a_cycle() {
    let barrier = Barrier::new(2);
    let mut a = Box::pin(barrier.wait());
    assert!(poll_noop(a.as_mut()).is_pending());
    drop(a);
    let mut c = pin!(barrier.wait());
    assert!(poll_noop(c.as_mut()).is_pending());
    assert_eq!(barrier.n_waiting(), 1);
    let mut d = pin!(barrier.wait());
    assert_eq!(poll_noop(d.as_mut()).map(index), Poll::Ready(1));
    assert_eq!(poll_noop(c.as_mut()).map(index), Poll::Ready(0));
}

/// A wait that timed out and waits again counts once.
#[test]
fn a_retried_wait_counts_once() {
    let barrier = Barrier::new(3);
    let mut first = pin!(barrier.wait());
    assert!(poll_noop(first.as_mut()).is_pending());
    for _ in 0..3 {
        let mut retry = Box::pin(barrier.wait());
        assert!(poll_noop(retry.as_mut()).is_pending());
        assert_eq!(barrier.n_waiting(), 2);
    }
    assert_eq!(barrier.n_waiting(), 1);
}

/// The tripping arrival is the leader, completes at once with `parties - 1`, and the waiting
/// tasks are woken and get their indices in arrival order.
#[test]
fn leader_and_indices_in_arrival_order() {
    let barrier = Barrier::new(4);
    let (wakes, waker) = Counter::new();
    let mut waits: Vec<Pin<Box<Wait<'_>>>> = (0..3).map(|_| Box::pin(barrier.wait())).collect();
    for w in &mut waits {
        assert!(poll(w.as_mut(), &waker).is_pending());
    }
    assert_eq!(wakes.wakes(), 0);
    let mut last = pin!(barrier.wait());
    let Poll::Ready(Ok(leader)) = poll_noop(last.as_mut()) else {
        panic!("the last party waited")
    };
    assert_eq!((leader.index(), leader.is_leader()), (3, true));
    assert_eq!(wakes.wakes(), 3);
    assert!(debug(&barrier).contains("draining"));
    // Polled in any order, each gets the index of its arrival.
    for i in [2, 0, 1] {
        let Poll::Ready(Ok(r)) = poll_noop(waits[i].as_mut()) else {
            panic!("not released")
        };
        assert_eq!((r.index(), r.is_leader()), (i, false));
        assert!(waits[i].is_terminated());
    }
    assert!(debug(&barrier).contains("filling"));
}

/// A released wait dropped before it ran loses only its own result: the others keep theirs, the
/// barrier is not broken, and its drop ends the drain.
#[test]
fn a_released_wait_dropped_before_it_ran_loses_nothing_else() {
    let barrier = Barrier::new(3);
    let mut a = Box::pin(barrier.wait());
    let mut b = pin!(barrier.wait());
    assert!(poll_noop(a.as_mut()).is_pending());
    assert!(poll_noop(b.as_mut()).is_pending());
    let mut c = pin!(barrier.wait());
    assert_eq!(poll_noop(c.as_mut()).map(index), Poll::Ready(2));
    // A newcomer waits for the drain, uncounted.
    let (wakes, waker) = Counter::new();
    let mut newcomer = pin!(barrier.wait());
    assert!(poll(newcomer.as_mut(), &waker).is_pending());
    assert_eq!(barrier.n_waiting(), 0);
    assert_eq!(poll_noop(b.as_mut()).map(index), Poll::Ready(1));
    assert_eq!(wakes.wakes(), 0);
    drop(a); // released with index 0, never ran: it leaves, and was the last one inside
    assert_eq!(wakes.wakes(), 1);
    assert!(!barrier.is_broken());
    assert!(debug(&barrier).contains("filling"));
    assert!(poll(newcomer.as_mut(), &waker).is_pending());
    assert_eq!(barrier.n_waiting(), 1);
}

/// A newcomer dropped while it waits for a drain changes nothing.
#[test]
fn a_blocked_newcomer_dropped_changes_nothing() {
    let barrier = Barrier::new(2);
    let mut a = pin!(barrier.wait());
    assert!(poll_noop(a.as_mut()).is_pending());
    assert!(poll_noop(pin!(barrier.wait())).is_ready()); // trips; `a` is released
    let mut newcomer = Box::pin(barrier.wait());
    assert!(poll_noop(newcomer.as_mut()).is_pending());
    drop(newcomer);
    assert_eq!(poll_noop(a.as_mut()).map(index), Poll::Ready(0));
    assert_eq!(debug(&barrier), "Barrier { state: filling, waiting: 0/2 }");
}

/// Reset while released tasks have not run: they get BrokenBarrier (asyncio decides at resume);
/// the tripping task keeps its result; newcomers wait until the reset ends.
#[test]
fn reset_after_the_trip_breaks_the_released_tasks_that_did_not_run() {
    let barrier = Barrier::new(3);
    let mut a = pin!(barrier.wait());
    let mut b = pin!(barrier.wait());
    assert!(poll_noop(a.as_mut()).is_pending());
    assert!(poll_noop(b.as_mut()).is_pending());
    assert!(poll_noop(pin!(barrier.wait())).is_ready());
    assert_eq!(poll_noop(a.as_mut()).map(index), Poll::Ready(0));
    barrier.reset();
    assert!(debug(&barrier).contains("resetting"));
    let mut newcomer = pin!(barrier.wait());
    assert!(poll_noop(newcomer.as_mut()).is_pending());
    assert_eq!(barrier.n_waiting(), 0);
    assert_eq!(poll_noop(b.as_mut()), Poll::Ready(Err(BrokenBarrier)));
    assert!(debug(&barrier).contains("filling"));
    assert!(poll_noop(newcomer.as_mut()).is_pending());
    assert_eq!(barrier.n_waiting(), 1);
}

/// A broken barrier fails arrivals at once; reset with nobody inside makes it usable at once.
#[test]
fn broken_until_reset() {
    let barrier = Barrier::new(2);
    let mut a = pin!(barrier.wait());
    assert!(poll_noop(a.as_mut()).is_pending());
    barrier.abort();
    barrier.abort();
    assert_eq!(
        poll_noop(pin!(barrier.wait())),
        Poll::Ready(Err(BrokenBarrier))
    );
    // `a` is still inside: the reset waits for it to leave.
    barrier.reset();
    assert!(!barrier.is_broken());
    assert!(debug(&barrier).contains("resetting"));
    assert_eq!(poll_noop(a.as_mut()), Poll::Ready(Err(BrokenBarrier)));
    assert_eq!(debug(&barrier), "Barrier { state: filling, waiting: 0/2 }");
    barrier.abort();
    barrier.reset();
    assert_eq!(debug(&barrier), "Barrier { state: filling, waiting: 0/2 }");
}

#[test]
fn error_and_result_traits() {
    let err: Box<dyn std::error::Error + Send + Sync> = Box::new(BrokenBarrier);
    assert_eq!(err.to_string(), "barrier aborted or reset");
    assert_eq!(format!("{BrokenBarrier:?}"), "BrokenBarrier");
    let barrier = Barrier::new(1);
    let r = barrier.wait_blocking().unwrap();
    fn clone_eq<T: Clone + Eq + std::fmt::Debug>(t: &T) {
        assert_eq!(t, &t.clone());
    }
    clone_eq(&r);
    clone_eq(&BrokenBarrier);
    assert_eq!(
        format!("{r:?}"),
        "BarrierWaitResult { index: 0, leader: true }"
    );
    let wait = barrier.wait();
    assert_eq!(format!("{wait:?}"), "Wait { state: Idle }");
}

#[test]
fn blocking_waits_meet_async_ones() {
    let barrier = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || barrier.wait_blocking().unwrap())
        })
        .collect();
    let mine = futures_executor::block_on(barrier.wait()).unwrap();
    let mut results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    results.push(mine);
    let mut indices: Vec<_> = results.iter().map(BarrierWaitResult::index).collect();
    indices.sort();
    assert_eq!(indices, [0, 1, 2, 3]);
    assert_eq!(results.iter().filter(|r| r.is_leader()).count(), 1);
}

// ---------------------------------------------------------------------------------------------
// Newcomers blocked by a drain or reset are woken at every point where asyncio's barrier calls
// `notify_all` (asyncio-barrier.md §2). The traces on `common::fifo` are the ones CPython 3.13
// prints for the same programs written with asyncio.

type Trace = Rc<RefCell<Vec<String>>>;

/// The phase and `n_waiting`, as asyncio's `_state.value` and `n_waiting` show them.
fn state(barrier: &Barrier) -> String {
    let phase = ["filling", "draining", "resetting", "broken"]
        .into_iter()
        .find(|phase| debug(barrier).contains(phase))
        .expect("a phase");
    format!("{phase}, n_waiting {}", barrier.n_waiting())
}

/// asyncio's `log.append(f"{name} -> {await b.wait()}")`, or `"{name} -> broken"` on
/// BrokenBarrierError.
async fn wait_and_log(barrier: &Barrier, trace: &Trace, name: &str) {
    let outcome = match barrier.wait().await {
        Ok(result) => result.index().to_string(),
        Err(BrokenBarrier) => "broken".to_owned(),
    };
    trace.borrow_mut().push(format!("{name} -> {outcome}"));
}

/// Spawns three tasks on a `Barrier(2)`: t0 waits; t1 trips the barrier and at once
/// waits again, blocked by the drain; t2 resets the barrier (t0 is still inside) and logs, then,
/// if `t2_waits`, yields and waits.
fn reset_during_a_drain(ex: &fifo::Executor, t2_waits: bool) -> (Rc<Barrier>, Trace) {
    let (barrier, trace) = (Rc::new(Barrier::new(2)), Trace::default());
    let (b, t) = (barrier.clone(), trace.clone());
    ex.spawn(async move { wait_and_log(&b, &t, "t0").await })
        .detach();
    let (b, t) = (barrier.clone(), trace.clone());
    ex.spawn(async move {
        wait_and_log(&b, &t, "t1").await;
        wait_and_log(&b, &t, "t1 again").await;
    })
    .detach();
    let (b, t) = (barrier.clone(), trace.clone());
    ex.spawn(async move {
        b.reset();
        if t2_waits {
            t.borrow_mut().push(format!("t2 reset: {}", state(&b)));
            sleep0().await;
            wait_and_log(&b, &t, "t2").await;
        }
    })
    .detach();
    (barrier, trace)
}

/// The reset wakes t1 at once, so t1 checks again right after t0's exit ended the reset, before
/// t2 gets to wait: t1 takes index 0 and t2 trips the barrier with 1. Waking t1 only at t0's exit
/// would have put it behind t2 (t2 -> 0, t1 again -> 1).
#[test]
fn a_reset_during_a_drain_lets_the_blocked_arrival_in_first() {
    fifo::run(|ex| async move {
        let (barrier, trace) = reset_during_a_drain(&ex, true);
        for step in 1..=3 {
            sleep0().await;
            let entry = format!("main step {step}: {}", state(&barrier));
            trace.borrow_mut().push(entry);
        }
        // CPython 3.13's trace.
        assert_eq!(
            *trace.borrow(),
            [
                "t1 -> 1",
                "t2 reset: resetting, n_waiting 0",
                "main step 1: resetting, n_waiting 0",
                "t0 -> broken",
                "t2 -> 1",
                "main step 2: draining, n_waiting 0",
                "t1 again -> 0",
                "main step 3: filling, n_waiting 0",
            ]
        );
    });
}

/// The smallest form: after main's second step t1 has arrived (asyncio's `n_waiting` is 1).
#[test]
fn a_reset_during_a_drain_wakes_the_blocked_arrival_at_once() {
    fifo::run(|ex| async move {
        let (barrier, trace) = reset_during_a_drain(&ex, false);
        for step in 1..=2 {
            sleep0().await;
            let entry = format!("main step {step}: {}", state(&barrier));
            trace.borrow_mut().push(entry);
        }
        // CPython 3.13's trace.
        assert_eq!(
            *trace.borrow(),
            [
                "t1 -> 1",
                "main step 1: resetting, n_waiting 0",
                "t0 -> broken",
                "main step 2: filling, n_waiting 1",
            ]
        );
    });
}

/// A newcomer woken by a reset that still finds the barrier resetting waits again, uncounted,
/// and the last exit wakes it once more (asyncio's `wait_for` re-checks the same way).
#[test]
fn a_newcomer_woken_while_still_resetting_waits_again() {
    let barrier = Barrier::new(2);
    let mut released = pin!(barrier.wait());
    assert!(poll_noop(released.as_mut()).is_pending());
    assert!(poll_noop(pin!(barrier.wait())).is_ready()); // trips
    let (wakes, waker) = Counter::new();
    let mut newcomer = pin!(barrier.wait());
    assert!(poll(newcomer.as_mut(), &waker).is_pending());
    barrier.reset();
    assert_eq!(wakes.wakes(), 1);
    assert!(poll(newcomer.as_mut(), &waker).is_pending());
    assert_eq!(state(&barrier), "resetting, n_waiting 0");
    // A second reset wakes it again, as does the exit that ends the reset.
    barrier.reset();
    assert_eq!(wakes.wakes(), 2);
    assert!(poll(newcomer.as_mut(), &waker).is_pending());
    assert_eq!(
        poll_noop(released.as_mut()),
        Poll::Ready(Err(BrokenBarrier))
    );
    assert_eq!(wakes.wakes(), 3);
    assert!(poll(newcomer.as_mut(), &waker).is_pending());
    assert_eq!(state(&barrier), "filling, n_waiting 1");
}

/// Newcomers woken by a reset and dropped before they ran take nothing with them: each newcomer
/// is woken on its own, and the one left arrives and passes the barrier.
#[test]
fn newcomers_woken_then_dropped_lose_nothing() {
    let barrier = Barrier::new(2);
    let mut released = pin!(barrier.wait());
    assert!(poll_noop(released.as_mut()).is_pending());
    assert!(poll_noop(pin!(barrier.wait())).is_ready()); // trips
    let (wakes, waker) = Counter::new();
    let mut dropped = Box::pin(barrier.wait());
    let mut kept = pin!(barrier.wait());
    let mut dropped_later = Box::pin(barrier.wait());
    for wait in [dropped.as_mut(), kept.as_mut(), dropped_later.as_mut()] {
        assert!(poll(wait, &waker).is_pending());
    }
    barrier.reset();
    assert_eq!(wakes.wakes(), 3);
    drop(dropped);
    assert_eq!(
        poll_noop(released.as_mut()),
        Poll::Ready(Err(BrokenBarrier))
    );
    drop(dropped_later);
    assert_eq!(wakes.wakes(), 3);
    assert!(poll(kept.as_mut(), &waker).is_pending());
    assert_eq!(state(&barrier), "filling, n_waiting 1");
    assert_eq!(poll_noop(pin!(barrier.wait())).map(index), Poll::Ready(1));
    assert_eq!(poll_noop(kept.as_mut()).map(index), Poll::Ready(0));
}

// ---------------------------------------------------------------------------------------------
// Real schedulers.

/// Tasks go through many cycles on any executor: no task passes a cycle before every party has
/// arrived at it, and each cycle hands out the indices 0..parties once, with one leader.
async fn many_cycles(ex: Exec) {
    const PARTIES: usize = 8;
    let cycles = scaled(200);
    let barrier = Arc::new(Barrier::new(PARTIES));
    let arrived = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..PARTIES)
        .map(|_| {
            let (barrier, arrived) = (barrier.clone(), arrived.clone());
            ex.spawn(async move {
                let mut results = Vec::new();
                for cycle in 0..cycles {
                    arrived.fetch_add(1, Ordering::SeqCst);
                    let result = barrier.wait().await.unwrap();
                    assert!(arrived.load(Ordering::SeqCst) >= PARTIES * (cycle + 1));
                    results.push(result);
                }
                results
            })
        })
        .collect();
    let mut per_task = Vec::new();
    for task in tasks {
        per_task.push(task.await);
    }
    for cycle in 0..cycles {
        let mut indices: Vec<_> = per_task.iter().map(|r| r[cycle].index()).collect();
        indices.sort();
        assert_eq!(indices, (0..PARTIES).collect::<Vec<_>>(), "cycle {cycle}");
        let leaders: Vec<_> = per_task.iter().filter(|r| r[cycle].is_leader()).collect();
        assert_eq!(leaders.len(), 1);
        assert_eq!(leaders[0][cycle].index(), PARTIES - 1);
    }
    assert_eq!(barrier.n_waiting(), 0);
}

/// Waits with deadlines on any executor: the tasks whose deadline passes leave, and the barrier
/// then trips with live tasks only, once the last one arrives.
async fn waits_with_deadlines(ex: Exec) {
    use std::time::Duration;
    const PARTIES: usize = 4;
    let barrier = Arc::new(Barrier::new(PARTIES));
    let timeouts: Vec<_> = (0..3)
        .map(|_| {
            let barrier = barrier.clone();
            ex.spawn(async move { common::timeout(Duration::from_millis(1), barrier.wait()).await })
        })
        .collect();
    for t in timeouts {
        assert!(t.await.is_none(), "a barrier of 4 passed with 3 tasks");
    }
    assert_eq!(barrier.n_waiting(), 0);
    let tasks: Vec<_> = (0..PARTIES)
        .map(|_| {
            let barrier = barrier.clone();
            ex.spawn(async move { barrier.wait().await.unwrap().index() })
        })
        .collect();
    let mut indices = Vec::new();
    for t in tasks {
        indices.push(t.await);
    }
    indices.sort();
    assert_eq!(indices, [0, 1, 2, 3]);
}

on_every_executor!(many_cycles, waits_with_deadlines);

#[test]
fn a_blocking_wait_that_times_out_is_retracted_and_the_barrier_still_trips() {
    let barrier = std::sync::Arc::new(Barrier::new(2));
    assert!(
        barrier
            .wait_blocking_timeout(std::time::Duration::from_millis(5))
            .is_none()
    );
    assert_eq!(barrier.n_waiting(), 0);
    let b = barrier.clone();
    let other = std::thread::spawn(move || b.wait_blocking().unwrap().index());
    let mine = barrier
        .wait_blocking_timeout(std::time::Duration::from_secs(60))
        .expect("the barrier trips with two live arrivals")
        .unwrap()
        .index();
    let mut indices = [mine, other.join().unwrap()];
    indices.sort_unstable();
    assert_eq!(indices, [0, 1]);
}
