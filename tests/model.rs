//! Model-based property tests: random operation sequences run against the real primitives, polled
//! by hand on one thread (so every step is deterministic), and against a small reference model of
//! asyncio's semantics as aiosync adopts them. After every step the observable state must agree;
//! proptest shrinks a failure to a minimal sequence.
//!
//! The model is CPython's (asyncio-semantics.md §3 and §4): a permit is reserved for a waiter at
//! release time; a granted waiter that has not resumed still counts as waiting, so newcomers
//! queue behind it even while spare permits exist, and it hands them on when it resumes or is
//! dropped; a notified Condition waiter is woken and re-acquires the lock when it next runs.
//!
//! The Lock and the semaphores also run under `Fairness::Bounded(k)` against the policy's rules:
//! a release leaves its permit free while the oldest waiter has been bypassed fewer than `k`
//! times, anyone not queued may then take it (counted), the oldest waiter takes it when it polls,
//! and once the count reaches `k` releases (and a resumed waiter's spare permits) go to the
//! queue in FIFO order. The count restarts whenever the oldest waiter changes.
//!
//! The semaphores are also resized (`reduce_permits`, `drain_permits`, `set_bound`) against the
//! deficit model: a shrink takes available permits and owes the rest; released permits repay
//! what is owed before anything else happens to them; growing is a release of the difference.

mod common;

use std::collections::VecDeque;
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::Poll;

use aiosync::{
    BoundedSemaphore, Condition, Event, Fairness, Lock, LockGuard, Semaphore, SemaphorePermit,
};
use common::poll_noop;
use proptest::prelude::*;

const SLOTS: usize = 4;
/// Sequence length bound; Miri runs about a thousand times slower, so it gets short ones.
const MAX_OPS: usize = if cfg!(miri) { 24 } else { 64 };

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// A task's handle on the primitive: nothing, a pending future, or what it resolved to.
enum Slot<'a, G> {
    Empty,
    Waiting(BoxFuture<'a, G>),
    Holding(G),
}

#[derive(Clone, Copy, Debug)]
enum PermitOp {
    /// Create an acquire future in the slot and poll it once.
    Acquire(usize),
    Poll(usize),
    /// Drop whatever the slot holds: a pending or granted future, or a guard.
    Drop(usize),
    TryAcquire(usize),
    Forget(usize),
    Release,
    /// Requests for no permits: `acquire_many(0)`, `try_acquire_many(0)`, `release_many(0)`.
    Zero,
    /// Lowers the capacity: `reduce_permits`, or `set_bound` lower (not below zero).
    Shrink(usize),
    /// Raises the capacity: `release_many`, or `set_bound` higher.
    Grow(usize),
    /// `drain_permits`.
    Drain,
}

fn permit_ops() -> impl Strategy<Value = Vec<PermitOp>> {
    let slot = 0..SLOTS;
    let op = prop_oneof![
        3 => slot.clone().prop_map(PermitOp::Acquire),
        3 => slot.clone().prop_map(PermitOp::Poll),
        3 => slot.clone().prop_map(PermitOp::Drop),
        1 => slot.clone().prop_map(PermitOp::TryAcquire),
        1 => slot.prop_map(PermitOp::Forget),
        1 => Just(PermitOp::Release),
        1 => Just(PermitOp::Zero),
        1 => (1..3usize).prop_map(PermitOp::Shrink),
        1 => (1..3usize).prop_map(PermitOp::Grow),
        1 => Just(PermitOp::Drain),
    ];
    prop::collection::vec(op, 1..MAX_OPS)
}

