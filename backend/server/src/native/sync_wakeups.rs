//! Per-account wake-ups for held `GET /v1/sync?wait=` requests: a `watch` channel per account
//! that someone is waiting on, bumped when a batch that moved the account's sync log commits.
//! A held request sleeps on its receiver and costs nothing until then; there is no polling.
//!
//! The map holds only accounts with a waiter: the last waiter to leave removes its entry, and a
//! commit for an account nobody waits on touches nothing.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

use super::NativePlatform;
use crate::platform::Statement;

#[derive(Default)]
pub(super) struct SyncWakeups {
    /// Account id → a counter bumped on each commit that moved its log.
    accounts: Mutex<HashMap<String, watch::Sender<u64>>>,
}

impl SyncWakeups {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Sender<u64>>> {
        // The map stays consistent whatever panicked while holding it: every change is one call.
        self.accounts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts watching `account_id` now: commits from here on wake the returned waiter.
    fn watch(self: &Arc<Self>, account_id: &str) -> Waiter {
        let receiver = self
            .lock()
            .entry(account_id.to_owned())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe();
        Waiter {
            receiver: Some(receiver),
            account_id: account_id.to_owned(),
            wakeups: self.clone(),
        }
    }

    /// Wakes everyone waiting on `account_id`, if anyone is.
    fn wake(&self, account_id: &str) {
        if let Some(sender) = self.lock().get(account_id) {
            sender.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    #[cfg(test)]
    fn watched(&self) -> usize {
        self.lock().len()
    }
}

/// One held request's view of its account's wake-up; leaving removes the entry if it was the last.
struct Waiter {
    receiver: Option<watch::Receiver<u64>>,
    account_id: String,
    wakeups: Arc<SyncWakeups>,
}

impl Waiter {
    async fn woken(&mut self) {
        if let Some(receiver) = &mut self.receiver {
            // An error means the sender is gone, which only happens once no waiter is left.
            let _ = receiver.changed().await;
        }
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        drop(self.receiver.take());
        let mut accounts = self.wakeups.lock();
        if accounts
            .get(&self.account_id)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            accounts.remove(&self.account_id);
        }
    }
}

impl NativePlatform {
    /// Called by the SQL port after a batch commits, with the rows each statement changed: wakes
    /// the held requests of every account whose log the batch moved.
    pub(super) fn sync_committed(&self, statements: &[Statement], changed: &[u64]) {
        for account_id in crate::sync::log::advanced(statements, changed) {
            self.inner.sync_wakeups.wake(account_id);
        }
    }

    /// `Platform::sync_moved`: the account's wake-up or the time limit, whichever comes first.
    pub(super) fn sync_wakeup(
        &self,
        account_id: &str,
        at_most: Duration,
    ) -> impl Future<Output = ()> + Send + 'static {
        // Registered here, before the caller reads the log again, not at the first poll.
        let mut waiter = self.inner.sync_wakeups.watch(account_id);
        async move {
            let _ = tokio::time::timeout(at_most, waiter.woken()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_commit_wakes_the_accounts_waiters_and_only_theirs() {
        let wakeups = Arc::new(SyncWakeups::default());
        let mut a = wakeups.watch("a");
        let mut a_too = wakeups.watch("a");
        let mut b = wakeups.watch("b");
        // Woken by a commit made before the first poll: the watch began at `watch`.
        wakeups.wake("a");
        let soon = Duration::from_millis(200);
        assert!(tokio::time::timeout(soon, a.woken()).await.is_ok());
        assert!(tokio::time::timeout(soon, a_too.woken()).await.is_ok());
        assert!(tokio::time::timeout(soon, b.woken()).await.is_err());
    }

    #[tokio::test]
    async fn the_last_waiter_to_leave_removes_the_entry() {
        let wakeups = Arc::new(SyncWakeups::default());
        let first = wakeups.watch("a");
        let second = wakeups.watch("a");
        drop(first);
        assert_eq!(wakeups.watched(), 1);
        drop(second);
        assert_eq!(wakeups.watched(), 0);
        // A commit nobody waits for adds nothing.
        wakeups.wake("a");
        assert_eq!(wakeups.watched(), 0);
        // Neither does a wait that ran out.
        let mut timed_out = wakeups.watch("b");
        assert!(
            tokio::time::timeout(Duration::from_millis(10), timed_out.woken())
                .await
                .is_err()
        );
        drop(timed_out);
        assert_eq!(wakeups.watched(), 0);
    }
}
