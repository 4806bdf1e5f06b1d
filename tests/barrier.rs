//! Barrier: asyncio's semantics (asyncio-barrier.md), CPython's `BarrierTests` ported, and the
//! cancellation guarantees asyncio lacks (gh-155233).

mod common;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use aiosync::barrier::Wait;
use aiosync::{Barrier, BarrierWaitResult, BrokenBarrier};
use common::fifo::{self, sleep0};
use common::{Counter, Exec, poll, poll_noop, scaled};
use futures_core::FusedFuture;

/// CPython's `self.N`.
const N: usize = 5;

/// asyncio's event loop, as far as these ports need it (asyncio-semantics.md §0): one thread, a
/// FIFO of ready tasks; a woken task is queued once, behind every task woken before it.
struct Loop<'a> {
    tasks: Vec<Option<Pin<Box<dyn Future<Output = ()> + 'a>>>>,
    ready: Arc<Ready>,
}

#[derive(Default)]
struct Ready(Mutex<VecDeque<usize>>);

impl Ready {
    fn push(&self, id: usize) {
        let mut queue = self.0.lock().unwrap();
        if !queue.contains(&id) {
            queue.push_back(id);
        }
    }
}

struct TaskWaker(usize, Arc<Ready>);

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.1.push(self.0);
    }
}

/// A spawned task's output, once it has finished.
struct Task<T>(usize, Rc<RefCell<Option<T>>>);

impl<T: Clone> Task<T> {
    fn done(&self) -> bool {
        self.1.borrow().is_some()
    }

    fn result(&self) -> T {
        self.1.borrow().clone().expect("task not finished")
    }
}

impl<'a> Loop<'a> {
    fn new() -> Self {
        Loop {
            tasks: Vec::new(),
            ready: Arc::default(),
        }
    }

    /// `asyncio.create_task`: the task first runs after every task already ready.
    fn spawn<T: 'a>(&mut self, fut: impl Future<Output = T> + 'a) -> Task<T> {
        let out = Rc::new(RefCell::new(None));
        let slot = out.clone();
        let id = self.tasks.len();
        self.tasks.push(Some(Box::pin(async move {
            *slot.borrow_mut() = Some(fut.await);
        })));
        self.ready.push(id);
        Task(id, out)
    }

    /// `await asyncio.sleep(0)` in the test's own task: every task ready now runs one step.
    fn run_once(&mut self) {
        let ready: Vec<usize> = self.ready.0.lock().unwrap().drain(..).collect();
        for id in ready {
            let waker = Waker::from(Arc::new(TaskWaker(id, self.ready.clone())));
            if let Some(task) = &mut self.tasks[id] {
                if task
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_ready()
                {
                    self.tasks[id] = None;
                }
            }
        }
    }

    /// Runs until no task is ready; every task must have finished (asyncio's `gather`).
    fn run(&mut self) {
        while !self.ready.0.lock().unwrap().is_empty() {
            self.run_once();
        }
        assert!(
            self.tasks.iter().all(Option::is_none),
            "a task never finished"
        );
    }

    /// `task.cancel()`, Rust-style: the task's future is dropped at once.
    fn cancel<T>(&mut self, task: &Task<T>) {
        self.tasks[task.0] = None;
    }
}

/// CPython's `gather_tasks(n, coro)`: spawns `n` tasks and runs them all to completion.
fn gather<'a, T: Clone + 'a, F: Future<Output = T> + 'a>(
    lp: &mut Loop<'a>,
    n: usize,
    coro: impl Fn() -> F,
) -> Vec<T> {
    let tasks: Vec<_> = (0..n).map(|_| lp.spawn(coro())).collect();
    lp.run();
    tasks.iter().map(Task::result).collect()
}

fn index(result: Result<BarrierWaitResult, BrokenBarrier>) -> usize {
    result.expect("barrier broken").index()
}

fn debug(barrier: &Barrier) -> String {
    format!("{barrier:?}")
}

// ---------------------------------------------------------------------------------------------
// CPython's BarrierTests (Lib/test/test_asyncio/test_locks.py), in its order.

