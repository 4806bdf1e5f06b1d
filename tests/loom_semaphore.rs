//! Loom models of Semaphore and BoundedSemaphore: permits are conserved (never more holders than
//! permits, the count back to its start, the bound never exceeded), including when granted
//! acquires are dropped, and across resizes racing releases, cancellations and resumes.
#![cfg(loom)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

use aiosync::{BoundedSemaphore, Semaphore};
use loom::future::block_on;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::thread;

#[test]
fn never_more_holders_than_permits() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let holders = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (sem, holders) = (sem.clone(), holders.clone());
                thread::spawn(move || {
                    let permit = block_on(sem.acquire());
                    assert_eq!(holders.fetch_add(1, SeqCst), 0, "more holders than permits");
                    holders.fetch_sub(1, SeqCst);
                    drop(permit);
                })
            })
            .collect();
        let permit = block_on(sem.acquire());
        assert_eq!(holders.fetch_add(1, SeqCst), 0, "more holders than permits");
        holders.fetch_sub(1, SeqCst);
        drop(permit);
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn dropped_acquires_return_what_they_were_granted() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let sem = sem.clone();
                thread::spawn(move || {
                    // Polled once, then dropped: before, during or after a release grants it.
                    let mut acquire = pin!(sem.acquire());
                    let _ = acquire
                        .as_mut()
                        .poll(&mut Context::from_waker(Waker::noop()));
                    // A scheduling point before the drop: loom's partial-order reduction does not
                    // otherwise try a release landing between the poll and the drop.
                    thread::yield_now();
                })
            })
            .collect();
        sem.release();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 1, "a permit was lost or made up");
        assert_eq!(sem.waiters(), 0);
    });
}

#[test]
fn bounded_release_races_never_exceed_the_bound() {
    loom::model(|| {
        let sem = Arc::new(BoundedSemaphore::new(1));
        block_on(sem.acquire()).forget();
        let sem1 = sem.clone();
        let waiter = thread::spawn(move || drop(block_on(sem1.acquire())));
        let sem2 = sem.clone();
        let releaser = thread::spawn(move || sem2.release().is_ok());
        let here = sem.release().is_ok();
        let there = releaser.join().unwrap();
        assert!(here ^ there, "exactly one release fits under the bound");
        waiter.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
        assert!(sem.release().is_err());
    });
}

#[test]
fn a_dropped_partly_served_request_returns_exactly_its_share() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s = sem.clone();
        // Wants two permits; dropped after one poll, perhaps with one or both set aside for it.
        let big = thread::spawn(move || {
            let mut acquire = pin!(s.acquire_many(2));
            let _ = acquire
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
            thread::yield_now();
        });
        let s = sem.clone();
        let small = thread::spawn(move || block_on(s.acquire()).forget());
        sem.release();
        sem.release();
        big.join().unwrap();
        small.join().unwrap();
        assert_eq!(sem.available_permits(), 1, "a permit was lost or made up");
        assert_eq!(sem.waiters(), 0);
    });
}

/// asyncio's rule: a waiter granted its permit but not yet resumed still counts, so a newcomer
/// queues behind it even when a second release leaves a spare permit; the granted waiter,
/// resuming or dropped, hands the spare on. Nothing is lost and nobody hangs.
#[test]
fn a_granted_waiter_dropped_before_it_runs_hands_spare_permits_on() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s = sem.clone();
        let first = thread::spawn(move || {
            let mut acquire = pin!(s.acquire());
            let _ = acquire
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
            thread::yield_now();
            // Dropped here: granted or not.
        });
        let s = sem.clone();
        let newcomer = thread::spawn(move || drop(block_on(s.acquire())));
        sem.release();
        sem.release();
        first.join().unwrap();
        newcomer.join().unwrap();
        assert_eq!(sem.available_permits(), 2, "a permit was lost or made up");
        assert_eq!(sem.waiters(), 0);
        assert!(!sem.locked());
    });
}

/// Under loom a batch of wake-ups is 2: the third grant of `release_many(3)` comes in a second
/// batch, after the mutex was released, racing a cancellation of that very waiter.
#[test]
fn a_second_batch_races_a_cancellation() {
    loom::model(|| {
        // std's `Arc`, for `acquire_owned`; the semaphore inside is loom's all the same.
        let sem = std::sync::Arc::new(Semaphore::new(0));
        let cx = &mut Context::from_waker(Waker::noop());
        let mut waits: Vec<_> = (0..3).map(|_| Box::pin(sem.acquire_owned())).collect();
        for w in &mut waits {
            assert!(w.as_mut().poll(cx).is_pending());
        }
        let last = waits.pop().unwrap();
        let canceller = thread::spawn(move || drop(last));
        sem.release_many(3);
        canceller.join().unwrap();
        for w in &mut waits {
            assert!(w.as_mut().poll(cx).is_ready(), "a waiter was abandoned");
        }
        drop(waits);
        assert_eq!(sem.available_permits(), 3, "a permit was lost or made up");
        assert_eq!(sem.waiters(), 0);
    });
}

