//! A panic in user code (a waker, a `wait_for` predicate, a task holding a guard or a permit)
//! leaves every primitive consistent and usable. aiosync does not poison: like tokio's locks, a
//! guard dropped by unwinding simply releases.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Wake, Waker};

use aiosync::semaphore::AcquireOwned;
use aiosync::{
    Barrier, BoundedSemaphore, Condition, Event, Lock, OwnedSemaphorePermit, PriorityQueue, Queue,
    Semaphore,
};
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

// ---------------------------------------------------------------------------------------------
// Queues: user code that panics while a get or a put completes, with the queue's lock released

/// A parked get or put kept in a static, for hooks that park one while the queue is in use.
type Parked<F> = Mutex<Option<Pin<Box<F>>>>;

#[test]
fn a_put_whose_spare_waker_panics_on_drop_still_wakes_the_getter_it_fed() {
    static QUEUE: Queue<u32> = Queue::new(1);
    static GET: Parked<aiosync::queue::Get<'static, u32>> = Mutex::new(None);
    let (getter, getter_waker) = Counter::new();
    QUEUE.put_nowait(1).unwrap();
    // The put finds the queue full and clones its waker with the lock released; meanwhile the
    // item is taken and a getter parks on the empty queue. The put then adds its item for that
    // getter, and the clone it no longer needs panics when dropped.
    let (_, waker) = Bomb::with_clone_hook(Call::Drop, 1, move || {
        assert_eq!(QUEUE.get_nowait(), Ok(1));
        let mut get = Box::pin(QUEUE.get());
        assert!(poll(get.as_mut(), &getter_waker).is_pending());
        *GET.lock().unwrap() = Some(get);
    });
    let mut put = pin!(QUEUE.put(2));
    assert!(panics(|| {
        let _ = poll(put.as_mut(), &waker);
    }));
    assert_eq!(
        getter.wakes(),
        1,
        "the getter fed by the put was never woken"
    );
    let mut get = GET.lock().unwrap().take().unwrap();
    assert_eq!(poll_noop(get.as_mut()), Poll::Ready(Ok(2)));
}

#[test]
fn a_get_whose_spare_waker_panics_on_drop_still_wakes_the_putter_it_freed_a_slot_for() {
    static QUEUE: Queue<u32> = Queue::new(1);
    static PUT: Parked<aiosync::queue::Put<'static, u32>> = Mutex::new(None);
    let (putter, putter_waker) = Counter::new();
    // The get finds the queue empty and clones its waker with the lock released; meanwhile an
    // item is put and a putter parks on the full queue. The get takes the item, freeing a slot
    // for that putter, and the clone it no longer needs panics when dropped.
    let (_, waker) = Bomb::with_clone_hook(Call::Drop, 1, move || {
        QUEUE.put_nowait(1).unwrap();
        let mut put = Box::pin(QUEUE.put(2));
        assert!(poll(put.as_mut(), &putter_waker).is_pending());
        *PUT.lock().unwrap() = Some(put);
    });
    let mut get = pin!(QUEUE.get());
    assert!(panics(|| {
        let _ = poll(get.as_mut(), &waker);
    }));
    // The item went back, and the putter was woken: it finds the queue full, and parks again
    // at the front, until the item is taken.
    assert_eq!(putter.wakes(), 1, "the putter was never woken");
    let mut put = PUT.lock().unwrap().take().unwrap();
    assert!(poll_noop(put.as_mut()).is_pending());
    assert_eq!(QUEUE.get_nowait(), Ok(1));
    assert_eq!(poll_noop(put.as_mut()), Poll::Ready(Ok(())));
    assert_eq!(QUEUE.get_nowait(), Ok(2));
}

#[test]
fn an_item_given_back_after_a_putter_waker_panics_wakes_a_getter_that_parked_meanwhile() {
    static QUEUE: Queue<u32> = Queue::new(1);
    static GET: Parked<aiosync::queue::Get<'static, u32>> = Mutex::new(None);
    static GETTER: Mutex<Option<Arc<Counter>>> = Mutex::new(None);
    QUEUE.put_nowait(1).unwrap();
    let mut put = pin!(QUEUE.put(2));
    // The putter's waker parks a getter on the queue its get just emptied, then panics.
    let putter_waker = hook(|| {
        let (getter, waker) = Counter::new();
        let mut get = Box::pin(QUEUE.get());
        assert!(poll(get.as_mut(), &waker).is_pending());
        *GET.lock().unwrap() = Some(get);
        *GETTER.lock().unwrap() = Some(getter);
        panic!("waker panicked");
    });
    assert!(poll(put.as_mut(), &putter_waker).is_pending());
    assert!(panics(|| {
        let _ = QUEUE.get_nowait();
    }));
    // The item is back, and the getter that parked while it was out hears of it.
    assert_eq!(GETTER.lock().unwrap().as_ref().unwrap().wakes(), 1);
    let mut get = GET.lock().unwrap().take().unwrap();
    assert_eq!(poll_noop(get.as_mut()), Poll::Ready(Ok(1)));
    assert_eq!(poll_noop(put.as_mut()), Poll::Ready(Ok(())));
}

