//! The intrusive FIFO waiter queue under every primitive: the only code in the crate that touches
//! list pointers, and the only `unsafe` apart from the lock guards' access to the protected value.
//!
//! A [`WaitQueue`] is a mutex around a circular, doubly linked list of [`Waiter`] nodes. A node
//! lives inside the pinned future that waits, so waiting allocates nothing; it is linked at the
//! tail, granted from the head, and unlinked from anywhere in O(1). Operations that wake hand back
//! [`Waker`]s; the caller wakes them after dropping the [`Locked`] guard, and every waker that
//! leaves a node is dropped after it too, so no user code runs under the mutex.
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
//!    dangling pointer. A node records which queue it is in (by address) only so that removal can
//!    check it was given the queue, and therefore the mutex, that the node is really in.
//! 5. An unlinked node holds no waker: whoever unlinks a node takes its waker out, to be woken or
//!    dropped once the mutex is released. A linked node may hold none either: the bounded-bypass
//!    policy takes the head's waker to wake it without unlinking it, and the owner registers a
//!    new one when it polls.

use core::marker::PhantomPinned;
use core::mem::MaybeUninit;
use core::pin::Pin;
use core::ptr;
use core::task::{Context, Poll, Waker};
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use crate::loom::{AtomicUsize, Mutex, MutexGuard, Ordering, UnsafeCell, WAKE_BATCH};

/// Largest value a node can carry next to its state (permits needed, or an event generation).
pub(crate) const MAX_VALUE: usize = usize::MAX >> STATE_BITS;

const STATE_BITS: u32 = 2;
const STATE_MASK: usize = (1 << STATE_BITS) - 1;

/// Where a waiter is and what the future that owns it must do when dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaiterState {
    /// Not linked: the future has not queued yet. `Drop`: nothing.
    Idle,
    /// Linked in its queue, waiting to be granted. Its value is what it still needs (permits), or
    /// an event generation. `Drop`: lock the queue, unlink, and give back whatever part of its
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

/// A queue node, embedded in a pinned future.
pub(crate) struct Waiter {
    /// State in the low bits, value above. See invariant 2 for who may change it.
    word: AtomicUsize,
    /// Only accessed under the queue mutex while linked, by the owner otherwise (invariant 1).
    links: UnsafeCell<Links>,
    /// Address of the queue the node is linked in, 0 when not linked (invariant 4). Written under
    /// the mutex; atomic so that a removal can check it before trusting that it holds the right
    /// lock.
    queue: AtomicUsize,
    /// Only accessed under the queue mutex while linked, by the owner otherwise (invariant 1);
    /// `None` while not linked (invariant 5).
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
            queue: AtomicUsize::new(0),
            waker: UnsafeCell::new(None),
            _pin: PhantomPinned,
        }
    }

    /// The node's state as its owner sees it without the lock. `Idle`, `Woken` and `Done` are
    /// final until the owner changes them; `Queued` may change under the lock.
    #[inline]
    pub(crate) fn state(&self) -> WaiterState {
        unpack(self.word.load(Ordering::Acquire)).0
    }

    /// For the owner of a `Woken` node: the value it carried when it was granted, which the
    /// granter may have set with [`Locked::set_front_value`] just before (for example, a barrier
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
// under its queue's mutex (invariant 1).
unsafe impl Send for List {}

impl List {
    /// # Safety
    /// The caller holds this list's mutex and `node` is a live, unlinked node that stays alive
    /// while linked (invariant 3).
    unsafe fn push_back(&mut self, node: *const Waiter) {
        // SAFETY: the caller's contract; every node reachable from `head` is alive and ours.
        unsafe {
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
            (*node).queue.store(0, Ordering::Relaxed);
        }
    }
}

/// A mutex-guarded FIFO of waiters. With `HOLD`, a granted waiter stays counted until its owner
/// calls [`release_held`](WaitQueue::release_held) (a semaphore's waiter is still a waiter until
/// it resumes, as in asyncio).
pub(crate) struct WaitQueue<const HOLD: bool = false> {
    list: Mutex<List>,
    /// Linked nodes, plus (with `HOLD`) granted nodes whose owners have not yet called
    /// [`WaitQueue::release_held`]. Raised only under the mutex; lowered under it or, by a held
    /// node's owner, without it. Read without the mutex for statistics.
    len: AtomicUsize,
}

impl<const HOLD: bool> WaitQueue<HOLD> {
    crate::loom::const_fn! {
        pub(crate) fn new() -> Self {
            WaitQueue {
                list: Mutex::new(List { head: ptr::null() }),
                len: AtomicUsize::new(0),
            }
        }
    }

