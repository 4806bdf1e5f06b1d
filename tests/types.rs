//! Compile-time checks of the auto traits and sizes users rely on: the auto traits a type must
//! have, and the ones it must not have, side by side.

use std::cell::Cell;
use std::fmt::Debug;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::rc::Rc;

use aiosync::barrier::Wait as BarrierWait;
use aiosync::condition::{Wait as ConditionWait, WaitFor, WaitUntil};
use aiosync::event::Wait as EventWait;
use aiosync::lock::{Acquire as LockAcquire, AcquireOwned as LockAcquireOwned};
use aiosync::queue::{Get, GetTracked, Join, Put};
use aiosync::semaphore::{Acquire as SemaphoreAcquire, AcquireOwned as SemaphoreAcquireOwned};
use aiosync::{
    Barrier, BarrierWaitResult, BoundedSemaphore, BrokenBarrier, Condition, Event, Fairness, Lock,
    LockGuard, MappedLockGuard, OwnedLockGuard, OwnedMappedLockGuard, OwnedSemaphorePermit,
    Semaphore, SemaphorePermit,
};

fn send_sync_debug<T: Send + Sync + Debug + ?Sized>() {}
fn send_sync<T: Send + Sync>() {}
fn send<T: Send>() {}

/// Proofs that a type lacks an auto trait. A negative bound (`T: !Send`) cannot be written on
/// stable Rust, so each trait here is implemented twice: for every type, and for the types that
/// have the auto trait. `<T as AmbiguousIfSend<_>>::check()` then compiles only while `T` is not
/// `Send`: if it were, both impls would apply and the call would be ambiguous.
macro_rules! ambiguous_if {
    ($($name:ident: $auto:ident),* $(,)?) => {$(
        trait $name<Impl> {
            fn check() {}
        }
        impl<T: ?Sized> $name<()> for T {}
        impl<T: ?Sized + $auto> $name<Has> for T {}
    )*};
}

/// The second impl's parameter: the one for types that have the auto trait.
struct Has;

ambiguous_if!(
    AmbiguousIfSend: Send,
    AmbiguousIfSync: Sync,
    AmbiguousIfRefUnwindSafe: RefUnwindSafe,
    AmbiguousIfUnpin: Unpin,
);

#[test]
fn primitives_guards_and_futures_are_send_sync_and_debug() {
    send_sync_debug::<Lock<Vec<u8>>>();
    send_sync_debug::<Lock<[u8]>>();
    send_sync_debug::<LockGuard<'static, Vec<u8>>>();
    send_sync_debug::<LockAcquire<'static, Vec<u8>>>();
    send_sync_debug::<Semaphore>();
    send_sync_debug::<BoundedSemaphore>();
    send_sync_debug::<SemaphorePermit<'static>>();
    send_sync_debug::<SemaphoreAcquire<'static>>();
    send_sync_debug::<Event>();
    send_sync_debug::<EventWait<'static>>();
    send_sync_debug::<Condition>();
    send_sync_debug::<ConditionWait<'static, LockGuard<'static, Vec<u8>>>>();
    send_sync::<WaitFor<'static, LockGuard<'static, Vec<u8>>, fn(&mut Vec<u8>) -> bool>>();
    send_sync_debug::<WaitUntil<'static, LockGuard<'static, Vec<u8>>, std::future::Ready<()>>>();
    send_sync_debug::<OwnedLockGuard<Vec<u8>>>();
    send_sync_debug::<LockAcquireOwned<Vec<u8>>>();
    send_sync_debug::<MappedLockGuard<'static, [u8]>>();
    send_sync_debug::<OwnedMappedLockGuard<Vec<u8>, [u8]>>();
    send_sync_debug::<OwnedSemaphorePermit>();
    send_sync_debug::<OwnedSemaphorePermit<BoundedSemaphore>>();
    send_sync_debug::<SemaphoreAcquireOwned<Semaphore>>();
    send_sync_debug::<ConditionWait<'static, OwnedLockGuard<Vec<u8>>>>();
    send_sync_debug::<Barrier>();
    send_sync_debug::<BarrierWait<'static>>();
    send_sync_debug::<BarrierWaitResult>();
    send_sync_debug::<BrokenBarrier>();
    send_sync_debug::<Fairness>();
}

