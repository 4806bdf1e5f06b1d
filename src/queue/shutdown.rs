//! Shutting down, as Python 3.13's `shutdown(immediate=False)` and `shutdown(immediate=True)`:
//! puts fail from then on, gets fail once the queue is empty (at once, if immediate: the items
//! are dropped), and every parked getter and putter is woken to find that out.

use super::Core;
use super::join::{count_finished, release_joiners};

impl<T> Core<T> {
    pub(super) fn shutdown(&self, immediate: bool) {
        let mut s = self.lock();
        s.shutdown = true;
        let mut release = false;
        let drained = immediate.then(|| {
            let drained = s.items.take_all();
            // asyncio lowers the count by the items dropped, stopping at 0, and releases `join`
            // only if that leaves it at 0: items taken earlier still need their `task_done`.
            s.unfinished = s.unfinished.saturating_sub(drained.len());
            release = s.unfinished == 0 && count_finished(&mut s);
            drained
        });
        // asyncio sets its `finished` event first, then wakes every getter, then every putter.
        // No task can park in `get` or `put` any more, so emptying both lines ends the job.
        let panic = self.wake_batched(s, |s, wakers| {
            if release && release_joiners(s, wakers) {
                return true;
            }
            release = false;
            while !wakers.is_full() {
                match s.getters.wake_next().or_else(|| s.putters.wake_next()) {
                    Some(waker) => wakers.push(waker),
                    None => return false,
                }
            }
            s.getters.len() + s.putters.len() > 0
        });
        // The dropped items' destructors run last, with the lock released and everyone woken, and
        // before a waker's panic goes on: an item dropped while unwinding could not panic itself
        // without aborting the process.
        drop(drained);
        panic.finish();
    }
}