/// test_barrier
#[test]
fn barrier_starts_filling() {
    // Awaiting the barrier itself, a TypeError in asyncio, is a compile_fail doctest here.
    let barrier = Barrier::new(N);
    assert!(debug(&barrier).contains("filling"));
}

/// test_repr
#[test]
fn repr_follows_the_phases() {
    let barrier = Barrier::new(N);
    let b = &barrier;
    let mut lp = Loop::new();
    let wait = move || async move {
        let _ = b.wait().await;
    };
    assert_eq!(debug(b), "Barrier { state: filling, waiting: 0/5 }");

    let incr = 2;
    for _ in 0..incr {
        lp.spawn(wait());
    }
    lp.run_once();
    assert_eq!(debug(b), "Barrier { state: filling, waiting: 2/5 }");

    // Create the missing waiters.
    for _ in 0..b.parties() - b.n_waiting() {
        lp.spawn(wait());
    }
    lp.run_once();
    assert!(debug(b).contains("draining"));

    // Add some waiters, and reset.
    for _ in 0..incr {
        lp.spawn(wait());
    }
    lp.run_once();
    b.reset();
    assert!(debug(b).contains("resetting"));

    // Add some waiters again, and abort.
    for _ in 0..incr {
        lp.spawn(wait());
    }
    lp.run_once();
    b.abort();
    assert_eq!(debug(b), "Barrier { state: broken, waiting: 0/5 }");
    assert!(b.is_broken());

    lp.run();
}

/// test_barrier_parties
#[test]
#[should_panic(expected = "parties must be >= 1")]
fn zero_parties_panics() {
    // A negative count cannot be written: `parties` is a `usize`.
    assert_eq!(Barrier::new(N).parties(), N);
    let _ = Barrier::new(0);
}

/// test_context_manager
#[test]
fn every_task_gets_its_own_index() {
    let barrier = Barrier::new(3);
    let b = &barrier;
    let mut lp = Loop::new();
    let mut results = gather(&mut lp, 3, move || async move { index(b.wait().await) });
    results.sort();
    assert_eq!(results, [0, 1, 2]);
    assert_eq!(b.n_waiting(), 0);
    assert!(!b.is_broken());
}

/// test_filling_one_task
#[test]
fn one_party_passes_at_once() {
    let barrier = Barrier::new(1);
    let mut wait = pin!(barrier.wait());
    let Poll::Ready(Ok(result)) = poll_noop(wait.as_mut()) else {
        panic!("one party waited")
    };
    assert_eq!(result.index(), 0);
    assert!(result.is_leader());
    assert_eq!(barrier.n_waiting(), 0);
    assert!(!barrier.is_broken());
}

/// test_filling_one_task_twice
#[test]
fn one_party_passes_every_time() {
    let barrier = Barrier::new(1);
    let b = &barrier;
    let mut lp = Loop::new();
    let t1 = lp.spawn(b.wait());
    lp.run_once();
    assert_eq!(b.n_waiting(), 0);
    let t2 = lp.spawn(b.wait());
    lp.run_once();
    assert_eq!(t1.result(), t2.result());
    assert_eq!(t1.done(), t2.done());
    assert_eq!(b.n_waiting(), 0);
    assert!(!b.is_broken());
}

/// test_filling_task_by_task
#[test]
fn n_waiting_counts_arrivals() {
    let barrier = Barrier::new(3);
    let b = &barrier;
    let mut lp = Loop::new();
    let t1 = lp.spawn(b.wait());
    lp.run_once();
    assert_eq!(b.n_waiting(), 1);
    assert!(debug(b).contains("filling"));
    let t2 = lp.spawn(b.wait());
    lp.run_once();
    assert_eq!(b.n_waiting(), 2);
    assert!(debug(b).contains("filling"));
    let t3 = lp.spawn(b.wait());
    lp.run_once();
    lp.run();
    assert!(t1.done() && t2.done() && t3.done());
    assert_eq!(b.n_waiting(), 0);
    assert!(!b.is_broken());
}

