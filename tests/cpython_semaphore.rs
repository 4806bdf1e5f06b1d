//! CPython's `SemaphoreTests` (Lib/test/test_asyncio/test_locks.py, 3.13) replayed step by step
//! on `common::fifo`, whose ready queue orders task steps as asyncio's loop does, with
//! CPython's expected values.
//!
//! | asyncio | here |
//! |---|---|
//! | `await sem.acquire()` (no `async with`) | `sem.acquire().await.forget()` |
//! | `async with sem:` | `let _permit = sem.acquire().await;` |
//! | `sem.release()` | `sem.release()` |
//! | `sem._value` | `sem.available_permits()` |
//! | `len(sem._waiters)` | `sem.waiters()` |
//! | `asyncio.create_task(c)` | `ex.spawn(c)` |
//! | `task.cancel()` | `task.cancel()`: drops the task's future |
//! | `await asyncio.sleep(0)` | `sleep0().await` |
//! | `await asyncio.gather(*tasks)` | awaiting each task |
//!
//! The rules these cases pin down (asyncio-semantics.md §4): a waiter woken with a permit but
//! not yet resumed still counts, so `locked()` is true and newcomers queue even while spare
//! permits exist; when it resumes, or is dropped, it hands spare permits to the queued waiters
//! in FIFO order.

mod common;

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use aiosync::{BoundedSemaphore, Semaphore};
use common::fifo::{self, Executor, JoinHandle, sleep0};

type Log<T = i32> = Rc<RefCell<Vec<T>>>;

fn entries<T: Clone>(log: &Log<T>) -> Vec<T> {
    log.borrow().clone()
}

/// Spawns asyncio's `async def c(result): await sem.acquire(); result.append(n); return True`.
fn acquire_and_log(ex: &Executor, sem: &Rc<Semaphore>, result: &Log, n: i32) -> JoinHandle<bool> {
    let (sem, result) = (sem.clone(), result.clone());
    ex.spawn(async move {
        sem.acquire().await.forget();
        result.borrow_mut().push(n);
        true
    })
}

/// Spawns asyncio's `create_task(sem.acquire())`.
fn acquire(ex: &Executor, sem: &Rc<Semaphore>) -> JoinHandle<()> {
    let sem = sem.clone();
    ex.spawn(async move { sem.acquire().await.forget() })
}

// Ports test_initial_value_zero and test_semaphore.
#[test]
fn initial_value() {
    assert!(Semaphore::new(0).locked());
    let sem = Semaphore::default();
    assert_eq!(sem.available_permits(), 1);
    assert!(!sem.locked());
}

// Ports test_acquire.
#[test]
fn acquire_wakes_distinct_waiters_with_permits_reserved() {
    fifo::run(|ex| async move {
        let sem = Rc::new(Semaphore::new(3));
        let result = Log::default();

        sem.acquire().await.forget();
        sem.acquire().await.forget();
        assert!(!sem.locked());

        let t1 = acquire_and_log(&ex, &sem, &result, 1);
        let t2 = acquire_and_log(&ex, &sem, &result, 2);
        let t3 = acquire_and_log(&ex, &sem, &result, 3);

        sleep0().await;
        assert_eq!(entries(&result), [1]);
        assert!(sem.locked());
        assert_eq!(sem.waiters(), 2);
        assert_eq!(sem.available_permits(), 0);

        let t4 = acquire_and_log(&ex, &sem, &result, 4);

        sem.release();
        sem.release();
        assert_eq!(sem.available_permits(), 0);

        sleep0().await;
        assert_eq!(sem.available_permits(), 0);
        // CPython checks only that three tasks ran; its FIFO loop makes them exactly these.
        // t4's first step ran before t2 and t3 resumed, and it queued: the permits were theirs.
        assert_eq!(entries(&result), [1, 2, 3]);
        assert!(sem.locked());
        assert_eq!(sem.waiters(), 1);
        assert_eq!(sem.available_permits(), 0);

        assert!(t1.is_finished());
        assert!(t2.is_finished() && t3.is_finished() && !t4.is_finished());

        // cleanup locked semaphore
        sem.release();
        for t in [t1, t2, t3, t4] {
            assert!(t.await);
        }
    });
}

