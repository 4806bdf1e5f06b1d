//! CPython's `BarrierTests` (Lib/test/test_asyncio/test_locks.py, 3.13) replayed step by step
//! on `common::fifo`, whose ready queue orders task steps as asyncio's loop does, with
//! CPython's expected values; then CPython gh-155233's cases, whose values differ on purpose.
//!
//! | asyncio | here |
//! |---|---|
//! | `barrier = asyncio.Barrier(n)` | `let b = Rc::new(Barrier::new(n));` |
//! | `i = await barrier.wait()` / `async with barrier as i:` | `let i = b.wait().await?.index();` |
//! | `except asyncio.BrokenBarrierError:` | `Err(BrokenBarrier)` |
//! | `await barrier.reset()` / `await barrier.abort()` | `b.reset()` / `b.abort()` |
//! | `barrier.n_waiting` / `barrier.broken` | `b.n_waiting()` / `b.is_broken()` |
//! | `"draining" in repr(barrier)` | `debug(&b).contains("draining")` |
//! | `asyncio.create_task(c)` | `ex.spawn(c)` |
//! | `task.cancel()` | `task.cancel()`: drops the task's future |
//! | `await asyncio.sleep(0)` | `sleep0().await` |
//! | `self.gather_tasks(n, coro)` | `gather_tasks(&ex, n, coro).await` |
//! | `await asyncio.gather(*tasks)` | awaiting each task |
//!
//! The rules these cases pin down (asyncio-barrier.md §2-3): an arrival's index is its place in
//! the cycle; the tasks a trip releases leave one by one, and arrivals during that drain, or
//! during a reset, wait uncounted until the last one has left; a released task that has not
//! resumed when the barrier is reset or aborted gets `BrokenBarrier`.
//!
//! One deliberate difference from CPython: a dropped `wait` leaves the barrier at once, where
//! asyncio's cancelled task leaves when it next runs (asyncio-barrier.md §4).

mod common;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;

use aiosync::{Barrier, BarrierWaitResult, BrokenBarrier};
use common::fifo::{self, Executor, JoinHandle, sleep0};
use common::poll_noop;

/// CPython's `self.N`.
const N: usize = 5;

/// CPython's `gather_tasks(n, coro)`: spawns `n` tasks and waits for them all; their outputs, in
/// spawn order.
async fn gather_tasks<F: Future + 'static>(
    ex: &Executor,
    n: usize,
    coro: impl Fn() -> F,
) -> Vec<F::Output> {
    let tasks: Vec<_> = (0..n).map(|_| ex.spawn(coro())).collect();
    let mut outputs = Vec::with_capacity(n);
    for task in tasks {
        outputs.push(task.await);
    }
    outputs
}

/// `asyncio.create_task(barrier.wait())`.
fn wait(ex: &Executor, b: &Rc<Barrier>) -> JoinHandle<Result<BarrierWaitResult, BrokenBarrier>> {
    let b = b.clone();
    ex.spawn(async move { b.wait().await })
}

/// `asyncio.create_task(barrier.reset())`.
fn reset(ex: &Executor, b: &Rc<Barrier>) -> JoinHandle<()> {
    let b = b.clone();
    ex.spawn(async move { b.reset() })
}

fn index(result: Result<BarrierWaitResult, BrokenBarrier>) -> usize {
    result.expect("barrier broken").index()
}

fn debug(barrier: &Barrier) -> String {
    format!("{barrier:?}")
}

// ---------------------------------------------------------------------------------------------
// CPython's BarrierTests, in its order.

// Ports test_barrier.
#[test]
fn barrier_starts_filling() {
    // Awaiting the barrier itself, a TypeError in asyncio, is a compile_fail doctest here.
    let barrier = Barrier::new(N);
    assert!(debug(&barrier).contains("filling"));
}

