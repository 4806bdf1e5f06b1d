//! The workloads. Each takes a number of iterations and returns the time they took, leaving
//! set-up and tear-down out (criterion's `iter_custom` shape), so that the same function serves
//! criterion and the `compare` binary.

use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::peers::{
    AsyncBarrier, AsyncEvent, AsyncMutex, AsyncSemaphore, BarrierResult, BoundedBuffer, SyncMutex,
};

/// Polls `f` once with a waker that does nothing.
pub fn poll_once<F: Future + ?Sized>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

/// Runs a future that must complete on its first poll: no runtime, no waker. A macro rather than
/// a function so that the future is pinned where it is built: passing it to a function by value
/// copies it first, and that copy doubled the uncontended times of aiosync and maitake-sync.
macro_rules! now {
    ($future:expr) => {
        match poll_once(pin!($future)) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("an uncontended acquire did not complete at once"),
        }
    };
}

pub fn uncontended_lock<M: AsyncMutex>(iters: u64) -> Duration {
    let m = M::new();
    let m = black_box(&m);
    let start = Instant::now();
    for _ in 0..iters {
        let _g = now!(m.lock());
    }
    start.elapsed()
}

pub fn try_lock<M: AsyncMutex>(iters: u64) -> Duration {
    let m = M::new();
    let m = black_box(&m);
    let start = Instant::now();
    for _ in 0..iters {
        let _g = m.try_lock().expect("uncontended");
    }
    start.elapsed()
}

pub fn uncontended_semaphore<S: AsyncSemaphore>(iters: u64) -> Duration {
    let s = S::new(4);
    let s = black_box(&s);
    let start = Instant::now();
    for _ in 0..iters {
        let _p = now!(s.acquire());
    }
    start.elapsed()
}

pub fn try_semaphore<S: AsyncSemaphore>(iters: u64) -> Duration {
    let s = S::new(4);
    let s = black_box(&s);
    let start = Instant::now();
    for _ in 0..iters {
        let _p = s.try_acquire().expect("uncontended");
    }
    start.elapsed()
}

pub fn sync_lock<M: SyncMutex>(iters: u64) -> Duration {
    let m = M::new();
    let m = black_box(&m);
    let start = Instant::now();
    for _ in 0..iters {
        let _g = m.lock();
    }
    start.elapsed()
}

pub fn sync_try_lock<M: SyncMutex>(iters: u64) -> Duration {
    let m = M::new();
    let m = black_box(&m);
    let start = Instant::now();
    for _ in 0..iters {
        let _g = m.try_lock().expect("uncontended");
    }
    start.elapsed()
}

/// A current-thread runtime for one worker, else a multi-thread runtime. Two workers match the
/// two cores of the machine the results were taken on.
fn runtime(workers: usize) -> tokio::runtime::Runtime {
    let mut builder = if workers == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(workers);
        builder
    };
    builder.build().expect("runtime")
}

/// Runs `tasks` copies of `task` on `rt` and waits for all of them; returns the time taken.
fn run_tasks<T, F>(
    rt: &tokio::runtime::Runtime,
    shared: &Arc<T>,
    tasks: usize,
    task: fn(Arc<T>) -> F,
) -> Duration
where
    T: Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    rt.block_on(async {
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks)
            .map(|_| tokio::spawn(task(shared.clone())))
            .collect();
        for handle in handles {
            handle.await.expect("task panicked");
        }
        start.elapsed()
    })
}

/// Worker threads of the contended rows.
pub const CONTENDED_WORKERS: usize = 2;
pub const CONTENDED_TASKS: u64 = 64;
pub const CONTENDED_ITERS: u64 = 2_000;

/// 64 tasks each taking the lock 2,000 times on two worker threads.
pub fn contended_lock<M: AsyncMutex>(iters: u64) -> Duration {
    let rt = runtime(CONTENDED_WORKERS);
    let m = Arc::new(M::new());
    let elapsed = (0..iters)
        .map(|_| {
            run_tasks(&rt, &m, CONTENDED_TASKS as usize, |m| async move {
                for _ in 0..CONTENDED_ITERS {
                    let mut g = m.lock().await;
                    *g += 1;
                }
            })
        })
        .sum();
    assert_eq!(*now!(m.lock()), iters * CONTENDED_TASKS * CONTENDED_ITERS);
    elapsed
}