#[test]
fn an_item_given_back_over_a_slot_refilled_meanwhile_is_kept() {
    static QUEUE: Queue<u32> = Queue::new(1);
    QUEUE.put_nowait(1).unwrap();
    let mut put = pin!(QUEUE.put(2));
    // The putter's waker fills the slot the get just freed, then panics.
    let putter_waker = hook(|| {
        QUEUE.put_nowait(9).unwrap();
        panic!("waker panicked");
    });
    assert!(poll(put.as_mut(), &putter_waker).is_pending());
    assert!(panics(|| {
        let _ = QUEUE.get_nowait();
    }));
    // Nothing is lost: the item is back first in line, one over `maxsize` until taken.
    assert_eq!(QUEUE.qsize(), 2);
    assert_eq!(QUEUE.get_nowait(), Ok(1));
    assert_eq!(QUEUE.get_nowait(), Ok(9));
    assert_eq!(poll_noop(put.as_mut()), Poll::Ready(Ok(())));
}

/// A priority item whose `Ord` panics once `CMP_PANICS` is set, and whose `Drop` records
/// whether the queue's lock was held.
#[derive(PartialEq, Eq, Debug)]
struct Fragile(u32);

static FRAGILE: PriorityQueue<Fragile> = PriorityQueue::new(2);
static CMP_PANICS: AtomicBool = AtomicBool::new(false);
static DROPPED_UNDER_LOCK: AtomicBool = AtomicBool::new(false);

impl PartialOrd for Fragile {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Fragile {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        assert!(!CMP_PANICS.load(SeqCst), "Ord panicked");
        self.0.cmp(&other.0)
    }
}
impl Drop for Fragile {
    fn drop(&mut self) {
        if CMP_PANICS.load(SeqCst) {
            // Another thread asks for the size: it waits if this drop runs under the lock.
            let (done, asked) = std::sync::mpsc::channel();
            let asker = std::thread::spawn(move || done.send(FRAGILE.qsize()));
            let waited = asked
                .recv_timeout(std::time::Duration::from_secs(5))
                .is_err();
            DROPPED_UNDER_LOCK.store(waited, SeqCst);
            if !waited {
                asker.join().unwrap().unwrap();
            }
        }
    }
}

#[test]
fn a_priority_item_whose_ord_panics_while_given_back_is_dropped_outside_the_lock() {
    FRAGILE.put_nowait(Fragile(1)).unwrap();
    FRAGILE.put_nowait(Fragile(2)).unwrap();
    let mut put = pin!(FRAGILE.put(Fragile(3)));
    // The putter's waker makes `Ord` panic from then on, then panics itself: giving the item
    // back runs `Ord` and fails, so the item is dropped.
    let putter_waker = hook(|| {
        CMP_PANICS.store(true, SeqCst);
        panic!("waker panicked");
    });
    assert!(poll(put.as_mut(), &putter_waker).is_pending());
    assert!(panics(|| {
        let _ = FRAGILE.get_nowait();
    }));
    assert!(
        !DROPPED_UNDER_LOCK.load(SeqCst),
        "the item was dropped under the queue's lock"
    );
    CMP_PANICS.store(false, SeqCst);
    assert_eq!(FRAGILE.qsize(), 1);
    assert_eq!(poll_noop(put.as_mut()), Poll::Ready(Ok(())));
}

#[test]
fn shutdown_immediate_drops_the_items_before_a_waker_panic_goes_on() {
    /// Panics when dropped, if told to.
    struct Boom(bool);
    impl Drop for Boom {
        fn drop(&mut self) {
            assert!(!self.0, "item dropped");
        }
    }
    let queue = Queue::new(1);
    queue.put_nowait(Boom(true)).unwrap();
    let mut put = pin!(queue.put(Boom(false)));
    assert!(poll(put.as_mut(), &panicky()).is_pending());
    // Both the putter's waker and the dropped item panic: had the item been dropped while the
    // waker's panic unwound, the process would have aborted.
    let panic = catch_unwind(AssertUnwindSafe(|| queue.shutdown_immediate())).unwrap_err();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"item dropped"));
    assert!(queue.is_shutdown() && queue.empty());
}