/// test_filling_tasks_wait_twice
#[test]
fn tasks_wait_twice() {
    let barrier = Barrier::new(N);
    let (b, results) = (&barrier, &RefCell::new(Vec::new()));
    let mut lp = Loop::new();
    gather(&mut lp, N, move || async move {
        b.wait().await.unwrap();
        results.borrow_mut().push(true);
        b.wait().await.unwrap();
        results.borrow_mut().push(false);
    });
    let results = results.borrow();
    assert_eq!(results.len(), N * 2);
    assert_eq!(results.iter().filter(|r| **r).count(), N);
    assert_eq!(results.iter().filter(|r| !**r).count(), N);
    assert_eq!(b.n_waiting(), 0);
    assert!(!b.is_broken());
}

/// test_filling_tasks_check_return_value
#[test]
fn second_cycle_indices() {
    let barrier = Barrier::new(N);
    let (b, results1, results2) = (&barrier, &Cell::new(0), &Cell::new(0));
    let mut lp = Loop::new();
    let mut res = gather(&mut lp, N, move || async move {
        b.wait().await.unwrap();
        results1.set(results1.get() + 1);
        let i = index(b.wait().await);
        results2.set(results2.get() + 1);
        i
    });
    assert_eq!((results1.get(), results2.get()), (N, N));
    res.sort();
    assert_eq!(res, (0..N).collect::<Vec<_>>());
    assert_eq!(b.n_waiting(), 0);
    assert!(!b.is_broken());
}

/// test_draining_state
#[test]
fn draining_until_the_last_task_leaves() {
    let barrier = Barrier::new(N);
    let (b, results) = (&barrier, &RefCell::new(Vec::new()));
    let mut lp = Loop::new();
    gather(&mut lp, N, move || async move {
        b.wait().await.unwrap();
        // The phase becomes filling when the last task leaves.
        results.borrow_mut().push(debug(b).contains("draining"));
    });
    let results = results.borrow();
    assert_eq!(results.len(), N);
    assert!(!results[N - 1]);
    assert!(results[..N - 1].iter().all(|r| *r));
    assert_eq!(b.n_waiting(), 0);
    assert!(!b.is_broken());
}

/// test_blocking_tasks_while_draining
#[test]
fn arrivals_wait_while_draining() {
    let rewait = 2;
    let barrier = Barrier::new(N);
    let barrier_nowaiting = Barrier::new(N - rewait);
    let (b, nowaiting, rewait_n) = (&barrier, &barrier_nowaiting, &Cell::new(rewait));
    let mut lp = Loop::new();
    // Success means that `barrier_nowaiting` was waited for exactly N - rewait = 3 times.
    gather(&mut lp, N, move || async move {
        b.wait().await.unwrap();
        if rewait_n.get() > 0 {
            rewait_n.set(rewait_n.get() - 1);
            // Wait again, only for `rewait` tasks.
            b.wait().await.unwrap();
        } else {
            // Wait for the end of the draining state, then for the other waiting tasks.
            nowaiting.wait().await.unwrap();
            b.wait().await.unwrap();
        }
    });
}

/// test_filling_tasks_cancel_one
#[test]
fn a_task_cancelled_while_filling_leaves() {
    let barrier = Barrier::new(3);
    let (b, results) = (&barrier, &Cell::new(0));
    let mut lp = Loop::new();
    let coro = move || async move {
        b.wait().await.unwrap();
        results.set(results.get() + 1);
    };
    let t1 = lp.spawn(coro());
    lp.run_once();
    assert_eq!(b.n_waiting(), 1);
    let t2 = lp.spawn(coro());
    lp.run_once();
    assert_eq!(b.n_waiting(), 2);
    lp.cancel(&t1);
    // asyncio needs the cancelled task to run first; a dropped wait leaves at once.
    assert_eq!(b.n_waiting(), 1);
    lp.run_once();
    assert_eq!(b.n_waiting(), 1);
    assert!(!t1.done());
    let t3 = lp.spawn(coro());
    lp.run_once();
    assert_eq!(b.n_waiting(), 2);
    let t4 = lp.spawn(coro());
    lp.run();
    assert!(t2.done() && t3.done() && t4.done());
    assert_eq!(results.get(), 3);
    assert_eq!(b.n_waiting(), 0);
    assert!(!b.is_broken());
}

