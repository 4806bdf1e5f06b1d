//! FIFO against bounded bypass, in numbers: 64 tasks on two worker threads take turns at one
//! `Lock` with a tiny critical section, for a fixed time under each policy. The program prints
//! the throughput and the worst and 99th-percentile wait for the lock.
//!
//! Under strict FIFO every release hands the lock to the oldest waiter, which must be scheduled
//! before anyone can use the lock again: a task switch per acquisition. `Fairness::Bounded(k)`
//! lets the task that just released it (or any task that is running) take it again while the
//! oldest waiter is on its way, at most `k` times in a row: far more acquisitions per second, for
//! a longer worst wait, which `k` bounds.
//!
//! Run it with `cargo run --release --example fairness` (a debug build shows the same shape).

use std::sync::Arc;
use std::time::{Duration, Instant};

use aiosync::{Fairness, Lock};

const TASKS: usize = 64;
const RUN_FOR: Duration = Duration::from_millis(400);

/// Acquisitions per second, and the waits (from calling `acquire` to holding the guard).
struct Outcome {
    per_sec: f64,
    waits: Vec<Duration>,
}

fn run(fairness: Fairness) -> Outcome {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let lock = Arc::new(Lock::with_fairness(0u64, fairness));
        let start = Instant::now();
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let lock = lock.clone();
                tokio::spawn(async move {
                    let mut waits = Vec::new();
                    while start.elapsed() < RUN_FOR {
                        let asked = Instant::now();
                        let mut n = lock.acquire().await;
                        waits.push(asked.elapsed());
                        *n += 1; // the critical section
                        drop(n);
                        // Straight back for the lock, as a task doing many small updates does:
                        // under FIFO it queues behind every waiter and yields its thread.
                    }
                    waits
                })
            })
            .collect();
        let mut waits = Vec::new();
        for task in tasks {
            waits.extend(task.await.unwrap());
        }
        let elapsed = start.elapsed();
        let total = *lock.acquire().await;
        assert_eq!(
            total as usize,
            waits.len(),
            "every acquisition counted once"
        );
        Outcome {
            per_sec: total as f64 / elapsed.as_secs_f64(),
            waits,
        }
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p) as usize]
}

fn main() {
    println!("{TASKS} tasks on 2 worker threads, {RUN_FOR:?} per policy\n");
    println!(
        "{:<22} {:>14} {:>12} {:>12}",
        "policy", "acquires/s", "p99 wait", "worst wait"
    );
    let mut results = Vec::new();
    for (name, fairness) in [
        ("Fifo", Fairness::Fifo),
        ("Bounded(16)", Fairness::Bounded(16)),
        ("Bounded(1024) (BOUNDED)", Fairness::BOUNDED),
    ] {
        let Outcome { per_sec, mut waits } = run(fairness);
        waits.sort();
        println!(
            "{name:<22} {per_sec:>14.0} {:>12.1?} {:>12.1?}",
            percentile(&waits, 0.99),
            waits.last().copied().unwrap_or_default()
        );
        results.push((per_sec, percentile(&waits, 0.99)));
    }
    let ((fifo_rate, fifo_p99), (bounded_rate, bounded_p99)) = (results[0], results[2]);
    println!(
        "\nBOUNDED made {:.1}x FIFO's acquisitions; its p99 wait was {bounded_p99:.1?} against \
         FIFO's {fifo_p99:.1?}, and the oldest waiter may be overtaken at most 1024 times.",
        bounded_rate / fifo_rate
    );
}