// Ports test_acquire_cancel.
#[test]
fn acquire_cancel() {
    fifo::run(|ex| async move {
        let sem = Rc::new(Semaphore::new(1));
        sem.acquire().await.forget();

        let task = acquire(&ex, &sem);
        // `call_soon(acquire.cancel)` runs after the task's first step, which queues it.
        sleep0().await;
        assert_eq!(sem.waiters(), 1);
        task.cancel();
        assert!(task.is_cancelled());
        assert_eq!(sem.waiters(), 0);
    });
}

// Ports test_acquire_cancel_before_awoken.
#[test]
fn acquire_cancel_before_awoken() {
    fifo::run(|ex| async move {
        let sem = Rc::new(Semaphore::new(0));

        let t1 = acquire(&ex, &sem);
        let t2 = acquire(&ex, &sem);
        let t3 = acquire(&ex, &sem);
        let t4 = acquire(&ex, &sem);

        sleep0().await;

        t1.cancel();
        t2.cancel();
        sem.release();

        sleep0().await;
        sleep0().await;
        let num_done = [&t3, &t4].iter().filter(|t| t.is_finished()).count();
        assert_eq!(num_done, 1);
        assert!(t3.is_finished());
        assert!(!t4.is_finished());

        t3.cancel();
        t4.cancel();
        sleep0().await;
        assert_eq!(sem.waiters(), 0);
    });
}

// Ports test_acquire_hang.
#[test]
fn acquire_hang() {
    fifo::run(|ex| async move {
        let sem = Rc::new(Semaphore::new(0));

        let t1 = acquire(&ex, &sem);
        let t2 = acquire(&ex, &sem);
        sleep0().await;

        t1.cancel();
        sem.release();
        sleep0().await;
        sleep0().await;
        assert!(sem.locked());
        assert!(t2.is_finished());
    });
}

// Ports test_acquire_no_hang.
#[test]
fn acquire_no_hang() {
    fifo::run(|ex| async move {
        let sem = Rc::new(Semaphore::new(1));
        let t2_slot: Rc<OnceCell<JoinHandle<()>>> = Rc::default();

        let (s, slot) = (sem.clone(), t2_slot.clone());
        let t1 = ex.spawn(async move {
            {
                let _permit = s.acquire().await;
                sleep0().await;
            }
            // t2 was handed the permit above and has not resumed yet.
            slot.get().expect("t2 spawned").cancel();
        });
        let s = sem.clone();
        let t2 = ex.spawn(async move {
            let _permit = s.acquire().await;
            panic!("c2 must be cancelled before it resumes with the permit");
        });
        assert!(t2_slot.set(t2).is_ok());

        // gather(t1, t2, return_exceptions=True): t1 returns, t2 is cancelled.
        t1.await;
        let t2 = t2_slot.get().unwrap();
        assert!(t2.is_cancelled());

        // `wait_for(sem.acquire(), timeout=1.0)`: a hang here makes the executor panic.
        assert_eq!(sem.available_permits(), 1);
        sem.acquire().await.forget();
    });
}

// Ports test_release_not_acquired.
#[test]
fn release_not_acquired() {
    let sem = BoundedSemaphore::new(1); // asyncio's BoundedSemaphore() default
    assert!(sem.release().is_err());
}

// Ports test_release_no_waiters.
#[test]
fn release_no_waiters() {
    fifo::run(|_| async move {
        let sem = Semaphore::new(1);
        sem.acquire().await.forget();
        assert!(sem.locked());

        sem.release();
        assert!(!sem.locked());
    });
}

// Ports test_acquire_fifo_order.
#[test]
fn acquire_fifo_order() {
    fifo::run(|ex| async move {
        let sem = Rc::new(Semaphore::new(1));
        let result: Log<String> = Log::default();

        let coro = |tag: &'static str| {
            let (sem, result) = (sem.clone(), result.clone());
            async move {
                // CPython sleeps 0.01 s where this yields once: every task sleeps for the same
                // time, so the loop runs them in the same order either way.
                sem.acquire().await.forget();
                result.borrow_mut().push(format!("{tag}_1"));
                sleep0().await;
                sem.release();

                sem.acquire().await.forget();
                result.borrow_mut().push(format!("{tag}_2"));
                sleep0().await;
                sem.release();
            }
        };

        // async with asyncio.TaskGroup() as tg: three tasks, all awaited.
        let tasks = [
            ex.spawn(coro("c1")),
            ex.spawn(coro("c2")),
            ex.spawn(coro("c3")),
        ];
        for t in tasks {
            t.await;
        }

        assert_eq!(
            entries(&result),
            ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"]
        );
    });
}

