//! The intrusive FIFO waiter queue under every primitive: the only code in the crate that touches
//! list pointers, and the only `unsafe` apart from the lock guard's access to the protected value.
//!
//! A [`WaitQueue`] is a mutex around a circular, doubly linked list of [`Waiter`] nodes. A node
//! lives inside the pinned future that waits, so waiting allocates nothing; it is linked at the
//! tail, granted from the head, and unlinked from anywhere in O(1). A [`SideList`] is a second
//! list guarded by the same mutex (a Condition's waiters), so a node can move from one to the
//! other under one lock: notified Condition waiters line up for the lock instead of waking.
//! Operations that wake hand back [`Waker`]s; the caller wakes them after dropping the [`Locked`]
//! guard, so a waker that re-enters the primitive cannot deadlock.
//!
//! # Invariants
//!
//! 1. A node's `links` and `waker` are accessed only while the mutex of the queue it is linked in
//!    is held, or, while it is not linked, only by its owner (the future that contains it).
//! 2. A node's `word` changes only under that mutex while the node is linked, and only by its
//!    owner while it is not. A thread that unlinks a node for its owner (granting it what it
//!    waited for) stores [`WaiterState::Woken`] with `Release` as its last access to the node; the
//!    owner's `Acquire` load of `Woken` hands the whole node back to it.
//! 3. A linked node is never freed: the primitives unlink their node in their future's `Drop`,
//!    `Pin` guarantees that `Drop` runs before the memory is reused, and as a last line of defence
//!    `Waiter::drop` aborts the process if it still finds its node linked.
//! 4. Lists are circular and no node points at a list head, so moving a queue never leaves a
//!    dangling pointer. A node records which list it is in (by address) only so that removal can
//!    check it was given the list, and therefore the mutex, that the node is really in.
//! 5. A side list is accessed only while holding the mutex of the queue recorded in its `owner`.
//!    `owner` is claimed when a node is pushed onto the empty list and released when it empties.

use core::marker::PhantomPinned;
use core::mem::MaybeUninit;
use core::pin::Pin;
use core::ptr;
use core::task::{Context, Poll, Waker};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::loom::{AtomicUsize, Mutex, MutexGuard, Ordering, UnsafeCell};

/// Largest value a node can carry next to its state (permits needed, or an event generation).
pub(crate) const MAX_VALUE: usize = usize::MAX >> STATE_BITS;

const STATE_BITS: u32 = 3;
const STATE_MASK: usize = (1 << STATE_BITS) - 1;

/// Where a waiter is and what the future that owns it must do when dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaiterState {
    /// Not linked: the future has not queued yet. `Drop`: nothing.
    Idle,
    /// Linked in its queue's main list, waiting to be granted. Its value is what it still needs
    /// (permits) or an event generation. `Drop`: lock the queue, unlink, and give back whatever
    /// part of its request was already assigned.
    Queued,
    /// Linked in a side list (a Condition's waiters), waiting to be notified. `Drop`: lock the
    /// queue and unlink; nothing was granted.
    Listed,
    /// Unlinked by another task, which granted it what it waited for (permits, the lock, an event
    /// wake-up) and woke it. The owner alone touches it now. `Drop`: pass the grant on.
    Woken,
    /// The future completed and took what it was granted. `Drop`: nothing.
    Done,
}

impl WaiterState {
    #[inline]
    fn is_linked(self) -> bool {
        matches!(self, WaiterState::Queued | WaiterState::Listed)
    }
}

#[inline]
fn pack(state: WaiterState, value: usize) -> usize {
    debug_assert!(value <= MAX_VALUE);
    (value << STATE_BITS) | state as usize
}

#[inline]
fn unpack(word: usize) -> (WaiterState, usize) {
    // Only the five states are ever stored, so the catch-all is `Done` and there is no bounds
    // check: `matches!(state, Idle | Done)` compiles to a compare of the low bits.
    let state = match word & STATE_MASK {
        0 => WaiterState::Idle,
        1 => WaiterState::Queued,
        2 => WaiterState::Listed,
        3 => WaiterState::Woken,
        _ => WaiterState::Done,
    };
    (state, word >> STATE_BITS)
}