// Ports test_repr.
#[test]
fn repr_follows_the_phases() {
    fifo::run(|ex| async move {
        let b = Rc::new(Barrier::new(N));
        assert_eq!(debug(&b), "Barrier { state: filling, waiting: 0/5 }");

        let incr = 2;
        let mut waiters: Vec<_> = (0..incr).map(|_| wait(&ex, &b)).collect();
        sleep0().await;
        assert_eq!(debug(&b), "Barrier { state: filling, waiting: 2/5 }");

        // Create the missing waiters.
        waiters.extend((0..b.parties() - b.n_waiting()).map(|_| wait(&ex, &b)));
        sleep0().await;
        assert!(debug(&b).contains("draining"));

        // Add some waiters, and reset.
        waiters.extend((0..incr).map(|_| wait(&ex, &b)));
        sleep0().await;
        b.reset();
        assert!(debug(&b).contains("resetting"));

        // Add some waiters again, and abort.
        waiters.extend((0..incr).map(|_| wait(&ex, &b)));
        sleep0().await;
        b.abort();
        assert_eq!(debug(&b), "Barrier { state: broken, waiting: 0/5 }");
        assert!(b.is_broken());

        // Every waiter finishes, most of them with BrokenBarrier.
        for waiter in waiters {
            let _ = waiter.await;
        }
    });
}

// Ports test_barrier_parties.
#[test]
#[should_panic(expected = "parties must be >= 1")]
fn zero_parties_panics() {
    // A negative count cannot be written: `parties` is a `usize`.
    assert_eq!(Barrier::new(N).parties(), N);
    let _ = Barrier::new(0);
}

// Ports test_context_manager.
#[test]
fn every_task_gets_its_own_index() {
    fifo::run(|ex| async move {
        let b = Rc::new(Barrier::new(3));
        let mut results = gather_tasks(&ex, 3, || {
            let b = b.clone();
            async move { index(b.wait().await) }
        })
        .await;
        results.sort();
        assert_eq!(results, [0, 1, 2]);
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.is_broken());
    });
}

// Ports test_filling_one_task.
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

// Ports test_filling_one_task_twice.
#[test]
fn one_party_passes_every_time() {
    fifo::run(|ex| async move {
        let b = Rc::new(Barrier::new(1));
        let t1 = wait(&ex, &b);
        sleep0().await;
        assert_eq!(b.n_waiting(), 0);
        let t2 = wait(&ex, &b);
        sleep0().await;
        // In the other order, as `output` takes the result.
        assert_eq!(t1.is_finished(), t2.is_finished());
        assert_eq!(t1.output(), t2.output());
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.is_broken());
    });
}

// Ports test_filling_task_by_task.
#[test]
fn n_waiting_counts_arrivals() {
    fifo::run(|ex| async move {
        let b = Rc::new(Barrier::new(3));
        let mut t1 = wait(&ex, &b);
        sleep0().await;
        assert_eq!(b.n_waiting(), 1);
        assert!(debug(&b).contains("filling"));
        let mut t2 = wait(&ex, &b);
        sleep0().await;
        assert_eq!(b.n_waiting(), 2);
        assert!(debug(&b).contains("filling"));
        let mut t3 = wait(&ex, &b);
        sleep0().await;
        // `await asyncio.wait([t1, t2, t3])`, which leaves the tasks to be inspected.
        for t in [&mut t1, &mut t2, &mut t3] {
            let _ = t.await;
        }
        assert!(t1.is_finished() && t2.is_finished() && t3.is_finished());
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.is_broken());
    });
}

// Ports test_filling_tasks_wait_twice.
#[test]
fn tasks_wait_twice() {
    fifo::run(|ex| async move {
        let (b, results) = (Rc::new(Barrier::new(N)), Rc::new(RefCell::new(Vec::new())));
        gather_tasks(&ex, N, || {
            let (b, results) = (b.clone(), results.clone());
            async move {
                b.wait().await.unwrap();
                results.borrow_mut().push(true);
                b.wait().await.unwrap();
                results.borrow_mut().push(false);
            }
        })
        .await;
        let results = results.borrow();
        assert_eq!(results.len(), N * 2);
        assert_eq!(results.iter().filter(|r| **r).count(), N);
        assert_eq!(results.iter().filter(|r| !**r).count(), N);
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.is_broken());
    });
}

// Ports test_filling_tasks_check_return_value.
#[test]
fn second_cycle_indices() {
    fifo::run(|ex| async move {
        let b = Rc::new(Barrier::new(N));
        let (results1, results2) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let mut res = gather_tasks(&ex, N, || {
            let (b, results1, results2) = (b.clone(), results1.clone(), results2.clone());
            async move {
                b.wait().await.unwrap();
                results1.set(results1.get() + 1);
                let i = index(b.wait().await);
                results2.set(results2.get() + 1);
                i
            }
        })
        .await;
        assert_eq!((results1.get(), results2.get()), (N, N));
        res.sort();
        assert_eq!(res, (0..N).collect::<Vec<_>>());
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.is_broken());
    });
}