/// What the three permit-based primitives have in common, for one model to drive them all.
trait Permits {
    type Guard<'a>
    where
        Self: 'a;
    fn acquire(&self) -> BoxFuture<'_, Self::Guard<'_>>;
    fn try_acquire(&self) -> Option<Self::Guard<'_>>;
    fn available(&self) -> usize;
    fn locked(&self) -> bool;
    fn waiters(&self) -> usize;
    /// asyncio's `release()`; `None` where the type has none.
    fn release(&self) -> Option<bool>;
    /// Gives the permit up without returning it; `false` where the type cannot.
    fn forget(guard: Self::Guard<'_>) -> bool;
    /// Asks for and gives back no permits; whether each request completed at once. A `Lock`
    /// has no such requests.
    fn zero(&self) -> bool {
        true
    }
    /// Lowers the capacity by up to `n`; by how much, or `None` where the type cannot.
    fn shrink(&self, _n: usize) -> Option<usize> {
        None
    }
    /// Raises the capacity by `n`; `false` where the type cannot.
    fn grow(&self, _n: usize) -> bool {
        false
    }
    /// `drain_permits`, where the type has it.
    fn drain(&self) -> Option<usize> {
        None
    }
    fn deficit(&self) -> usize {
        0
    }
}

impl Permits for Lock {
    type Guard<'a> = LockGuard<'a, ()>;
    fn acquire(&self) -> BoxFuture<'_, Self::Guard<'_>> {
        Box::pin(Lock::acquire(self))
    }
    fn try_acquire(&self) -> Option<Self::Guard<'_>> {
        Lock::try_acquire(self)
    }
    fn available(&self) -> usize {
        usize::from(!self.locked())
    }
    fn locked(&self) -> bool {
        Lock::locked(self)
    }
    fn waiters(&self) -> usize {
        Lock::waiters(self)
    }
    fn release(&self) -> Option<bool> {
        None
    }
    fn forget(_: Self::Guard<'_>) -> bool {
        false
    }
}

impl Permits for Semaphore {
    type Guard<'a> = SemaphorePermit<'a>;
    fn acquire(&self) -> BoxFuture<'_, Self::Guard<'_>> {
        Box::pin(Semaphore::acquire(self))
    }
    fn try_acquire(&self) -> Option<Self::Guard<'_>> {
        Semaphore::try_acquire(self)
    }
    fn available(&self) -> usize {
        self.available_permits()
    }
    fn locked(&self) -> bool {
        Semaphore::locked(self)
    }
    fn waiters(&self) -> usize {
        Semaphore::waiters(self)
    }
    fn release(&self) -> Option<bool> {
        Semaphore::release(self);
        Some(true)
    }
    fn forget(guard: Self::Guard<'_>) -> bool {
        guard.forget();
        true
    }
    fn zero(&self) -> bool {
        let now = poll_noop(pin!(self.acquire_many(0))).is_ready();
        let tried = self.try_acquire_many(0).is_some();
        self.release_many(0);
        now && tried
    }
    fn shrink(&self, n: usize) -> Option<usize> {
        self.reduce_permits(n);
        Some(n)
    }
    fn grow(&self, n: usize) -> bool {
        self.release_many(n);
        true
    }
    fn drain(&self) -> Option<usize> {
        Some(self.drain_permits())
    }
    fn deficit(&self) -> usize {
        Semaphore::deficit(self)
    }
}

impl Permits for BoundedSemaphore {
    type Guard<'a> = SemaphorePermit<'a>;
    fn acquire(&self) -> BoxFuture<'_, Self::Guard<'_>> {
        Box::pin(BoundedSemaphore::acquire(self))
    }
    fn try_acquire(&self) -> Option<Self::Guard<'_>> {
        BoundedSemaphore::try_acquire(self)
    }
    fn available(&self) -> usize {
        self.available_permits()
    }
    fn locked(&self) -> bool {
        BoundedSemaphore::locked(self)
    }
    fn waiters(&self) -> usize {
        BoundedSemaphore::waiters(self)
    }
    fn release(&self) -> Option<bool> {
        Some(BoundedSemaphore::release(self).is_ok())
    }
    fn forget(guard: Self::Guard<'_>) -> bool {
        guard.forget();
        true
    }
    fn zero(&self) -> bool {
        let now = poll_noop(pin!(self.acquire_many(0).unwrap())).is_ready();
        let tried = self.try_acquire_many(0).is_some();
        let released = self.release_many(0).is_ok();
        now && tried && released
    }
    fn shrink(&self, n: usize) -> Option<usize> {
        let n = n.min(self.bound());
        self.set_bound(self.bound() - n);
        Some(n)
    }
    fn grow(&self, n: usize) -> bool {
        self.set_bound(self.bound() + n);
        true
    }
    fn deficit(&self) -> usize {
        BoundedSemaphore::deficit(self)
    }
}