/// A queue node, embedded in a pinned future.
pub(crate) struct Waiter {
    /// State in the low bits, value above. See invariant 2 for who may change it.
    word: AtomicUsize,
    /// Only accessed under the queue mutex while linked, by the owner otherwise (invariant 1).
    links: UnsafeCell<Links>,
    /// Address of the list the node is in, 0 when not linked (invariant 4). Written under the
    /// mutex; atomic so that a removal can check it before trusting that it holds the right lock.
    list: AtomicUsize,
    /// Only accessed under the queue mutex while linked, by the owner otherwise (invariant 1).
    waker: UnsafeCell<Option<Waker>>,
    _pin: PhantomPinned,
}

#[derive(Clone, Copy)]
struct Links {
    prev: *const Waiter,
    next: *const Waiter,
}

// SAFETY: a `Waiter` is shared between the task that owns it and tasks that grant it, but every
// field is either atomic or only accessed under the queue mutex (invariants 1 and 2); the raw
// pointers it holds point at other nodes that obey the same rules. The `Waker` it stores is
// `Send + Sync`.
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

    /// The node's state as its owner sees it without the lock. `Idle`, `Woken` and `Done` are
    /// final until the owner changes them; `Queued` and `Listed` may change under the lock.
    #[inline]
    pub(crate) fn state(&self) -> WaiterState {
        unpack(self.word.load(Ordering::Acquire)).0
    }

    /// Marks a node that is not linked as done (the future completed).
    #[inline]
    pub(crate) fn complete(self: Pin<&Self>) {
        self.set_unlinked(WaiterState::Done);
    }

    /// Makes a completed node reusable for another wait by the same future.
    pub(crate) fn rearm(self: Pin<&Self>) {
        self.set_unlinked(WaiterState::Idle);
    }

    #[inline]
    fn set_unlinked(self: Pin<&Self>, state: WaiterState) {
        assert!(!self.state().is_linked(), "waiter is still queued");
        self.word.store(pack(state, 0), Ordering::Relaxed);
    }

    fn ptr(self: Pin<&Self>) -> *const Waiter {
        ptr::from_ref(self.get_ref())
    }
}

impl Drop for Waiter {
    #[inline]
    fn drop(&mut self) {
        if self.state().is_linked() {
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
/// `node` is linked in a list whose mutex the caller holds (invariants 1 and 3).
unsafe fn links(node: *const Waiter) -> Links {
    // SAFETY: the node is alive (invariant 3) and its links are ours under the mutex (invariant 1).
    unsafe { (*node).links.with(|l| *l) }
}

/// Changes a linked node's links.
///
/// # Safety
/// As for [`links`].
unsafe fn set_links(node: *const Waiter, f: impl FnOnce(&mut Links)) {
    // SAFETY: the node is alive (invariant 3) and its links are ours under the mutex (invariant 1).
    unsafe { (*node).links.with_mut(|l| f(&mut *l)) }
}

/// The head of a circular list; null when empty. The tail is `head.prev`.
#[derive(Debug)]
struct List {
    head: *const Waiter,
}

// SAFETY: the list only holds pointers to `Waiter`s, which are `Send + Sync`; it is only accessed
// under its queue's mutex (invariants 1 and 5).
unsafe impl Send for List {}

impl List {
    const fn new() -> Self {
        List { head: ptr::null() }
    }

    /// # Safety
    /// The caller holds this list's mutex and `node` is a live, unlinked node that stays alive
    /// while linked (invariant 3).
    unsafe fn push_back(&mut self, node: *const Waiter, id: usize) {
        // SAFETY: the caller's contract; every node reachable from `head` is alive and ours.
        unsafe {
            (*node).list.store(id, Ordering::Relaxed);
            if self.head.is_null() {
                set_links(node, |l| {
                    *l = Links {
                        prev: node,
                        next: node,
                    }
                });
                self.head = node;
            } else {
                let head = self.head;
                let tail = links(head).prev;
                set_links(node, |l| {
                    *l = Links {
                        prev: tail,
                        next: head,
                    }
                });
                set_links(tail, |l| l.next = node);
                set_links(head, |l| l.prev = node);
            }
        }
    }

    /// # Safety
    /// The caller holds this list's mutex and `node` is linked in this list.
    unsafe fn unlink(&mut self, node: *const Waiter) {
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
        }
    }
}

/// A mutex-guarded FIFO of waiters.
pub(crate) struct WaitQueue {
    list: Mutex<List>,
    /// Number of linked nodes; written under the mutex, read without it for statistics.
    len: AtomicUsize,
}

impl WaitQueue {
    pub(crate) fn new() -> Self {
        WaitQueue {
            list: Mutex::new(List::new()),
            len: AtomicUsize::new(0),
        }
    }

    pub(crate) fn lock(&self) -> Locked<'_> {
        Locked {
            queue: self,
            list: self.list.lock(),
        }
    }

    /// How many waiters are queued, without taking the lock (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    fn id(&self) -> usize {
        ptr::from_ref(self).addr()
    }

