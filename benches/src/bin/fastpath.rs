//! `fastpath WHAT N`: N operations of one kind on one primitive, on one thread, for counting
//! instructions under callgrind (see `callgrind.sh`). WHAT is one of the names below; an
//! operation is an uncontended acquire+release, a hand-off to one of 10 queued acquires, an
//! acquire queued behind 10 others and cancelled, one of 10 Event waiters woken, one item
//! through the two-producer, two-consumer Condition bounded buffer (N a multiple of 40,000), or
//! an acquire+release that bypasses a queued acquire (barging locks only; aiosync's under
//! `Fairness::Bounded(u32::MAX)`, so that the bound never forces a hand-off), or one item put
//! into a queue (a channel) and got again, neither waiting.

use aiosync_bench::peers::{
    AiosyncBuffer, AiosyncQueue, AsyncChannel, BoundedLock, Flume, FuturesIntrusiveBuffer,
};
use aiosync_bench::workloads::{
    BUFFER_ITEMS, bounded_buffer, bypass_queued, event_wake, queue_uncontended, queued_cancel,
    queued_hand_off, sync_lock, uncontended_lock, uncontended_semaphore,
};

type FiMutex = futures_intrusive::sync::Mutex<u64>;
type FiEvent = futures_intrusive::sync::ManualResetEvent;

const QUEUED: usize = 10;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [what, n] = args.as_slice() else {
        eprintln!("usage: fastpath WHAT N (see the source for WHAT)");
        std::process::exit(2);
    };
    let n: u64 = n.parse().expect("N is a number");
    let items = 2 * BUFFER_ITEMS;
    match what.as_str() {
        "aiosync-lock" => uncontended_lock::<aiosync::Lock<u64>>(n),
        "aiosync-semaphore" => uncontended_semaphore::<aiosync::Semaphore>(n),
        "std-mutex" => sync_lock::<std::sync::Mutex<u64>>(n),
        "tokio-mutex" => uncontended_lock::<tokio::sync::Mutex<u64>>(n),
        "aiosync-handoff" => queued_hand_off::<aiosync::Lock<u64>>(QUEUED, n),
        "futures-intrusive-handoff" => queued_hand_off::<FiMutex>(QUEUED, n),
        "aiosync-cancel" => queued_cancel::<aiosync::Lock<u64>>(QUEUED, n),
        "futures-intrusive-cancel" => queued_cancel::<FiMutex>(QUEUED, n),
        "aiosync-event" => event_wake::<aiosync::Event>(QUEUED, n / QUEUED as u64),
        "futures-intrusive-event" => event_wake::<FiEvent>(QUEUED, n / QUEUED as u64),
        "aiosync-condition" => bounded_buffer::<AiosyncBuffer>(1, n / items),
        "futures-intrusive-condition" => bounded_buffer::<FuturesIntrusiveBuffer>(1, n / items),
        "aiosync-bypass" => bypass_queued::<BoundedLock<{ u32::MAX }>>(n),
        "async-lock-bypass" => bypass_queued::<async_lock::Mutex<u64>>(n),
        "aiosync-queue" => queue_uncontended::<AiosyncQueue>(n),
        "async-channel-queue" => queue_uncontended::<AsyncChannel>(n),
        "flume-queue" => queue_uncontended::<Flume>(n),
        _ => {
            eprintln!("unknown workload {what}");
            std::process::exit(2);
        }
    };
}