/// test_reset_barrier
#[test]
fn reset_an_empty_barrier() {
    let barrier = Barrier::new(1);
    let b = &barrier;
    let mut lp = Loop::new();
    lp.spawn(async move { b.reset() });
    lp.run_once();
    assert_eq!(b.n_waiting(), 0);
    assert!(!b.is_broken());
}

/// test_reset_barrier_while_tasks_waiting
#[test]
fn reset_breaks_the_waiting_tasks() {
    let barrier = Barrier::new(N);
    let (b, results) = (&barrier, &Cell::new(0));
    let mut lp = Loop::new();
    // N - 1 tasks waiting on a barrier of N parties.
    let tasks: Vec<_> = (0..N - 1)
        .map(|_| {
            lp.spawn(async move {
                if b.wait().await == Err(BrokenBarrier) {
                    results.set(results.get() + 1);
                }
            })
        })
        .collect();
    lp.run_once();
    lp.spawn(async move { b.reset() });
    lp.run();
    assert!(tasks.iter().all(Task::done));
    assert_eq!(results.get(), N - 1);
    assert_eq!(b.n_waiting(), 0);
    assert!(!debug(b).contains("resetting"));
    assert!(!b.is_broken());
}

/// test_reset_barrier_when_tasks_half_draining
#[test]
fn reset_while_half_drained() {
    // CPython compares the private `_count`, the tasks still inside, with N // 2; counting the
    // tasks that left is the same.
    let barrier = Barrier::new(N);
    let rest_of_tasks = N / 2;
    let (b, results1, left) = (&barrier, &RefCell::new(Vec::new()), &Cell::new(0));
    let mut lp = Loop::new();
    gather(&mut lp, N, move || async move {
        match b.wait().await {
            // The tasks still inside when the barrier is reset.
            Err(BrokenBarrier) => results1.borrow_mut().push(true),
            Ok(_) => {
                left.set(left.get() + 1);
                if N - left.get() == rest_of_tasks {
                    b.reset();
                }
            }
        }
    });
    assert_eq!(*results1.borrow(), vec![true; rest_of_tasks]);
    assert_eq!(b.n_waiting(), 0);
    assert!(!debug(b).contains("resetting"));
    assert!(!b.is_broken());
}

/// test_reset_barrier_when_tasks_half_draining_half_blocking
#[test]
fn reset_while_half_drained_half_blocked() {
    let barrier = Barrier::new(N);
    let blocking_tasks = N / 2;
    let (b, results1, results2, count) = (&barrier, &Cell::new(0), &Cell::new(0), &Cell::new(0));
    let mut lp = Loop::new();
    gather(&mut lp, N, move || async move {
        match b.wait().await {
            Err(BrokenBarrier) => {
                // Still inside at the reset: wait again, to reach `parties`.
                results1.set(results1.get() + 1);
                b.wait().await.unwrap();
            }
            Ok(_) => {
                count.set(count.get() + 1);
                if count.get() > blocking_tasks {
                    // Reset now: the tasks still inside get BrokenBarrier.
                    b.reset();
                    b.wait().await.unwrap();
                } else if b.wait().await.is_err() {
                    // Never: blocked tasks just wait.
                    results2.set(results2.get() + 1);
                }
            }
        }
    });
    assert_eq!(results1.get(), blocking_tasks);
    assert_eq!(results2.get(), 0);
    assert_eq!(b.n_waiting(), 0);
    assert!(!debug(b).contains("resetting"));
    assert!(!b.is_broken());
}

