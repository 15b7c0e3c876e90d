//! Mutex access that survives poisoning. Simulator state is plain data whose invariants hold
//! between statements, so a panic elsewhere must not turn every later request into a 500.

use std::sync::{Mutex, MutexGuard};

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