// Ports test_draining_state.
#[test]
fn draining_until_the_last_task_leaves() {
    fifo::run(|ex| async move {
        let (b, results) = (Rc::new(Barrier::new(N)), Rc::new(RefCell::new(Vec::new())));
        gather_tasks(&ex, N, || {
            let (b, results) = (b.clone(), results.clone());
            async move {
                b.wait().await.unwrap();
                // The phase becomes filling when the last task leaves.
                results.borrow_mut().push(debug(&b).contains("draining"));
            }
        })
        .await;
        let results = results.borrow();
        assert_eq!(results.len(), N);
        assert!(!results[N - 1]);
        assert!(results[..N - 1].iter().all(|r| *r));
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.is_broken());
    });
}

// Ports test_blocking_tasks_while_draining.
#[test]
fn arrivals_wait_while_draining() {
    fifo::run(|ex| async move {
        let rewait = 2;
        let b = Rc::new(Barrier::new(N));
        let nowaiting = Rc::new(Barrier::new(N - rewait));
        let rewait_n = Rc::new(Cell::new(rewait));
        // Success means that `nowaiting` was waited for exactly N - rewait = 3 times.
        gather_tasks(&ex, N, || {
            let (b, nowaiting, rewait_n) = (b.clone(), nowaiting.clone(), rewait_n.clone());
            async move {
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
            }
        })
        .await;
    });
}

// Ports test_filling_tasks_cancel_one.
#[test]
fn a_task_cancelled_while_filling_leaves() {
    fifo::run(|ex| async move {
        let (b, results) = (Rc::new(Barrier::new(3)), Rc::new(Cell::new(0)));
        let coro = || {
            let (b, results) = (b.clone(), results.clone());
            async move {
                b.wait().await.unwrap();
                results.set(results.get() + 1);
            }
        };
        let t1 = ex.spawn(coro());
        sleep0().await;
        assert_eq!(b.n_waiting(), 1);
        let t2 = ex.spawn(coro());
        sleep0().await;
        assert_eq!(b.n_waiting(), 2);
        t1.cancel();
        // asyncio needs the cancelled task to run first; a dropped wait leaves at once.
        assert_eq!(b.n_waiting(), 1);
        sleep0().await;
        assert_eq!(b.n_waiting(), 1);
        assert!(t1.is_cancelled() && !t1.is_finished());
        let t3 = ex.spawn(coro());
        sleep0().await;
        assert_eq!(b.n_waiting(), 2);
        let t4 = ex.spawn(coro());
        for t in [t2, t3, t4] {
            t.await;
        }
        assert_eq!(results.get(), 3);
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.is_broken());
    });
}

// Ports test_reset_barrier.
#[test]
fn reset_an_empty_barrier() {
    fifo::run(|ex| async move {
        let b = Rc::new(Barrier::new(1));
        let task = reset(&ex, &b);
        sleep0().await;
        assert!(task.is_finished());
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.is_broken());
    });
}

// Ports test_reset_barrier_while_tasks_waiting.
#[test]
fn reset_breaks_the_waiting_tasks() {
    fifo::run(|ex| async move {
        let (b, results) = (Rc::new(Barrier::new(N)), Rc::new(Cell::new(0)));
        // N - 1 tasks waiting on a barrier of N parties.
        let tasks: Vec<_> = (0..N - 1)
            .map(|_| {
                let (b, results) = (b.clone(), results.clone());
                ex.spawn(async move {
                    if b.wait().await == Err(BrokenBarrier) {
                        results.set(results.get() + 1);
                    }
                })
            })
            .collect();
        sleep0().await;
        let resetter = reset(&ex, &b);
        for t in tasks {
            t.await;
        }
        resetter.await;
        assert_eq!(results.get(), N - 1);
        assert_eq!(b.n_waiting(), 0);
        assert!(!debug(&b).contains("resetting"));
        assert!(!b.is_broken());
    });
}

