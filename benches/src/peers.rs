//! One trait per kind of primitive, implemented for aiosync and for each crate it is compared
//! with, so that every workload is written once and monomorphised per crate: the code measured is
//! each crate's own, with no wrapper future or boxing in between.

use std::collections::VecDeque;
use std::future::Future;
use std::ops::DerefMut;

/// An async mutex around a counter.
pub trait AsyncMutex: Send + Sync + 'static {
    fn new() -> Self;
    fn lock(&self) -> impl Future<Output = impl DerefMut<Target = u64> + Send + '_> + Send;
    fn try_lock(&self) -> Option<impl DerefMut<Target = u64> + '_>;
}

/// An async counting semaphore. The permit is whatever `acquire` resolves to (some crates wrap it
/// in a `Result`); holding it keeps the permit.
pub trait AsyncSemaphore: Send + Sync + 'static {
    fn new(permits: usize) -> Self;
    fn acquire(&self) -> impl Future<Output = impl Send + '_> + Send;
    fn try_acquire(&self) -> Option<impl Sized + '_>;
}

/// Something tasks wait on and one call wakes all of them: asyncio's `Event` and its nearest
/// equivalent in each crate.
pub trait AsyncEvent {
    fn new() -> Self;
    fn wait(&self) -> impl Future + '_;
    fn set(&self);
}

/// A bounded FIFO buffer of `u64`, built from each crate's lock and its closest thing to a
/// condition variable.
pub trait BoundedBuffer: Send + Sync + 'static {
    fn new(capacity: usize) -> Self;
    fn push(&self, value: u64) -> impl Future<Output = ()> + Send;
    fn pop(&self) -> impl Future<Output = u64> + Send;
}

/// A reusable barrier for a fixed number of tasks. `wait` resolves to each crate's own result
/// type; only its leader flag is read.
pub trait AsyncBarrier: Send + Sync + 'static {
    fn new(parties: usize) -> Self;
    fn wait(&self) -> impl Future<Output = impl BarrierResult> + Send + '_;
}

/// What a barrier's `wait` resolves to.
pub trait BarrierResult {
    /// Whether this task's arrival completed the round; one per round.
    fn is_leader(&self) -> bool;
}

/// A synchronous mutex: the floor for the uncontended rows.
pub trait SyncMutex {
    fn new() -> Self;
    fn lock(&self) -> impl DerefMut<Target = u64> + '_;
    fn try_lock(&self) -> Option<impl DerefMut<Target = u64> + '_>;
}

// --- aiosync ---

impl AsyncMutex for aiosync::Lock<u64> {
    fn new() -> Self {
        aiosync::Lock::new(0)
    }
    fn lock(&self) -> impl Future<Output = impl DerefMut<Target = u64> + Send + '_> + Send {
        self.acquire()
    }
    fn try_lock(&self) -> Option<impl DerefMut<Target = u64> + '_> {
        self.try_acquire()
    }
}

impl AsyncSemaphore for aiosync::Semaphore {
    fn new(permits: usize) -> Self {
        aiosync::Semaphore::new(permits)
    }
    fn acquire(&self) -> impl Future<Output = impl Send + '_> + Send {
        self.acquire()
    }
    fn try_acquire(&self) -> Option<impl Sized + '_> {
        self.try_acquire()
    }
}

/// aiosync's Lock under `Fairness::Bounded(K)`, by default [`aiosync::Fairness::BOUNDED`]: a
/// release leaves the lock free and a task that is not queued may take it, at most `K` times per
/// oldest waiter.
pub struct BoundedLock<const K: u32 = { aiosync::Fairness::DEFAULT_BYPASSES }>(aiosync::Lock<u64>);

impl<const K: u32> AsyncMutex for BoundedLock<K> {
    fn new() -> Self {
        BoundedLock(aiosync::Lock::with_fairness(
            0,
            aiosync::Fairness::Bounded(K),
        ))
    }
    fn lock(&self) -> impl Future<Output = impl DerefMut<Target = u64> + Send + '_> + Send {
        self.0.acquire()
    }
    fn try_lock(&self) -> Option<impl DerefMut<Target = u64> + '_> {
        self.0.try_acquire()
    }
}

/// aiosync's Semaphore under [`aiosync::Fairness::BOUNDED`].
pub struct BoundedSemaphore(aiosync::Semaphore);