// Ports test_acquire_fifo_order_2.
#[test]
fn acquire_fifo_order_2() {
    fifo::run(|ex| async move {
        let sem = Rc::new(Semaphore::new(1));
        let result = Log::default();

        let t1 = acquire_and_log(&ex, &sem, &result, 1);
        let (s, r) = (sem.clone(), result.clone());
        let t2 = ex.spawn(async move {
            s.acquire().await.forget();
            r.borrow_mut().push(2);
            // c3 was woken with a permit and has not resumed: it still counts, so this
            // release leaves a spare permit and the acquire below queues behind c3.
            s.release();
            s.acquire().await.forget();
            r.borrow_mut().push(4);
            true
        });
        let t3 = acquire_and_log(&ex, &sem, &result, 3);

        sleep0().await;

        sem.release();
        sem.release();

        for t in [t1, t2, t3] {
            assert!(t.await);
        }
        assert_eq!(entries(&result), [1, 2, 3, 4]);
    });
}

// Ports test_acquire_fifo_order_3.
#[test]
fn acquire_fifo_order_3() {
    fifo::run(|ex| async move {
        let sem = Rc::new(Semaphore::new(0));
        let result = Log::default();

        let t1 = acquire_and_log(&ex, &sem, &result, 1);
        let t2 = acquire_and_log(&ex, &sem, &result, 2);
        let t3 = acquire_and_log(&ex, &sem, &result, 3);

        sleep0().await;

        t1.cancel();

        sleep0().await;

        sem.release();
        sem.release();

        // gather(t1, t2, t3, return_exceptions=True)
        assert!(t1.is_cancelled());
        assert!(t2.await);
        assert!(t3.await);
        assert_eq!(entries(&result), [2, 3]);
    });
}

// Ports test_acquire_fifo_order_4.
#[test]
fn acquire_fifo_order_4() {
    fifo::run(|ex| async move {
        let sem = Rc::new(Semaphore::new(0));
        let result = Log::default();
        let t4_slot: Rc<RefCell<Option<JoinHandle<bool>>>> = Rc::default();

        // c1 waits first; c2's releases wake it.
        let (s, r, slot, e) = (sem.clone(), result.clone(), t4_slot.clone(), ex.clone());
        let t1 = ex.spawn(async move {
            assert_eq!(s.available_permits(), 0);
            s.acquire().await.forget();
            // Resuming, c1 handed the two spare permits to c2 and c3.
            assert_eq!(s.available_permits(), 0);
            // Created now, c4 runs after c3, not after c2.
            let r4 = r.clone();
            let t4 = e.spawn(async move {
                r4.borrow_mut().push(4);
                true
            });
            *slot.borrow_mut() = Some(t4);
            r.borrow_mut().push(1);
            true
        });

        // c2 releases three times, for c1, c2 and c3.
        let (s, r) = (sem.clone(), result.clone());
        let t2 = ex.spawn(async move {
            s.release();
            s.release();
            s.release();
            assert_eq!(s.available_permits(), 2);
            // Locked, because c1 has not resumed yet.
            assert!(s.locked(), "locked() while c1 is woken but not resumed");
            s.acquire().await.forget();
            r.borrow_mut().push(2);
            true
        });

        let (s, r) = (sem.clone(), result.clone());
        let t3 = ex.spawn(async move {
            s.acquire().await.forget();
            assert!(s.locked());
            r.borrow_mut().push(3);
            true
        });

        sleep0().await;
        // Three tasks are in the queue, the first has not woken up yet.
        assert_eq!(sem.available_permits(), 2);
        assert_eq!(sem.waiters(), 3);
        sleep0().await;

        let t4 = t4_slot
            .borrow_mut()
            .take()
            .expect("c1 has resumed and created c4");
        for t in [t1, t2, t3, t4] {
            assert!(t.await);
        }
        assert_eq!(entries(&result), [1, 2, 3, 4]);
    });
}