// Ports test_reset_barrier_when_tasks_half_draining.
#[test]
fn reset_while_half_drained() {
    // CPython compares the private `_count`, the tasks still inside, with N // 2; counting the
    // tasks that left is the same.
    fifo::run(|ex| async move {
        let b = Rc::new(Barrier::new(N));
        let rest_of_tasks = N / 2;
        let (results1, left) = (Rc::new(RefCell::new(Vec::new())), Rc::new(Cell::new(0)));
        gather_tasks(&ex, N, || {
            let (b, results1, left) = (b.clone(), results1.clone(), left.clone());
            async move {
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
            }
        })
        .await;
        assert_eq!(*results1.borrow(), vec![true; rest_of_tasks]);
        assert_eq!(b.n_waiting(), 0);
        assert!(!debug(&b).contains("resetting"));
        assert!(!b.is_broken());
    });
}

// Ports test_reset_barrier_when_tasks_half_draining_half_blocking.
#[test]
fn reset_while_half_drained_half_blocked() {
    fifo::run(|ex| async move {
        let b = Rc::new(Barrier::new(N));
        let blocking_tasks = N / 2;
        let (results1, results2, count) = (
            Rc::new(Cell::new(0)),
            Rc::new(Cell::new(0)),
            Rc::new(Cell::new(0)),
        );
        gather_tasks(&ex, N, || {
            let (b, results1, results2, count) =
                (b.clone(), results1.clone(), results2.clone(), count.clone());
            async move {
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
            }
        })
        .await;
        assert_eq!(results1.get(), blocking_tasks);
        assert_eq!(results2.get(), 0);
        assert_eq!(b.n_waiting(), 0);
        assert!(!debug(&b).contains("resetting"));
        assert!(!b.is_broken());
    });
}