pub const OWN_RUNTIMES_ITERS: u64 = 2_000;
/// Rounds of [`busy`] inside the lock in [`own_runtimes`]: about 2 µs on the machine the results
/// were taken on.
pub const OWN_RUNTIMES_HELD: u64 = 1_600;

/// Work that stands for a critical section: a fixed loop, no clock.
fn busy(rounds: u64) {
    let mut x = 0u64;
    for i in 0..rounds {
        x = black_box(x.wrapping_mul(31).wrapping_add(i));
    }
    black_box(x);
}

/// One task on each of two current-thread runtimes, each on a thread of its own, holding the
/// lock for about 2 µs in a loop. On idle cores the waiting thread has mostly parked by the time
/// the lock is released, so under strict FIFO each acquisition waits for a parked thread to wake
/// (several µs); a lock that lets the releasing task take it again does not. A hand-off to a
/// thread that has not parked yet costs next to nothing, so with nothing held (or 1 µs) the FIFO
/// locks switched between the two costs from sample to sample; at 2 µs a few samples in ten
/// still catch the other thread awake. On cores busy with other processes the two threads mostly
/// take turns, the wake-up rides on a switch the scheduler makes anyway, and both policies cost
/// the same.
pub fn own_runtimes<M: AsyncMutex>(iters: u64) -> Duration {
    let m = M::new();
    let arrived = AtomicU64::new(0);
    let (starts, ends): (Vec<Instant>, Vec<Instant>) = std::thread::scope(|s| {
        let threads: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let rt = runtime(1);
                    // Both loops start together: a thread that started alone would take the
                    // lock uncontended until the other one got a core.
                    arrived.fetch_add(1, Ordering::SeqCst);
                    while arrived.load(Ordering::SeqCst) < 2 {
                        std::thread::yield_now();
                    }
                    let start = Instant::now();
                    rt.block_on(async {
                        for _ in 0..iters * OWN_RUNTIMES_ITERS {
                            let mut g = m.lock().await;
                            busy(OWN_RUNTIMES_HELD);
                            *g += 1;
                        }
                    });
                    (start, Instant::now())
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().expect("thread panicked"))
            .unzip()
    });
    assert_eq!(*now!(m.lock()), iters * 2 * OWN_RUNTIMES_ITERS);
    *ends.iter().max().expect("two threads") - *starts.iter().min().expect("two threads")
}

pub const PING_PONG_ROUNDS: u64 = 10_000;

/// Two tasks on a current-thread runtime, each holding the lock across a yield, so that every
/// acquire finds the other task holding it and waits for the hand-off. The yield after release
/// makes unfair locks alternate too. One thread, so the figure is the lock's hand-off and the
/// executor, not thread wake-ups.
pub fn ping_pong<M: AsyncMutex>(iters: u64) -> Duration {
    let rt = runtime(1);
    let m = Arc::new(M::new());
    let elapsed = (0..iters)
        .map(|_| {
            run_tasks(&rt, &m, 2, |m| async move {
                for _ in 0..PING_PONG_ROUNDS {
                    let mut g = m.lock().await;
                    tokio::task::yield_now().await;
                    *g += 1;
                    drop(g);
                    tokio::task::yield_now().await;
                }
            })
        })
        .sum();
    assert_eq!(*now!(m.lock()), iters * 2 * PING_PONG_ROUNDS);
    elapsed
}

pub const SEMAPHORE_ITERS: u64 = 1_000;

/// 64 tasks sharing 4 permits, each yielding once while it holds one, on two worker threads.
pub fn contended_semaphore<S: AsyncSemaphore>(iters: u64) -> Duration {
    let rt = runtime(CONTENDED_WORKERS);
    let s = Arc::new(S::new(4));
    (0..iters)
        .map(|_| {
            run_tasks(&rt, &s, CONTENDED_TASKS as usize, |s| async move {
                for _ in 0..SEMAPHORE_ITERS {
                    let _p = s.acquire().await;
                    tokio::task::yield_now().await;
                }
            })
        })
        .sum()
}

/// Futures pinned in place in one allocation, so that the workloads with many waiters measure
/// the primitive rather than the allocator. A slot is emptied by dropping its future in place.
struct Slots<F>(Pin<Box<[Option<F>]>>);

impl<F: Future> Slots<F> {
    fn new(n: usize, mut make: impl FnMut() -> F) -> Self {
        Slots(Box::into_pin((0..n).map(|_| Some(make())).collect()))
    }