/// The reference: CPython's `_value`, its FIFO of pending waiters, and the waiters granted but not
/// yet resumed (still in CPython's `_waiters`).
struct PermitModel {
    value: usize,
    queue: VecDeque<usize>,
    granted: Vec<usize>,
    /// BoundedSemaphore: how many permits were forgotten (and so may be released again).
    forgotten: usize,
    bounded: bool,
    /// A `Lock` counts a granted waiter as the holder, not a waiter (its `waiters()`).
    lock: bool,
    /// `Some(k)` under `Fairness::Bounded(k)`.
    limit: Option<usize>,
    /// Bypasses of the oldest waiter, under the bounded policy.
    bypassed: usize,
    /// Bounded: acquires that took a permit on their first poll. Unlike `granted` waiters they
    /// never queued, so they hand nothing on when they complete.
    taken: Vec<usize>,
    /// Permits owed after a shrink; while above zero, `value` is zero.
    deficit: usize,
}

impl PermitModel {
    fn new(value: usize, bounded: bool, lock: bool) -> Self {
        PermitModel {
            value,
            queue: VecDeque::new(),
            granted: Vec::new(),
            forgotten: 0,
            bounded,
            lock,
            limit: None,
            bypassed: 0,
            taken: Vec::new(),
            deficit: 0,
        }
    }

    fn with_limit(mut self, limit: Option<usize>) -> Self {
        self.limit = limit;
        self
    }

    /// Under the bounded policy: whether the oldest waiter has been bypassed as often as allowed.
    fn used_up(&self, limit: usize) -> bool {
        !self.queue.is_empty() && self.bypassed >= limit
    }

    /// `locked()`: an acquire would wait.
    fn locked(&self) -> bool {
        match self.limit {
            None => self.value == 0 || !self.queue.is_empty() || !self.granted.is_empty(),
            Some(limit) => self.value == 0 || self.used_up(limit),
        }
    }

    /// Takes a permit without queueing, if `locked()` allows; counts a bypass.
    fn take_now(&mut self) -> bool {
        if self.locked() {
            return false;
        }
        self.value -= 1;
        if !self.queue.is_empty() {
            self.bypassed += 1;
        }
        true
    }

    /// A new acquire of `slot`: the fast path, or the back of the queue.
    fn acquire(&mut self, slot: usize) {
        if self.take_now() {
            if self.limit.is_some() {
                self.taken.push(slot);
            } else {
                self.granted.push(slot);
            }
        } else {
            self.queue.push_back(slot);
        }
    }

    /// Whether a poll of `slot` completes: granted, or (bounded) the oldest waiter finding a
    /// free permit.
    fn ready(&self, slot: usize) -> bool {
        self.granted.contains(&slot)
            || self.taken.contains(&slot)
            || self.limit.is_some() && self.value > 0 && self.queue.front() == Some(&slot)
    }

    /// Released permits repay the deficit first; returns how many are left.
    fn repay(&mut self, n: usize) -> usize {
        let repaid = n.min(self.deficit);
        self.deficit -= repaid;
        n - repaid
    }

    /// A shrink by `n`: available permits first, the rest owed.
    fn shrink(&mut self, n: usize) {
        let taken = n.min(self.value);
        self.value -= taken;
        self.deficit += n - taken;
    }

    /// `drain_permits()`: every available permit.
    fn drain(&mut self) -> usize {
        std::mem::take(&mut self.value)
    }

