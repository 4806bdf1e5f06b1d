//! Randomized stress with cancellation: many tasks on a multi-thread runtime run random operations
//! on all five primitives, abandoning waits at random (timeouts, `select!`, dropping after one
//! poll), while the invariants are checked all along and at the end.
//!
//! The operation plan comes from a seed, printed on failure. Environment:
//! - `AIOSYNC_STRESS_SEED=N` replays one round with seed `N` (the thread interleaving still varies);
//! - `AIOSYNC_STRESS_SECS=S` keeps running new rounds for `S` seconds (default: a few rounds).

mod common;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use aiosync::{BoundedSemaphore, Condition, Event, Fairness, Lock, Semaphore};
use common::{poll_noop, scaled, yield_now};

const TASKS: usize = 16;
const SEM_PERMITS: usize = 3;
const BOUND: usize = 2;

/// SplitMix64: small, good enough, and reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Shared {
    lock: Lock<usize>,
    in_lock: AtomicUsize,
    sem: Semaphore,
    sem_holders: AtomicUsize,
    bounded: BoundedSemaphore,
    bounded_holders: AtomicUsize,
    event: Event,
    /// Tokens: produced by the driver, consumed by tasks waiting on `not_empty`.
    tokens: Lock<usize>,
    not_empty: Condition,
    consumed: AtomicUsize,
}

/// How a wait is run: to completion, or abandoned in one of the ways real code abandons it.
#[derive(Clone, Copy, Debug)]
enum Cancel {
    Never,
    Timeout(u64),
    SelectYields(u32),
    AfterOnePoll,
}

impl Cancel {
    fn pick(rng: &mut Rng) -> Cancel {
        match rng.below(4) {
            0 => Cancel::Never,
            1 => Cancel::Timeout(rng.below(200)),
            2 => Cancel::SelectYields(rng.below(4) as u32),
            _ => Cancel::AfterOnePoll,
        }
    }

    /// Runs `fut`, returning `None` if it was abandoned before completing.
    async fn run<F: Future>(self, fut: F) -> Option<F::Output> {
        match self {
            Cancel::Never => Some(fut.await),
            Cancel::Timeout(micros) => tokio::time::timeout(Duration::from_micros(micros), fut)
                .await
                .ok(),
            Cancel::SelectYields(n) => tokio::select! {
                out = fut => Some(out),
                () = async { for _ in 0..n { yield_now().await } } => None,
            },
            Cancel::AfterOnePoll => {
                let mut fut = pin!(fut);
                poll_noop(fut.as_mut()).map(Some).ready_or(None)
            }
        }
    }
}

trait ReadyOr<T> {
    fn ready_or(self, default: T) -> T;
}

impl<T> ReadyOr<T> for std::task::Poll<T> {
    fn ready_or(self, default: T) -> T {
        match self {
            std::task::Poll::Ready(t) => t,
            std::task::Poll::Pending => default,
        }
    }
}

async fn worker(shared: Arc<Shared>, mut rng: Rng, ops: usize) {
    let s = &*shared;
    for _ in 0..ops {
        let cancel = Cancel::pick(&mut rng);
        let hold = rng.below(3);
        match rng.below(8) {
            0 | 1 => {
                if let Some(mut guard) = cancel.run(s.lock.acquire()).await {
                    assert_eq!(s.in_lock.fetch_add(1, SeqCst), 0, "two holders of the lock");
                    for _ in 0..hold {
                        yield_now().await;
                    }
                    *guard += 1;
                    s.in_lock.fetch_sub(1, SeqCst);
                }
            }
            2 => {
                if let Some(_permit) = cancel.run(s.sem.acquire()).await {
                    let held = s.sem_holders.fetch_add(1, SeqCst) + 1;
                    assert!(
                        held <= SEM_PERMITS,
                        "{held} holders of {SEM_PERMITS} permits"
                    );
                    for _ in 0..hold {
                        yield_now().await;
                    }
                    s.sem_holders.fetch_sub(1, SeqCst);
                }
            }
            3 => {
                if let Some(permit) = cancel.run(s.bounded.acquire()).await {
                    let held = s.bounded_holders.fetch_add(1, SeqCst) + 1;
                    assert!(held <= BOUND, "{held} holders of a bound of {BOUND}");
                    assert!(s.bounded.available_permits() < BOUND, "bound exceeded");
                    yield_now().await;
                    s.bounded_holders.fetch_sub(1, SeqCst);
                    if hold == 0 {
                        // asyncio style: give the permit up by hand.
                        permit.forget();
                        s.bounded.release().expect("releasing a forgotten permit");
                    }
                }
            }
            4 => {
                if rng.below(2) == 0 {
                    s.event.set();
                } else {
                    s.event.clear();
                }
            }
            5 => {
                cancel.run(s.event.wait()).await;
            }
            _ => {
                let guard = match cancel.run(s.tokens.acquire()).await {
                    Some(guard) => guard,
                    None => continue,
                };
                let wait = s.not_empty.wait_for(guard, |tokens| *tokens > 0);
                if let Some(mut guard) = cancel.run(wait).await {
                    *guard -= 1;
                    s.consumed.fetch_add(1, SeqCst);
                }
            }
        }
    }
}