    fn slot(&mut self, i: usize) -> Pin<&mut Option<F>> {
        // SAFETY: the boxed slice is never moved or resized, so each element stays where it was
        // pinned until it is dropped in place (by `Pin::set` or with the slice).
        unsafe { self.0.as_mut().map_unchecked_mut(|s| &mut s[i]) }
    }

    fn poll(&mut self, i: usize) -> Poll<F::Output> {
        poll_once(self.slot(i).as_pin_mut().expect("slot is empty"))
    }

    fn poll_pending(&mut self, i: usize) {
        assert!(self.poll(i).is_pending(), "waiter {i} completed early");
    }

    fn poll_ready(&mut self, i: usize) -> F::Output {
        match self.poll(i) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("waiter {i} was not woken"),
        }
    }
}

/// `n` tasks wait (each future polled once), then one call wakes them all and each is polled to
/// completion. Timed: the wake-up call and the polls that complete.
pub fn event_wake<E: AsyncEvent>(n: usize, iters: u64) -> Duration {
    (0..iters)
        .map(|_| {
            let event = E::new();
            let mut waiters = Slots::new(n, || event.wait());
            (0..n).for_each(|i| waiters.poll_pending(i));
            let start = Instant::now();
            event.set();
            for i in 0..n {
                waiters.poll_ready(i);
            }
            start.elapsed()
        })
        .sum()
}

pub const BUFFER_CAPACITY: usize = 16;
pub const BUFFER_ITEMS: u64 = 20_000;

/// Two producers and two consumers pass 20,000 items each through a 16-slot buffer. On one
/// thread the result depends only on how many task switches each design causes; on two it also
/// depends on how often the workers collide, which varies from run to run.
pub fn bounded_buffer<B: BoundedBuffer>(workers: usize, iters: u64) -> Duration {
    let rt = runtime(workers);
    let buffer = Arc::new(B::new(BUFFER_CAPACITY));
    (0..iters)
        .map(|_| {
            rt.block_on(async {
                let start = Instant::now();
                let producers: Vec<_> = (0..2)
                    .map(|_| {
                        let buffer = buffer.clone();
                        tokio::spawn(async move {
                            for i in 0..BUFFER_ITEMS {
                                buffer.push(i).await;
                            }
                        })
                    })
                    .collect();
                let consumers: Vec<_> = (0..2)
                    .map(|_| {
                        let buffer = buffer.clone();
                        tokio::spawn(async move {
                            let mut sum = 0;
                            for _ in 0..BUFFER_ITEMS {
                                sum += buffer.pop().await;
                            }
                            sum
                        })
                    })
                    .collect();
                let mut sum = 0;
                for p in producers {
                    p.await.expect("producer panicked");
                }
                for c in consumers {
                    sum += c.await.expect("consumer panicked");
                }
                let elapsed = start.elapsed();
                assert_eq!(sum, BUFFER_ITEMS * (BUFFER_ITEMS - 1));
                elapsed
            })
        })
        .sum()
}

pub const BARRIER_TASKS: usize = 16;
pub const BARRIER_ROUNDS: u64 = 1_000;

/// 16 tasks pass the barrier together 1,000 times: in each round the last to arrive releases the
/// 15 that wait. Each task counts the rounds it led, and every round must have had one leader.
/// aiosync's barrier, as asyncio's, holds a task that comes back for the next round until every
/// task released by the last one has resumed; the other crates' count it in at once.
pub fn barrier_rounds<B: AsyncBarrier>(workers: usize, iters: u64) -> Duration {
    let rt = runtime(workers);
    let shared = Arc::new((B::new(BARRIER_TASKS), AtomicU64::new(0)));
    let elapsed = (0..iters)
        .map(|_| {
            run_tasks(&rt, &shared, BARRIER_TASKS, |shared| async move {
                let (barrier, leaders) = &*shared;
                let mut led = 0;
                for _ in 0..BARRIER_ROUNDS {
                    led += u64::from(barrier.wait().await.is_leader());
                }
                leaders.fetch_add(led, Ordering::Relaxed);
            })
        })
        .sum();
    assert_eq!(shared.1.load(Ordering::Relaxed), iters * BARRIER_ROUNDS);
    elapsed
}

