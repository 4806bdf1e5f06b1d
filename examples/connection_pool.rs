//! A connection pool: a Semaphore caps how many connections are in use, and each spawned task
//! carries its owned permit (`'static`, so it can move into `tokio::spawn`) for as long as it
//! holds a connection. Idle connections sit in a plain `std::sync::Mutex`: it is never held
//! across an `.await`, so it needs no async lock, and `Drop` can use it.
//!
//! Run it with `cargo run --example connection_pool`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use std::sync::Mutex;

use aiosync::{OwnedSemaphorePermit, Semaphore};

struct Pool {
    slots: Arc<Semaphore>,
    idle: Mutex<Vec<u32>>,
}

/// A connection checked out of the pool; returns itself (and its permit) when dropped.
struct Conn {
    id: u32,
    pool: Arc<Pool>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Conn {
    fn drop(&mut self) {
        // Runs before the permit is released, so the next holder finds this connection idle.
        self.pool.idle.lock().unwrap().push(self.id);
    }
}

impl Pool {
    fn new(size: u32) -> Arc<Pool> {
        Arc::new(Pool {
            slots: Arc::new(Semaphore::new(size as usize)),
            idle: Mutex::new((0..size).collect()),
        })
    }

    async fn get(self: &Arc<Self>) -> Conn {
        let permit = self.slots.acquire_owned().await;
        let id = self.idle.lock().unwrap().pop();
        let id = id.expect("a permit means a connection is idle");
        Conn {
            id,
            pool: self.clone(),
            _permit: permit,
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let pool = Pool::new(3);
    let start = Instant::now();
    let queries: Vec<_> = (0..8)
        .map(|q| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let conn = pool.get().await;
                println!(
                    "{:>4} ms  query {q} runs on connection {} ({} waiting for one)",
                    start.elapsed().as_millis(),
                    conn.id,
                    pool.slots.waiters()
                );
                tokio::time::sleep(Duration::from_millis(30)).await;
            })
        })
        .collect();
    for q in queries {
        q.await.unwrap();
    }
    assert_eq!(pool.slots.available_permits(), 3);
    println!(
        "all 8 queries done in {} ms on 3 connections; idle again: {:?}",
        start.elapsed().as_millis(),
        pool.idle.lock().unwrap()
    );
}
