//! Compile-time checks of the auto traits and sizes users rely on.

use std::cell::Cell;
use std::fmt::Debug;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::rc::Rc;

use aiosync::barrier::Wait as BarrierWait;
use aiosync::condition::{Wait as ConditionWait, WaitFor};
use aiosync::event::Wait as EventWait;
use aiosync::lock::{Acquire as LockAcquire, AcquireOwned as LockAcquireOwned};
use aiosync::semaphore::{Acquire as SemaphoreAcquire, AcquireOwned as SemaphoreAcquireOwned};
use aiosync::{
    Barrier, BarrierWaitResult, BoundedSemaphore, BrokenBarrier, Condition, Event, Fairness, Lock,
    LockGuard, MappedLockGuard, OwnedLockGuard, OwnedMappedLockGuard, OwnedSemaphorePermit,
    Semaphore, SemaphorePermit,
};

fn send_sync_debug<T: Send + Sync + Debug + ?Sized>() {}
fn send_sync<T: Send + Sync>() {}
fn send<T: Send>() {}

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
/// as std's rules make it (see `src/auto_traits.rs`): it does not poison, so a panic while the
/// value is half changed would be visible to the next holder.
#[test]
fn primitives_without_a_value_are_unwind_safe() {
    fn unwind_safe<T: UnwindSafe + RefUnwindSafe>() {}
    unwind_safe::<Event>();
    unwind_safe::<Condition>();
    unwind_safe::<Semaphore>();
    unwind_safe::<BoundedSemaphore>();
    unwind_safe::<Barrier>();
    unwind_safe::<std::sync::Arc<Event>>();
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
/// shared or moved, and the guards can move but not be shared. The cases that must fail to
/// compile (`Cell` guards shared, anything holding an `Rc` moved) are doctests in
/// `src/auto_traits.rs`; the README's Soundness section has the table.
#[test]
fn a_lock_is_as_thread_safe_as_its_value_allows() {
    send_sync::<Lock<Cell<u8>>>();
    send_sync::<LockAcquire<'static, Cell<u8>>>();
    send_sync::<LockAcquireOwned<Cell<u8>>>();
    send::<LockGuard<'static, Cell<u8>>>();
    send::<OwnedLockGuard<Cell<u8>>>();
    send::<MappedLockGuard<'static, Cell<u8>>>();
    send::<OwnedMappedLockGuard<Cell<u8>, Cell<u8>>>();
    send::<ConditionWait<'static, LockGuard<'static, Cell<u8>>>>();
    send::<ConditionWait<'static, OwnedLockGuard<Cell<u8>>>>();
    let _ = std::marker::PhantomData::<Lock<Rc<u8>>>; // compiles, but is neither Send nor Sync
}

/// An owned mapped guard holds a `U` borrowed from the `T` in an `Arc<Lock<T>>`: it is `Send`
/// when both are, and `Sync` when `T: Send` and `U: Sync`, so a `!Sync` value can be narrowed to
/// a `Sync` part that is shared. The cases that must fail to compile are doctests in
/// `src/auto_traits.rs`.
#[test]
fn an_owned_mapped_guard_is_as_thread_safe_as_its_value_and_part_allow() {
    send_sync::<OwnedMappedLockGuard<(Cell<u8>, u8), u8>>();
    send_sync::<OwnedMappedLockGuard<Cell<u8>, [u8]>>();
    send::<OwnedMappedLockGuard<Vec<Cell<u8>>, Cell<u8>>>();
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
/// it. A negative bound cannot be written on stable, so this uses a blanket impl that becomes
/// ambiguous, and fails to compile, if the future is `Unpin`.
#[test]
fn futures_are_not_unpin() {
    trait AmbiguousIfUnpin<A> {
        fn check() {}
    }
    impl<T: ?Sized> AmbiguousIfUnpin<()> for T {}
    struct Marker;
    impl<T: ?Sized + Unpin> AmbiguousIfUnpin<Marker> for T {}
    <LockAcquire<'static, ()> as AmbiguousIfUnpin<_>>::check();
    <SemaphoreAcquire<'static> as AmbiguousIfUnpin<_>>::check();
    <EventWait<'static> as AmbiguousIfUnpin<_>>::check();
    <ConditionWait<'static, LockGuard<'static, ()>> as AmbiguousIfUnpin<_>>::check();
    <LockAcquireOwned<()> as AmbiguousIfUnpin<_>>::check();
    <SemaphoreAcquireOwned<Semaphore> as AmbiguousIfUnpin<_>>::check();
    <BarrierWait<'static> as AmbiguousIfUnpin<_>>::check();
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
