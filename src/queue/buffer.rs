//! The items: a FIFO, a LIFO or a priority buffer behind one enum, so that the three queue types
//! share one core (and their futures one type each). Items move only by value, in and out; the
//! buffer never drops one (the queue does, outside its lock).

use core::cmp::Ordering;
use std::any::Any;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A queue's items, in the order its kind takes them out.
pub(crate) enum Buffer<T> {
    /// `Queue`: oldest first.
    Fifo(VecDeque<T>),
    /// `LifoQueue`: newest first.
    Lifo(Vec<T>),
    /// `PriorityQueue`: smallest first, equal items oldest first.
    Priority(Heap<T>),
}

/// An item taken out of a buffer, with what it takes to put it back in the same place.
pub(crate) struct Taken<T> {
    item: T,
    /// Its sequence number in a priority buffer, where it breaks ties; 0 in the others.
    seq: u64,
}

impl<T> Taken<T> {
    pub(crate) fn into_item(self) -> T {
        self.item
    }
}

/// Where [`Buffer::insert`] puts an item: found by [`Buffer::place`] before anything changes.
#[derive(Clone, Copy)]
pub(crate) struct Place(usize);

impl<T> Buffer<T> {
    pub(crate) const fn fifo() -> Self {
        Buffer::Fifo(VecDeque::new())
    }

    pub(crate) const fn lifo() -> Self {
        Buffer::Lifo(Vec::new())
    }

    pub(crate) const fn priority() -> Self
    where
        T: Ord,
    {
        Buffer::Priority(Heap {
            entries: Vec::new(),
            cmp: T::cmp,
            next_seq: 0,
        })
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Buffer::Fifo(items) => items.len(),
            Buffer::Lifo(items) => items.len(),
            Buffer::Priority(heap) => heap.entries.len(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where `item` goes. For a priority buffer this runs `T`'s `Ord`, which may panic: it is
    /// done before anything changes, so a panic leaves the buffer as it was and the item with
    /// the caller.
    #[inline]
    pub(crate) fn place(&self, item: &T) -> Place {
        match self {
            Buffer::Fifo(_) | Buffer::Lifo(_) => Place(0),
            Buffer::Priority(heap) => Place(heap.place(item, heap.next_seq)),
        }
    }

    /// Adds `item` at `place`, found by [`place`](Buffer::place) with nothing changed since.
    /// Runs no user code.
    #[inline]
    pub(crate) fn insert(&mut self, item: T, place: Place) {
        match self {
            Buffer::Fifo(items) => items.push_back(item),
            Buffer::Lifo(items) => items.push(item),
            Buffer::Priority(heap) => {
                let seq = heap.next_seq;
                heap.next_seq = seq.wrapping_add(1);
                heap.link(Taken { item, seq }, place.0);
            }
        }
    }

    /// Takes the next item out. For a priority buffer this runs `T`'s `Ord` first, and a panic
    /// there leaves the buffer as it was.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<Taken<T>> {
        match self {
            Buffer::Fifo(items) => items.pop_front().map(|item| Taken { item, seq: 0 }),
            Buffer::Lifo(items) => items.pop().map(|item| Taken { item, seq: 0 }),
            Buffer::Priority(heap) => heap.pop(),
        }
    }

    /// Puts back an item just taken by [`pop`](Buffer::pop), where it was: first in line again.
    /// For a priority buffer this runs `T`'s `Ord`; should that panic, nothing has changed and
    /// the item comes back with the panic, both to be dropped once the queue's lock is released.
    #[cold]
    pub(crate) fn give_back(&mut self, taken: Taken<T>) -> Result<(), (T, Box<dyn Any + Send>)> {
        match self {
            Buffer::Fifo(items) => items.push_front(taken.item),
            Buffer::Lifo(items) => items.push(taken.item),
            Buffer::Priority(heap) => {
                match catch_unwind(AssertUnwindSafe(|| heap.place(&taken.item, taken.seq))) {
                    Ok(place) => heap.link(taken, place),
                    Err(panic) => return Err((taken.item, panic)),
                }
            }
        }
        Ok(())
    }

    /// Empties the buffer, handing its items over in a buffer of the same kind, to be dropped
    /// outside the queue's lock.
    pub(crate) fn take_all(&mut self) -> Self {
        match self {
            Buffer::Fifo(items) => Buffer::Fifo(core::mem::take(items)),
            Buffer::Lifo(items) => Buffer::Lifo(core::mem::take(items)),
            Buffer::Priority(heap) => Buffer::Priority(Heap {
                entries: core::mem::take(&mut heap.entries),
                cmp: heap.cmp,
                next_seq: 0,
            }),
        }
    }
}

/// A binary min-heap whose ties are broken by insertion order: each entry carries a sequence
/// number, so equal items come out oldest first, which `BinaryHeap` does not promise. The
/// comparison is `T::cmp`, kept as a pointer so that the rest of the queue needs no `T: Ord`.
///
/// Both operations compare first, without changing anything, and then move entries along the
/// path they found: a panicking `Ord` can never leave an item lost or the heap half sifted.
pub(crate) struct Heap<T> {
    entries: Vec<Taken<T>>,
    cmp: fn(&T, &T) -> Ordering,
    /// Wraps after 2^64 insertions, which no program reaches.
    next_seq: u64,
}

impl<T> Heap<T> {
    /// Whether the entry at `a` comes out before `b`'s item with sequence number `b_seq`.
    fn before(&self, a: usize, b: &T, b_seq: u64) -> bool {
        let a = &self.entries[a];
        (self.cmp)(&a.item, b).then(a.seq.cmp(&b_seq)) == Ordering::Less
    }

    /// The index an item with sequence number `seq` ends up at: sifted up from the end.
    fn place(&self, item: &T, seq: u64) -> usize {
        let mut hole = self.entries.len();
        while hole > 0 {
            let parent = (hole - 1) / 2;
            if self.before(parent, item, seq) {
                break;
            }
            hole = parent;
        }
        hole
    }

    /// Adds an entry at `place`, found by [`place`](Heap::place) with nothing changed since.
    fn link(&mut self, taken: Taken<T>, place: usize) {
        self.entries.push(taken);
        // Along the path from the new leaf up to `place`, each parent moves down one level.
        let mut i = self.entries.len() - 1;
        while i > place {
            let parent = (i - 1) / 2;
            self.entries.swap(i, parent);
            i = parent;
        }
    }

    fn pop(&mut self) -> Option<Taken<T>> {
        let last = self.entries.len().checked_sub(1)?;
        // The last entry fills the root's place and sinks: find where, comparing only.
        let mut hole = 0;
        {
            let moved = &self.entries[last];
            loop {
                let left = 2 * hole + 1;
                if left >= last {
                    break;
                }
                let right = left + 1;
                let child = if right < last
                    && self.before(right, &self.entries[left].item, self.entries[left].seq)
                {
                    right
                } else {
                    left
                };
                if self.before(child, &moved.item, moved.seq) {
                    hole = child;
                } else {
                    break;
                }
            }
        }
        let top = self.entries.swap_remove(0);
        // Along the path from the root down to `hole`, each child moves up one level: swap the
        // moved entry down through the ancestors of `hole`, top first.
        let depth = (hole + 1).ilog2();
        for level in (0..depth).rev() {
            let upper = ((hole + 1) >> (level + 1)) - 1;
            let lower = ((hole + 1) >> level) - 1;
            self.entries.swap(upper, lower);
        }
        Some(top)
    }
}
