//! Model-based property tests of the queues: random sequences of puts, gets, joins, drops,
//! `_nowait` calls, `task_done` and shutdowns, run against the real queues (polled by hand on
//! one thread, so every step is deterministic) and against a small reference model of
//! asyncio's `queues.py` as aiosync adopts it (asyncio-queue.md). After every step the results,
//! the counts and *which futures were woken* must agree; proptest shrinks a failure to a
//! minimal sequence.
//!
//! The model is CPython's code with aiosync's two deliberate differences: a dropped waiter
//! leaves its line at once, and a woken getter or putter that finds its item or slot taken
//! parks again in its place (its first ticket) instead of at the back. So each line is a set of
//! tickets, served smallest first.

mod common;

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Poll, Waker};

use aiosync::{LifoQueue, PriorityQueue, Queue, QueueShutDown, Tracked, TryGetError, TryPutError};
use common::{Counter, poll};
use proptest::prelude::*;

const SLOTS: usize = 4;
/// Sequence length bound; Miri runs about a thousand times slower, so it gets short ones.
const MAX_OPS: usize = if cfg!(miri) { 24 } else { 64 };

/// An item: compared by `key` alone, so a PriorityQueue sees ties; `id` tells items apart.
#[derive(Debug, Clone, Copy)]
struct Item {
    key: u8,
    id: u32,
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Item {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Fifo,
    Lifo,
    Priority,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    /// Start a future in the slot (if empty) and poll it once.
    Get(usize),
    GetTracked(usize),
    Put(usize),
    Join(usize),
    /// Poll the slot's future, woken or not.
    Poll(usize),
    /// Drop what the slot holds: a future at any point, or a tracked item.
    Drop(usize),
    PutNowait,
    GetNowait,
    TaskDone,
    Shutdown,
    ShutdownImmediate,
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let slot = 0..SLOTS;
    let op = prop_oneof![
        3 => slot.clone().prop_map(Op::Get),
        1 => slot.clone().prop_map(Op::GetTracked),
        3 => slot.clone().prop_map(Op::Put),
        1 => slot.clone().prop_map(Op::Join),
        4 => slot.clone().prop_map(Op::Poll),
        2 => slot.prop_map(Op::Drop),
        3 => Just(Op::PutNowait),
        3 => Just(Op::GetNowait),
        2 => Just(Op::TaskDone),
        1 => Just(Op::Shutdown),
        1 => Just(Op::ShutdownImmediate),
    ];
    prop::collection::vec(op, 1..MAX_OPS)
}

// ---------------------------------------------------------------------------------------------
// The real queue

/// The three queue types behind one interface (their futures are the same types).
enum Real {
    Fifo(Queue<Item>),
    Lifo(LifoQueue<Item>),
    Priority(PriorityQueue<Item>),
}

macro_rules! each {
    ($self:ident, $q:ident => $e:expr) => {
        match $self {
            Real::Fifo($q) => $e,
            Real::Lifo($q) => $e,
            Real::Priority($q) => $e,
        }
    };
}

type Out<'a> = Box<dyn Future<Output = Outcome<'a>> + 'a>;

/// What a slot's future resolved to.
enum Outcome<'a> {
    Got(Result<Item, QueueShutDown>),
    Tracked(Result<Tracked<'a, Item>, QueueShutDown>),
    Put(Result<(), u32>),
    Joined,
}

impl Real {
    fn new(kind: Kind, maxsize: usize) -> Self {
        match kind {
            Kind::Fifo => Real::Fifo(Queue::new(maxsize)),
            Kind::Lifo => Real::Lifo(LifoQueue::new(maxsize)),
            Kind::Priority => Real::Priority(PriorityQueue::new(maxsize)),
        }
    }

    fn future(&self, op: Op, item: Item) -> Pin<Out<'_>> {
        each!(self, q => match op {
            Op::Get(_) => Box::pin(async { Outcome::Got(q.get().await) }),
            Op::GetTracked(_) => Box::pin(async { Outcome::Tracked(q.get_tracked().await) }),
            Op::Put(_) => Box::pin(async move {
                Outcome::Put(q.put(item).await.map_err(|e| e.into_inner().id))
            }),
            _ => Box::pin(async { q.join().await; Outcome::Joined }),
        })
    }