/// Code that catches panics around the primitives compiles: every state change is committed
/// before user code runs, so a caught panic leaves them consistent. `Lock<T>` is the exception,
/// as std's rules make it: it does not poison, so a panic while the value is half changed would
/// be visible to the next holder.
#[test]
fn primitives_without_a_value_are_unwind_safe() {
    fn unwind_safe<T: UnwindSafe + RefUnwindSafe>() {}
    unwind_safe::<Event>();
    unwind_safe::<Condition>();
    unwind_safe::<Semaphore>();
    unwind_safe::<BoundedSemaphore>();
    unwind_safe::<Barrier>();
    unwind_safe::<std::sync::Arc<Event>>();
    // `Lock<u8>` is not `RefUnwindSafe`: it does not poison, so a panic that unwinds out of a
    // critical section with the value half changed leaves it that way for the next holder. As
    // with std's `Mutex` before poisoning, `AssertUnwindSafe` is the caller's statement that this
    // is fine. The other primitives hold no value and are unwind-safe (above).
    <Lock<u8> as AmbiguousIfRefUnwindSafe<_>>::check();
}

/// Owned guards and permits borrow nothing: they can be moved into `'static` tasks.
#[test]
fn owned_guards_are_static() {
    fn is_static<T: 'static>() {}
    is_static::<OwnedLockGuard<Vec<u8>>>();
    is_static::<LockAcquireOwned<Vec<u8>>>();
    is_static::<OwnedSemaphorePermit<BoundedSemaphore>>();
    is_static::<SemaphoreAcquireOwned<Semaphore>>();
}

/// With a `Send + !Sync` value (`Cell`) the lock and everything that waits for it can still be
/// shared or moved, and the guards can move but not be shared. With a `!Send` value (`Rc`) none
/// of them can be moved, and the lock cannot be shared. The README's Soundness section has the
/// table.
#[test]
fn a_lock_is_as_thread_safe_as_its_value_allows() {
    send_sync::<Lock<Cell<u8>>>();
    // `Lock<Rc<u8>>` is not `Send`: the value moves with the lock.
    <Lock<Rc<u8>> as AmbiguousIfSend<_>>::check();
    // `Lock<Rc<u8>>` is not `Sync`: whoever holds the lock owns the value, on any thread.
    <Lock<Rc<u8>> as AmbiguousIfSync<_>>::check();

    send_sync::<LockAcquire<'static, Cell<u8>>>();
    // `aiosync::lock::Acquire<'static, Rc<u8>>` is not `Send`: it resolves to a guard.
    <LockAcquire<'static, Rc<u8>> as AmbiguousIfSend<_>>::check();
    send_sync::<LockAcquireOwned<Cell<u8>>>();
    // `aiosync::lock::AcquireOwned<Rc<u8>>` is not `Send`: it resolves to a guard.
    <LockAcquireOwned<Rc<u8>> as AmbiguousIfSend<_>>::check();

    send::<LockGuard<'static, Cell<u8>>>();
    // `LockGuard<'static, Cell<u8>>` is not `Sync`: as for the owned guard.
    <LockGuard<'static, Cell<u8>> as AmbiguousIfSync<_>>::check();
    // `LockGuard<'static, Rc<u8>>` is not `Send`: a guard hands out `&mut T`.
    <LockGuard<'static, Rc<u8>> as AmbiguousIfSend<_>>::check();

    send::<OwnedLockGuard<Cell<u8>>>();
    // `OwnedLockGuard<Cell<u8>>` is not `Sync`: `&guard` hands out `&T`: sharing it needs
    // `T: Sync`.
    <OwnedLockGuard<Cell<u8>> as AmbiguousIfSync<_>>::check();
    // `OwnedLockGuard<Rc<u8>>` is not `Send`: as for `LockGuard`.
    <OwnedLockGuard<Rc<u8>> as AmbiguousIfSend<_>>::check();

    send::<MappedLockGuard<'static, Cell<u8>>>();
    // `MappedLockGuard<'static, Cell<u8>>` is not `Sync`: as for the owned guard.
    <MappedLockGuard<'static, Cell<u8>> as AmbiguousIfSync<_>>::check();
    // `MappedLockGuard<'static, Rc<u8>>` is not `Send`: as for `LockGuard`.
    <MappedLockGuard<'static, Rc<u8>> as AmbiguousIfSend<_>>::check();

    send::<OwnedMappedLockGuard<Cell<u8>, Cell<u8>>>();

    send::<ConditionWait<'static, LockGuard<'static, Cell<u8>>>>();
    // `aiosync::condition::Wait<'static, LockGuard<'static, Cell<u8>>>` is not `Sync`: it holds
    // the guard.
    <ConditionWait<'static, LockGuard<'static, Cell<u8>>> as AmbiguousIfSync<_>>::check();
    // `aiosync::condition::Wait<'static, LockGuard<'static, Rc<u8>>>` is not `Send`: it holds the
    // guard.
    <ConditionWait<'static, LockGuard<'static, Rc<u8>>> as AmbiguousIfSend<_>>::check();
    send::<ConditionWait<'static, OwnedLockGuard<Cell<u8>>>>();
}

