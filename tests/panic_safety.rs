//! A panic in user code (a waker, a `wait_for` predicate, a task holding a guard or a permit)
//! leaves every primitive consistent and usable. aiosync does not poison: like tokio's locks, a
//! guard dropped by unwinding simply releases.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Wake, Waker};

use aiosync::semaphore::AcquireOwned;
use aiosync::{Barrier, BoundedSemaphore, Condition, Event, Lock, OwnedSemaphorePermit, Semaphore};
use common::{Bomb, Call, Counter, poll, poll_noop};

/// A waker whose `wake` panics.
struct Panicky;

impl Wake for Panicky {
    fn wake(self: Arc<Self>) {
        panic!("waker panicked");
    }
}

fn panicky() -> Waker {
    Waker::from(Arc::new(Panicky))
}

/// A waker that runs `f` when woken.
struct Hook<F>(F);

impl<F: Fn() + Send + Sync + 'static> Wake for Hook<F> {
    fn wake(self: Arc<Self>) {
        (self.0)();
    }
}

fn hook(f: impl Fn() + Send + Sync + 'static) -> Waker {
    Waker::from(Arc::new(Hook(f)))
}

fn panics(f: impl FnOnce()) -> bool {
    catch_unwind(AssertUnwindSafe(f)).is_err()
}

#[test]
fn a_panicking_waker_still_gets_the_lock_and_the_lock_keeps_working() {
    let lock = Lock::new(0);
    let guard = lock.try_acquire().unwrap();
    let mut first = pin!(lock.acquire());
    let mut second = pin!(lock.acquire());
    assert!(poll(first.as_mut(), &panicky()).is_pending());
    let (counter, waker) = Counter::new();
    assert!(poll(second.as_mut(), &waker).is_pending());

    // The panic surfaces in the releasing task, after the hand-off is complete.
    assert!(panics(|| drop(guard)));
    let Poll::Ready(mut g) = poll_noop(first.as_mut()) else {
        panic!("the lock was not handed to the waiter whose waker panicked");
    };
    *g += 1;
    drop(g);
    assert_eq!(counter.wakes(), 1);
    let Poll::Ready(g) = poll_noop(second.as_mut()) else {
        panic!("the next waiter was not granted");
    };
    assert_eq!(*g, 1);
    drop(g);
    assert!(!lock.locked());
    assert_eq!(lock.waiters(), 0);
}

#[test]
fn a_panicking_waker_does_not_stop_a_trip_from_releasing_the_rest() {
    use futures_core::FusedFuture;

    let barrier = Barrier::new(3);
    let mut first = pin!(barrier.wait());
    let mut second = pin!(barrier.wait());
    assert!(poll(first.as_mut(), &panicky()).is_pending());
    let (counter, waker) = Counter::new();
    assert!(poll(second.as_mut(), &waker).is_pending());

    // The panic surfaces in the tripping task, after every waiter was released.
    let mut last = pin!(barrier.wait());
    assert!(panics(|| {
        let _ = poll_noop(last.as_mut());
    }));
    assert!(
        last.is_terminated(),
        "the tripping arrival could arrive again"
    );
    assert_eq!(counter.wakes(), 1);
    let Poll::Ready(Ok(a)) = poll_noop(first.as_mut()) else {
        panic!("the waiter whose waker panicked was not released");
    };
    let Poll::Ready(Ok(b)) = poll_noop(second.as_mut()) else {
        panic!("the next waiter was not released");
    };
    assert_eq!((a.index(), b.index()), (0, 1));
    assert_eq!(barrier.n_waiting(), 0);
    assert!(!barrier.is_broken());
    assert!(poll_noop(pin!(barrier.wait())).is_pending());
}

#[test]
fn a_panicking_waker_does_not_stop_event_set_from_waking_the_rest() {
    let event = Event::new();
    let mut waits: Vec<_> = (0..3).map(|_| Box::pin(event.wait())).collect();
    let counters: Vec<_> = (0..3)
        .map(|i| {
            let (counter, waker) = Counter::new();
            let waker = if i == 1 { panicky() } else { waker };
            assert!(poll(waits[i].as_mut(), &waker).is_pending());
            counter
        })
        .collect();

    assert!(panics(|| event.set()));
    assert!(event.is_set());
    assert_eq!(counters[0].wakes(), 1);
    assert_eq!(
        counters[2].wakes(),
        1,
        "a waker after the panicking one was skipped"
    );
    event.clear();
    for wait in &mut waits {
        assert!(poll_noop(wait.as_mut()).is_ready());
    }
    assert_eq!(event.waiters(), 0);
}