// Ports test_reset_barrier_while_tasks_waiting_and_waiting_again.
#[test]
fn reset_then_wait_again() {
    fifo::run(|ex| async move {
        let b = Rc::new(Barrier::new(N));
        let (results1, results2) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let tasks: Vec<_> = (0..N - 1)
            .map(|_| {
                let (b, results1, results2) = (b.clone(), results1.clone(), results2.clone());
                ex.spawn(async move {
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
        let resetter = reset(&ex, &b);
        sleep0().await;
        // Completes the waits in the `finally`.
        let (b2, r2) = (b.clone(), results2.clone());
        let last = ex.spawn(async move {
            b2.wait().await.unwrap();
            r2.set(r2.get() + 1);
        });
        for t in tasks {
            t.await;
        }
        resetter.await;
        last.await;
        assert!(!b.is_broken());
        assert_eq!(results1.get(), N - 1);
        assert_eq!(results2.get(), N);
        assert_eq!(b.n_waiting(), 0);
    });
}

// Ports test_reset_barrier_while_tasks_draining.
#[test]
fn reset_by_the_last_task_out() {
    fifo::run(|ex| async move {
        let b = Rc::new(Barrier::new(N));
        let (results1, results2, results3, count) = (
            Rc::new(Cell::new(0)),
            Rc::new(Cell::new(0)),
            Rc::new(Cell::new(0)),
            Rc::new(Cell::new(0)),
        );
        gather_tasks(&ex, N, || {
            let (b, results1, results2, results3, count) = (
                b.clone(),
                results1.clone(),
                results2.clone(),
                results3.clone(),
                count.clone(),
            );
            async move {
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
            }
        })
        .await;
        assert!(!b.is_broken());
        assert_eq!(results1.get(), N - 1);
        assert_eq!(results2.get(), 0);
        assert_eq!(results3.get(), N);
        assert_eq!(b.n_waiting(), 0);
    });
}

// Ports test_abort_barrier.
#[test]
fn abort_breaks() {
    fifo::run(|ex| async move {
        let b = Rc::new(Barrier::new(1));
        let b2 = b.clone();
        let task = ex.spawn(async move { b2.abort() });
        sleep0().await;
        assert!(task.is_finished());
        assert_eq!(b.n_waiting(), 0);
        assert!(b.is_broken());
    });
}

// Ports test_abort_barrier_when_tasks_half_draining_half_blocking.
#[test]
fn abort_while_half_drained_half_blocked() {
    fifo::run(|ex| async move {
        let b = Rc::new(Barrier::new(N));
        let blocking_tasks = N / 2;
        let (results1, results2, count) = (
            Rc::new(Cell::new(0)),
            Rc::new(Cell::new(0)),
            Rc::new(Cell::new(0)),
        );
        gather_tasks(&ex, N, || {
            let (b, results1, results2, count) =
                (b.clone(), results1.clone(), results2.clone(), count.clone());
            async move {
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
            }
        })
        .await;
        assert!(b.is_broken());
        assert_eq!(results1.get(), blocking_tasks);
        assert_eq!(results2.get(), N - blocking_tasks - 1);
        assert_eq!(b.n_waiting(), 0);
        assert!(!debug(&b).contains("resetting"));
    });
}

// Ports test_abort_barrier_when_exception.
#[test]
fn abort_on_an_error() {
    fifo::run(|ex| async move {
        let b = Rc::new(Barrier::new(N));
        let (results1, results2) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        gather_tasks(&ex, N, || {
            let (b, results1, results2) = (b.clone(), results1.clone(), results2.clone());
            async move {
                // `Ok(true)` stands for CPython's RuntimeError, raised by the task with index
                // N // 2.
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
            }
        })
        .await;
        assert!(b.is_broken());
        assert_eq!(results1.get(), 0);
        assert_eq!(results2.get(), N - 1);
        assert_eq!(b.n_waiting(), 0);
    });
}

// Ports test_abort_barrier_when_exception_then_resetting.
#[test]
fn abort_on_an_error_then_reset() {
    fifo::run(|ex| async move {
        let (b1, b2) = (Rc::new(Barrier::new(N)), Rc::new(Barrier::new(N)));
        let (results1, results2, results3) = (
            Rc::new(Cell::new(0)),
            Rc::new(Cell::new(0)),
            Rc::new(Cell::new(0)),
        );
        gather_tasks(&ex, N, || {
            let (b1, b2) = (b1.clone(), b2.clone());
            let (results1, results2, results3) =
                (results1.clone(), results2.clone(), results3.clone());
            async move {
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
                // Synchronize and reset the barrier. Synchronize first, so that everyone has
                // left it when it is reset, and after, so that no one enters it before the reset.
                if index(b2.wait().await) == N / 2 {
                    b1.reset();
                }
                b2.wait().await.unwrap();
                b1.wait().await.unwrap();
                results3.set(results3.get() + 1);
            }
        })
        .await;
        assert!(!b1.is_broken());
        assert_eq!(results1.get(), 0);
        assert_eq!(results2.get(), N - 1);
        assert_eq!(results3.get(), N);
        assert_eq!(b1.n_waiting(), 0);
    });
}

// ---------------------------------------------------------------------------------------------
// CPython gh-155233: a cancelled arrival's index is handed out again. Here indices stay unique
// and dense, so these values differ from asyncio's on purpose (asyncio-barrier.md §5).

/// Barrier(3); A and B wait, A is cancelled while filling, C and D arrive. asyncio gives B = 1,
/// C = 1, D = 2 (index 0 never handed out).
#[test]
fn gh_155233_a_cancelled_arrival_s_index_is_not_reused() {
    fifo::run(|ex| async move {
        let b = Rc::new(Barrier::new(3));
        let a = wait(&ex, &b);
        let b_task = wait(&ex, &b);
        sleep0().await;
        a.cancel();
        let c = wait(&ex, &b);
        let d = wait(&ex, &b);
        let results = [b_task.await, c.await, d.await];
        assert_eq!(results.map(index), [0, 1, 2]);
        assert!(results[2].unwrap().is_leader());
        assert!(!b.is_broken());
    });
}

/// Two holes: a cycle of 4, P, Q and R wait, P and R are cancelled, then S, T and U arrive.
/// asyncio gives Q = 1, S = 1, T = 2, U = 3; here Q = 0, S = 1, T = 2, U = 3.
#[test]
fn gh_155233_two_holes() {
    fifo::run(|ex| async move {
        let b = Rc::new(Barrier::new(4));
        let p = wait(&ex, &b);
        let q = wait(&ex, &b);
        let r = wait(&ex, &b);
        sleep0().await;
        p.cancel();
        r.cancel();
        assert_eq!(b.n_waiting(), 1);
        let rest: Vec<_> = (0..3).map(|_| wait(&ex, &b)).collect();
        let mut indices = vec![index(q.await)];
        for t in rest {
            indices.push(index(t.await));
        }
        assert_eq!(indices, [0, 1, 2, 3]);
    });
}