/// An owned mapped guard holds a `U` borrowed from the `T` in an `Arc<Lock<T>>`: it is `Send`
/// when both are, and `Sync` when `T: Send` and `U: Sync`, so a `!Sync` value can be narrowed to
/// a `Sync` part that is shared.
#[test]
fn an_owned_mapped_guard_is_as_thread_safe_as_its_value_and_part_allow() {
    send_sync::<OwnedMappedLockGuard<(Cell<u8>, u8), u8>>();
    send_sync::<OwnedMappedLockGuard<Cell<u8>, [u8]>>();
    send::<OwnedMappedLockGuard<Vec<Cell<u8>>, Cell<u8>>>();
    // `OwnedMappedLockGuard<u8, Cell<u8>>` is not `Sync`: `&guard` hands out `&U`: sharing it
    // needs `U: Sync`.
    <OwnedMappedLockGuard<u8, Cell<u8>> as AmbiguousIfSync<_>>::check();
    // `OwnedMappedLockGuard<Rc<u8>, u8>` is not `Sync`: `&guard` reaches the `Arc<Lock<T>>`,
    // which may be cloned and dropped on any thread only if `T: Send`.
    <OwnedMappedLockGuard<Rc<u8>, u8> as AmbiguousIfSync<_>>::check();
    // `OwnedMappedLockGuard<Rc<u8>, u8>` is not `Send`: the last `Arc` it holds may drop the `T`
    // on the thread it moved to.
    <OwnedMappedLockGuard<Rc<u8>, u8> as AmbiguousIfSend<_>>::check();
    // `OwnedMappedLockGuard<u8, Rc<u8>>` is not `Send`: it hands out `&mut U`.
    <OwnedMappedLockGuard<u8, Rc<u8>> as AmbiguousIfSend<_>>::check();
    fn is_static<T: 'static>() {}
    is_static::<OwnedMappedLockGuard<Vec<u8>, [u8]>>();
}

/// The types without a payload are always `Send + Sync`.
#[test]
fn permits_events_and_errors_are_send_sync() {
    send_sync_debug::<aiosync::TooManyPermits>();
    send_sync_debug::<aiosync::OverRelease>();
    send_sync_debug::<OwnedSemaphorePermit<BoundedSemaphore>>();
    send_sync_debug::<SemaphoreAcquireOwned<BoundedSemaphore>>();
}

/// `Unpin` would let a future move while its node is linked; the node's `PhantomPinned` forbids
/// it.
#[test]
fn futures_are_not_unpin() {
    <LockAcquire<'static, ()> as AmbiguousIfUnpin<_>>::check();
    <SemaphoreAcquire<'static> as AmbiguousIfUnpin<_>>::check();
    <EventWait<'static> as AmbiguousIfUnpin<_>>::check();
    <ConditionWait<'static, LockGuard<'static, ()>> as AmbiguousIfUnpin<_>>::check();
    <WaitUntil<'static, LockGuard<'static, ()>, std::future::Ready<()>> as AmbiguousIfUnpin<_>>::check();
    <LockAcquireOwned<()> as AmbiguousIfUnpin<_>>::check();
    <SemaphoreAcquireOwned<Semaphore> as AmbiguousIfUnpin<_>>::check();
    <BarrierWait<'static> as AmbiguousIfUnpin<_>>::check();
}

