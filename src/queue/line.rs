//! A line of parked tasks, getters or putters: first come, first woken. A task woken for an item
//! or a slot that a newcomer took before it ran parks again ahead of everyone who came after it.

use core::pin::Pin;
use core::task::Waker;

use crate::waitlist::{List, MAX_VALUE, Waiter, WaiterState};

/// Every node's value is its ticket: the place in line it got when it first parked.
pub(crate) struct Line {
    /// Tasks woken, beaten to it, and parked again, by ticket. Each was at the head of the line
    /// when woken, so each came before every task in `back`.
    front: List,
    /// Tasks parked for the first time, in order.
    back: List,
    /// Linked nodes in both lists.
    len: usize,
    next_ticket: usize,
}

impl Line {
    pub(crate) const fn new() -> Self {
        Line {
            front: List::new(),
            back: List::new(),
            len: 0,
            next_ticket: 0,
        }
    }

    /// Tasks parked and not woken.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Parks an idle node at the back, or a woken one back in its place.
    pub(crate) fn park(&mut self, node: Pin<&Waiter>, waker: Waker) {
        if node.state() == WaiterState::Woken {
            let ticket = node.woken_value();
            node.rearm();
            // Usually at an end: ahead of all if it was the only one beaten, behind the others
            // beaten in the same round if they park again in the order they were woken.
            self.front.insert_sorted(node, ticket, waker);
        } else {
            let ticket = self.next_ticket;
            // Wraps after 2^62 tickets, which no program reaches.
            self.next_ticket = (ticket + 1) & MAX_VALUE;
            self.back.push_back(node, ticket, waker);
        }
        self.len += 1;
    }

    /// Unlinks the first task in line and marks it woken. `None` if nobody waits; otherwise its
    /// waker, to be woken once the lock is released.
    #[inline]
    pub(crate) fn wake_next(&mut self) -> Option<Option<Waker>> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        if self.front.is_empty() {
            self.back.grant_front()
        } else {
            self.front.grant_front()
        }
    }

    /// For a dropped future: unlinks `node` if it is still parked. Returns the state it had
    /// (`Woken`: woken before it could leave) and its waker, to drop once the lock is released.
    #[must_use = "the waker must be dropped after the lock is released"]
    pub(crate) fn remove(&mut self, node: Pin<&Waiter>) -> (WaiterState, Option<Waker>) {
        let (state, _, waker) = self.list_of(node).remove(node);
        if state == WaiterState::Queued {
            self.len -= 1;
        }
        (state, waker)
    }

    /// The list `node` is parked in (or either, if it is not parked).
    pub(crate) fn list_of(&mut self, node: Pin<&Waiter>) -> &mut List {
        if self.front.holds(node) {
            &mut self.front
        } else {
            &mut self.back
        }
    }
}