    /// For the owner of a linked node: `Ready` once the node has been woken (unlinked by someone
    /// else), otherwise makes sure the node's waker will wake `cx` and returns `Pending`.
    ///
    /// The waker is cloned outside the lock and the replaced one dropped outside it, because
    /// either may run arbitrary code that re-enters the primitive.
    pub(crate) fn poll_waiter(&self, node: Pin<&Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        if node.state() == WaiterState::Woken {
            return Poll::Ready(());
        }
        let q = self.lock();
        if !node.state().is_linked() {
            return Poll::Ready(());
        }
        let same = node.waker.with(|w| {
            // SAFETY: the node is linked and we hold the mutex (invariant 1).
            let stored = unsafe { &*w };
            stored.as_ref().is_some_and(|w| w.will_wake(cx.waker()))
        });
        drop(q);
        if same {
            return Poll::Pending;
        }
        let waker = cx.waker().clone();
        let q = self.lock();
        if !node.state().is_linked() {
            drop(q);
            return Poll::Ready(());
        }
        // SAFETY: as above.
        let old = node.waker.with_mut(|w| unsafe { (*w).replace(waker) });
        drop(q);
        drop(old);
        Poll::Pending
    }
}

impl core::fmt::Debug for WaitQueue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WaitQueue")
            .field("len", &self.len())
            .finish()
    }
}

/// A second list of waiters guarded by the mutex of whichever queue first uses it (invariant 5).
pub(crate) struct SideList {
    /// Address of the owning queue, or 0 while the list is empty and unclaimed.
    owner: AtomicUsize,
    /// Only accessed while holding the mutex of the queue recorded in `owner` (invariant 5).
    list: UnsafeCell<List>,
    /// Number of linked nodes; written under the owner's mutex, read without it for statistics.
    len: AtomicUsize,
}

// SAFETY: `list` is only accessed under the owning queue's mutex (invariant 5); everything else is
// atomic.
unsafe impl Send for SideList {}
// SAFETY: as above.
unsafe impl Sync for SideList {}

impl SideList {
    pub(crate) fn new() -> Self {
        SideList {
            owner: AtomicUsize::new(0),
            list: UnsafeCell::new(List::new()),
            len: AtomicUsize::new(0),
        }
    }

    /// How many waiters are listed, without taking any lock (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    fn id(&self) -> usize {
        ptr::from_ref(self).addr()
    }
}

impl core::fmt::Debug for SideList {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SideList")
            .field("len", &self.len())
            .finish()
    }
}

/// A locked [`WaitQueue`]. Wakers it hands out must be woken after it is dropped.
pub(crate) struct Locked<'a> {
    queue: &'a WaitQueue,
    list: MutexGuard<'a, List>,
}

