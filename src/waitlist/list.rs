//! The intrusive FIFO list of waiter nodes: every raw pointer in the crate, behind a safe API.
//!
//! A [`List`] is a circular, doubly linked list of [`Waiter`] nodes. A node lives inside the
//! pinned future that waits, so waiting allocates nothing; it is linked at the tail, granted from
//! the head, and unlinked from anywhere in O(1). A `List` only exists inside its wait list's
//! mutex, so `&mut List` is the proof that the mutex is held, and every method here is safe.
//!
//! # Invariants
//!
//! 1. A node's `links` and `waker` are accessed only through the `List` it is linked in (so with
//!    its mutex held), or, while it is not linked, only by its owner (the future that contains
//!    it).
//! 2. A node's `word` changes only through its `List` while the node is linked, and only by its
//!    owner while it is not. Whoever unlinks a node for its owner (granting it what it waited for)
//!    stores [`WaiterState::Woken`] with `Release` as its last access to the node; the owner's
//!    `Acquire` load of `Woken` hands the whole node back to it.
//! 3. A linked node is never freed: the primitives unlink their node in their future's `Drop`,
//!    `Pin` guarantees that `Drop` runs before the memory is reused, and as a last line of defence
//!    `Waiter::drop` aborts the process if it still finds its node linked.
//! 4. Lists are circular and no node points at a list head, so moving a list never leaves a
//!    dangling pointer (and a list with linked nodes is not moved: their futures borrow its
//!    primitive). A node records which list it is in (by address) only so that the methods taking
//!    a node can check they were given that list, and therefore its mutex.
//! 5. An unlinked node holds no waker: whoever unlinks a node takes its waker out, to be woken or
//!    dropped once the mutex is released. A linked node may hold none either: the bounded-bypass
//!    policy takes the head's waker to wake it without unlinking it, and the owner registers a
//!    new one when it polls.

use core::marker::PhantomPinned;
use core::pin::Pin;
use core::ptr;
use core::task::Waker;

use crate::loom::{AtomicUsize, Ordering, UnsafeCell};

/// Largest value a node can carry next to its state (permits needed, or an event generation).
pub(crate) const MAX_VALUE: usize = usize::MAX >> STATE_BITS;

const STATE_BITS: u32 = 2;
const STATE_MASK: usize = (1 << STATE_BITS) - 1;

/// Where a waiter is and what the future that owns it must do when dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaiterState {
    /// Not linked: the future has not queued yet. `Drop`: nothing.
    Idle,
    /// Linked in its list, waiting to be granted. Its value is what it still needs (permits), or
    /// an event generation. `Drop`: lock the list, unlink, and give back whatever part of its
    /// request was already assigned.
    Queued,
    /// Unlinked by another task, which granted it what it waited for (permits, the lock, a
    /// notification, an event wake-up) and woke it. The owner alone touches it now. `Drop`: pass
    /// the grant on.
    Woken,
    /// The future completed and took what it was granted. `Drop`: nothing.
    Done,
}

#[inline]
fn pack(state: WaiterState, value: usize) -> usize {
    debug_assert!(value <= MAX_VALUE);
    (value << STATE_BITS) | state as usize
}

#[inline]
fn unpack(word: usize) -> (WaiterState, usize) {
    let state = match word & STATE_MASK {
        0 => WaiterState::Idle,
        1 => WaiterState::Queued,
        2 => WaiterState::Woken,
        _ => WaiterState::Done,
    };
    (state, word >> STATE_BITS)
}

/// A list node, embedded in a pinned future.
pub(crate) struct Waiter {
    /// State in the low bits, value above. See invariant 2 for who may change it.
    word: AtomicUsize,
    /// Only accessed through the list while linked, by the owner otherwise (invariant 1).
    links: UnsafeCell<Links>,
    /// Address of the list the node is linked in, 0 when not linked (invariant 4). Written
    /// through the list; atomic so that a method given a node can check it before trusting that
    /// it holds the right mutex.
    list: AtomicUsize,
    /// Only accessed through the list while linked, by the owner otherwise (invariant 1); `None`
    /// while not linked (invariant 5).
    waker: UnsafeCell<Option<Waker>>,
    _pin: PhantomPinned,
}

#[derive(Clone, Copy)]
struct Links {
    prev: *const Waiter,
    next: *const Waiter,
}