/// The lock is held and `n` acquires are queued. Each step releases it (handing it to the oldest
/// waiter), completes that waiter's acquire, and queues a fresh acquire in the same slot, so the
/// queue stays `n` long. Timed: the steps.
pub fn queued_hand_off<M: AsyncMutex>(n: usize, iters: u64) -> Duration {
    let m = M::new();
    let mut held = Some(now!(m.lock()));
    let mut waiters = Slots::new(n, || m.lock());
    (0..n).for_each(|i| waiters.poll_pending(i));
    let start = Instant::now();
    for k in 0..iters as usize {
        let i = k % n;
        drop(held.take());
        held = Some(waiters.poll_ready(i));
        waiters.slot(i).set(Some(m.lock()));
        waiters.poll_pending(i);
    }
    start.elapsed()
}

/// One acquire is queued behind the lock and never polled again; each step acquires and
/// releases the lock ahead of it: a barging lock's path under contention, without the
/// contention. Timed: the steps.
pub fn bypass_queued<M: AsyncMutex>(iters: u64) -> Duration {
    let m = M::new();
    let held = now!(m.lock());
    let mut waiter = Slots::new(1, || m.lock());
    waiter.poll_pending(0);
    drop(held);
    let start = Instant::now();
    for _ in 0..iters {
        let _g = now!(m.lock());
    }
    start.elapsed()
}

pub const CHURN_QUEUED: usize = 100_000;
pub const CHURN_CANCELLED: usize = CHURN_QUEUED / 2;

/// 100,000 acquires queue behind a held lock, then half of them are dropped, in an order
/// shuffled with a fixed seed so every crate cancels the same positions. Timed: the drops.
pub fn cancel_churn<M: AsyncMutex>(iters: u64) -> Duration {
    let mut order: Vec<usize> = (0..CHURN_QUEUED).collect();
    fastrand::Rng::with_seed(0x5eed).shuffle(&mut order);
    order.truncate(CHURN_CANCELLED);
    (0..iters)
        .map(|_| {
            let m = M::new();
            let _held = now!(m.lock());
            let mut waiters = Slots::new(CHURN_QUEUED, || m.lock());
            (0..CHURN_QUEUED).for_each(|i| waiters.poll_pending(i));
            let start = Instant::now();
            for &i in &order {
                waiters.slot(i).set(None);
            }
            start.elapsed()
        })
        .sum()
}

/// The lock is held and `n` acquires are queued. Each step queues one more acquire at the tail
/// and drops it again. Timed: the steps (a queueing poll and a cancellation each).
pub fn queued_cancel<M: AsyncMutex>(n: usize, iters: u64) -> Duration {
    let m = M::new();
    let _held = now!(m.lock());
    let mut waiters = Slots::new(n + 1, || m.lock());
    (0..n).for_each(|i| waiters.poll_pending(i));
    let start = Instant::now();
    for _ in 0..iters {
        waiters.slot(n).set(Some(m.lock()));
        waiters.poll_pending(n);
        waiters.slot(n).set(None);
    }
    start.elapsed()
}

/// What one acquire saw in [`contended_lock_fairness`].
#[derive(Clone, Copy, Debug)]
pub struct Acquired {
    /// Acquires that took their ticket after this one did and completed before it.
    pub overtaken: u64,
    /// Of those, the ones that took their ticket after this acquire was queued (its first poll
    /// returned `Pending`): they cannot have queued ahead of it, so each is a bypass. 0 for an
    /// acquire that did not queue.
    pub bypassed: u64,
    /// Time from the start of `lock()` to holding the guard.
    pub wait: Duration,
}

/// One acquire's raw record: its ticket, the ticket count once it was queued (`u64::MAX` if it
/// did not queue), its completion order, and its wait.
type Record = (u64, u64, u64, Duration);

