//! Loom models of Event: a waiter woken by `set` always completes, even if `clear` follows at
//! once.
#![cfg(loom)]

use aiosync::Event;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;

#[test]
fn set_then_clear_still_wakes_every_waiter() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let event = event.clone();
                thread::spawn(move || block_on(event.wait()))
            })
            .collect();
        // Both must be queued for the clear to matter; set wakes exactly those.
        while event.waiters() < 2 {
            thread::yield_now();
        }
        event.set();
        event.clear();
        for w in waiters {
            w.join().unwrap();
        }
        assert!(!event.is_set());
    });
}

#[test]
fn wait_racing_set_is_never_lost() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let e = event.clone();
        let waiter = thread::spawn(move || block_on(e.wait()));
        event.set();
        waiter.join().unwrap();
    });
}