// SAFETY: a `Waiter` is shared between the task that owns it and tasks that grant it, but every
// field is either atomic or only accessed through its list, under its mutex (invariants 1 and 2);
// the raw pointers it holds point at other nodes that obey the same rules. The `Waker` it stores
// is `Send + Sync`.
unsafe impl Send for Waiter {}
// SAFETY: as above.
unsafe impl Sync for Waiter {}

impl Waiter {
    #[inline]
    pub(crate) fn new() -> Self {
        Waiter {
            word: AtomicUsize::new(pack(WaiterState::Idle, 0)),
            links: UnsafeCell::new(Links {
                prev: ptr::null(),
                next: ptr::null(),
            }),
            list: AtomicUsize::new(0),
            waker: UnsafeCell::new(None),
            _pin: PhantomPinned,
        }
    }

    /// The node's state as its owner sees it without the mutex. `Idle`, `Woken` and `Done` are
    /// final until the owner changes them; `Queued` may change under the mutex.
    #[inline]
    pub(crate) fn state(&self) -> WaiterState {
        unpack(self.word.load(Ordering::Acquire)).0
    }

    /// For the owner of a `Woken` node: the value it carried when it was granted, which the
    /// granter may have set with [`List::set_front_value`] just before (for example, a barrier
    /// index). The `Acquire` load pairs with the granter's `Release` store of `Woken`
    /// (invariant 2).
    #[inline]
    pub(crate) fn woken_value(&self) -> usize {
        let (state, value) = unpack(self.word.load(Ordering::Acquire));
        debug_assert_eq!(state, WaiterState::Woken, "woken_value of a node not woken");
        value
    }

    /// Marks a node that is not linked as done (the future completed).
    #[inline]
    pub(crate) fn complete(self: Pin<&Self>) {
        self.set_unlinked(WaiterState::Done);
    }

    /// Makes a node that is not linked reusable for another wait by the same future.
    pub(crate) fn rearm(self: Pin<&Self>) {
        self.set_unlinked(WaiterState::Idle);
    }

    #[inline]
    fn set_unlinked(self: Pin<&Self>, state: WaiterState) {
        assert_ne!(self.state(), WaiterState::Queued, "waiter is still queued");
        // Relaxed: only the owner reads an unlinked node's word (invariant 2).
        self.word.store(pack(state, 0), Ordering::Relaxed);
    }

    fn ptr(self: Pin<&Self>) -> *const Waiter {
        ptr::from_ref(self.get_ref())
    }
}

impl Drop for Waiter {
    #[inline]
    fn drop(&mut self) {
        if self.state() == WaiterState::Queued {
            // Freeing a linked node would leave dangling pointers in the list. The futures unlink
            // before this runs, so this is a bug in this crate; continuing would be unsound.
            std::process::abort();
        }
    }
}

impl core::fmt::Debug for Waiter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Waiter").field(&self.state()).finish()
    }
}

/// Reads a linked node's links.
///
/// # Safety
/// `node` is linked in a list the caller has `&mut` or `&` access to (invariants 1 and 3).
unsafe fn links(node: *const Waiter) -> Links {
    // SAFETY: the node is alive (invariant 3) and its links are the list's (invariant 1).
    unsafe { (*node).links.with(|l| *l) }
}

/// Changes a linked node's links.
///
/// # Safety
/// `node` is linked in, or being linked into, a list the caller has `&mut` access to.
unsafe fn set_links(node: *const Waiter, f: impl FnOnce(&mut Links)) {
    // SAFETY: the node is alive (invariant 3) and its links are the list's (invariant 1).
    unsafe { (*node).links.with_mut(|l| f(&mut *l)) }
}

/// A linked node's value.
///
/// # Safety
/// `node` is linked in a list the caller has `&mut` or `&` access to (invariants 1 and 3).
unsafe fn value_of(node: *const Waiter) -> usize {
    // SAFETY: the node is alive (invariant 3); its word is read atomically.
    unpack(unsafe { (*node).word.load(Ordering::Relaxed) }).1
}

/// The head of a circular list of waiters; null when empty. The tail is `head.prev`. It lives
/// inside its wait list's mutex: `&mut List` means the mutex is held.
#[derive(Debug)]
pub(crate) struct List {
    head: *const Waiter,
}

// SAFETY: the list only holds pointers to `Waiter`s, which are `Send + Sync`; it is only reached
// through its mutex (invariant 1).
unsafe impl Send for List {}

impl List {
    pub(crate) const fn new() -> Self {
        List { head: ptr::null() }
    }