#[test]
fn a_panicking_waker_loses_no_semaphore_permit() {
    let sem = BoundedSemaphore::new(2);
    let held = [sem.try_acquire().unwrap(), sem.try_acquire().unwrap()];
    let mut first = pin!(sem.acquire());
    assert!(poll(first.as_mut(), &panicky()).is_pending());
    let mut second = pin!(sem.acquire());
    assert!(poll_noop(second.as_mut()).is_pending());

    assert!(panics(|| drop(held)));
    let Poll::Ready(a) = poll_noop(first.as_mut()) else {
        panic!("permit lost")
    };
    let Poll::Ready(b) = poll_noop(second.as_mut()) else {
        panic!("permit lost")
    };
    drop((a, b));
    assert_eq!(sem.available_permits(), 2);
    assert!(sem.release().is_err(), "the bound was exceeded");
}

#[test]
fn a_panicking_predicate_releases_the_lock_and_leaves_the_condition_usable() {
    let lock = Lock::new(0);
    let cond = Condition::new();

    // Panicking on the first check, while the future holds the guard.
    let mut wait = Box::pin(cond.wait_for(lock.try_acquire().unwrap(), |_| panic!("predicate")));
    assert!(panics(|| drop(poll_noop(wait.as_mut()))));
    drop(wait);
    assert!(
        !lock.locked(),
        "the guard inside the panicked future was not released"
    );

    // Panicking on a re-check after a notification, with the lock re-acquired.
    let mut checks = 0;
    let mut wait = Box::pin(cond.wait_for(lock.try_acquire().unwrap(), |_| {
        checks += 1;
        assert!(checks < 2, "predicate");
        false
    }));
    assert!(poll_noop(wait.as_mut()).is_pending());
    let mut other = Box::pin(cond.wait_for(lock.try_acquire().unwrap(), |v| *v == 1));
    assert!(poll_noop(other.as_mut()).is_pending());
    let mut g = lock.try_acquire().unwrap();
    *g = 1;
    assert_eq!(cond.notify_all(&g), 2);
    drop(g);
    assert!(panics(|| drop(poll_noop(wait.as_mut()))));
    drop(wait);
    let Poll::Ready(g) = poll_noop(other.as_mut()) else {
        panic!("the waiter after the panicking one never got the lock");
    };
    assert_eq!(*g, 1);
    drop(g);
    assert!(!lock.locked());
    assert_eq!(cond.waiters(), 0);
}

#[test]
fn a_task_panicking_with_the_lock_held_releases_it() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let lock = Arc::new(Lock::new(Vec::new()));
        let held = Arc::new(Event::new());
        let panicker = {
            let (lock, held) = (lock.clone(), held.clone());
            tokio::spawn(async move {
                let mut guard = lock.acquire().await;
                guard.push("before");
                held.set();
                tokio::task::yield_now().await;
                panic!("task panicked holding the lock");
            })
        };
        held.wait().await;
        let waiter = {
            let lock = lock.clone();
            tokio::spawn(async move { lock.acquire().await.push("after") })
        };
        assert!(panicker.await.unwrap_err().is_panic());
        waiter.await.unwrap();
        assert_eq!(*lock.acquire().await, ["before", "after"]);
        assert!(!lock.locked());
    });
}

#[test]
fn a_task_panicking_with_a_permit_returns_it() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let sem = Arc::new(Semaphore::new(2));
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let sem = sem.clone();
                tokio::spawn(async move {
                    let _permit = sem.acquire().await;
                    tokio::task::yield_now().await;
                    assert!(i % 2 == 0, "task {i} panicked holding a permit");
                })
            })
            .collect();
        let mut panicked = 0;
        for task in tasks {
            panicked += usize::from(task.await.is_err());
        }
        assert_eq!(panicked, 4);
        assert_eq!(sem.available_permits(), 2);
        assert_eq!(sem.waiters(), 0);
    });
}

/// More waiters than one batch of wake-ups (32): the batch loops must finish every batch when a
/// waker panics, with cancellations and hand-offs happening between the batches.
const MANY: usize = 40;