/// A release while a granted waiter H has not resumed holds its permit back for H to hand on;
/// W then queues behind. H's resume must see that permit, or W waits forever: the waiter count
/// H reads when it resumes must carry the permit word W saw when it queued.
#[test]
fn a_permit_held_back_for_a_granted_waiter_reaches_the_waiter_queued_behind_it() {
    use std::sync::Arc as StdArc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::task::{Poll, Wake};

    struct Flag(AtomicBool);
    impl Wake for Flag {
        fn wake(self: StdArc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    loom::model(|| {
        let sem = StdArc::new(Semaphore::new(0));
        let mut held = Box::pin(sem.acquire_owned());
        let noop = &mut Context::from_waker(Waker::noop());
        assert!(held.as_mut().poll(noop).is_pending());
        sem.release(); // granted to `held`, which has not resumed

        let flag = StdArc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || {
                sem.release(); // held back for `held` to hand on
                let mut behind = Box::pin(sem.acquire_owned());
                let first = behind.as_mut().poll(&mut Context::from_waker(&waker));
                (behind, first.is_ready())
            })
        };
        let resumer = thread::spawn(move || {
            let noop = &mut Context::from_waker(Waker::noop());
            // Kept until the end: its release would hand a permit to the waiter behind too.
            let Poll::Ready(permit) = held.as_mut().poll(noop) else {
                panic!("a granted waiter must resume");
            };
            permit
        });
        let permit = resumer.join().unwrap();
        let (mut behind, ready) = releaser.join().unwrap();
        if !ready {
            assert!(
                flag.0.load(Ordering::SeqCst),
                "the permit held back never reached the waiter behind"
            );
            let noop = &mut Context::from_waker(Waker::noop());
            assert!(matches!(behind.as_mut().poll(noop), Poll::Ready(_)));
        }
        assert_eq!(sem.waiters(), 0);
        drop(permit);
    });
}

/// Requests for no permits never wait and change nothing, while a release races them to the
/// waiter queued first.
#[test]
fn requests_for_no_permits_never_wait_and_change_nothing() {
    use std::sync::Arc as StdArc;

    loom::model(|| {
        let sem = StdArc::new(Semaphore::with_fairness(0, aiosync::Fairness::Bounded(1)));
        let mut first = Box::pin(sem.acquire_owned());
        let noop = &mut Context::from_waker(Waker::noop());
        assert!(first.as_mut().poll(noop).is_pending());
        let zero = {
            let sem = sem.clone();
            thread::spawn(move || {
                drop(block_on(sem.acquire_many(0)));
                assert!(sem.try_acquire_many(0).is_some());
                sem.release_many(0);
            })
        };
        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || sem.release())
        };
        zero.join().unwrap();
        releaser.join().unwrap();
        assert!(first.as_mut().poll(noop).is_ready(), "the release was lost");
        assert_eq!(sem.available_permits(), 1);
        assert_eq!(sem.waiters(), 0);
    });
}

/// A waker that records whether it was woken, for the resize models: a waiter that is not
/// served when the threads are done must be woken once it is.
struct Woken(std::sync::atomic::AtomicBool);