    /// `release_many(n)`, and a growth by `n`: the deficit first, then, FIFO, one waiter per
    /// permit; under the bounded policy the permits are left free or, once the oldest waiter's
    /// count is used up, all handed to the queue.
    fn grow(&mut self, n: usize) {
        let n = self.repay(n);
        match self.limit {
            None => (0..n).for_each(|_| self.release_one()),
            Some(limit) => {
                self.value += n;
                if self.queue.is_empty() || self.bypassed >= limit {
                    self.force();
                }
            }
        }
    }

    /// `release()`: `_value += 1`, then `_wake_up_next()` wakes (at most) one pending waiter.
    /// Bounded: the permit is left free unless the oldest waiter's count is used up. A deficit
    /// takes it first.
    fn release_one(&mut self) {
        if self.repay(1) == 0 {
            return;
        }
        if let Some(limit) = self.limit {
            if self.queue.is_empty() || self.bypassed >= limit {
                self.value += 1;
                self.force();
            } else {
                self.value += 1;
            }
            return;
        }
        match self.queue.pop_front() {
            Some(slot) => self.granted.push(slot),
            None => self.value += 1,
        }
    }

    /// Bounded: every free permit goes to the queue in FIFO order.
    fn force(&mut self) {
        while self.value > 0 {
            let Some(slot) = self.queue.pop_front() else {
                break;
            };
            self.value -= 1;
            self.bypassed = 0;
            self.granted.push(slot);
        }
    }

    /// An acquire's `finally`: wake as many pending waiters as there are spare permits.
    fn wake_spare(&mut self) {
        while self.value > 0 {
            let Some(slot) = self.queue.pop_front() else {
                break;
            };
            self.value -= 1;
            self.granted.push(slot);
        }
    }

    fn waiters(&self) -> usize {
        self.queue.len() + if self.lock { 0 } else { self.granted.len() }
    }

    /// `slot`'s acquire completed (`true`) or was cancelled.
    fn leave(&mut self, slot: usize, completed: bool) {
        if let Some(limit) = self.limit {
            if self.taken.contains(&slot) {
                self.taken.retain(|&s| s != slot);
                return;
            }
            if self.granted.contains(&slot) {
                self.granted.retain(|&s| s != slot);
                if !completed {
                    self.release_one();
                }
            } else if self.queue.front() == Some(&slot) {
                self.queue.pop_front();
                self.bypassed = 0;
                if completed {
                    self.value -= 1; // the oldest waiter took the free permit
                }
            } else {
                self.queue.retain(|&s| s != slot);
            }
            if self.used_up(limit) {
                self.force();
            }
            return;
        }
        if self.granted.contains(&slot) {
            self.granted.retain(|&s| s != slot);
            if !completed {
                self.value += self.repay(1); // the reservation is undone
            }
        } else {
            self.queue.retain(|&s| s != slot);
        }
        self.wake_spare();
    }
}

fn run_permits<P: Permits>(prim: &P, initial: usize, bounded: bool, lock: bool, ops: &[PermitOp]) {
    run_permits_fair(prim, initial, bounded, lock, None, ops);
}