impl AsyncSemaphore for BoundedSemaphore {
    fn new(permits: usize) -> Self {
        BoundedSemaphore(aiosync::Semaphore::with_fairness(
            permits,
            aiosync::Fairness::BOUNDED,
        ))
    }
    fn acquire(&self) -> impl Future<Output = impl Send + '_> + Send {
        self.0.acquire()
    }
    fn try_acquire(&self) -> Option<impl Sized + '_> {
        self.0.try_acquire()
    }
}

impl AsyncEvent for aiosync::Event {
    fn new() -> Self {
        aiosync::Event::new()
    }
    fn wait(&self) -> impl Future + '_ {
        self.wait()
    }
    fn set(&self) {
        self.set();
    }
}

impl AsyncBarrier for aiosync::Barrier {
    fn new(parties: usize) -> Self {
        aiosync::Barrier::new(parties)
    }
    fn wait(&self) -> impl Future<Output = impl BarrierResult> + Send + '_ {
        aiosync::Barrier::wait(self)
    }
}

/// A `Result` because asyncio's barrier can be aborted and reset; the workload does neither.
impl BarrierResult for Result<aiosync::BarrierWaitResult, aiosync::BrokenBarrier> {
    fn is_leader(&self) -> bool {
        self.expect("never aborted or reset").is_leader()
    }
}

/// asyncio's bounded buffer: one lock, two conditions.
pub struct AiosyncBuffer {
    items: aiosync::Lock<VecDeque<u64>>,
    not_empty: aiosync::Condition,
    not_full: aiosync::Condition,
    capacity: usize,
}

impl BoundedBuffer for AiosyncBuffer {
    fn new(capacity: usize) -> Self {
        AiosyncBuffer {
            items: aiosync::Lock::new(VecDeque::with_capacity(capacity)),
            not_empty: aiosync::Condition::new(),
            not_full: aiosync::Condition::new(),
            capacity,
        }
    }
    async fn push(&self, value: u64) {
        let cap = self.capacity;
        let items = self.items.acquire().await;
        let mut items = self.not_full.wait_for(items, |q| q.len() < cap).await;
        items.push_back(value);
        self.not_empty.notify(&items, 1);
    }
    async fn pop(&self) -> u64 {
        let items = self.items.acquire().await;
        let mut items = self.not_empty.wait_for(items, |q| !q.is_empty()).await;
        let value = items.pop_front().expect("predicate checked");
        self.not_full.notify(&items, 1);
        value
    }
}

// --- tokio ---

impl AsyncMutex for tokio::sync::Mutex<u64> {
    fn new() -> Self {
        tokio::sync::Mutex::new(0)
    }
    fn lock(&self) -> impl Future<Output = impl DerefMut<Target = u64> + Send + '_> + Send {
        tokio::sync::Mutex::lock(self)
    }
    fn try_lock(&self) -> Option<impl DerefMut<Target = u64> + '_> {
        tokio::sync::Mutex::try_lock(self).ok()
    }
}

impl AsyncSemaphore for tokio::sync::Semaphore {
    fn new(permits: usize) -> Self {
        tokio::sync::Semaphore::new(permits)
    }
    fn acquire(&self) -> impl Future<Output = impl Send + '_> + Send {
        tokio::sync::Semaphore::acquire(self)
    }
    fn try_acquire(&self) -> Option<impl Sized + '_> {
        tokio::sync::Semaphore::try_acquire(self).ok()
    }
}

impl AsyncEvent for tokio::sync::Notify {
    fn new() -> Self {
        tokio::sync::Notify::new()
    }
    fn wait(&self) -> impl Future + '_ {
        self.notified()
    }
    fn set(&self) {
        self.notify_waiters();
    }
}

impl AsyncBarrier for tokio::sync::Barrier {
    fn new(parties: usize) -> Self {
        tokio::sync::Barrier::new(parties)
    }
    fn wait(&self) -> impl Future<Output = impl BarrierResult> + Send + '_ {
        tokio::sync::Barrier::wait(self)
    }
}

impl BarrierResult for tokio::sync::BarrierWaitResult {
    fn is_leader(&self) -> bool {
        tokio::sync::BarrierWaitResult::is_leader(self)
    }
}

/// tokio has no condition variable; its documentation pairs a `Mutex` with `Notify`, whose stored
/// permit means a notification sent between unlocking and waiting is not lost.
pub struct TokioBuffer {
    items: tokio::sync::Mutex<VecDeque<u64>>,
    not_empty: tokio::sync::Notify,
    not_full: tokio::sync::Notify,
    capacity: usize,
}