/// Owned acquire futures in slots a waker can reach, so that a wake-up can cancel another waiter.
type Slots = Arc<Mutex<Vec<Option<Pin<Box<AcquireOwned<Semaphore>>>>>>>;

fn queue_owned(sem: &Arc<Semaphore>, slots: &Slots, wakers: impl Fn(usize) -> Waker) {
    for i in 0..MANY {
        let mut fut = Box::pin(sem.acquire_many_owned(1));
        assert!(poll(fut.as_mut(), &wakers(i)).is_pending());
        slots.lock().unwrap().push(Some(fut));
    }
}

/// Completes (and removes) every waiter in `slots` that was granted, returning their permits.
fn complete_all(slots: &Slots) -> Vec<OwnedSemaphorePermit> {
    let mut slots = slots.lock().unwrap();
    slots
        .iter_mut()
        .filter_map(|slot| {
            let Poll::Ready(permit) = poll_noop(slot.as_mut()?.as_mut()) else {
                return None;
            };
            *slot = None;
            Some(permit)
        })
        .collect()
}

/// Issue: `release_many(40)` with the first waker panicking granted 32; 8 waiters hung and 8
/// permits vanished.
#[test]
fn a_panicking_waker_does_not_abandon_the_later_batches_of_release_many() {
    let sem = Arc::new(Semaphore::new(0));
    let slots: Slots = Arc::default();
    let s2 = slots.clone();
    let extra = Arc::new(Mutex::new(None));
    let (e2, sem2) = (extra.clone(), sem.clone());
    queue_owned(&sem, &slots, |i| match i {
        0 => panicky(),
        // Between the batches: cancel a waiter of the second batch, and queue a newcomer.
        1 => {
            let (s2, sem2, e2) = (s2.clone(), sem2.clone(), e2.clone());
            hook(move || {
                s2.lock().unwrap()[36] = None;
                let mut late = Box::pin(sem2.acquire_owned());
                assert!(poll_noop(late.as_mut()).is_pending(), "a newcomer barged");
                *e2.lock().unwrap() = Some(late);
            })
        }
        _ => Waker::noop().clone(),
    });
    assert!(panics(|| sem.release_many(MANY)));
    // 39 waiters left, 40 permits: every one is granted, and the newcomer got the last one.
    let permits = complete_all(&slots);
    assert_eq!(permits.len(), MANY - 1);
    let late = extra.lock().unwrap().take().unwrap();
    let mut late = late;
    assert!(poll_noop(late.as_mut()).is_ready(), "a permit vanished");
    drop(permits);
    assert_eq!(sem.available_permits(), MANY);
    assert_eq!(sem.waiters(), 0);
    assert!(!sem.locked());
}

#[test]
fn a_panicking_waker_leaves_a_bounded_semaphore_at_its_bound() {
    let sem = Arc::new(BoundedSemaphore::new(MANY));
    sem.try_acquire_many(MANY).unwrap().forget();
    let mut waits: Vec<_> = (0..MANY).map(|_| Box::pin(sem.acquire_owned())).collect();
    for (i, w) in waits.iter_mut().enumerate() {
        let waker = if i == 0 {
            panicky()
        } else {
            Waker::noop().clone()
        };
        assert!(poll(w.as_mut(), &waker).is_pending());
    }
    assert!(panics(|| sem.release_many(MANY).unwrap()));
    for w in &mut waits {
        assert!(poll_noop(w.as_mut()).is_ready(), "a waiter hung");
    }
    waits.clear();
    assert_eq!(sem.available_permits(), MANY);
    assert!(sem.release().is_err(), "the bound moved");
}

/// Issue: `Event::set` left the second batch queued while `is_set()` was true, and a further
/// `set()` did nothing.
#[test]
fn a_panicking_waker_does_not_abandon_the_later_batches_of_event_set() {
    let event = Arc::new(Event::new());
    let mut waits: Vec<_> = (0..MANY).map(|_| Box::pin(event.wait())).collect();
    let e2 = event.clone();
    for (i, w) in waits.iter_mut().enumerate() {
        let waker = match i {
            0 => panicky(),
            // Between the batches: clear, so a newer generation must not confuse the rest.
            1 => {
                let e2 = e2.clone();
                hook(move || e2.clear())
            }
            _ => Waker::noop().clone(),
        };
        assert!(poll(w.as_mut(), &waker).is_pending());
    }
    assert!(panics(|| event.set()));
    for (i, w) in waits.iter_mut().enumerate() {
        assert!(poll_noop(w.as_mut()).is_ready(), "waiter {i} was abandoned");
    }
    assert_eq!(event.waiters(), 0);
}

