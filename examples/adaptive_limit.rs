//! An adaptive concurrency limit (AIMD, as tower's and Netflix's limiters do): a
//! `BoundedSemaphore` whose bound is the limit. Workers call a simulated service whose latency
//! rises with the number of calls in flight; after each response the limiter raises the bound by
//! one if it was fast and halves it if it was slow.
//!
//! A halving lands while permits are in use. `set_bound` takes what is available and owes the
//! rest (`deficit()`): the permits coming back repay it before anyone else is served, so the calls
//! in flight fall to the new limit without any being revoked, and none is ever admitted above it.
//!
//! No network and no runtime timer: a timer thread and futures' thread pool, so the limiter runs
//! the same on any executor. Run it with `cargo run --example adaptive_limit`.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use aiosync::BoundedSemaphore;
use futures_util::FutureExt;
use futures_util::future::join_all;

const WORKERS: usize = 32;
const RUN: Duration = Duration::from_millis(2400);
const SAMPLE: Duration = Duration::from_millis(200);
/// The service's latency: a base, plus this much per call in flight (its own queueing).
const BASE: Duration = Duration::from_millis(2);
const PER_CALL: Duration = Duration::from_millis(1);
/// A response slower than this halves the limit.
const SLOW: Duration = Duration::from_millis(12);
const MAX_LIMIT: usize = 64;

/// Sleeps for any executor: one thread wakes each sleeper at its deadline.
#[derive(Default)]
struct Timer {
    sleepers: Mutex<Vec<(Instant, Waker)>>,
    changed: Condvar,
}

impl Timer {
    fn start() -> Arc<Timer> {
        let timer = Arc::new(Timer::default());
        let t = timer.clone();
        std::thread::spawn(move || {
            let mut sleepers = t.sleepers.lock().unwrap();
            loop {
                let now = Instant::now();
                let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut *sleepers)
                    .into_iter()
                    .partition(|(at, _)| *at <= now);
                *sleepers = later;
                if !due.is_empty() {
                    drop(sleepers);
                    due.into_iter().for_each(|(_, waker)| waker.wake());
                    sleepers = t.sleepers.lock().unwrap();
                    continue;
                }
                let wait = sleepers.iter().map(|(at, _)| *at - now).min();
                sleepers = match wait {
                    Some(wait) => t.changed.wait_timeout(sleepers, wait).unwrap().0,
                    None => t.changed.wait(sleepers).unwrap(),
                };
            }
        });
        timer
    }

    fn sleep(self: &Arc<Self>, d: Duration) -> impl Future<Output = ()> + Send + use<> {
        let (timer, at) = (self.clone(), Instant::now() + d);
        std::future::poll_fn(move |cx| {
            if Instant::now() >= at {
                return Poll::Ready(());
            }
            timer
                .sleepers
                .lock()
                .unwrap()
                .push((at, cx.waker().clone()));
            timer.changed.notify_one();
            Poll::Pending
        })
    }
}

/// The service: slower the more calls it has in flight.
struct Service {
    in_flight: AtomicUsize,
    timer: Arc<Timer>,
}

impl Service {
    async fn call(&self) {
        let n = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.timer.sleep(BASE + PER_CALL * n as u32).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// AIMD over a `BoundedSemaphore`. Each decision reads and moves the bound under one lock, so
/// that concurrent responses do not undo each other's changes.
struct Limiter {
    permits: BoundedSemaphore,
    /// How many times the limit was halved. A slow response to a call sent before the last
    /// halving says nothing new (it queued behind the calls that caused it), so it halves no
    /// further: one decrease per congestion event.
    halvings: Mutex<u64>,
}

impl Limiter {
    fn new(limit: usize) -> Self {
        Limiter {
            permits: BoundedSemaphore::new(limit),
            halvings: Mutex::new(0),
        }
    }

    async fn call(&self, service: &Service) {
        let permit = self.permits.acquire().await;
        let sent = *self.halvings.lock().unwrap();
        let start = Instant::now();
        service.call().await;
        let slow = start.elapsed() >= SLOW;
        drop(permit);
        let mut halvings = self.halvings.lock().unwrap();
        let limit = self.permits.bound();
        if !slow {
            self.permits.set_bound((limit + 1).min(MAX_LIMIT));
        } else if *halvings == sent {
            // Calls in flight above the new limit keep their permits; returning, they repay
            // the deficit, and only then is anyone else admitted.
            self.permits.set_bound((limit / 2).max(1));
            *halvings += 1;
        }
    }
}

fn main() {
    let timer = Timer::start();
    let service = Arc::new(Service {
        in_flight: AtomicUsize::new(0),
        timer: timer.clone(),
    });
    let limiter = Arc::new(Limiter::new(1));
    let (stop, served) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let pool = futures_executor::ThreadPool::builder()
        .pool_size(2)
        .create()
        .unwrap();

    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (service, limiter) = (service.clone(), limiter.clone());
            let (stop, served) = (stop.clone(), served.clone());
            let (task, done) = async move {
                while !stop.load(Ordering::SeqCst) {
                    limiter.call(&service).await;
                    served.fetch_add(1, Ordering::SeqCst);
                }
            }
            .remote_handle();
            pool.spawn_ok(task);
            done
        })
        .collect();

    println!("  time   limit  in flight  owed  served");
    let start = Instant::now();
    let (mut low, mut high) = (usize::MAX, 0);
    futures_executor::block_on(async {
        while start.elapsed() < RUN {
            timer.sleep(SAMPLE).await;
            let limit = limiter.permits.bound();
            let in_flight = service.in_flight.load(Ordering::SeqCst);
            if start.elapsed() > RUN / 2 {
                (low, high) = (low.min(limit), high.max(limit));
            }
            println!(
                "{:>4} ms  {limit:>5}  {in_flight:>9}  {:>4}  {:>6}  {}",
                start.elapsed().as_millis(),
                limiter.permits.deficit(),
                served.load(Ordering::SeqCst),
                "#".repeat(limit),
            );
        }
        stop.store(true, Ordering::SeqCst);
        join_all(workers).await;
    });

    // Every permit came back and repaid whatever a last halving owed: the count is the limit.
    let permits = &limiter.permits;
    assert_eq!(permits.deficit(), 0);
    assert_eq!(permits.available_permits(), permits.bound());
    println!(
        "{} calls; in the second half the limit moved between {low} and {high}, around the {} \
         calls in flight the service answers within {} ms",
        served.load(Ordering::SeqCst),
        (SLOW - BASE).as_millis() / PER_CALL.as_millis(),
        SLOW.as_millis(),
    );
}