/// test_reset_barrier_while_tasks_waiting_and_waiting_again
#[test]
fn reset_then_wait_again() {
    let barrier = Barrier::new(N);
    let (b, results1, results2) = (&barrier, &Cell::new(0), &Cell::new(0));
    let mut lp = Loop::new();
    let tasks: Vec<_> = (0..N - 1)
        .map(|_| {
            lp.spawn(async move {
                if b.wait().await.is_err() {
                    results1.set(results1.get() + 1);
                }
                // CPython's `finally:`.
                b.wait().await.unwrap();
                results2.set(results2.get() + 1);
            })
        })
        .collect();
    // Reset: the N - 1 waiting tasks get BrokenBarrier.
    lp.spawn(async move { b.reset() });
    lp.run_once();
    // Completes the waits in the `finally`.
    lp.spawn(async move {
        b.wait().await.unwrap();
        results2.set(results2.get() + 1);
    });
    lp.run();
    assert!(tasks.iter().all(Task::done));
    assert!(!b.is_broken());
    assert_eq!(results1.get(), N - 1);
    assert_eq!(results2.get(), N);
    assert_eq!(b.n_waiting(), 0);
}

/// test_reset_barrier_while_tasks_draining
#[test]
fn reset_by_the_last_task_out() {
    let barrier = Barrier::new(N);
    let (b, results1, results2, results3, count) = (
        &barrier,
        &Cell::new(0),
        &Cell::new(0),
        &Cell::new(0),
        &Cell::new(0),
    );
    let mut lp = Loop::new();
    gather(&mut lp, N, move || async move {
        b.wait().await.unwrap();
        count.set(count.get() + 1);
        if count.get() == N {
            // The last task out resets, then waits to reach `parties`.
            b.reset();
            b.wait().await.unwrap();
        } else if b.wait().await.is_ok() {
            // N - 1 tasks here.
            results1.set(results1.get() + 1);
        } else {
            // Never here.
            results2.set(results2.get() + 1);
        }
        // Pass the barrier once more: this must complete.
        b.wait().await.unwrap();
        results3.set(results3.get() + 1);
    });
    assert!(!b.is_broken());
    assert_eq!(results1.get(), N - 1);
    assert_eq!(results2.get(), 0);
    assert_eq!(results3.get(), N);
    assert_eq!(b.n_waiting(), 0);
}

/// test_abort_barrier
#[test]
fn abort_breaks() {
    let barrier = Barrier::new(1);
    let b = &barrier;
    let mut lp = Loop::new();
    lp.spawn(async move { b.abort() });
    lp.run_once();
    assert_eq!(b.n_waiting(), 0);
    assert!(b.is_broken());
}

/// test_abort_barrier_when_tasks_half_draining_half_blocking
#[test]
fn abort_while_half_drained_half_blocked() {
    let barrier = Barrier::new(N);
    let blocking_tasks = N / 2;
    let (b, results1, results2, count) = (&barrier, &Cell::new(0), &Cell::new(0), &Cell::new(0));
    let mut lp = Loop::new();
    gather(&mut lp, N, move || async move {
        match b.wait().await {
            // Released, but not run before the abort.
            Err(BrokenBarrier) => results1.set(results1.get() + 1),
            Ok(_) => {
                count.set(count.get() + 1);
                if count.get() > blocking_tasks {
                    // Abort now: every task inside gets BrokenBarrier.
                    b.abort();
                } else if b.wait().await.is_err() {
                    // The blocked tasks (already drained).
                    results2.set(results2.get() + 1);
                }
            }
        }
    });
    assert!(b.is_broken());
    assert_eq!(results1.get(), blocking_tasks);
    assert_eq!(results2.get(), N - blocking_tasks - 1);
    assert_eq!(b.n_waiting(), 0);
    assert!(!debug(b).contains("resetting"));
}

