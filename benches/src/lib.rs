//! Benchmarks of aiosync against tokio::sync, async-lock, futures-intrusive, maitake-sync and
//! event-listener, with std's and parking_lot's mutexes as the synchronous floor.

pub mod peers;