impl BoundedBuffer for TokioBuffer {
    fn new(capacity: usize) -> Self {
        TokioBuffer {
            items: tokio::sync::Mutex::new(VecDeque::with_capacity(capacity)),
            not_empty: tokio::sync::Notify::new(),
            not_full: tokio::sync::Notify::new(),
            capacity,
        }
    }
    async fn push(&self, value: u64) {
        loop {
            let mut items = self.items.lock().await;
            if items.len() < self.capacity {
                items.push_back(value);
                drop(items);
                self.not_empty.notify_one();
                return;
            }
            let not_full = self.not_full.notified();
            drop(items);
            not_full.await;
        }
    }
    async fn pop(&self) -> u64 {
        loop {
            let mut items = self.items.lock().await;
            if let Some(value) = items.pop_front() {
                drop(items);
                self.not_full.notify_one();
                return value;
            }
            let not_empty = self.not_empty.notified();
            drop(items);
            not_empty.await;
        }
    }
}

// --- async-lock (and event-listener, which it is built on) ---

impl AsyncMutex for async_lock::Mutex<u64> {
    fn new() -> Self {
        async_lock::Mutex::new(0)
    }
    fn lock(&self) -> impl Future<Output = impl DerefMut<Target = u64> + Send + '_> + Send {
        async_lock::Mutex::lock(self)
    }
    fn try_lock(&self) -> Option<impl DerefMut<Target = u64> + '_> {
        async_lock::Mutex::try_lock(self)
    }
}

impl AsyncSemaphore for async_lock::Semaphore {
    fn new(permits: usize) -> Self {
        async_lock::Semaphore::new(permits)
    }
    fn acquire(&self) -> impl Future<Output = impl Send + '_> + Send {
        async_lock::Semaphore::acquire(self)
    }
    fn try_acquire(&self) -> Option<impl Sized + '_> {
        async_lock::Semaphore::try_acquire(self)
    }
}

impl AsyncEvent for event_listener::Event {
    fn new() -> Self {
        event_listener::Event::new()
    }
    fn wait(&self) -> impl Future + '_ {
        self.listen()
    }
    fn set(&self) {
        self.notify(usize::MAX);
    }
}

impl AsyncBarrier for async_lock::Barrier {
    fn new(parties: usize) -> Self {
        async_lock::Barrier::new(parties)
    }
    fn wait(&self) -> impl Future<Output = impl BarrierResult> + Send + '_ {
        async_lock::Barrier::wait(self)
    }
}

impl BarrierResult for async_lock::BarrierWaitResult {
    fn is_leader(&self) -> bool {
        async_lock::BarrierWaitResult::is_leader(self)
    }
}

/// async-lock's `Mutex` with event-listener `Event`s, the way async-lock builds its own
/// primitives. `notify_additional` because plain `notify(1)` skips a waiter while another
/// notified one has not run yet, which can strand the last items.
pub struct AsyncLockBuffer {
    items: async_lock::Mutex<VecDeque<u64>>,
    not_empty: event_listener::Event,
    not_full: event_listener::Event,
    capacity: usize,
}

impl BoundedBuffer for AsyncLockBuffer {
    fn new(capacity: usize) -> Self {
        AsyncLockBuffer {
            items: async_lock::Mutex::new(VecDeque::with_capacity(capacity)),
            not_empty: event_listener::Event::new(),
            not_full: event_listener::Event::new(),
            capacity,
        }
    }
    async fn push(&self, value: u64) {
        loop {
            let mut items = self.items.lock().await;
            if items.len() < self.capacity {
                items.push_back(value);
                drop(items);
                self.not_empty.notify_additional(1);
                return;
            }
            let not_full = self.not_full.listen();
            drop(items);
            not_full.await;
        }
    }
    async fn pop(&self) -> u64 {
        loop {
            let mut items = self.items.lock().await;
            if let Some(value) = items.pop_front() {
                drop(items);
                self.not_full.notify_additional(1);
                return value;
            }
            let not_empty = self.not_empty.listen();
            drop(items);
            not_empty.await;
        }
    }
}

// --- futures-intrusive, in its fair (FIFO) mode like aiosync ---