fn round(seed: u64, ops: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    // Half the rounds run the Lock and the semaphores under the bounded-bypass policy, with a
    // small bound so that forced hand-offs are frequent.
    let fairness = match seed % 2 {
        0 => Fairness::Fifo,
        _ => Fairness::Bounded(1 + (seed / 2 % 3) as u32),
    };
    let shared = Arc::new(Shared {
        lock: Lock::with_fairness(0, fairness),
        in_lock: AtomicUsize::new(0),
        sem: Semaphore::with_fairness(SEM_PERMITS, fairness),
        sem_holders: AtomicUsize::new(0),
        bounded: BoundedSemaphore::with_fairness(BOUND, fairness),
        bounded_holders: AtomicUsize::new(0),
        event: Event::new(),
        tokens: Lock::with_fairness(0, fairness),
        not_empty: Condition::new(),
        consumed: AtomicUsize::new(0),
    });
    let mut rng = Rng(seed);
    rt.block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| tokio::spawn(worker(shared.clone(), Rng(rng.next()), ops)))
            .collect();
        // Produce a token now and then, and set the event, until every worker is done; a
        // consumer or event waiter that never finishes is a lost wake-up, caught by the watchdog.
        let mut produced = 0;
        while !tasks.iter().all(|t| t.is_finished()) {
            let mut tokens = shared.tokens.acquire().await;
            *tokens += 1;
            produced += 1;
            shared.not_empty.notify(&tokens, 1);
            drop(tokens);
            if rng.below(8) == 0 {
                shared.event.set();
            }
            tokio::time::sleep(Duration::from_micros(rng.below(50))).await;
        }
        for task in tasks {
            task.await.expect("worker panicked");
        }
        let s = &*shared;
        assert!(!s.lock.locked() && s.lock.waiters() == 0);
        assert_eq!(s.sem.available_permits(), SEM_PERMITS);
        assert_eq!(s.sem.waiters(), 0);
        assert_eq!(s.bounded.available_permits(), BOUND);
        assert!(s.bounded.release().is_err(), "bound exceeded");
        assert_eq!(s.event.waiters(), 0);
        assert_eq!(s.not_empty.waiters(), 0);
        let tokens = *s.tokens.try_acquire().expect("tokens lock left held");
        assert_eq!(tokens + s.consumed.load(SeqCst), produced, "tokens lost");
    });
}

/// Runs `round(seed)` under the watchdog, naming the seed if it hangs or fails.
fn round_with_watchdog(seed: u64, ops: usize) {
    common::with_watchdog(
        &format!("stress round with AIOSYNC_STRESS_SEED={seed}"),
        || {
            if let Err(panic) = std::panic::catch_unwind(|| round(seed, ops)) {
                eprintln!("stress round failed; replay with AIOSYNC_STRESS_SEED={seed}");
                std::panic::resume_unwind(panic);
            }
        },
    );
}

#[test]
fn random_operations_with_cancellation_keep_every_invariant() {
    let ops = scaled(300);
    if let Ok(seed) = std::env::var("AIOSYNC_STRESS_SEED") {
        round_with_watchdog(seed.parse().expect("AIOSYNC_STRESS_SEED is a number"), ops);
        return;
    }
    let budget = std::env::var("AIOSYNC_STRESS_SECS")
        .map(|s| Duration::from_secs(s.parse().expect("AIOSYNC_STRESS_SECS is a number")));
    let start = Instant::now();
    // A fresh seed per run (the OS's randomness, which Miri can also provide).
    let mut seeds = Rng(std::hash::BuildHasher::hash_one(
        &std::hash::RandomState::new(),
        0,
    ));
    let mut rounds = 0;
    loop {
        round_with_watchdog(seeds.next(), ops);
        rounds += 1;
        let more = match budget {
            Ok(budget) => start.elapsed() < budget,
            Err(_) => rounds < scaled(100).min(8),
        };
        if !more {
            break;
        }
    }
}