// ---------------------------------------------------------------------------------------------
// Two faulty wakers in one call: one panics in `wake`, and a waker the call no longer needs
// panics in `drop`. The first panic goes on; the second must not abort the process.

#[test]
fn a_cancelled_semaphore_waker_panicking_on_drop_after_a_wake_panic_does_not_abort() {
    let sem = Semaphore::new(0);
    let (_, drop_panics) = Bomb::new(Call::Drop, 1);
    let (_, wake_panics) = Bomb::new(Call::Wake, 1);
    let mut first = Box::pin(sem.acquire_many(2));
    assert!(poll(first.as_mut(), &drop_panics).is_pending());
    let mut second = pin!(sem.acquire());
    assert!(poll(second.as_mut(), &wake_panics).is_pending());
    sem.release(); // assigned to `first`, which still needs one more
    // Dropping `first` passes its permit on to `second`, whose waker panics in `wake`; then
    // `first`'s own waker panics in `drop`.
    assert!(panics(|| drop(first)));
    assert!(poll_noop(second.as_mut()).is_ready());
}

#[test]
fn a_bounded_semaphore_head_whose_spare_waker_panics_after_a_wake_panic_does_not_abort() {
    let sem = Arc::new(Semaphore::with_fairness(0, aiosync::Fairness::Bounded(1)));
    let mut first = pin!(sem.acquire());
    assert!(poll_noop(first.as_mut()).is_pending());
    let (_, wake_panics) = Bomb::new(Call::Wake, 1);
    let mut second = pin!(sem.acquire());
    assert!(poll(second.as_mut(), &wake_panics).is_pending());
    // `first` polls again: its clone releases two permits, so it takes one and opens the other
    // to `second`, whose waker panics in `wake`; then the clone it no longer needs panics in
    // `drop`.
    let releaser = sem.clone();
    let (_, drop_panics) = Bomb::with_clone_hook(Call::Drop, 1, move || releaser.release_many(2));
    assert!(panics(|| {
        let _ = poll(first.as_mut(), &drop_panics);
    }));
    // `first` gave its permit back as its poll unwound; `second` takes one of the two.
    assert_eq!(sem.available_permits(), 2);
    let Poll::Ready(permit) = poll_noop(second.as_mut()) else {
        panic!("`second` was not woken")
    };
    assert_eq!(sem.available_permits(), 1);
    drop(permit);
}

#[test]
fn a_barrier_leader_whose_waker_panics_on_drop_after_a_wake_panic_does_not_abort() {
    let barrier = Barrier::new(2);
    let (_, wake_panics) = Bomb::new(Call::Wake, 1);
    let (_, drop_panics) = Bomb::new(Call::Drop, 1);
    let mut first = pin!(barrier.wait());
    assert!(poll(first.as_mut(), &wake_panics).is_pending());
    // The leader trips the barrier, waking `first`, whose waker panics; then the leader's own
    // clone, not needed, panics in `drop`.
    let mut leader = pin!(barrier.wait());
    assert!(panics(|| {
        let _ = poll(leader.as_mut(), &drop_panics);
    }));
    assert!(poll_noop(first.as_mut()).is_ready());
}

#[test]
fn a_put_whose_spare_waker_panics_after_the_getter_s_wake_panic_does_not_abort() {
    static QUEUE: Queue<u32> = Queue::new(1);
    static GET: Parked<aiosync::queue::Get<'static, u32>> = Mutex::new(None);
    QUEUE.put_nowait(1).unwrap();
    // As in the test above, but the getter's waker panics in `wake` too.
    let (_, drop_panics) = Bomb::with_clone_hook(Call::Drop, 1, move || {
        assert_eq!(QUEUE.get_nowait(), Ok(1));
        let mut get = Box::pin(QUEUE.get());
        assert!(poll(get.as_mut(), &panicky()).is_pending());
        *GET.lock().unwrap() = Some(get);
    });
    let mut put = pin!(QUEUE.put(2));
    assert!(panics(|| {
        let _ = poll(put.as_mut(), &drop_panics);
    }));
    let mut get = GET.lock().unwrap().take().unwrap();
    assert_eq!(poll_noop(get.as_mut()), Poll::Ready(Ok(2)));
}