impl std::task::Wake for Woken {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

fn woken() -> (std::sync::Arc<Woken>, Waker) {
    let flag = std::sync::Arc::new(Woken(std::sync::atomic::AtomicBool::new(false)));
    (flag.clone(), Waker::from(flag))
}

/// A shrink races a release while a waiter is queued. The waiter is served only if the release
/// came first (it keeps its grant, and the shrink owes a permit); otherwise the release repays
/// the shrink's deficit and the waiter waits, to be woken by the next release. Never both: a
/// release that starts after the shrink has returned serves nobody.
#[test]
fn a_shrink_racing_a_release_never_over_grants() {
    use std::sync::Arc as StdArc;
    use std::task::Poll;

    loom::model(|| {
        let sem = StdArc::new(BoundedSemaphore::new(2));
        let released = sem.try_acquire_owned().unwrap();
        let kept = sem.try_acquire_owned().unwrap();
        let (flag, waker) = woken();
        let cx = &mut Context::from_waker(&waker);
        let mut waiter = Box::pin(sem.acquire_owned());
        assert!(waiter.as_mut().poll(cx).is_pending());

        let shrunk = Arc::new(AtomicUsize::new(0));
        let releaser = {
            let shrunk = shrunk.clone();
            thread::spawn(move || {
                let after_shrink = shrunk.load(SeqCst) == 1;
                drop(released);
                after_shrink
            })
        };
        let shrinker = {
            let sem = sem.clone();
            thread::spawn(move || {
                sem.set_bound(1);
                shrunk.store(1, SeqCst);
            })
        };
        let after_shrink = releaser.join().unwrap();
        shrinker.join().unwrap();

        let first = waiter.as_mut().poll(cx);
        assert_eq!(sem.available_permits(), 0, "over-granted");
        let permit = match first {
            Poll::Ready(permit) => {
                assert!(
                    !after_shrink,
                    "served from a release that only repaid the deficit"
                );
                assert!(flag.0.load(SeqCst));
                assert_eq!(sem.deficit(), 1, "served past a shrink that owes nothing");
                permit
            }
            Poll::Pending => {
                assert_eq!(sem.deficit(), 0);
                drop(kept);
                assert!(
                    flag.0.load(SeqCst),
                    "the release after the deficit woke nobody"
                );
                let Poll::Ready(permit) = waiter.as_mut().poll(cx) else {
                    panic!("the waiter was not served");
                };
                drop(permit);
                assert_eq!(sem.available_permits(), 1);
                return;
            }
        };
        drop((permit, kept));
        assert_eq!((sem.available_permits(), sem.deficit()), (1, 0));
        assert!(
            sem.release().is_err(),
            "the bound did not follow the shrink"
        );
    });
}

/// A shrink races the cancellation of a waiter a release may have granted, with a second
/// waiter behind it. Whatever the order, the cancelled grant repays the deficit or passes on,
/// and the waiter behind is served and woken: nothing lost, nothing made up.
#[test]
fn a_shrink_racing_a_cancellation_loses_nothing() {
    use std::sync::Arc as StdArc;
    use std::task::Poll;

    loom::model(|| {
        let sem = StdArc::new(Semaphore::new(0));
        let noop = &mut Context::from_waker(Waker::noop());
        let mut cancelled = Box::pin(sem.acquire_owned());
        assert!(cancelled.as_mut().poll(noop).is_pending());
        let (flag, waker) = woken();
        let cx = &mut Context::from_waker(&waker);
        let mut behind = Box::pin(sem.acquire_owned());
        assert!(behind.as_mut().poll(cx).is_pending());

        let canceller = thread::spawn(move || drop(cancelled));
        let shrinker = {
            let sem = sem.clone();
            thread::spawn(move || sem.reduce_permits(1))
        };
        sem.release_many(2);
        canceller.join().unwrap();
        shrinker.join().unwrap();

        assert!(flag.0.load(SeqCst), "the waiter behind was never woken");
        let Poll::Ready(permit) = behind.as_mut().poll(cx) else {
            panic!("the waiter behind was not served");
        };
        assert_eq!((sem.available_permits(), sem.deficit()), (0, 0));
        assert_eq!(sem.waiters(), 0);
        drop(permit);
        assert_eq!(sem.available_permits(), 1, "a permit was lost or made up");
    });
}

/// A shrink races the resume of a granted waiter that has a permit held back to hand on to the
/// waiter behind it. The grant is never taken back; the held-back permit goes either to the
/// shrink (the waiter behind waits) or, first, to the waiter behind (the shrink owes one).
#[test]
fn a_shrink_racing_a_granted_waiters_resume_keeps_its_grant() {
    use std::sync::Arc as StdArc;
    use std::task::Poll;

    loom::model(|| {
        let sem = StdArc::new(Semaphore::new(0));
        let noop = &mut Context::from_waker(Waker::noop());
        let mut granted = Box::pin(sem.acquire_owned());
        assert!(granted.as_mut().poll(noop).is_pending());
        sem.release(); // granted, not resumed
        sem.release(); // held back for it to hand on
        let (flag, waker) = woken();
        let cx = &mut Context::from_waker(&waker);
        let mut behind = Box::pin(sem.acquire_owned());
        assert!(behind.as_mut().poll(cx).is_pending());

        let resumer = thread::spawn(move || {
            let noop = &mut Context::from_waker(Waker::noop());
            let Poll::Ready(permit) = granted.as_mut().poll(noop) else {
                panic!("a shrink took back a grant");
            };
            permit
        });
        let shrinker = {
            let sem = sem.clone();
            thread::spawn(move || sem.reduce_permits(1))
        };
        let permit = resumer.join().unwrap();
        shrinker.join().unwrap();

        let owed = sem.deficit();
        assert_eq!(flag.0.load(SeqCst), owed == 1, "handed on past the shrink");
        drop(permit); // repays the deficit, or serves the waiter behind
        assert!(flag.0.load(SeqCst), "the waiter behind was never woken");
        let Poll::Ready(second) = behind.as_mut().poll(cx) else {
            panic!("the waiter behind was not served");
        };
        assert_eq!(
            (sem.available_permits(), sem.deficit(), sem.waiters()),
            (0, 0, 0)
        );
        drop(second);
        assert_eq!(sem.available_permits(), 1, "a permit was lost or made up");
    });
}