impl AsyncMutex for futures_intrusive::sync::Mutex<u64> {
    fn new() -> Self {
        futures_intrusive::sync::Mutex::new(0, true)
    }
    fn lock(&self) -> impl Future<Output = impl DerefMut<Target = u64> + Send + '_> + Send {
        futures_intrusive::sync::Mutex::lock(self)
    }
    fn try_lock(&self) -> Option<impl DerefMut<Target = u64> + '_> {
        futures_intrusive::sync::Mutex::try_lock(self)
    }
}

impl AsyncSemaphore for futures_intrusive::sync::Semaphore {
    fn new(permits: usize) -> Self {
        futures_intrusive::sync::Semaphore::new(true, permits)
    }
    fn acquire(&self) -> impl Future<Output = impl Send + '_> + Send {
        futures_intrusive::sync::Semaphore::acquire(self, 1)
    }
    fn try_acquire(&self) -> Option<impl Sized + '_> {
        futures_intrusive::sync::Semaphore::try_acquire(self, 1)
    }
}

impl AsyncEvent for futures_intrusive::sync::ManualResetEvent {
    fn new() -> Self {
        futures_intrusive::sync::ManualResetEvent::new(false)
    }
    fn wait(&self) -> impl Future + '_ {
        futures_intrusive::sync::ManualResetEvent::wait(self)
    }
    fn set(&self) {
        futures_intrusive::sync::ManualResetEvent::set(self);
    }
}

/// futures-intrusive has no condition variable or wait queue that keeps a wake-up for a waiter
/// that has not polled yet, so this is Dijkstra's bounded buffer: a mutex and two counting
/// semaphores (free slots, filled slots).
pub struct FuturesIntrusiveBuffer {
    items: futures_intrusive::sync::Mutex<VecDeque<u64>>,
    filled: futures_intrusive::sync::Semaphore,
    free: futures_intrusive::sync::Semaphore,
}

impl BoundedBuffer for FuturesIntrusiveBuffer {
    fn new(capacity: usize) -> Self {
        FuturesIntrusiveBuffer {
            items: futures_intrusive::sync::Mutex::new(VecDeque::with_capacity(capacity), true),
            filled: futures_intrusive::sync::Semaphore::new(true, 0),
            free: futures_intrusive::sync::Semaphore::new(true, capacity),
        }
    }
    async fn push(&self, value: u64) {
        self.free.acquire(1).await.disarm();
        self.items.lock().await.push_back(value);
        self.filled.release(1);
    }
    async fn pop(&self) -> u64 {
        self.filled.acquire(1).await.disarm();
        let value = self.items.lock().await.pop_front();
        self.free.release(1);
        value.expect("a filled slot was acquired")
    }
}

// --- maitake-sync ---

impl AsyncMutex for maitake_sync::Mutex<u64> {
    fn new() -> Self {
        maitake_sync::Mutex::new(0)
    }
    fn lock(&self) -> impl Future<Output = impl DerefMut<Target = u64> + Send + '_> + Send {
        maitake_sync::Mutex::lock(self)
    }
    fn try_lock(&self) -> Option<impl DerefMut<Target = u64> + '_> {
        maitake_sync::Mutex::try_lock(self)
    }
}

/// `Semaphore::new` uses maitake's spinlock for its wait list: the `std` feature only changes the
/// default mutex of the other primitives.
impl AsyncSemaphore for maitake_sync::Semaphore {
    fn new(permits: usize) -> Self {
        maitake_sync::Semaphore::new(permits)
    }
    fn acquire(&self) -> impl Future<Output = impl Send + '_> + Send {
        maitake_sync::Semaphore::acquire(self, 1)
    }
    fn try_acquire(&self) -> Option<impl Sized + '_> {
        maitake_sync::Semaphore::try_acquire(self, 1).ok()
    }
}

impl AsyncEvent for maitake_sync::WaitQueue {
    fn new() -> Self {
        maitake_sync::WaitQueue::new()
    }
    fn wait(&self) -> impl Future + '_ {
        maitake_sync::WaitQueue::wait(self)
    }
    fn set(&self) {
        self.wake_all();
    }
}

/// maitake's `Mutex` with two `WaitQueue`s, which, like tokio's `Notify`, keep one wake-up for
/// a waiter that has not polled yet.
pub struct MaitakeBuffer {
    items: maitake_sync::Mutex<VecDeque<u64>>,
    not_empty: maitake_sync::WaitQueue,
    not_full: maitake_sync::WaitQueue,
    capacity: usize,
}