#[test]
fn a_panicking_waker_does_not_abandon_the_later_batches_of_notify_all() {
    let lock = Lock::new(0);
    let cond = Condition::new();
    let mut waits: Vec<_> = (0..MANY)
        .map(|i| {
            let mut w = Box::pin(cond.wait(lock.try_acquire().unwrap()));
            let waker = if i == 0 {
                panicky()
            } else {
                Waker::noop().clone()
            };
            assert!(poll(w.as_mut(), &waker).is_pending());
            w
        })
        .collect();
    let guard = lock.try_acquire().unwrap();
    assert!(panics(|| {
        cond.notify_all(&guard);
    }));
    drop(guard);
    assert_eq!(cond.waiters(), 0, "waiters left unnotified");
    for w in &mut waits {
        let Poll::Ready(mut g) = poll_noop(w.as_mut()) else {
            panic!("a notified waiter could not take the lock")
        };
        *g += 1;
    }
    drop(waits);
    assert_eq!(*lock.try_acquire().unwrap(), MANY);
}

/// A cancelled many-permit request at the head passes its 39 permits on in two batches.
#[test]
fn a_panicking_waker_does_not_abandon_the_later_batches_of_a_cancellation() {
    let sem = Arc::new(Semaphore::new(0));
    let mut big = Box::pin(sem.acquire_many(MANY));
    assert!(poll_noop(big.as_mut()).is_pending());
    let slots: Slots = Arc::default();
    queue_owned(&sem, &slots, |i| {
        if i == 0 {
            panicky()
        } else {
            Waker::noop().clone()
        }
    });
    sem.release_many(MANY - 1);
    assert!(poll_noop(big.as_mut()).is_pending());
    assert!(panics(|| drop(big)));
    let permits = complete_all(&slots);
    assert_eq!(permits.len(), MANY - 1);
    sem.release();
    assert_eq!(complete_all(&slots).len(), 1, "the last waiter hung");
    drop(permits);
    assert_eq!(sem.available_permits(), MANY);
}

// Regressions: user code in a waker (`clone`, `wake` or `drop`) that unwinds in the middle of an
// acquisition. Each left a count wrong or permits lost before the acquisition paths committed
// their state first and gave back what an unwinding poll had taken.