    #[inline]
    pub(crate) fn lock(&self) -> Locked<'_, HOLD> {
        Locked {
            queue: self,
            list: self.list.lock(),
        }
    }

    /// How many waiters are queued or held, without taking the lock (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    /// For the owner of a granted node of a `HOLD` queue: stops counting it. Returns how many
    /// waiters were counted before, this one included.
    ///
    /// `Acquire`: an owner that reads another waiter's arrival in the count must also see the
    /// permit word as that waiter saw it when it queued (see `add_len`), or it could miss permits
    /// held back for that waiter and never hand them on.
    pub(crate) fn release_held(&self) -> usize {
        debug_assert!(HOLD);
        self.len.fetch_sub(1, Ordering::AcqRel)
    }

    /// Changes `len` under the mutex. Only a `HOLD` queue's count is also lowered without the
    /// mutex, and so needs a read-modify-write; the others save it.
    #[inline]
    fn add_len(&self, up: bool) {
        if HOLD {
            // `Release`, read by `release_held`: whatever the mutex holder did to the permit word
            // before changing the count is visible to an owner that reads the new count.
            if up {
                self.len.fetch_add(1, Ordering::Release);
            } else {
                self.len.fetch_sub(1, Ordering::Release);
            }
        } else {
            let len = self.len.load(Ordering::Relaxed);
            self.len
                .store(if up { len + 1 } else { len - 1 }, Ordering::Relaxed);
        }
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
        if node.state() != WaiterState::Queued {
            return Poll::Ready(());
        }
        let q = self.lock();
        if node.state() != WaiterState::Queued {
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
        if node.state() != WaiterState::Queued {
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

impl<const HOLD: bool> core::fmt::Debug for WaitQueue<HOLD> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WaitQueue")
            .field("len", &self.len())
            .finish()
    }
}

/// A locked [`WaitQueue`]. Wakers it hands out must be woken or dropped after it is dropped.
pub(crate) struct Locked<'a, const HOLD: bool = false> {
    queue: &'a WaitQueue<HOLD>,
    list: MutexGuard<'a, List>,
}

impl<const HOLD: bool> Locked<'_, HOLD> {
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.list.head.is_null()
    }

    /// Whether no waiter is linked or held (see [`WaitQueue::len`]). Under the mutex `true` is
    /// stable: only the lock holder adds waiters.
    #[inline]
    pub(crate) fn no_waiters(&self) -> bool {
        self.queue.len.load(Ordering::Acquire) == 0
    }

    /// Links an idle node at the tail, with `value` and `waker`.
    #[inline]
    pub(crate) fn push_back(&mut self, node: Pin<&Waiter>, value: usize, waker: Waker) {
        assert_eq!(node.state(), WaiterState::Idle, "waiter queued twice");
        let node = node.ptr();
        // SAFETY: the node is idle, so not linked, owned by our caller and holding no waker
        // (invariant 5); the caller gives it to the queue under its mutex, and it stays alive
        // while linked (invariant 3).
        unsafe {
            (*node).waker.with_mut(|w| {
                debug_assert!((*w).is_none(), "an unlinked node held a waker");
                *w = Some(waker);
            });
            (*node)
                .word
                .store(pack(WaiterState::Queued, value), Ordering::Release);
            (*node).queue.store(self.queue.id(), Ordering::Relaxed);
            self.list.push_back(node);
        }
        self.queue.add_len(true);
    }

    /// The value of the oldest waiter.
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

    /// Whether `node` is the oldest waiter.
    #[inline]
    pub(crate) fn is_front(&self, node: Pin<&Waiter>) -> bool {
        ptr::eq(self.list.head, node.ptr())
    }

    /// Takes the oldest waiter's waker, leaving it linked, so that its owner polls and finds what
    /// it waits for without being granted it. To be woken once the lock is dropped.
    pub(crate) fn take_front_waker(&mut self) -> Option<Waker> {
        let head = self.list.head;
        // SAFETY: a non-null head is a linked node and we hold the mutex (invariants 1 and 3).
        (!head.is_null())
            .then(|| unsafe { (*head).waker.with_mut(|w| (*w).take()) })
            .flatten()
    }

    /// Whether a linked `node`'s stored waker would wake `waker`'s task.
    pub(crate) fn will_wake(&self, node: Pin<&Waiter>, waker: &Waker) -> bool {
        debug_assert_eq!(node.state(), WaiterState::Queued);
        debug_assert_eq!(node.queue.load(Ordering::Relaxed), self.queue.id());
        node.waker.with(|w| {
            // SAFETY: the node is linked in this queue and we hold its mutex (invariant 1).
            let stored = unsafe { &*w };
            stored.as_ref().is_some_and(|w| w.will_wake(waker))
        })
    }

    /// Stores `waker` in a linked `node` and returns the one it replaces, which the caller must
    /// drop after dropping this guard.
    ///
    /// Panics if the node is not linked in this queue.
    #[must_use = "the old waker must be dropped after the guard"]
    pub(crate) fn set_waker(&mut self, node: Pin<&Waiter>, waker: Waker) -> Option<Waker> {
        assert_eq!(node.state(), WaiterState::Queued, "waiter is not queued");
        assert_eq!(
            node.queue.load(Ordering::Relaxed),
            self.queue.id(),
            "waiter polled through the wrong queue"
        );
        // SAFETY: the node is linked in this queue and we hold its mutex (invariant 1).
        node.waker.with_mut(|w| unsafe { (*w).replace(waker) })
    }

    /// Unlinks the oldest waiter, marks it woken (its grant now belongs to it) and returns its
    /// waker, to be woken once the lock is dropped. In a `HOLD` queue the waiter stays counted in
    /// [`WaitQueue::len`] until its owner calls [`WaitQueue::release_held`].
    #[inline]
    pub(crate) fn grant_front(&mut self) -> Option<Waker> {
        let head = self.list.head;
        if head.is_null() {
            return None;
        }
        if !HOLD {
            self.queue.add_len(false);
        }
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

    /// Unlinks `node` if it is still linked, leaving it idle. Returns the state and value it had
    /// (`Woken` means someone granted it first) and the waker it held, which the caller must drop
    /// after dropping this guard.
    ///
    /// Panics if the node is linked in another queue.
    #[must_use = "the waker must be dropped after the guard"]
    pub(crate) fn remove(&mut self, node: Pin<&Waiter>) -> (WaiterState, usize, Option<Waker>) {
        let (state, value) = unpack(node.word.load(Ordering::Acquire));
        if state != WaiterState::Queued {
            return (state, value, None);
        }
        assert_eq!(
            node.queue.load(Ordering::Relaxed),
            self.queue.id(),
            "waiter removed through the wrong queue"
        );
        let node = node.ptr();
        self.queue.add_len(false);
        // SAFETY: the node is in our list and we hold its mutex. Taking the waker and resetting
        // the word are the last accesses the lock holder makes (invariants 2 and 5).
        unsafe {
            self.list.unlink(node);
            let waker = (*node).waker.with_mut(|w| (*w).take());
            (*node)
                .word
                .store(pack(WaiterState::Idle, 0), Ordering::Release);
            (state, value, waker)
        }
    }
}