impl BoundedBuffer for MaitakeBuffer {
    fn new(capacity: usize) -> Self {
        MaitakeBuffer {
            items: maitake_sync::Mutex::new(VecDeque::with_capacity(capacity)),
            not_empty: maitake_sync::WaitQueue::new(),
            not_full: maitake_sync::WaitQueue::new(),
            capacity,
        }
    }
    async fn push(&self, value: u64) {
        loop {
            let mut items = self.items.lock().await;
            if items.len() < self.capacity {
                items.push_back(value);
                drop(items);
                self.not_empty.wake();
                return;
            }
            let not_full = self.not_full.wait();
            drop(items);
            not_full.await.expect("never closed");
        }
    }
    async fn pop(&self) -> u64 {
        loop {
            let mut items = self.items.lock().await;
            if let Some(value) = items.pop_front() {
                drop(items);
                self.not_full.wake();
                return value;
            }
            let not_empty = self.not_empty.wait();
            drop(items);
            not_empty.await.expect("never closed");
        }
    }
}

// --- asyncband (formerly mea) ---
//
// It has no fair/unfair switch: its Mutex and Semaphore share one permit queue that hands released
// permits straight to the oldest waiter and only lets newcomers take permits while nobody waits, so
// both are FIFO with no barging, like aiosync, tokio and maitake-sync.

impl AsyncMutex for asyncband::mutex::Mutex<u64> {
    fn new() -> Self {
        asyncband::mutex::Mutex::new(0)
    }
    fn lock(&self) -> impl Future<Output = impl DerefMut<Target = u64> + Send + '_> + Send {
        asyncband::mutex::Mutex::lock(self)
    }
    fn try_lock(&self) -> Option<impl DerefMut<Target = u64> + '_> {
        asyncband::mutex::Mutex::try_lock(self)
    }
}

impl AsyncSemaphore for asyncband::semaphore::Semaphore {
    fn new(permits: usize) -> Self {
        asyncband::semaphore::Semaphore::new(permits)
    }
    fn acquire(&self) -> impl Future<Output = impl Send + '_> + Send {
        asyncband::semaphore::Semaphore::acquire(self, 1)
    }
    fn try_acquire(&self) -> Option<impl Sized + '_> {
        asyncband::semaphore::Semaphore::try_acquire(self, 1)
    }
}

/// A manual-reset event: `set` wakes every waiter, oldest first, and later waits complete at once.
impl AsyncEvent for asyncband::event::ManualResetEvent {
    fn new() -> Self {
        asyncband::event::ManualResetEvent::new()
    }
    fn wait(&self) -> impl Future + '_ {
        asyncband::event::ManualResetEvent::wait(self)
    }
    fn set(&self) {
        asyncband::event::ManualResetEvent::set(self);
    }
}

impl AsyncBarrier for asyncband::barrier::Barrier {
    fn new(parties: usize) -> Self {
        asyncband::barrier::Barrier::new(u32::try_from(parties).expect("parties fit in a u32"))
    }
    fn wait(&self) -> impl Future<Output = impl BarrierResult> + Send + '_ {
        asyncband::barrier::Barrier::wait(self)
    }
}

impl BarrierResult for asyncband::barrier::BarrierWaitResult {
    fn is_leader(&self) -> bool {
        asyncband::barrier::BarrierWaitResult::is_leader(self)
    }
}

/// asyncband's `Mutex` and two `Condvar`s, the only other condition variable bound to a lock.
/// Waiters are notified in FIFO order, but unlike aiosync's `Condition` a notified waiter
/// re-acquires the mutex only when it runs, queueing behind whoever asked for it in between.
/// A waiter is registered before it releases the mutex, so notifying after unlocking, as the other
/// peers do, loses no wake-up and spares the woken task a collision with the notifier.
pub struct AsyncbandBuffer {
    items: asyncband::mutex::Mutex<VecDeque<u64>>,
    not_empty: asyncband::condvar::Condvar,
    not_full: asyncband::condvar::Condvar,
    capacity: usize,
}