// No CPython test: asyncio-semantics.md §4, `locked()` is exactly "acquire would block", so
// try_acquire (asyncio's fast path) refuses a spare permit while a woken waiter has not resumed.
#[test]
fn try_acquire_waits_behind_a_woken_waiter_despite_spare_permits() {
    fifo::run(|ex| async move {
        let sem = Rc::new(Semaphore::new(0));
        let t1 = acquire(&ex, &sem);
        sleep0().await;

        sem.release(); // for t1, reserved
        sem.release(); // spare
        assert!(sem.locked());
        assert!(sem.try_acquire().is_none());

        sleep0().await;
        assert!(t1.is_finished());
        assert!(!sem.locked());
        sem.try_acquire().expect("the spare permit").forget();
    });
}

// No CPython test: asyncio-semantics.md §4 [verified], a woken-then-cancelled waiter gives its
// permit back and hands the permits to the waiters queued behind it in FIFO order.
#[test]
fn woken_then_cancelled_waiter_hands_spare_permits_on_in_fifo_order() {
    fifo::run(|ex| async move {
        let sem = Rc::new(Semaphore::new(0));
        let result = Log::default();
        let t1 = acquire_and_log(&ex, &sem, &result, 1);
        sleep0().await;

        // Steps queued in this order: t2, t3, the canceller, then t1 (woken below).
        let t2 = acquire_and_log(&ex, &sem, &result, 2);
        let t3 = acquire_and_log(&ex, &sem, &result, 3);
        let (s, r) = (sem.clone(), result.clone());
        let canceller = ex.spawn(async move {
            // t2 and t3 queued behind t1 although a permit was spare.
            assert!(r.borrow().is_empty(), "a newcomer took the spare permit");
            assert_eq!(s.waiters(), 3);
            t1.cancel(); // woken, not resumed: asyncio's woken-then-cancelled
            assert!(t1.is_cancelled());
        });
        sem.release(); // for t1, reserved
        sem.release(); // spare

        // asyncio hands the permits on when t1's cancelled step runs; t2 and t3 resume after.
        sleep0().await;
        sleep0().await;
        assert!(canceller.is_finished());
        assert_eq!(entries(&result), [2, 3]);
        assert!(sem.locked());
        assert_eq!(sem.waiters(), 0);
        assert!(t2.await && t3.await);
    });
}

// Where aiosync differs on purpose (README, "Where aiosync differs from asyncio"): a permit
// handed to a waiter that has not resumed counts against a BoundedSemaphore's bound. asyncio's
// bound check reads only `_value`, which the hand-off has already lowered, so it accepts a
// release too many while the permit is in transit. Each test gives the values CPython 3.13
// prints for the same program and asserts aiosync's.

// t0 acquires and never releases; t1 waits; then two bare releases. CPython 3.13: t1 waits with
// `len(_waiters)` 1, `_value` 0, `locked()` True; the first release hands t1 the permit
// (`_value` 0); the second is accepted too (`_value` 1); at the end `_value` is 1 and `locked()`
// False, with two permits out on a bound of 1. Here the second release is refused.
#[test]
fn a_bounded_release_counts_the_permit_handed_to_a_waiter_not_yet_resumed() {
    fifo::run(|ex| async move {
        let sem = Rc::new(BoundedSemaphore::new(1));
        let s = sem.clone();
        let t0 = ex.spawn(async move { s.acquire().await.forget() });
        let s = sem.clone();
        let t1 = ex.spawn(async move { s.acquire().await.forget() });
        sleep0().await;
        assert_eq!(sem.waiters(), 1);
        assert_eq!(sem.available_permits(), 0);
        assert!(sem.locked());

        assert!(sem.release().is_ok()); // handed to t1
        assert_eq!(sem.available_permits(), 0);
        assert!(sem.release().is_err());
        assert_eq!(sem.available_permits(), 0);

        t0.await;
        t1.await;
        assert_eq!(sem.available_permits(), 0);
        assert!(sem.locked());
    });
}