fn run_permits_fair<P: Permits>(
    prim: &P,
    initial: usize,
    bounded: bool,
    lock: bool,
    limit: Option<usize>,
    ops: &[PermitOp],
) {
    let mut slots: Vec<Slot<'_, P::Guard<'_>>> = (0..SLOTS).map(|_| Slot::Empty).collect();
    let mut m = PermitModel::new(initial, bounded, lock).with_limit(limit);
    for (step, &op) in ops.iter().enumerate() {
        match op {
            PermitOp::Acquire(i) | PermitOp::Poll(i) => {
                if let (PermitOp::Acquire(_), Slot::Empty) = (op, &slots[i]) {
                    slots[i] = Slot::Waiting(prim.acquire());
                    m.acquire(i);
                }
                if let Slot::Waiting(fut) = &mut slots[i] {
                    let expect_ready = m.ready(i);
                    match poll_noop(fut.as_mut()) {
                        Poll::Ready(guard) => {
                            assert!(expect_ready, "step {step}: {op:?} completed out of turn");
                            m.leave(i, true);
                            slots[i] = Slot::Holding(guard);
                        }
                        Poll::Pending => assert!(!expect_ready, "step {step}: {op:?} not granted"),
                    }
                }
            }
            PermitOp::Drop(i) => match std::mem::replace(&mut slots[i], Slot::Empty) {
                Slot::Empty => {}
                Slot::Holding(_) => m.release_one(),
                Slot::Waiting(_) => m.leave(i, false),
            },
            PermitOp::TryAcquire(i) => {
                if let Slot::Empty = slots[i] {
                    let got = prim.try_acquire();
                    let expect = m.take_now();
                    assert_eq!(got.is_some(), expect, "step {step}: {op:?}");
                    if let Some(guard) = got {
                        slots[i] = Slot::Holding(guard);
                    }
                }
            }
            PermitOp::Forget(i) => {
                if let Slot::Holding(_) = slots[i] {
                    let Slot::Holding(guard) = std::mem::replace(&mut slots[i], Slot::Empty) else {
                        unreachable!()
                    };
                    if P::forget(guard) {
                        m.forgotten += 1;
                    } else {
                        m.release_one();
                    }
                }
            }
            PermitOp::Release => match prim.release() {
                None => {}
                Some(ok) if m.bounded => {
                    assert_eq!(ok, m.forgotten > 0, "step {step}: bounded release");
                    if ok {
                        m.forgotten -= 1;
                        m.release_one();
                    }
                }
                Some(_) => m.release_one(),
            },
            // Changes nothing, whoever waits: the checks below hold the model unchanged.
            PermitOp::Zero => assert!(prim.zero(), "step {step}: a request for 0 permits waited"),
            PermitOp::Shrink(n) => {
                if let Some(n) = prim.shrink(n) {
                    m.shrink(n);
                }
            }
            PermitOp::Grow(n) => {
                if prim.grow(n) {
                    m.grow(n);
                }
            }
            PermitOp::Drain => {
                if let Some(got) = prim.drain() {
                    assert_eq!(got, m.drain(), "step {step}: drained");
                }
            }
        }
        assert_eq!(
            prim.available(),
            m.value,
            "step {step}: {op:?}: available permits"
        );
        assert_eq!(prim.waiters(), m.waiters(), "step {step}: {op:?}: waiters");
        assert_eq!(prim.deficit(), m.deficit, "step {step}: {op:?}: deficit");
        assert_eq!(prim.locked(), m.locked(), "step {step}: {op:?}: locked");
    }
}

#[derive(Clone, Copy, Debug)]
enum EventOp {
    Wait(usize),
    Poll(usize),
    Drop(usize),
    Set,
    Clear,
}

fn event_ops() -> impl Strategy<Value = Vec<EventOp>> {
    let slot = 0..SLOTS;
    let op = prop_oneof![
        3 => slot.clone().prop_map(EventOp::Wait),
        3 => slot.clone().prop_map(EventOp::Poll),
        2 => slot.prop_map(EventOp::Drop),
        1 => Just(EventOp::Set),
        1 => Just(EventOp::Clear),
    ];
    prop::collection::vec(op, 1..MAX_OPS)
}

#[derive(Clone, Copy, Debug)]
enum CondOp {
    /// The slot's task starts acquiring the lock (polled once).
    Acquire(usize),
    /// Polls whatever the slot waits on.
    Poll(usize),
    /// The slot's task, holding the lock, starts a `wait` (polled once).
    Wait(usize),
    /// The slot's task, holding the lock, notifies this many.
    Notify(usize, usize),
    /// Drops the slot's future or guard.
    Drop(usize),
}