impl Locked<'_> {
    pub(crate) fn is_empty(&self) -> bool {
        self.list.head.is_null()
    }

    /// Links an idle node at the tail of the main list, with `value` and `waker`.
    pub(crate) fn push_back(&mut self, node: Pin<&Waiter>, value: usize, waker: Waker) {
        assert_eq!(node.state(), WaiterState::Idle, "waiter queued twice");
        let node = node.ptr();
        // SAFETY: the node is idle, so not linked and owned by our caller, who gives up the waker
        // and links to the queue under its mutex; it stays alive while linked (invariant 3).
        unsafe {
            (*node).waker.with_mut(|w| *w = Some(waker));
            (*node)
                .word
                .store(pack(WaiterState::Queued, value), Ordering::Release);
            self.list.push_back(node, self.queue.id());
        }
        self.queue
            .len
            .store(self.queue.len() + 1, Ordering::Relaxed);
    }

    /// The value of the oldest waiter in the main list.
    pub(crate) fn front_value(&self) -> Option<usize> {
        let head = self.list.head;
        // SAFETY: a non-null head is a linked node and we hold the mutex (invariants 1 and 3).
        (!head.is_null()).then(|| unpack(unsafe { (*head).word.load(Ordering::Relaxed) }).1)
    }

    /// Changes the value of the oldest waiter (for example, the permits it still needs).
    pub(crate) fn set_front_value(&mut self, value: usize) {
        let head = self.list.head;
        assert!(!head.is_null(), "set_front_value on an empty queue");
        // SAFETY: as in `front_value`; under the mutex the word of a linked node is ours to change.
        unsafe {
            (*head)
                .word
                .store(pack(WaiterState::Queued, value), Ordering::Release)
        };
    }

    /// Unlinks the oldest waiter, marks it woken (its grant now belongs to it) and returns its
    /// waker, to be woken once the lock is dropped.
    pub(crate) fn wake_front(&mut self) -> Option<Waker> {
        let head = self.list.head;
        if head.is_null() {
            return None;
        }
        self.queue
            .len
            .store(self.queue.len() - 1, Ordering::Relaxed);
        // SAFETY: the head is linked in this list and we hold its mutex. Storing `Woken` is our
        // last access to the node (invariant 2).
        unsafe {
            self.list.unlink(head);
            let waker = (*head).waker.with_mut(|w| (*w).take());
            let value = unpack((*head).word.load(Ordering::Relaxed)).1;
            (*head)
                .word
                .store(pack(WaiterState::Woken, value), Ordering::Release);
            waker
        }
    }

    /// Unlinks `node` if it is still linked (in the main list, or in `side`), leaving it idle.
    /// Returns the state and value it had; `Woken` means someone granted it first.
    ///
    /// Panics if the node is linked in a list this guard does not cover.
    pub(crate) fn remove(
        &mut self,
        node: Pin<&Waiter>,
        side: Option<&SideList>,
    ) -> (WaiterState, usize) {
        let (state, value) = unpack(node.word.load(Ordering::Acquire));
        if !state.is_linked() {
            return (state, value);
        }
        let list = node.list.load(Ordering::Relaxed);
        let node = node.ptr();
        if list == self.queue.id() {
            self.queue
                .len
                .store(self.queue.len() - 1, Ordering::Relaxed);
            // SAFETY: the node is in our main list and we hold its mutex.
            unsafe { self.list.unlink(node) };
        } else {
            let side = side.filter(|s| s.id() == list && self.owns(s));
            let side = side.expect("waiter removed through the wrong queue");
            self.unlink_side(side, node);
        }
        // SAFETY: the node is unlinked now; resetting its word under the mutex is the last access
        // a linked node's word gets from the lock holder (invariant 2).
        unsafe {
            (*node)
                .word
                .store(pack(WaiterState::Idle, 0), Ordering::Release)
        };
        (state, value)
    }

    fn owns(&self, side: &SideList) -> bool {
        side.owner.load(Ordering::Acquire) == self.queue.id()
    }

    /// Whether `side` is in use by a different queue.
    pub(crate) fn side_taken(&self, side: &SideList) -> bool {
        !matches!(side.owner.load(Ordering::Acquire), 0) && !self.owns(side)
    }

    /// Links an idle node at the tail of `side`, claiming `side` for this queue if it is empty.
    /// Returns `false`, and does nothing, if another queue owns `side`.
    pub(crate) fn push_side(&mut self, side: &SideList, node: Pin<&Waiter>, waker: Waker) -> bool {
        assert_eq!(node.state(), WaiterState::Idle, "waiter queued twice");
        let id = self.queue.id();
        if let Err(owner) = side
            .owner
            .compare_exchange(0, id, Ordering::Acquire, Ordering::Acquire)
        {
            if owner != id {
                return false;
            }
        }
        let node = node.ptr();
        // SAFETY: the node is idle and owned by our caller; `side` is ours under our mutex
        // (invariant 5); the node stays alive while linked (invariant 3).
        unsafe {
            (*node).waker.with_mut(|w| *w = Some(waker));
            (*node)
                .word
                .store(pack(WaiterState::Listed, 0), Ordering::Release);
            side.list.with_mut(|l| (*l).push_back(node, side.id()));
        }
        side.len.store(side.len() + 1, Ordering::Relaxed);
        true
    }

    /// Moves the oldest waiter of `side` to the tail of the main list, with `value`, without
    /// waking it. Returns `false` if `side` has no waiter of this queue.
    pub(crate) fn move_side_front(&mut self, side: &SideList, value: usize) -> bool {
        if !self.owns(side) {
            return false;
        }
        // SAFETY: `side` is ours under our mutex (invariant 5).
        let head = side.list.with(|l| unsafe { (*l).head });
        if head.is_null() {
            return false;
        }
        self.unlink_side(side, head);
        // SAFETY: `head` was linked in `side` under our mutex and is alive (invariant 3); we link it
        // into our main list under the same mutex.
        unsafe {
            (*head)
                .word
                .store(pack(WaiterState::Queued, value), Ordering::Release);
            self.list.push_back(head, self.queue.id());
        }
        self.queue
            .len
            .store(self.queue.len() + 1, Ordering::Relaxed);
        true
    }

    fn unlink_side(&mut self, side: &SideList, node: *const Waiter) {
        // SAFETY: callers checked that we own `side` (invariant 5) and that `node` is in it.
        let now_empty = side.list.with_mut(|l| unsafe {
            (*l).unlink(node);
            (*l).head.is_null()
        });
        side.len.store(side.len() - 1, Ordering::Relaxed);
        if now_empty {
            // Release: our accesses to the list happen before the next owner's claim.
            side.owner.store(0, Ordering::Release);
        }
    }
}

