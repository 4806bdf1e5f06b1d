//! The classic bounded buffer: one Lock protects the queue, and two Conditions share it,
//! `not_full` for producers and `not_empty` for consumers (asyncio's `Condition(lock)` twice).
//!
//! Run it with `cargo run --example bounded_buffer`.

use std::collections::VecDeque;
use std::sync::Arc;

use aiosync::{Condition, Lock};

const CAPACITY: usize = 3;

struct Buffer {
    items: Lock<VecDeque<u32>>,
    not_empty: Condition,
    not_full: Condition,
}

impl Buffer {
    async fn put(&self, item: u32) {
        let mut items = self
            .not_full
            .wait_for(self.items.acquire().await, |q| q.len() < CAPACITY)
            .await;
        items.push_back(item);
        println!("put {item:>2}  buffer {:?}", *items);
        self.not_empty.notify(&items, 1);
    }

    async fn take(&self) -> u32 {
        let mut items = self
            .not_empty
            .wait_for(self.items.acquire().await, |q| !q.is_empty())
            .await;
        let item = items.pop_front().expect("the predicate said not empty");
        self.not_full.notify(&items, 1);
        item
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let buf = Arc::new(Buffer {
        items: Lock::new(VecDeque::new()),
        not_empty: Condition::new(),
        not_full: Condition::new(),
    });
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let buf = buf.clone();
            tokio::spawn(async move {
                for i in 0..5 {
                    buf.put(p * 10 + i).await;
                }
            })
        })
        .collect();
    let consumer = {
        let buf = buf.clone();
        tokio::spawn(async move {
            let mut got = Vec::new();
            for _ in 0..10 {
                got.push(buf.take().await);
                tokio::task::yield_now().await;
            }
            got
        })
    };
    for p in producers {
        p.await.unwrap();
    }
    let mut got = consumer.await.unwrap();
    println!("consumed in order of arrival: {got:?}");
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]);
    println!("never more than {CAPACITY} buffered, nothing lost");
}