    fn id(&self) -> usize {
        ptr::from_ref(self).addr()
    }

    /// Panics unless `node` is linked in this list.
    #[inline]
    fn check_linked(&self, node: Pin<&Waiter>) {
        assert_eq!(node.state(), WaiterState::Queued, "waiter is not queued");
        assert_eq!(
            node.list.load(Ordering::Relaxed),
            self.id(),
            "waiter used with the wrong list"
        );
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_null()
    }

    /// Links an idle node at the tail, with `value` and `waker`.
    #[inline]
    pub(crate) fn push_back(&mut self, node: Pin<&Waiter>, value: usize, waker: Waker) {
        let node = self.prepare(node, value, waker);
        // SAFETY: `prepare` made the node this list's; linked before the head is at the tail.
        unsafe { self.link_before(node, self.head) };
    }

    /// Links an idle node, with `value` and `waker`, so that the values stay in ascending order
    /// from the head, given that they already are; after the nodes of equal value. O(1) at
    /// either end; otherwise it walks back from the tail.
    pub(crate) fn insert_sorted(&mut self, node: Pin<&Waiter>, value: usize, waker: Waker) {
        let node = self.prepare(node, value, waker);
        let head = self.head;
        // SAFETY: `prepare` made the node this list's. `head` and every node reached from it
        // are linked here (invariants 1 and 3); the walk stops at the head at the latest, whose
        // value is not greater.
        unsafe {
            if !head.is_null() && value < value_of(head) {
                self.link_before(node, head);
                self.head = node;
                return;
            }
            let mut at = head;
            while !at.is_null() && value < value_of(links(at).prev) {
                at = links(at).prev;
            }
            self.link_before(node, at);
        }
    }

    /// Whether `node` is linked in this list (rather than in another, or in none).
    pub(crate) fn holds(&self, node: Pin<&Waiter>) -> bool {
        node.list.load(Ordering::Relaxed) == self.id()
    }

    /// Makes an idle node this list's, with `value` and `waker`, ready to be linked.
    #[inline]
    fn prepare(&mut self, node: Pin<&Waiter>, value: usize, waker: Waker) -> *const Waiter {
        assert_eq!(node.state(), WaiterState::Idle, "waiter queued twice");
        let id = self.id();
        let node = node.ptr();
        // SAFETY: the node is idle, so not linked, owned by our caller and holding no waker
        // (invariant 5); the caller gives it to this list, which it reaches through its mutex,
        // and it stays alive while linked (invariant 3).
        unsafe {
            (*node).waker.with_mut(|w| {
                debug_assert!((*w).is_none(), "an unlinked node held a waker");
                // A write, not an assignment: there is no old waker to drop (invariant 5).
                w.write(Some(waker));
            });
            (*node)
                .word
                .store(pack(WaiterState::Queued, value), Ordering::Release);
            (*node).list.store(id, Ordering::Relaxed);
        }
        node
    }

    /// Links `node` just before `at`, or as the only node if `at` is null (the list is empty
    /// then). Does not move the head.
    ///
    /// # Safety
    /// `node` was prepared for this list and is not linked; `at` is null or linked here.
    #[inline]
    unsafe fn link_before(&mut self, node: *const Waiter, at: *const Waiter) {
        // SAFETY: the caller's contract; `at`'s neighbour is linked in the same list.
        unsafe {
            if at.is_null() {
                debug_assert!(self.head.is_null());
                set_links(node, |l| {
                    *l = Links {
                        prev: node,
                        next: node,
                    }
                });
                self.head = node;
            } else {
                let prev = links(at).prev;
                set_links(node, |l| *l = Links { prev, next: at });
                set_links(prev, |l| l.next = node);
                set_links(at, |l| l.prev = node);
            }
        }
    }

    /// Unlinks a node of this list and takes its waker (invariant 5).
    ///
    /// # Safety
    /// `node` is linked in this list.
    #[inline]
    unsafe fn unlink(&mut self, node: *const Waiter) -> Option<Waker> {
        // SAFETY: the caller's contract; `node`'s neighbours are linked in the same list.
        unsafe {
            let Links { prev, next } = links(node);
            if next == node {
                self.head = ptr::null();
            } else {
                set_links(prev, |l| l.next = next);
                set_links(next, |l| l.prev = prev);
                if self.head == node {
                    self.head = next;
                }
            }
            set_links(node, |l| {
                *l = Links {
                    prev: ptr::null(),
                    next: ptr::null(),
                }
            });
            (*node).list.store(0, Ordering::Relaxed);
            (*node).waker.with_mut(|w| (*w).take())
        }
    }