    fn put_nowait(&self, item: Item) -> Result<(), TryPutError<Item>> {
        each!(self, q => q.put_nowait(item))
    }
    fn get_nowait(&self) -> Result<Item, TryGetError> {
        each!(self, q => q.get_nowait())
    }
    fn task_done(&self) -> bool {
        each!(self, q => q.task_done().is_ok())
    }
    fn shutdown(&self, immediate: bool) {
        each!(self, q => if immediate { q.shutdown_immediate() } else { q.shutdown() })
    }
    /// qsize, getters, putters, unfinished, is_shutdown, full, empty.
    fn counts(&self) -> (usize, usize, usize, usize, bool, bool, bool) {
        each!(self, q => (
            q.qsize(), q.getters(), q.putters(), q.unfinished_tasks(), q.is_shutdown(),
            q.full(), q.empty(),
        ))
    }
}

enum Slot<'a> {
    Empty,
    Waiting(Pin<Out<'a>>),
    /// A tracked item, held for its drop's `task_done`.
    Holding {
        _item: Tracked<'a, Item>,
    },
}

// ---------------------------------------------------------------------------------------------
// The model

#[derive(Clone, Copy, Debug, PartialEq)]
enum What {
    Get { tracked: bool },
    Put(Item),
    Join,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Stage {
    /// Created, not polled yet.
    Idle,
    /// Parked in its line with this ticket (joiners: the `finished` count it saw).
    Parked(usize),
    /// Woken, not yet polled; keeps its ticket.
    Woken(usize),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum MSlot {
    Empty,
    Waiting(What, Stage),
    Holding,
}

/// What the model expects a poll to give.
#[derive(Debug, PartialEq)]
enum Expect {
    Pending,
    Got(Result<u32, ()>),
    Put(Result<(), u32>),
    Joined,
}

struct Model {
    kind: Kind,
    maxsize: usize,
    items: Vec<Item>,
    getters: BTreeSet<(usize, usize)>,
    putters: BTreeSet<(usize, usize)>,
    next_ticket: usize,
    unfinished: usize,
    finished: usize,
    shutdown: bool,
    slots: [MSlot; SLOTS],
    /// Slots woken by the current step.
    woken: Vec<usize>,
}

impl Model {
    fn full(&self) -> bool {
        self.maxsize > 0 && self.items.len() >= self.maxsize
    }

    fn pop(&mut self) -> Option<Item> {
        if self.items.is_empty() {
            return None;
        }
        let at = match self.kind {
            Kind::Fifo => 0,
            Kind::Lifo => self.items.len() - 1,
            // The smallest key; the oldest of equal keys.
            Kind::Priority => (0..self.items.len())
                .min_by_key(|&i| (self.items[i].key, i))
                .unwrap(),
        };
        Some(self.items.remove(at))
    }

    /// asyncio's `_wakeup_next`, on the line of `getters` or `putters`: the smallest ticket.
    fn wake_next(&mut self, getters: bool) {
        let line = if getters {
            &mut self.getters
        } else {
            &mut self.putters
        };
        if let Some((ticket, slot)) = line.pop_first() {
            let MSlot::Waiting(what, _) = self.slots[slot] else {
                unreachable!()
            };
            self.slots[slot] = MSlot::Waiting(what, Stage::Woken(ticket));
            self.woken.push(slot);
        }
    }

    fn add(&mut self, item: Item) {
        self.items.push(item);
        self.unfinished += 1;
        self.wake_next(true);
    }

    fn release_joiners(&mut self) {
        self.finished += 1;
        for slot in 0..SLOTS {
            if let MSlot::Waiting(What::Join, Stage::Parked(_)) = self.slots[slot] {
                self.slots[slot] = MSlot::Waiting(What::Join, Stage::Woken(0));
                self.woken.push(slot);
            }
        }
    }

    fn task_done(&mut self) -> bool {
        if self.unfinished == 0 {
            return false;
        }
        self.unfinished -= 1;
        if self.unfinished == 0 {
            self.release_joiners();
        }
        true
    }

    fn park(&mut self, slot: usize, what: What, stage: Stage) {
        let ticket = match stage {
            Stage::Woken(ticket) => ticket,
            _ => {
                self.next_ticket += 1;
                self.next_ticket
            }
        };
        let line = match what {
            What::Get { .. } => &mut self.getters,
            _ => &mut self.putters,
        };
        line.insert((ticket, slot));
        self.slots[slot] = MSlot::Waiting(what, Stage::Parked(ticket));
    }

    fn poll(&mut self, slot: usize) -> Expect {
        let MSlot::Waiting(what, stage) = self.slots[slot] else {
            unreachable!()
        };
        if let Stage::Parked(_) = stage {
            return Expect::Pending;
        }
        let done = match what {
            What::Get { tracked } => {
                if let Some(item) = self.pop() {
                    self.wake_next(false);
                    self.slots[slot] = if tracked {
                        MSlot::Holding
                    } else {
                        MSlot::Empty
                    };
                    return Expect::Got(Ok(item.id));
                } else if self.shutdown {
                    Expect::Got(Err(()))
                } else {
                    self.park(slot, what, stage);
                    return Expect::Pending;
                }
            }
            What::Put(item) => {
                if self.shutdown {
                    Expect::Put(Err(item.id))
                } else if !self.full() {
                    self.add(item);
                    Expect::Put(Ok(()))
                } else {
                    self.park(slot, what, stage);
                    return Expect::Pending;
                }
            }
            What::Join => {
                if stage == Stage::Idle && self.unfinished > 0 {
                    self.slots[slot] = MSlot::Waiting(what, Stage::Parked(self.finished));
                    return Expect::Pending;
                }
                Expect::Joined
            }
        };
        self.slots[slot] = MSlot::Empty;
        done
    }

    fn drop_slot(&mut self, slot: usize) {
        match std::mem::replace(&mut self.slots[slot], MSlot::Empty) {
            MSlot::Empty => {}
            MSlot::Holding => {
                self.task_done();
            }
            MSlot::Waiting(what, stage) => match (what, stage) {
                (What::Get { .. }, Stage::Parked(t)) => assert!(self.getters.remove(&(t, slot))),
                (What::Put(_), Stage::Parked(t)) => assert!(self.putters.remove(&(t, slot))),
                // asyncio's `except` paths: a woken getter or putter passes the wake-up on.
                (What::Get { .. }, Stage::Woken(_)) if !self.items.is_empty() => {
                    self.wake_next(true)
                }
                (What::Put(_), Stage::Woken(_)) if !self.full() => self.wake_next(false),
                _ => {}
            },
        }
    }

    fn shutdown(&mut self, immediate: bool) {
        self.shutdown = true;
        if immediate {
            let drained = self.items.len();
            self.items.clear();
            self.unfinished = self.unfinished.saturating_sub(drained);
            if self.unfinished == 0 {
                self.release_joiners();
            }
        }
        while !self.getters.is_empty() {
            self.wake_next(true);
        }
        while !self.putters.is_empty() {
            self.wake_next(false);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The run

fn run(kind: Kind, maxsize: usize, ops: &[Op]) -> Result<(), TestCaseError> {
    let real = Real::new(kind, maxsize);
    let mut slots: Vec<Slot<'_>> = (0..SLOTS).map(|_| Slot::Empty).collect();
    let wakers: Vec<(Arc<Counter>, Waker)> = (0..SLOTS).map(|_| Counter::new()).collect();
    let mut model = Model {
        kind,
        maxsize,
        items: Vec::new(),
        getters: BTreeSet::new(),
        putters: BTreeSet::new(),
        next_ticket: 0,
        unfinished: 0,
        finished: 0,
        shutdown: false,
        slots: [MSlot::Empty; SLOTS],
        woken: Vec::new(),
    };
    let mut next_id = 0;
    let mut new_item = || {
        next_id += 1;
        Item {
            key: (next_id % 3) as u8,
            id: next_id,
        }
    };
    for (step, &op) in ops.iter().enumerate() {
        let before: Vec<usize> = wakers.iter().map(|(c, _)| c.wakes()).collect();
        model.woken.clear();
        let ctx = || format!("step {step}: {op:?} ({kind:?}, maxsize {maxsize})");

        // Polls slot `s`, checking the outcome against the model's.
        let poll_slot = |slots: &mut Vec<Slot<'_>>, model: &mut Model, s: usize| {
            let Slot::Waiting(fut) = &mut slots[s] else {
                return Ok(());
            };
            let expect = model.poll(s);
            let got = match poll(fut.as_mut(), &wakers[s].1) {
                Poll::Pending => Expect::Pending,
                Poll::Ready(out) => {
                    slots[s] = Slot::Empty;
                    match out {
                        Outcome::Got(r) => Expect::Got(r.map(|i| i.id).map_err(drop)),
                        Outcome::Tracked(r) => match r {
                            Ok(t) => {
                                let id = t.id;
                                slots[s] = Slot::Holding { _item: t };
                                Expect::Got(Ok(id))
                            }
                            Err(_) => Expect::Got(Err(())),
                        },
                        Outcome::Put(r) => Expect::Put(r),
                        Outcome::Joined => Expect::Joined,
                    }
                }
            };
            prop_assert_eq!(got, expect, "{}", ctx());
            Ok(())
        };

        match op {
            Op::Get(s) | Op::GetTracked(s) | Op::Put(s) | Op::Join(s) => {
                if matches!(slots[s], Slot::Empty) {
                    let item = new_item();
                    let what = match op {
                        Op::Get(_) => What::Get { tracked: false },
                        Op::GetTracked(_) => What::Get { tracked: true },
                        Op::Put(_) => What::Put(item),
                        _ => What::Join,
                    };
                    slots[s] = Slot::Waiting(real.future(op, item));
                    model.slots[s] = MSlot::Waiting(what, Stage::Idle);
                    poll_slot(&mut slots, &mut model, s)?;
                }
            }
            Op::Poll(s) => poll_slot(&mut slots, &mut model, s)?,
            Op::Drop(s) => {
                slots[s] = Slot::Empty;
                model.drop_slot(s);
            }
            Op::PutNowait => {
                let item = new_item();
                let got = real
                    .put_nowait(item)
                    .map_err(|e| (e.is_full(), e.into_inner().id));
                let expect = if model.shutdown {
                    Err((false, item.id))
                } else if model.full() {
                    Err((true, item.id))
                } else {
                    model.add(item);
                    Ok(())
                };
                prop_assert_eq!(got, expect, "{}", ctx());
            }
            Op::GetNowait => {
                let got = real.get_nowait().map(|i| i.id);
                let expect = match model.pop() {
                    Some(item) => {
                        model.wake_next(false);
                        Ok(item.id)
                    }
                    None if model.shutdown => Err(TryGetError::ShutDown),
                    None => Err(TryGetError::Empty),
                };
                prop_assert_eq!(got, expect, "{}", ctx());
            }
            Op::TaskDone => prop_assert_eq!(real.task_done(), model.task_done(), "{}", ctx()),
            Op::Shutdown | Op::ShutdownImmediate => {
                let immediate = matches!(op, Op::ShutdownImmediate);
                real.shutdown(immediate);
                model.shutdown(immediate);
            }
        }

        let woken: Vec<usize> = (0..SLOTS)
            .filter(|&s| wakers[s].0.wakes() > before[s])
            .collect();
        let mut expected = model.woken.clone();
        expected.sort_unstable();
        expected.dedup();
        prop_assert_eq!(woken, expected, "woken tasks differ at {}", ctx());
        let m = &model;
        let counts = (
            m.items.len(),
            m.getters.len(),
            m.putters.len(),
            m.unfinished,
            m.shutdown,
            m.full(),
            m.items.is_empty(),
        );
        prop_assert_eq!(real.counts(), counts, "counts differ at {}", ctx());
    }
    Ok(())
}

fn kinds() -> impl Strategy<Value = Kind> {
    prop_oneof![Just(Kind::Fifo), Just(Kind::Lifo), Just(Kind::Priority)]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 8 } else { 2000 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn queues_follow_the_model(kind in kinds(), maxsize in 0..3usize, ops in ops()) {
        run(kind, maxsize, &ops)?;
    }
}
