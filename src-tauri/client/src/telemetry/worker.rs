//! A background sender: a thread with its own small runtime that takes items from a bounded
//! queue and delivers them in batches. Callers never wait on the network and never see its
//! failures; when the queue is full, new items are dropped (telemetry is not worth memory).

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

/// How an item batch reaches its destination. Runs on the worker's thread.
pub(crate) trait Deliver<T>: Send + 'static {
    fn deliver(&mut self, items: Vec<T>) -> impl Future<Output = ()>;
}

enum Job<T> {
    Item(T),
    /// Acknowledged once everything queued before it was handled.
    Flush(SyncSender<()>),
}

/// The most items one delivery takes.
const MAX_BATCH: usize = 100;

pub(crate) struct Worker<T> {
    tx: SyncSender<Job<T>>,
}

impl<T: Send + 'static> Worker<T> {
    /// Starts the thread. `None` when the OS refuses a thread or the runtime cannot be built:
    /// then telemetry is simply off.
    pub(crate) fn spawn(name: &str, capacity: usize, deliver: impl Deliver<T>) -> Option<Self> {
        let (tx, rx) = sync_channel::<Job<T>>(capacity);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| tracing::warn!(error = %e, "telemetry runtime"))
            .ok()?;
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || runtime.block_on(run(rx, deliver)))
            .map_err(|e| tracing::warn!(error = %e, "telemetry thread"))
            .ok()?;
        Some(Self { tx })
    }

    /// Queues an item; false when the queue is full (the item is dropped) or the worker is gone.
    pub(crate) fn push(&self, item: T) -> bool {
        self.tx.try_send(Job::Item(item)).is_ok()
    }

    /// Waits until everything queued so far was handled, at most `timeout`.
    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (ack_tx, ack_rx) = sync_channel(1);
        let mut job = Job::Flush(ack_tx);
        loop {
            match self.tx.try_send(job) {
                Ok(()) => break,
                Err(TrySendError::Disconnected(_)) => return false,
                Err(TrySendError::Full(back)) => {
                    if Instant::now() >= deadline {
                        return false;
                    }
                    job = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
        ack_rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .is_ok()
    }
}

async fn run<T>(rx: Receiver<Job<T>>, mut deliver: impl Deliver<T>) {
    // The std receiver blocks this thread while idle, which is all the thread is for.
    while let Ok(first) = rx.recv() {
        let mut batch = Vec::new();
        let mut acks = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Item(item) => batch.push(item),
                Job::Flush(ack) => acks.push(ack),
            }
            if batch.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        if !batch.is_empty() {
            deliver.deliver(batch).await;
        }
        for ack in acks {
            let _ = ack.try_send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    struct Collect(Arc<Mutex<Vec<Vec<u32>>>>);

    impl Deliver<u32> for Collect {
        async fn deliver(&mut self, items: Vec<u32>) {
            self.0.lock().unwrap().push(items);
        }
    }

    #[test]
    fn items_arrive_in_order_and_flush_waits_for_them() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let worker = Worker::spawn("test", 8, Collect(seen.clone())).unwrap();
        for i in 0..5 {
            assert!(worker.push(i));
        }
        assert!(worker.flush(Duration::from_secs(5)));
        let all: Vec<u32> = seen.lock().unwrap().iter().flatten().copied().collect();
        assert_eq!(all, vec![0, 1, 2, 3, 4]);
    }
}