impl BoundedBuffer for AsyncbandBuffer {
    fn new(capacity: usize) -> Self {
        AsyncbandBuffer {
            items: asyncband::mutex::Mutex::new(VecDeque::with_capacity(capacity)),
            not_empty: asyncband::condvar::Condvar::new(),
            not_full: asyncband::condvar::Condvar::new(),
            capacity,
        }
    }
    async fn push(&self, value: u64) {
        let cap = self.capacity;
        let items = self.items.lock().await;
        let mut items = self.not_full.wait_while(items, |q| q.len() >= cap).await;
        items.push_back(value);
        drop(items);
        self.not_empty.notify_one();
    }
    async fn pop(&self) -> u64 {
        let items = self.items.lock().await;
        let mut items = self.not_empty.wait_while(items, |q| q.is_empty()).await;
        let value = items.pop_front().expect("predicate checked");
        drop(items);
        self.not_full.notify_one();
        value
    }
}

// --- the synchronous floor ---

impl SyncMutex for std::sync::Mutex<u64> {
    fn new() -> Self {
        std::sync::Mutex::new(0)
    }
    fn lock(&self) -> impl DerefMut<Target = u64> + '_ {
        std::sync::Mutex::lock(self).expect("never poisoned")
    }
    fn try_lock(&self) -> Option<impl DerefMut<Target = u64> + '_> {
        std::sync::Mutex::try_lock(self).ok()
    }
}

impl SyncMutex for parking_lot::Mutex<u64> {
    fn new() -> Self {
        parking_lot::Mutex::new(0)
    }
    fn lock(&self) -> impl DerefMut<Target = u64> + '_ {
        parking_lot::Mutex::lock(self)
    }
    fn try_lock(&self) -> Option<impl DerefMut<Target = u64> + '_> {
        parking_lot::Mutex::try_lock(self)
    }
}

// --- queues: aiosync's Queue against the channels people use instead ---

/// A bounded queue of `u64` with a sending and a receiving end: aiosync's `Queue` (both ends
/// are the queue) and each channel it is compared with.
pub trait Channel: 'static {
    type Tx: Clone + Send + Sync + 'static;
    type Rx: Send + 'static;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx);
    fn send(tx: &Self::Tx, value: u64) -> impl Future<Output = ()> + Send + '_;
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = u64> + Send + '_;
}

/// A channel with any number of receivers, each able to wait on a shared end (tokio's `mpsc`
/// has one receiver, which waits through `&mut`).
pub trait Mpmc: Channel<Rx: Clone + Sync> {
    fn recv_shared(rx: &Self::Rx) -> impl Future<Output = u64> + Send + '_;
    /// Sends without waiting; whether there was room.
    fn try_send(tx: &Self::Tx, value: u64) -> bool;
}

pub struct AiosyncQueue;

impl Channel for AiosyncQueue {
    type Tx = std::sync::Arc<aiosync::Queue<u64>>;
    type Rx = std::sync::Arc<aiosync::Queue<u64>>;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        let queue = std::sync::Arc::new(aiosync::Queue::new(capacity));
        (queue.clone(), queue)
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.put(value).await.expect("never shut down");
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.get().await.expect("never shut down")
    }
}

impl Mpmc for AiosyncQueue {
    async fn recv_shared(rx: &Self::Rx) -> u64 {
        rx.get().await.expect("never shut down")
    }
    fn try_send(tx: &Self::Tx, value: u64) -> bool {
        tx.put_nowait(value).is_ok()
    }
}

pub struct TokioMpsc;

impl Channel for TokioMpsc {
    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = tokio::sync::mpsc::Receiver<u64>;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(capacity)
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).await.expect("receiver alive");
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv().await.expect("senders alive")
    }
}

pub struct AsyncChannel;

impl Channel for AsyncChannel {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(capacity)
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).await.expect("receivers alive");
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv().await.expect("senders alive")
    }
}

impl Mpmc for AsyncChannel {
    async fn recv_shared(rx: &Self::Rx) -> u64 {
        rx.recv().await.expect("senders alive")
    }
    fn try_send(tx: &Self::Tx, value: u64) -> bool {
        tx.try_send(value).is_ok()
    }
}

pub struct Flume;

impl Channel for Flume {
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        flume::bounded(capacity)
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.send_async(value).await.expect("receivers alive");
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv_async().await.expect("senders alive")
    }
}

impl Mpmc for Flume {
    async fn recv_shared(rx: &Self::Rx) -> u64 {
        rx.recv_async().await.expect("senders alive")
    }
    fn try_send(tx: &Self::Tx, value: u64) -> bool {
        tx.try_send(value).is_ok()
    }
}