/// The 64-task workload of [`contended_lock`], once, with every acquire instrumented: it takes
/// an arrival ticket before its first poll, reads the ticket count again right after a first
/// poll that returned `Pending`, and the counter the lock protects gives the order acquires
/// completed in. An acquire is overtaken by every later ticket that completed before it; a
/// worker preempted between the ticket and the queueing inflates that, so the bypasses (later
/// than the queueing) are counted apart. Returns every acquire, and the time the run took (the
/// instrumentation included).
pub fn contended_lock_fairness<M: AsyncMutex>() -> (Vec<Acquired>, Duration) {
    let rt = runtime(CONTENDED_WORKERS);
    let m = Arc::new(M::new());
    let tickets = Arc::new(AtomicU64::new(0));
    let (records, elapsed) = rt.block_on(async {
        let start = Instant::now();
        let handles: Vec<_> = (0..CONTENDED_TASKS)
            .map(|_| {
                let (m, tickets) = (m.clone(), tickets.clone());
                tokio::spawn(async move {
                    let mut seen: Vec<Record> = Vec::with_capacity(CONTENDED_ITERS as usize);
                    for _ in 0..CONTENDED_ITERS {
                        let mut lock = pin!(m.lock());
                        let ticket = tickets.fetch_add(1, Ordering::SeqCst);
                        let asked = Instant::now();
                        let mut queued = None;
                        let mut g = std::future::poll_fn(|cx| {
                            let poll = lock.as_mut().poll(cx);
                            if queued.is_none() {
                                queued = Some(match poll {
                                    Poll::Pending => tickets.load(Ordering::SeqCst),
                                    Poll::Ready(_) => u64::MAX,
                                });
                            }
                            poll
                        })
                        .await;
                        let wait = asked.elapsed();
                        let order = *g;
                        *g += 1;
                        drop(g);
                        seen.push((ticket, queued.unwrap_or(u64::MAX), order, wait));
                    }
                    seen
                })
            })
            .collect();
        let mut records = Vec::new();
        for handle in handles {
            records.extend(handle.await.expect("task panicked"));
        }
        (records, start.elapsed())
    });
    (overtakes(records), elapsed)
}

/// A Fenwick tree over completion orders `0..n`: how many inserted acquires completed before a
/// given one.
struct Completed(Vec<u64>);

impl Completed {
    fn insert(&mut self, order: u64) {
        let mut i = order as usize + 1;
        while i < self.0.len() {
            self.0[i] += 1;
            i += i & i.wrapping_neg();
        }
    }

    fn before(&self, order: u64) -> u64 {
        let (mut i, mut count) = (order as usize, 0);
        while i > 0 {
            count += self.0[i];
            i &= i - 1;
        }
        count
    }
}

/// Per acquire, for records whose tickets and completion orders are each `0..n`: how many
/// acquires with a later ticket, and with a ticket from after its queueing, completed before
/// it. Acquires are inserted in decreasing ticket order; each query runs once every ticket it
/// counts is in.
fn overtakes(mut records: Vec<Record>) -> Vec<Acquired> {
    let n = records.len();
    records.sort_unstable_by_key(|r| r.0);
    // Queries: (first ticket counted, completion order, index), by decreasing first ticket.
    let mut queries: Vec<(u64, u64, usize)> = Vec::with_capacity(2 * n);
    for (i, &(ticket, queued, order, _)) in records.iter().enumerate() {
        queries.push((ticket + 1, order, 2 * i));
        if queued != u64::MAX {
            queries.push((queued, order, 2 * i + 1));
        }
    }
    queries.sort_unstable_by_key(|q| std::cmp::Reverse(q.0));
    let mut answers = vec![0u64; 2 * n];
    let mut tree = Completed(vec![0; n + 1]);
    let mut next = n; // records[next..] are in the tree
    for (from, order, slot) in queries {
        while next > 0 && records[next - 1].0 >= from {
            next -= 1;
            tree.insert(records[next].2);
        }
        answers[slot] = tree.before(order);
    }
    records
        .iter()
        .enumerate()
        .map(|(i, r)| Acquired {
            overtaken: answers[2 * i],
            bypassed: answers[2 * i + 1],
            wait: r.3,
        })
        .collect()
}

/// Producers and consumers of the MPMC Queue row.
pub const QUEUE_MPMC_TASKS: usize = 4;
pub const QUEUE_MPMC_CAPACITY: usize = 16;
/// Items each producer sends (and each consumer receives).
pub const QUEUE_MPMC_ITEMS: u64 = 10_000;

/// 4 producers and 4 consumers through a bounded(16) channel on the two-worker runtime. Each
/// consumer takes its share of the items, so none needs the channel closed to stop.
pub fn queue_mpmc<C: crate::peers::Mpmc>(iters: u64) -> Duration {
    let rt = runtime(CONTENDED_WORKERS);
    (0..iters)
        .map(|_| {
            rt.block_on(async {
                let (tx, rx) = C::bounded(QUEUE_MPMC_CAPACITY);
                let start = Instant::now();
                let mut handles = Vec::new();
                for _ in 0..QUEUE_MPMC_TASKS {
                    let tx = tx.clone();
                    handles.push(tokio::spawn(async move {
                        for i in 0..QUEUE_MPMC_ITEMS {
                            C::send(&tx, i).await;
                        }
                    }));
                    let rx = rx.clone();
                    handles.push(tokio::spawn(async move {
                        let mut sum = 0;
                        for _ in 0..QUEUE_MPMC_ITEMS {
                            sum += C::recv_shared(&rx).await;
                        }
                        black_box(sum);
                    }));
                }
                for handle in handles {
                    handle.await.expect("task panicked");
                }
                start.elapsed()
            })
        })
        .sum()
}

