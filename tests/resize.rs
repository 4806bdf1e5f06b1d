//! Resizing the semaphores: `reduce_permits`, `drain_permits` and `set_bound`, with the deficit a
//! shrink leaves. Polled by hand, so every order is exact: released permits repay the deficit
//! before any waiter is served, held and granted permits are never taken back, growth serves the
//! waiters FIFO, and the bound follows the resize.

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use aiosync::{AnySemaphore, BoundedSemaphore, Fairness, Semaphore};
use common::{Counter, poll, poll_noop};

#[test]
fn a_shrink_below_the_permits_in_use_is_repaid_before_waiters_are_served() {
    let sem = Semaphore::new(3);
    let held: Vec<_> = (0..3).map(|_| sem.try_acquire().unwrap()).collect();
    let (wakes, waker) = Counter::new();
    let mut a = pin!(sem.acquire());
    let mut b = pin!(sem.acquire());
    assert!(poll(a.as_mut(), &waker).is_pending());
    assert!(poll(b.as_mut(), &waker).is_pending());

    sem.reduce_permits(2);
    assert_eq!((sem.available_permits(), sem.deficit()), (0, 2));
    assert!(sem.locked());

    let mut held = held.into_iter();
    drop(held.next());
    assert_eq!(sem.deficit(), 1);
    drop(held.next());
    assert_eq!(sem.deficit(), 0);
    assert_eq!(
        wakes.wakes(),
        0,
        "a waiter was served while the deficit was owed"
    );
    assert!(poll(a.as_mut(), &waker).is_pending());

    drop(held.next()); // the first permit past the deficit goes to the oldest waiter
    assert_eq!(wakes.wakes(), 1);
    assert!(poll(b.as_mut(), &waker).is_pending());
    let Poll::Ready(pa) = poll(a.as_mut(), &waker) else {
        panic!("the oldest waiter was not served first")
    };
    drop(pa);
    let Poll::Ready(pb) = poll(b.as_mut(), &waker) else {
        panic!("the next waiter was not served")
    };
    assert_eq!((sem.available_permits(), sem.deficit()), (0, 0));
    drop(pb);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn a_shrink_takes_the_available_permits_first() {
    let sem = Semaphore::new(5);
    let two = sem.try_acquire_many(2).unwrap();
    sem.reduce_permits(2);
    assert_eq!((sem.available_permits(), sem.deficit()), (1, 0));
    sem.reduce_permits(3); // one available, two owed
    assert_eq!((sem.available_permits(), sem.deficit()), (0, 2));
    assert!(sem.try_acquire().is_none());
    drop(two);
    assert_eq!((sem.available_permits(), sem.deficit()), (0, 0));
    sem.release(); // past the deficit, a release adds as before
    assert_eq!(sem.available_permits(), 1);
    assert!(sem.try_acquire().is_some());
}

#[test]
fn forgotten_permits_released_later_repay_the_deficit_too() {
    // asyncio's manual style: acquire, and release later.
    let sem = Semaphore::new(2);
    sem.try_acquire_many(2).unwrap().forget();
    sem.reduce_permits(1);
    assert_eq!(sem.deficit(), 1);
    sem.release();
    assert_eq!((sem.available_permits(), sem.deficit()), (0, 0));
    sem.release();
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn growth_serves_a_queue_of_mixed_requests_in_fifo_order_head_of_line() {
    let sem = BoundedSemaphore::new(4);
    let held = sem.try_acquire_many(4).unwrap();
    let (wakes, waker) = Counter::new();
    let mut two = pin!(sem.acquire_many(2).unwrap());
    let mut one = pin!(sem.acquire_many(1).unwrap());
    let mut three = pin!(sem.acquire_many(3).unwrap());
    let mut last = pin!(sem.acquire_many(1).unwrap());
    assert!(poll(two.as_mut(), &waker).is_pending());
    assert!(poll(one.as_mut(), &waker).is_pending());
    assert!(poll(three.as_mut(), &waker).is_pending());
    assert!(poll(last.as_mut(), &waker).is_pending());

    sem.set_bound(5); // one permit: set aside for the request of two, which holds back the rest
    assert_eq!((sem.bound(), wakes.wakes()), (5, 0));
    assert!(poll(one.as_mut(), &waker).is_pending());

    sem.set_bound(8); // three: completes two and one, and sets one aside for three
    assert_eq!(wakes.wakes(), 2);
    assert_eq!(sem.available_permits(), 0);
    assert!(
        poll(last.as_mut(), &waker).is_pending(),
        "served out of turn"
    );
    let Poll::Ready(p2) = poll(two.as_mut(), &waker) else {
        panic!("the oldest request was not served")
    };
    let Poll::Ready(p1) = poll(one.as_mut(), &waker) else {
        panic!("the second request was not served")
    };
    assert_eq!((p2.num_permits(), p1.num_permits()), (2, 1));

    drop(held); // four: two complete three, one to last, one left
    assert_eq!(sem.available_permits(), 1);
    let (Poll::Ready(p3), Poll::Ready(p4)) =
        (poll(three.as_mut(), &waker), poll(last.as_mut(), &waker))
    else {
        panic!("the last two requests were not served")
    };
    drop((p1, p2, p3, p4));
    assert_eq!(sem.available_permits(), 8);
}

#[test]
fn growth_repays_the_deficit_before_serving_anyone() {
    let sem = BoundedSemaphore::new(3);
    let held = sem.try_acquire_many(3).unwrap();
    let (wakes, waker) = Counter::new();
    let mut waiter = pin!(sem.acquire());
    assert!(poll(waiter.as_mut(), &waker).is_pending());
    sem.set_bound(1);
    assert_eq!(sem.deficit(), 2);
    sem.set_bound(2); // repays one of the two owed
    assert_eq!((sem.deficit(), wakes.wakes()), (1, 0));
    sem.set_bound(4); // repays the other, and serves the waiter with the next
    assert_eq!((sem.deficit(), wakes.wakes()), (0, 1));
    assert_eq!(sem.available_permits(), 0);
    let Poll::Ready(permit) = poll(waiter.as_mut(), &waker) else {
        panic!("the waiter was not served")
    };
    drop((permit, held));
    assert_eq!(sem.available_permits(), 4);
    assert!(sem.release().is_err());
}

#[test]
fn a_granted_waiter_that_has_not_resumed_keeps_its_grant() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let (wakes, waker) = Counter::new();
    let mut granted = pin!(sem.acquire());
    assert!(poll(granted.as_mut(), &waker).is_pending());
    drop(held); // granted, not resumed
    assert_eq!(wakes.wakes(), 1);
    sem.release(); // held back in the count for the granted waiter to hand on
    assert_eq!(sem.available_permits(), 1);
    let mut behind = pin!(sem.acquire());
    assert!(poll(behind.as_mut(), &waker).is_pending());

    sem.reduce_permits(2); // takes the held-back permit, owes one: the grant stays
    assert_eq!((sem.available_permits(), sem.deficit()), (0, 1));
    assert_eq!(sem.waiters(), 2);
    let Poll::Ready(permit) = poll(granted.as_mut(), &waker) else {
        panic!("a shrink took back a grant")
    };
    assert_eq!(wakes.wakes(), 1, "nothing to hand on");
    drop(permit); // repays the deficit
    assert_eq!(sem.deficit(), 0);
    assert!(poll(behind.as_mut(), &waker).is_pending());
    sem.release();
    assert!(poll(behind.as_mut(), &waker).is_ready());
}

#[test]
fn a_granted_waiter_dropped_before_it_resumes_repays_the_deficit() {
    let sem = Semaphore::new(0);
    let (wakes, waker) = Counter::new();
    let mut granted = Box::pin(sem.acquire());
    let mut behind = pin!(sem.acquire());
    assert!(poll(granted.as_mut(), &waker).is_pending());
    assert!(poll(behind.as_mut(), &waker).is_pending());
    sem.release();
    sem.reduce_permits(1);
    assert_eq!(sem.deficit(), 1);
    drop(granted); // its permit goes to the deficit, not to the waiter behind
    assert_eq!((sem.deficit(), wakes.wakes()), (0, 1));
    assert!(poll(behind.as_mut(), &waker).is_pending());
    assert_eq!(sem.waiters(), 1);
}

#[test]
fn a_dropped_partly_served_request_repays_the_deficit_with_its_share() {
    let sem = Semaphore::new(0);
    let mut big = Box::pin(sem.acquire_many(3));
    assert!(poll_noop(big.as_mut()).is_pending());
    sem.release_many(2); // set aside for the request, which still needs one
    sem.reduce_permits(3); // nothing available: all three owed
    assert_eq!(sem.deficit(), 3);
    drop(big);
    assert_eq!((sem.available_permits(), sem.deficit()), (0, 1));
}

#[test]
fn set_bound_down_then_an_over_release_is_refused() {
    let sem = BoundedSemaphore::new(3);
    let held = sem.try_acquire_many(3).unwrap();
    sem.set_bound(1);
    assert_eq!((sem.bound(), sem.deficit()), (1, 2));
    assert_eq!(
        sem.release().unwrap_err().bound(),
        1,
        "nothing was forgotten"
    );
    drop(held);
    assert_eq!((sem.available_permits(), sem.deficit()), (1, 0));
    let err = sem.release().unwrap_err();
    assert_eq!(err.bound(), 1);
    assert_eq!(sem.available_permits(), 1);
    assert!(sem.acquire_many(2).is_err(), "above the current bound");
}

#[test]
fn set_bound_counts_forgotten_permits_as_still_out() {
    let sem = BoundedSemaphore::new(3);
    sem.try_acquire().unwrap().forget();
    sem.set_bound(1); // takes the two available; the forgotten one may still come back
    assert_eq!((sem.available_permits(), sem.deficit()), (0, 0));
    sem.release().unwrap();
    assert_eq!(sem.available_permits(), 1);
    assert!(sem.release().is_err());

    sem.try_acquire().unwrap().forget();
    sem.set_bound(0); // nothing available: the forgotten permit is owed
    assert_eq!(sem.deficit(), 1);
    sem.release().unwrap(); // repays it
    assert_eq!((sem.available_permits(), sem.deficit()), (0, 0));
    assert!(sem.release().is_err());
}

#[test]
fn set_bound_zero_makes_every_acquire_wait_until_it_grows() {
    let sem = BoundedSemaphore::new(2);
    sem.set_bound(0);
    assert_eq!((sem.available_permits(), sem.deficit()), (0, 0));
    assert!(sem.locked());
    assert!(sem.try_acquire().is_none());
    let (wakes, waker) = Counter::new();
    let mut waiter = pin!(sem.acquire());
    assert!(poll(waiter.as_mut(), &waker).is_pending());
    assert!(sem.release().is_err());
    sem.set_bound(1);
    assert_eq!(wakes.wakes(), 1);
    assert!(poll(waiter.as_mut(), &waker).is_ready());
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn set_bound_to_the_same_bound_changes_nothing() {
    let sem = BoundedSemaphore::with_fairness(2, Fairness::Bounded(1));
    let held = sem.try_acquire().unwrap();
    sem.set_bound(2);
    assert_eq!(
        (sem.bound(), sem.available_permits(), sem.deficit()),
        (2, 1, 0)
    );
    drop(held);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn a_resize_under_bounded_fairness_keeps_the_bypass_bound() {
    let sem = BoundedSemaphore::with_fairness(1, Fairness::Bounded(1));
    let held = sem.try_acquire().unwrap();
    let (wakes, waker) = Counter::new();
    let mut oldest = pin!(sem.acquire());
    assert!(poll(oldest.as_mut(), &waker).is_pending());

    sem.set_bound(2); // left open, and the oldest waiter woken to take it
    assert_eq!((sem.available_permits(), wakes.wakes()), (1, 1));
    let bypass = sem.try_acquire().expect("one bypass is allowed");
    assert!(poll(oldest.as_mut(), &waker).is_pending());

    sem.set_bound(3); // the oldest waiter has been bypassed once: handed to it directly
    assert_eq!(sem.available_permits(), 0);
    assert!(sem.try_acquire().is_none(), "a second bypass");
    sem.set_bound(2); // the grant stays; one is owed
    assert_eq!(sem.deficit(), 1);
    let Poll::Ready(granted) = poll(oldest.as_mut(), &waker) else {
        panic!("the oldest waiter lost its grant")
    };
    drop((granted, bypass, held));
    assert_eq!((sem.available_permits(), sem.deficit()), (2, 0));
}

#[test]
fn a_shrink_takes_permits_left_open_under_bounded_fairness() {
    let sem = Semaphore::with_fairness(0, Fairness::Bounded(2));
    let (wakes, waker) = Counter::new();
    let mut oldest = pin!(sem.acquire());
    assert!(poll(oldest.as_mut(), &waker).is_pending());
    sem.release(); // left open; the oldest waiter is woken to take it
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(sem.drain_permits(), 1);
    assert!(
        poll(oldest.as_mut(), &waker).is_pending(),
        "nothing left to take"
    );
    sem.reduce_permits(1);
    sem.release(); // repays the deficit: nothing open, nobody woken
    assert_eq!((sem.available_permits(), wakes.wakes()), (0, 1));
    sem.release();
    assert_eq!(wakes.wakes(), 2, "the waiter polled again must be woken");
    assert!(poll(oldest.as_mut(), &waker).is_ready());
}

#[test]
fn drain_takes_only_what_is_available() {
    let sem = Semaphore::new(4);
    let one = sem.try_acquire().unwrap();
    assert_eq!(sem.drain_permits(), 3);
    assert_eq!(sem.drain_permits(), 0);
    sem.reduce_permits(1);
    assert_eq!(sem.drain_permits(), 0, "a deficit is not permits");
    drop(one);
    assert_eq!((sem.available_permits(), sem.deficit()), (0, 0));
    sem.release_many(2);
    assert_eq!(sem.drain_permits(), 2);
}

#[test]
fn a_shrink_and_a_drain_reopen_room_under_max_permits() {
    let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    assert_eq!(sem.drain_permits(), Semaphore::MAX_PERMITS);
    sem.release_many(Semaphore::MAX_PERMITS);
    sem.reduce_permits(Semaphore::MAX_PERMITS);
    assert_eq!(sem.available_permits(), 0);
    sem.release_many(1);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn a_deficit_above_max_permits_panics_before_changing_anything() {
    let sem = Semaphore::new(1);
    let permit = sem.try_acquire().unwrap();
    sem.reduce_permits(Semaphore::MAX_PERMITS);
    let err = std::panic::catch_unwind(|| sem.reduce_permits(1));
    assert!(err.is_err());
    assert_eq!(sem.deficit(), Semaphore::MAX_PERMITS);
    drop(permit);
    assert_eq!(sem.deficit(), Semaphore::MAX_PERMITS - 1);
    assert!(std::panic::catch_unwind(|| Semaphore::new(0).reduce_permits(usize::MAX)).is_err());
}

#[test]
#[should_panic(expected = "MAX_PERMITS")]
fn set_bound_above_max_permits_panics() {
    BoundedSemaphore::new(1).set_bound(BoundedSemaphore::MAX_PERMITS + 1);
}

#[test]
fn reducing_by_zero_changes_nothing() {
    let sem = Semaphore::new(1);
    sem.reduce_permits(0);
    assert_eq!((sem.available_permits(), sem.deficit()), (1, 0));
}

#[test]
fn deficit_through_any_semaphore_and_debug() {
    fn owed<S: AnySemaphore>(sem: &S) -> usize {
        sem.deficit()
    }
    let sem = Semaphore::new(0);
    let bounded = BoundedSemaphore::new(1);
    let held = bounded.try_acquire().unwrap();
    sem.reduce_permits(2);
    bounded.set_bound(0);
    assert_eq!((owed(&sem), owed(&bounded)), (2, 1));
    assert!(format!("{sem:?}").contains("deficit: 2"), "{sem:?}");
    assert!(format!("{bounded:?}").contains("deficit: 1"), "{bounded:?}");
    drop(held);
    assert!(!format!("{bounded:?}").contains("deficit"), "{bounded:?}");
}

#[test]
fn owned_permits_repay_the_deficit_from_another_thread() {
    let sem = Arc::new(BoundedSemaphore::new(2));
    let permits: Vec<_> = (0..2).map(|_| sem.try_acquire_owned().unwrap()).collect();
    sem.set_bound(1);
    std::thread::spawn(move || drop(permits)).join().unwrap();
    assert_eq!((sem.available_permits(), sem.deficit()), (1, 0));
}