    /// The value of the oldest waiter.
    #[inline]
    pub(crate) fn front_value(&self) -> Option<usize> {
        let head = self.head;
        // SAFETY: a non-null head is a linked node of this list (invariants 1 and 3).
        (!head.is_null()).then(|| unpack(unsafe { (*head).word.load(Ordering::Relaxed) }).1)
    }

    /// Changes the value of the oldest waiter (for example, the permits it still needs).
    pub(crate) fn set_front_value(&mut self, value: usize) {
        let head = self.head;
        assert!(!head.is_null(), "set_front_value on an empty list");
        // SAFETY: as in `front_value`; the word of a linked node is the list's to change.
        unsafe {
            (*head)
                .word
                .store(pack(WaiterState::Queued, value), Ordering::Release)
        };
    }

    /// Whether `node` is the oldest waiter.
    #[inline]
    pub(crate) fn is_front(&self, node: Pin<&Waiter>) -> bool {
        ptr::eq(self.head, node.ptr())
    }

    /// Takes the oldest waiter's waker, leaving it linked, so that its owner polls and finds what
    /// it waits for without being granted it. To be woken once the mutex is released.
    pub(crate) fn take_front_waker(&mut self) -> Option<Waker> {
        let head = self.head;
        // SAFETY: a non-null head is a linked node of this list (invariants 1 and 3).
        (!head.is_null())
            .then(|| unsafe { (*head).waker.with_mut(|w| (*w).take()) })
            .flatten()
    }

    /// Whether a linked `node`'s stored waker would wake `waker`'s task.
    ///
    /// Panics if the node is not linked in this list.
    pub(crate) fn will_wake(&self, node: Pin<&Waiter>, waker: &Waker) -> bool {
        self.check_linked(node);
        node.waker.with(|w| {
            // SAFETY: the node is linked in this list (checked above; invariant 1).
            let stored = unsafe { &*w };
            stored.as_ref().is_some_and(|w| w.will_wake(waker))
        })
    }

    /// Stores `waker` in a linked `node` and returns the one it replaces, which the caller must
    /// drop after releasing the mutex.
    ///
    /// Panics if the node is not linked in this list.
    #[must_use = "the old waker must be dropped after the mutex is released"]
    pub(crate) fn set_waker(&mut self, node: Pin<&Waiter>, waker: Waker) -> Option<Waker> {
        self.check_linked(node);
        // SAFETY: the node is linked in this list (checked above; invariant 1).
        node.waker.with_mut(|w| unsafe { (*w).replace(waker) })
    }

    /// Unlinks the oldest waiter, marks it woken (its grant now belongs to it) and returns its
    /// waker, if it had one, to be woken once the mutex is released. `None` if the list is empty.
    #[inline]
    pub(crate) fn grant_front(&mut self) -> Option<Option<Waker>> {
        let head = self.head;
        if head.is_null() {
            return None;
        }
        // SAFETY: the head is linked in this list. Storing `Woken` is our last access to the
        // node (invariant 2).
        unsafe {
            let waker = self.unlink(head);
            let value = unpack((*head).word.load(Ordering::Relaxed)).1;
            (*head)
                .word
                .store(pack(WaiterState::Woken, value), Ordering::Release);
            Some(waker)
        }
    }

    /// Unlinks `node` if it is still linked, leaving it idle. Returns the state and value it had
    /// (`Woken` means someone granted it first) and the waker it held, which the caller must
    /// drop after releasing the mutex.
    ///
    /// Panics if the node is linked in another list.
    #[must_use = "the waker must be dropped after the mutex is released"]
    #[inline]
    pub(crate) fn remove(&mut self, node: Pin<&Waiter>) -> (WaiterState, usize, Option<Waker>) {
        let (state, value) = unpack(node.word.load(Ordering::Acquire));
        if state != WaiterState::Queued {
            return (state, value, None);
        }
        self.check_linked(node);
        let node = node.ptr();
        // SAFETY: the node is linked in this list (checked above). Taking the waker and resetting
        // the word are our last accesses (invariants 2 and 5).
        unsafe {
            let waker = self.unlink(node);
            (*node)
                .word
                .store(pack(WaiterState::Idle, 0), Ordering::Release);
            (state, value, waker)
        }
    }
}