fn cond_ops() -> impl Strategy<Value = Vec<CondOp>> {
    let slot = 0..SLOTS;
    let op = prop_oneof![
        3 => slot.clone().prop_map(CondOp::Acquire),
        3 => slot.clone().prop_map(CondOp::Poll),
        3 => slot.clone().prop_map(CondOp::Wait),
        2 => (slot.clone(), 0..3usize).prop_map(|(s, n)| CondOp::Notify(s, n)),
        2 => slot.prop_map(CondOp::Drop),
    ];
    prop::collection::vec(op, 1..MAX_OPS)
}

/// The Condition reference: the lock as a one-permit model, the condition's FIFO, and the
/// waiters notified but not yet run (they acquire the lock when they do).
struct CondModel {
    lock: PermitModel,
    waiting: VecDeque<usize>,
    notified: Vec<usize>,
}

impl CondModel {
    /// `notify(n)`: wakes the `n` oldest waiters.
    fn notify(&mut self, n: usize) -> usize {
        let n = n.min(self.waiting.len());
        let woken: Vec<_> = self.waiting.drain(..n).collect();
        self.notified.extend(woken);
        n
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 2 } else { 512 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn lock_matches_the_model(ops in permit_ops()) {
        run_permits(&Lock::new(()), 1, false, true, &ops);
    }

    #[test]
    fn semaphore_matches_the_model(initial in 0..3usize, ops in permit_ops()) {
        run_permits(&Semaphore::new(initial), initial, false, false, &ops);
    }

    #[test]
    fn bounded_semaphore_matches_the_model(initial in 0..3usize, ops in permit_ops()) {
        run_permits(&BoundedSemaphore::new(initial), initial, true, false, &ops);
    }

    #[test]
    fn bounded_bypass_lock_matches_the_model(k in 1..3usize, ops in permit_ops()) {
        let lock = Lock::with_fairness((), Fairness::Bounded(k as u32));
        run_permits_fair(&lock, 1, false, true, Some(k), &ops);
    }

    #[test]
    fn bounded_bypass_semaphore_matches_the_model(
        k in 1..3usize,
        initial in 0..3usize,
        ops in permit_ops(),
    ) {
        let sem = Semaphore::with_fairness(initial, Fairness::Bounded(k as u32));
        run_permits_fair(&sem, initial, false, false, Some(k), &ops);
    }

    #[test]
    fn bounded_bypass_bounded_semaphore_matches_the_model(
        k in 1..3usize,
        initial in 0..3usize,
        ops in permit_ops(),
    ) {
        let sem = BoundedSemaphore::with_fairness(initial, Fairness::Bounded(k as u32));
        run_permits_fair(&sem, initial, true, false, Some(k), &ops);
    }

    #[test]
    fn event_matches_the_model(ops in event_ops()) {
        let event = Event::new();
        let mut slots: Vec<Option<BoxFuture<'_, ()>>> = (0..SLOTS).map(|_| None).collect();
        // The model: the flag, the waiting slots, and the slots woken but not yet polled.
        let (mut flag, mut queue, mut woken) = (false, Vec::new(), Vec::new());
        for (step, &op) in ops.iter().enumerate() {
            match op {
                EventOp::Wait(i) | EventOp::Poll(i) => {
                    if let (EventOp::Wait(_), None) = (op, &slots[i]) {
                        slots[i] = Some(Box::pin(event.wait()));
                        if flag { woken.push(i) } else { queue.push(i) }
                    }
                    if let Some(fut) = &mut slots[i] {
                        let ready = poll_noop(fut.as_mut()).is_ready();
                        prop_assert_eq!(ready, woken.contains(&i), "step {}: {:?}", step, op);
                        if ready {
                            woken.retain(|&s| s != i);
                            slots[i] = None;
                        }
                    }
                }
                EventOp::Drop(i) => {
                    slots[i] = None;
                    queue.retain(|&s| s != i);
                    woken.retain(|&s| s != i);
                }
                EventOp::Set => {
                    event.set();
                    if !flag {
                        flag = true;
                        woken.append(&mut queue);
                    }
                }
                EventOp::Clear => {
                    event.clear();
                    flag = false;
                }
            }
            prop_assert_eq!(event.is_set(), flag);
            prop_assert_eq!(event.waiters(), queue.len(), "step {}: {:?}", step, op);
        }
    }

    #[test]
    fn condition_matches_the_model(ops in cond_ops()) {
        enum Task<'a> {
            Idle,
            Acquiring(BoxFuture<'a, LockGuard<'a, ()>>),
            Holding(LockGuard<'a, ()>),
            /// In a `wait`: queued on the condition, notified, or acquiring the lock again.
            Waiting(BoxFuture<'a, LockGuard<'a, ()>>),
        }
        let lock = Lock::new(());
        let cond = Condition::new();
        let mut tasks: Vec<Task<'_>> = (0..SLOTS).map(|_| Task::Idle).collect();
        let mut m = CondModel {
            lock: PermitModel::new(1, false, true),
            waiting: VecDeque::new(),
            notified: Vec::new(),
        };
        for (step, &op) in ops.iter().enumerate() {
            match op {
                CondOp::Acquire(i) | CondOp::Poll(i) | CondOp::Wait(i) => {
                    match (op, std::mem::replace(&mut tasks[i], Task::Idle)) {
                        (CondOp::Acquire(_), Task::Idle) => {
                            tasks[i] = Task::Acquiring(Box::pin(lock.acquire()));
                            m.lock.acquire(i);
                        }
                        (CondOp::Wait(_), Task::Holding(guard)) => {
                            tasks[i] = Task::Waiting(Box::pin(cond.wait(guard)));
                            m.waiting.push_back(i);
                            m.lock.release_one();
                        }
                        (_, task) => tasks[i] = task,
                    }
                    if let Task::Acquiring(fut) | Task::Waiting(fut) = &mut tasks[i] {
                        if m.notified.contains(&i) {
                            // Runs after its notification: starts acquiring the lock.
                            m.notified.retain(|&s| s != i);
                            m.lock.acquire(i);
                        }
                        let expect = m.lock.granted.contains(&i);
                        match poll_noop(fut.as_mut()) {
                            Poll::Ready(guard) => {
                                prop_assert!(expect, "step {}: {:?} got the lock out of turn", step, op);
                                m.lock.leave(i, true);
                                tasks[i] = Task::Holding(guard);
                            }
                            Poll::Pending => prop_assert!(!expect, "step {}: {:?} not granted", step, op),
                        }
                    }
                }
                CondOp::Notify(i, n) => {
                    if let Task::Holding(guard) = &tasks[i] {
                        let notified = cond.notify(guard, n);
                        prop_assert_eq!(notified, m.notify(n), "step {}: {:?}", step, op);
                    }
                }
                CondOp::Drop(i) => {
                    let task = std::mem::replace(&mut tasks[i], Task::Idle);
                    match task {
                        Task::Idle => {}
                        Task::Holding(_) => m.lock.release_one(),
                        Task::Acquiring(_) => m.lock.leave(i, false),
                        Task::Waiting(_) if m.waiting.contains(&i) => {
                            // Never notified: it just leaves the condition's queue.
                            m.waiting.retain(|&s| s != i);
                        }
                        Task::Waiting(_) => {
                            if m.notified.contains(&i) {
                                m.notified.retain(|&s| s != i);
                            } else {
                                m.lock.leave(i, false);
                            }
                            // The notification it took goes to the next condition waiter.
                            m.notify(1);
                        }
                    }
                }
            }
            prop_assert_eq!(lock.locked(), m.lock.locked(), "step {}: {:?}", step, op);
            prop_assert_eq!(lock.waiters(), m.lock.waiters(), "step {}: {:?}", step, op);
            prop_assert_eq!(cond.waiters(), m.waiting.len(), "step {}: {:?}", step, op);
        }
    }
}