/// A queue is like a `Mutex<VecDeque<T>>`: shared by threads when its items can move between
/// them (`T: Send`), whatever `T`'s `Sync`. A future that only borrows the queue is as shareable
/// as the queue; one that holds an item (a put's, or a `Tracked`'s, which derefs to it) is `Sync`
/// only if the item is. With `Rc` items nothing crosses threads.
#[test]
fn a_queue_is_as_thread_safe_as_its_items_allow() {
    send_sync_debug::<aiosync::Queue<Cell<u8>>>();
    send_sync_debug::<aiosync::LifoQueue<Cell<u8>>>();
    send_sync_debug::<aiosync::PriorityQueue<Cell<u8>>>();
    send_sync_debug::<Get<'static, Cell<u8>>>();
    send_sync_debug::<GetTracked<'static, Cell<u8>>>();
    send_sync_debug::<Join<'static, Cell<u8>>>();
    send::<Put<'static, Cell<u8>>>();
    send::<aiosync::Tracked<'static, Cell<u8>>>();
    send::<aiosync::QueueShutDown<Cell<u8>>>();
    send::<aiosync::TryPutError<Cell<u8>>>();
    send_sync_debug::<aiosync::QueueShutDown>();
    send_sync_debug::<aiosync::TryGetError>();
    send_sync_debug::<aiosync::TaskDoneError>();
    // `Put<'static, Cell<u8>>` is not `Sync`: it holds the item.
    <Put<'static, Cell<u8>> as AmbiguousIfSync<_>>::check();
    // `Tracked<'static, Cell<u8>>` is not `Sync`: `&tracked` hands out `&T`.
    <aiosync::Tracked<'static, Cell<u8>> as AmbiguousIfSync<_>>::check();

    // `Queue<Rc<u8>>` is not `Send`: its items would move with it.
    <aiosync::Queue<Rc<u8>> as AmbiguousIfSend<_>>::check();
    // `Queue<Rc<u8>>` is not `Sync`: a put on one thread and a get on another move an `Rc`.
    <aiosync::Queue<Rc<u8>> as AmbiguousIfSync<_>>::check();
    <aiosync::LifoQueue<Rc<u8>> as AmbiguousIfSync<_>>::check();
    <aiosync::PriorityQueue<Rc<u8>> as AmbiguousIfSync<_>>::check();
    // `Get<'static, Rc<u8>>` is not `Send`: it resolves to an `Rc`.
    <Get<'static, Rc<u8>> as AmbiguousIfSend<_>>::check();
    <GetTracked<'static, Rc<u8>> as AmbiguousIfSend<_>>::check();
    // `Join<'static, Rc<u8>>` is not `Send`: it borrows a queue that cannot be shared.
    <Join<'static, Rc<u8>> as AmbiguousIfSend<_>>::check();
    // `Put<'static, Rc<u8>>` is not `Send`: it holds an `Rc`.
    <Put<'static, Rc<u8>> as AmbiguousIfSend<_>>::check();
    <aiosync::Tracked<'static, Rc<u8>> as AmbiguousIfSend<_>>::check();
    <aiosync::QueueShutDown<Rc<u8>> as AmbiguousIfSend<_>>::check();

    // Unwind-safe as its items are: a panicking waker or `Ord` leaves it whole.
    fn unwind_safe<T: UnwindSafe + RefUnwindSafe>() {}
    unwind_safe::<aiosync::Queue<u8>>();
    unwind_safe::<aiosync::LifoQueue<u8>>();
    unwind_safe::<aiosync::PriorityQueue<u8>>();
    <aiosync::Queue<&mut u8> as AmbiguousIfRefUnwindSafe<_>>::check();

    // A future's node is linked while it waits: none may move.
    <Get<'static, u8> as AmbiguousIfUnpin<_>>::check();
    <GetTracked<'static, u8> as AmbiguousIfUnpin<_>>::check();
    <Put<'static, u8> as AmbiguousIfUnpin<_>>::check();
    <Join<'static, u8> as AmbiguousIfUnpin<_>>::check();
}

/// Sizes on 64-bit targets, next to tokio 1.54's: `Mutex<()>` 40 B, `Semaphore` 40 B,
/// `Notify` 32 B, `lock()` future 120 B, `acquire()` future 88 B.
#[test]
#[cfg(target_pointer_width = "64")]
fn sizes() {
    use std::mem::size_of;
    assert_eq!(size_of::<Lock<()>>(), 32);
    assert_eq!(size_of::<Semaphore>(), 56);
    assert_eq!(size_of::<BoundedSemaphore>(), 56);
    assert_eq!(size_of::<Event>(), 32);
    assert_eq!(size_of::<Condition>(), 24);
    assert_eq!(size_of::<Barrier>(), 64);
    assert_eq!(size_of::<LockGuard<'static, ()>>(), 8);
    assert_eq!(size_of::<SemaphorePermit<'static>>(), 16);
    assert_eq!(size_of::<LockAcquire<'static, ()>>(), 56);
    assert_eq!(size_of::<SemaphoreAcquire<'static>>(), 64);
    assert_eq!(size_of::<EventWait<'static>>(), 56);
    assert_eq!(size_of::<BarrierWait<'static>>(), 64);
    assert_eq!(
        size_of::<ConditionWait<'static, LockGuard<'static, ()>>>(),
        80
    );
}

/// The queues' sizes on 64-bit targets: one mutex over the items and the three lines.
#[test]
#[cfg(target_pointer_width = "64")]
fn queue_sizes() {
    use std::mem::size_of;
    assert_eq!(size_of::<aiosync::Queue<u64>>(), 152);
    assert_eq!(size_of::<aiosync::PriorityQueue<u64>>(), 152);
    assert_eq!(size_of::<Get<'static, u64>>(), 56);
    assert_eq!(size_of::<Put<'static, u64>>(), 72);
    assert_eq!(size_of::<Join<'static, u64>>(), 56);
    assert_eq!(size_of::<aiosync::Tracked<'static, u64>>(), 24);
}