#[test]
fn a_waker_panic_while_a_granted_waiter_hands_on_does_not_count_it_out_twice() {
    let sem = Semaphore::new(0);
    let mut a = Box::pin(sem.acquire());
    assert!(poll_noop(a.as_mut()).is_pending());
    sem.release(); // granted to `a`, which has not resumed
    sem.release(); // held back for `a` to hand on
    let mut b = pin!(sem.acquire());
    assert!(poll(b.as_mut(), &panicky()).is_pending());

    // `a` hands the held-back permit to `b`, whose waker panics: `a`'s poll unwinds.
    assert!(panics(|| drop(poll_noop(a.as_mut()))));
    drop(a);
    let Poll::Ready(held) = poll_noop(b.as_mut()) else {
        panic!("the permit handed on was lost");
    };
    assert_eq!(sem.waiters(), 0, "a waiter was counted out twice");
    assert_eq!(
        sem.available_permits(),
        1,
        "the unwound acquire's permit was lost"
    );

    // A granted waiter that has not resumed still holds newcomers back.
    let spare = sem.try_acquire().unwrap();
    let mut c = pin!(sem.acquire());
    assert!(poll_noop(c.as_mut()).is_pending());
    drop(spare);
    assert!(sem.try_acquire().is_none(), "a newcomer barged past `c`");
    assert!(poll_noop(c.as_mut()).is_ready());
    drop(held);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn a_bounded_head_taking_its_permits_loses_none_when_the_next_waker_panics() {
    let sem = BoundedSemaphore::with_fairness(2, aiosync::Fairness::Bounded(4));
    sem.try_acquire_many(2).unwrap().forget();
    let mut a = Box::pin(sem.acquire());
    assert!(poll_noop(a.as_mut()).is_pending());
    let mut b = pin!(sem.acquire());
    assert!(poll(b.as_mut(), &panicky()).is_pending());

    sem.release_many(2).unwrap(); // left open for the head, which is woken
    // `a` takes one and wakes `b`, whose waker panics: `a`'s poll unwinds.
    assert!(panics(|| drop(poll_noop(a.as_mut()))));
    drop(a);
    let Poll::Ready(held) = poll_noop(b.as_mut()) else {
        panic!("`b` was not served");
    };
    assert_eq!(sem.available_permits(), 1, "a permit was lost");
    drop(held);
    assert_eq!(sem.available_permits(), 2);
    assert!(sem.release().is_err(), "the bound moved");
}

#[test]
fn a_waker_whose_drop_panics_after_the_lock_was_taken_does_not_leave_it_locked() {
    let lock = Arc::new(Lock::new(()));
    let guard = Mutex::new(Some(lock.try_acquire_owned().unwrap()));
    // The clone (made before queueing) releases the lock, so the poll takes it, then drops the
    // clone it no longer needs: that drop panics.
    let (_, waker) =
        Bomb::with_clone_hook(Call::Drop, 1, move || drop(guard.lock().unwrap().take()));
    let mut acquire = Box::pin(lock.acquire());
    assert!(panics(|| drop(poll(acquire.as_mut(), &waker))));
    drop(acquire);
    assert!(
        !lock.locked(),
        "the lock taken by the unwound poll was lost"
    );
    assert!(lock.try_acquire().is_some());
}

#[test]
fn a_waker_whose_drop_panics_after_a_bounded_lock_was_taken_does_not_leave_it_locked() {
    let lock = Arc::new(Lock::with_fairness((), aiosync::Fairness::Bounded(2)));
    let guard = Mutex::new(Some(lock.try_acquire_owned().unwrap()));
    let (_, waker) =
        Bomb::with_clone_hook(Call::Drop, 1, move || drop(guard.lock().unwrap().take()));
    let mut acquire = Box::pin(lock.acquire());
    assert!(panics(|| drop(poll(acquire.as_mut(), &waker))));
    drop(acquire);
    assert!(
        !lock.locked(),
        "the lock taken by the unwound poll was lost"
    );
    assert!(lock.try_acquire().is_some());
}

#[test]
fn a_waker_whose_drop_panics_after_permits_were_taken_loses_none() {
    let sem = Arc::new(BoundedSemaphore::new(3));
    sem.try_acquire_many(3).unwrap().forget();
    let releaser = sem.clone();
    let (_, waker) = Bomb::with_clone_hook(Call::Drop, 1, move || {
        releaser.release_many(3).unwrap();
    });
    let mut acquire = Box::pin(sem.acquire_many(2).unwrap());
    assert!(panics(|| drop(poll(acquire.as_mut(), &waker))));
    drop(acquire);
    assert_eq!(
        sem.available_permits(),
        3,
        "permits taken by the unwound poll were lost"
    );
    assert!(sem.release().is_err());
}

#[test]
fn a_condition_waiter_dropped_mid_reacquire_passes_its_notification_on_when_a_waker_panics() {
    let lock = Lock::new(());
    let cond = Condition::new();
    let mut first = Box::pin(cond.wait(lock.try_acquire().unwrap()));
    assert!(poll_noop(first.as_mut()).is_pending());
    let mut second = pin!(cond.wait(lock.try_acquire().unwrap()));
    let (counter, waker) = Counter::new();
    assert!(poll(second.as_mut(), &waker).is_pending());

    // `first` is notified and queues for the lock, behind a holder; then the holder releases,
    // handing the lock to `first`, and a waiter queued behind it has a panicking waker.
    let holder = lock.try_acquire().unwrap();
    assert_eq!(cond.notify(&holder, 1), 1);
    assert!(poll_noop(first.as_mut()).is_pending());
    let mut third = pin!(lock.acquire());
    assert!(poll(third.as_mut(), &panicky()).is_pending());
    drop(holder);

    // Dropping `first` passes the lock to `third`, whose waker panics; the notification must
    // still reach `second`.
    assert!(panics(|| drop(first)));
    assert_eq!(counter.wakes(), 1, "the notification was lost");
    let Poll::Ready(g) = poll_noop(third.as_mut()) else {
        panic!("the lock was not passed on");
    };
    drop(g);
    assert!(poll_noop(second.as_mut()).is_ready());
}