impl core::fmt::Debug for Locked<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Locked").field("queue", self.queue).finish()
    }
}

const WAKE_LIST_LEN: usize = 32;

/// Wakers collected under a queue's lock, to be woken after it is released, in FIFO order.
pub(crate) struct WakeList {
    wakers: [MaybeUninit<Waker>; WAKE_LIST_LEN],
    /// `wakers[next..len]` are initialised and not yet woken.
    next: usize,
    len: usize,
}

impl WakeList {
    #[inline]
    pub(crate) fn new() -> Self {
        WakeList {
            wakers: [const { MaybeUninit::uninit() }; WAKE_LIST_LEN],
            next: 0,
            len: 0,
        }
    }

    #[inline]
    pub(crate) fn is_full(&self) -> bool {
        self.len == WAKE_LIST_LEN
    }

    #[inline]
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        assert!(!self.is_full(), "WakeList overflow");
        if let Some(waker) = waker {
            self.wakers[self.len].write(waker);
            self.len += 1;
        }
    }

    /// Wakes every collected waker, in the order they were pushed. If one panics, `Drop` wakes
    /// the rest while the panic unwinds, so the first panic propagates after all were woken.
    #[inline]
    pub(crate) fn wake_all(&mut self) {
        while self.next < self.len {
            // SAFETY: `wakers[next..len]` are initialised; advancing `next` first means each is
            // read exactly once, even if `wake` panics.
            let waker = unsafe { self.wakers[self.next].assume_init_read() };
            self.next += 1;
            waker.wake();
        }
        self.next = 0;
        self.len = 0;
    }

    #[cold]
    fn wake_rest_catching_panics(&mut self) {
        while self.next < self.len {
            // SAFETY: as in `wake_all`.
            let waker = unsafe { self.wakers[self.next].assume_init_read() };
            self.next += 1;
            drop(catch_unwind(AssertUnwindSafe(|| waker.wake())));
        }
    }
}

impl Drop for WakeList {
    #[inline]
    fn drop(&mut self) {
        // Only reached with wakers left when a panic unwound past `wake_all`: their nodes were
        // granted, so they must still be woken or their tasks would hang. A second panic here
        // would abort, so these are caught.
        if self.next < self.len {
            self.wake_rest_catching_panics();
        }
    }
}

impl core::fmt::Debug for WakeList {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WakeList").field("len", &self.len).finish()
    }
}