impl<const HOLD: bool> core::fmt::Debug for Locked<'_, HOLD> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Locked").field("queue", self.queue).finish()
    }
}

/// Wakers collected under a queue's lock, to be woken after it is released, in FIFO order.
///
/// A waker that panics does not stop the job: [`wake_all`](WakeList::wake_all) wakes the rest
/// and keeps the first panic in a [`Panic`], which the caller re-raises once its whole job (every
/// batch) is done.
pub(crate) struct WakeList {
    /// `wakers[..len]` are initialised. Left uninitialised otherwise: a release that hands off
    /// one waiter must not pay for clearing the whole batch.
    wakers: [MaybeUninit<Waker>; WAKE_BATCH],
    len: usize,
}

impl WakeList {
    #[inline]
    pub(crate) fn new() -> Self {
        WakeList {
            wakers: [const { MaybeUninit::uninit() }; WAKE_BATCH],
            len: 0,
        }
    }

    #[inline]
    pub(crate) fn is_full(&self) -> bool {
        self.len == WAKE_BATCH
    }

    #[inline]
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        assert!(!self.is_full(), "WakeList overflow");
        if let Some(waker) = waker {
            self.wakers[self.len].write(waker);
            self.len += 1;
        }
    }

    /// Wakes every collected waker, in the order they were pushed, and empties the list. A panic
    /// of one is caught and kept in `panic` (the first one only).
    #[inline]
    pub(crate) fn wake_all(&mut self, panic: &mut Panic) {
        let len = core::mem::replace(&mut self.len, 0);
        for slot in &self.wakers[..len] {
            // SAFETY: `wakers[..len]` were initialised by `push`; `len` is reset first, so each
            // is read exactly once.
            let waker = unsafe { slot.assume_init_read() };
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| waker.wake())) {
                panic.keep(payload);
            }
        }
    }
}

impl Drop for WakeList {
    fn drop(&mut self) {
        // Only reached with wakers left if the job was abandoned by a panic in this crate before
        // `wake_all`; the wakers are dropped (their nodes stay granted).
        for slot in &mut self.wakers[..self.len] {
            // SAFETY: as in `wake_all`.
            unsafe { slot.assume_init_drop() };
        }
    }
}

/// Wakes one waker once the job that granted it is complete. A panic is re-raised, unless this
/// thread is already unwinding (a release run by a guard's drop during a panic must not abort).
#[inline]
pub(crate) fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| waker.wake())) {
            let mut panic = Panic::default();
            panic.keep(payload);
            panic.finish();
        }
    }
}

/// The first panic of a user callback (a waker) met while finishing a job that must not stop
/// half way; re-raised by [`finish`](Panic::finish) once the job is complete.
#[derive(Default)]
pub(crate) struct Panic(Option<Box<dyn Any + Send>>);

impl Panic {
    #[cold]
    fn keep(&mut self, payload: Box<dyn Any + Send>) {
        if self.0.is_none() {
            self.0 = Some(payload);
        }
    }

    /// Re-raises the kept panic, unless this thread is already unwinding (a second panic would
    /// abort the process; the first one is on its way out anyway).
    #[inline]
    pub(crate) fn finish(self) {
        if let Some(payload) = self.0 {
            if !std::thread::panicking() {
                resume_unwind(payload);
            }
        }
    }
}

impl core::fmt::Debug for Panic {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Panic").field(&self.0.is_some()).finish()
    }
}