pub const QUEUE_SPSC_CAPACITY: usize = 1024;
pub const QUEUE_SPSC_ITEMS: u64 = 100_000;

/// One producer task and one consumer through a bounded(1024) channel on the current-thread
/// runtime.
pub fn queue_spsc<C: crate::peers::Channel>(iters: u64) -> Duration {
    let rt = runtime(1);
    (0..iters)
        .map(|_| {
            rt.block_on(async {
                let (tx, mut rx) = C::bounded(QUEUE_SPSC_CAPACITY);
                let start = Instant::now();
                let producer = tokio::spawn(async move {
                    for i in 0..QUEUE_SPSC_ITEMS {
                        C::send(&tx, i).await;
                    }
                });
                let mut sum = 0;
                for _ in 0..QUEUE_SPSC_ITEMS {
                    sum += C::recv(&mut rx).await;
                }
                black_box(sum);
                producer.await.expect("producer panicked");
                start.elapsed()
            })
        })
        .sum()
}

/// 100,000 receives wait on an empty channel, then `cancelled` of them are dropped, in the
/// order of [`cancel_churn`] (the same seed, the same positions). Timed: the drops. Then an item
/// for each receive left, so that they leave the wait list as woken rather than dropped: a
/// flume receive that is dropped scans the list, and dropping the rest would take minutes.
pub fn queue_cancel<C: crate::peers::Mpmc>(cancelled: usize, iters: u64) -> Duration {
    let mut order: Vec<usize> = (0..CHURN_QUEUED).collect();
    fastrand::Rng::with_seed(0x5eed).shuffle(&mut order);
    order.truncate(cancelled);
    (0..iters)
        .map(|_| {
            // The sending end lives on: a channel whose senders are all gone ends its receives.
            let (tx, rx) = C::bounded(CHURN_QUEUED);
            let mut waiters = Slots::new(CHURN_QUEUED, || C::recv_shared(&rx));
            (0..CHURN_QUEUED).for_each(|i| waiters.poll_pending(i));
            let start = Instant::now();
            for &i in &order {
                waiters.slot(i).set(None);
            }
            let took = start.elapsed();
            for i in 0..(CHURN_QUEUED - cancelled) as u64 {
                assert!(C::try_send(&tx, i), "room for every receive");
            }
            took
        })
        .sum()
}

/// One item put and got again on one thread, neither waiting: the queue's fast paths.
pub fn queue_uncontended<C: crate::peers::Channel>(iters: u64) -> Duration {
    let (tx, mut rx) = C::bounded(QUEUE_SPSC_CAPACITY);
    let start = Instant::now();
    for i in 0..iters {
        now!(C::send(&tx, i));
        black_box(now!(C::recv(&mut rx)));
    }
    start.elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overtakes_match_a_direct_count() {
        let mut rng = fastrand::Rng::with_seed(7);
        for n in [1usize, 2, 5, 40, 300] {
            let mut orders: Vec<u64> = (0..n as u64).collect();
            rng.shuffle(&mut orders);
            let records: Vec<Record> = (0..n as u64)
                .map(|t| {
                    let queued = match rng.bool() {
                        true => t + rng.u64(0..=3),
                        false => u64::MAX,
                    };
                    (t, queued, orders[t as usize], Duration::from_nanos(t))
                })
                .collect();
            let mut shuffled = records.clone();
            rng.shuffle(&mut shuffled);
            let got = overtakes(shuffled);
            for (a, got) in records.iter().zip(&got) {
                let count =
                    |from: u64| records.iter().filter(|b| b.0 >= from && b.2 < a.2).count() as u64;
                assert_eq!(got.overtaken, count(a.0 + 1));
                let bypassed = if a.1 == u64::MAX { 0 } else { count(a.1) };
                assert_eq!(got.bypassed, bypassed);
                assert_eq!(got.wait, a.3);
            }
        }
    }
}