// main holds the permit; ta waits, then yields and releases; tb waits; main releases twice.
// CPython 3.13 accepts both releases (`_value` 0 after each: the second hands tb a permit), then
// prints "ta acquired", "tb acquired", "ta released" (`_value` 1), and ends with `_value` 1 and
// `locked()` False. Here the second release is refused, so tb gets its permit from ta, and the
// semaphore ends locked, with the one permit held by tb.
#[test]
fn a_refused_bounded_release_leaves_the_semaphore_locked() {
    fifo::run(|ex| async move {
        let sem = Rc::new(BoundedSemaphore::new(1));
        let result: Log<&str> = Log::default();
        sem.acquire().await.forget();

        let (s, r) = (sem.clone(), result.clone());
        let ta = ex.spawn(async move {
            s.acquire().await.forget();
            r.borrow_mut().push("ta acquired");
            sleep0().await;
            assert!(s.release().is_ok(), "ta's own permit");
            r.borrow_mut().push("ta released");
        });
        let (s, r) = (sem.clone(), result.clone());
        let tb = ex.spawn(async move {
            s.acquire().await.forget();
            r.borrow_mut().push("tb acquired");
        });
        sleep0().await;

        assert!(sem.release().is_ok()); // handed to ta
        assert!(sem.release().is_err());

        ta.await;
        tb.await;
        assert_eq!(
            entries(&result),
            ["ta acquired", "ta released", "tb acquired"]
        );
        assert_eq!(sem.available_permits(), 0);
        assert!(sem.locked());
    });
}

// A dropped wait cleans up when its future is dropped, not when its task next runs (README,
// "Where aiosync differs from asyncio"). t0 is granted a permit and has not resumed, and a spare
// permit is held back behind it; t2 waits, then t3 behind it; a canceller cancels t3, then
// yields. CPython 3.13 prints, for the same program:
//
//     main released twice: value 1, waiters 1, locked True
//     t3.cancel(): value 1, waiters 3, locked True
//     t0 acquired: value 0, waiters 2, locked True   (t0's `finally` wakes t2)
//     t3 cancelled: value 0, waiters 1, locked True
//     canceller next step: value 0, waiters 1, locked True
//     t2 acquired: value 0, waiters 0, locked True
//
// Here t3's drop hands the spare permit to t2 at once, so t2 runs before the canceller's next
// step.
#[test]
fn a_dropped_waiter_hands_a_held_back_permit_on_at_once() {
    fifo::run(|ex| async move {
        let sem = Rc::new(Semaphore::new(0));
        let trace: Log<String> = Log::default();
        let state = |sem: &Semaphore| {
            let (value, waiters) = (sem.available_permits(), sem.waiters());
            format!("value {value}, waiters {waiters}, locked {}", sem.locked())
        };
        let waiter = |name: &'static str| {
            let (s, t) = (sem.clone(), trace.clone());
            ex.spawn(async move {
                s.acquire().await.forget();
                t.borrow_mut()
                    .push(format!("{name} acquired: {}", state(&s)));
            })
        };

        let t0 = waiter("t0");
        sleep0().await;
        let t2 = waiter("t2");
        let t3 = waiter("t3");
        let (s, t) = (sem.clone(), trace.clone());
        let canceller = ex.spawn(async move {
            t3.cancel();
            t.borrow_mut().push(format!("t3.cancel(): {}", state(&s)));
            sleep0().await;
            t.borrow_mut()
                .push(format!("canceller next step: {}", state(&s)));
        });
        sem.release(); // t0's, reserved
        sem.release(); // spare, held back behind t0
        let entry = format!("main released twice: {}", state(&sem));
        trace.borrow_mut().push(entry);

        t0.await;
        t2.await;
        canceller.await;
        assert_eq!(
            entries(&trace),
            [
                "main released twice: value 1, waiters 1, locked true",
                "t3.cancel(): value 0, waiters 2, locked true",
                "t0 acquired: value 0, waiters 1, locked true",
                "t2 acquired: value 0, waiters 0, locked true",
                "canceller next step: value 0, waiters 0, locked true",
            ]
        );
    });
}