/// test_abort_barrier_when_exception
#[test]
fn abort_on_an_error() {
    let barrier = Barrier::new(N);
    let (b, results1, results2) = (&barrier, &Cell::new(0), &Cell::new(0));
    let mut lp = Loop::new();
    gather(&mut lp, N, move || async move {
        // `Ok(true)` stands for CPython's RuntimeError, raised by the task with index N // 2.
        let raised = async {
            if b.wait().await?.index() == N / 2 {
                return Ok(true);
            }
            b.wait().await?;
            results1.set(results1.get() + 1);
            Ok(false)
        };
        match raised.await {
            Ok(true) => b.abort(),
            Ok(false) => {}
            Err(BrokenBarrier) => results2.set(results2.get() + 1),
        }
    });
    assert!(b.is_broken());
    assert_eq!(results1.get(), 0);
    assert_eq!(results2.get(), N - 1);
    assert_eq!(b.n_waiting(), 0);
}

/// test_abort_barrier_when_exception_then_resetting
#[test]
fn abort_on_an_error_then_reset() {
    let barrier1 = Barrier::new(N);
    let barrier2 = Barrier::new(N);
    let (b1, b2) = (&barrier1, &barrier2);
    let (results1, results2, results3) = (&Cell::new(0), &Cell::new(0), &Cell::new(0));
    let mut lp = Loop::new();
    gather(&mut lp, N, move || async move {
        let raised = async {
            if b1.wait().await?.index() == N / 2 {
                return Ok(true);
            }
            b1.wait().await?;
            results1.set(results1.get() + 1);
            Ok(false)
        };
        match raised.await {
            Ok(true) => b1.abort(),
            Ok(false) => {}
            Err(BrokenBarrier) => results2.set(results2.get() + 1),
        }
        // Synchronize and reset the barrier. Synchronize first, so that everyone has left it when
        // it is reset, and after, so that no one enters it before the reset.
        if index(b2.wait().await) == N / 2 {
            b1.reset();
        }
        b2.wait().await.unwrap();
        b1.wait().await.unwrap();
        results3.set(results3.get() + 1);
    });
    assert!(!b1.is_broken());
    assert_eq!(results1.get(), 0);
    assert_eq!(results2.get(), N - 1);
    assert_eq!(results3.get(), N);
    assert_eq!(b1.n_waiting(), 0);
}

// ---------------------------------------------------------------------------------------------
// CPython gh-155233 and the other cancellation cases, with the corrected expectations.

/// gh-155233: Barrier(3); A and B wait, A is cancelled while filling, C and D arrive. asyncio
/// gives B = 1, C = 1, D = 2 (index 0 never handed out); indices here stay unique and dense.
#[test]
fn gh_155233_a_cancelled_arrival_s_index_is_not_reused() {
    let barrier = Barrier::new(3);
    let b = &barrier;
    let mut lp = Loop::new();
    let a = lp.spawn(b.wait());
    let b_task = lp.spawn(b.wait());
    lp.run_once();
    lp.cancel(&a);
    let c = lp.spawn(b.wait());
    let d = lp.spawn(b.wait());
    lp.run();
    let indices = [&b_task, &c, &d].map(|t| index(t.result()));
    assert_eq!(indices, [0, 1, 2]);
    assert!(d.result().unwrap().is_leader());
    assert!(!b.is_broken());
}

/// gh-155233 with two holes: a cycle of 4, P, Q and R wait, P and R are cancelled, then S, T and
/// U arrive. asyncio gives Q = 1, S = 1, T = 2, U = 3; here Q = 0, S = 1, T = 2, U = 3.
#[test]
fn gh_155233_two_holes() {
    let barrier = Barrier::new(4);
    let b = &barrier;
    let mut lp = Loop::new();
    let p = lp.spawn(b.wait());
    let q = lp.spawn(b.wait());
    let r = lp.spawn(b.wait());
    lp.run_once();
    lp.cancel(&p);
    lp.cancel(&r);
    assert_eq!(b.n_waiting(), 1);
    let rest: Vec<_> = (0..3).map(|_| lp.spawn(b.wait())).collect();
    lp.run();
    let indices: Vec<_> = std::iter::once(&q)
        .chain(&rest)
        .map(|t| index(t.result()))
        .collect();
    assert_eq!(indices, [0, 1, 2, 3]);
}

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
