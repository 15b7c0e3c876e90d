//! The library's live watch: while someone is signed in, one waiting sync request at a time
//! (`SyncEngine::live_round`), a normal pass whenever it brings changes, a back-off while the
//! service cannot be reached. It stops when asked (sign-out, account deletion, another account
//! bound to the cache), and by itself when nobody is signed in any more. At most one runs per
//! library; the periodic pass stays as the fallback.

use std::sync::Mutex as StdMutex;

use atelier_api::ErrorCode;
use tokio_util::sync::CancellationToken;

use super::Library;
use crate::auth::Auth;
use crate::sync::LiveTiming;

/// Why a watch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveEnd {
    /// Asked to stop (sign-out, another account, the library closed).
    Stopped,
    /// Nobody is signed in, or the session is no longer usable.
    SignedOut,
    /// Another watch already follows this library.
    AlreadyRunning,
    /// The library was closed; open a new one.
    Closed,
}

/// The one watch a library may have, and how to stop it.
#[derive(Default)]
pub(super) struct LiveSlot {
    /// Held by the running watch for as long as it runs.
    running: tokio::sync::Mutex<()>,
    /// Cancelled to stop the running watch; replaced once it has stopped.
    stop: StdMutex<CancellationToken>,
    closed: StdMutex<bool>,
}

impl LiveSlot {
    fn token(&self) -> CancellationToken {
        self.stop.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn is_closed(&self) -> bool {
        *self.closed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stops the running watch and waits until it has; `close`: for good.
    pub(super) async fn stop(&self, close: bool) {
        if close {
            *self.closed.lock().unwrap_or_else(|e| e.into_inner()) = true;
        }
        self.token().cancel();
        // The running watch holds this until it returns.
        let _stopped = self.running.lock().await;
        if !self.is_closed() {
            *self.stop.lock().unwrap_or_else(|e| e.into_inner()) = CancellationToken::new();
        }
    }
}

impl Library {
    /// Follows the service's changes live for whoever `auth` has signed in, with the default
    /// timing, until stopped; answers at once when another watch already runs.
    pub async fn live(&self, auth: &Auth) -> LiveEnd {
        self.live_with(auth, LiveTiming::default()).await
    }

    pub async fn live_with(&self, auth: &Auth, timing: LiveTiming) -> LiveEnd {
        let Ok(_running) = self.live.running.try_lock() else {
            return LiveEnd::AlreadyRunning;
        };
        let stop = self.live.token();
        if self.live.is_closed() {
            return LiveEnd::Closed;
        }
        if stop.is_cancelled() {
            return LiveEnd::Stopped;
        }
        tokio::select! {
            () = stop.cancelled() => LiveEnd::Stopped,
            end = self.follow(auth, timing) => end,
        }
    }

    /// Stops the running watch (if any) and waits until it has; a later `live` starts anew.
    pub async fn stop_live(&self) {
        self.live.stop(false).await;
    }

    async fn follow(&self, auth: &Auth, timing: LiveTiming) -> LiveEnd {
        let mut failures = 0;
        loop {
            let Some(user) = auth.state().await.user else {
                return LiveEnd::SignedOut;
            };
            let Ok(token) = auth.token().await else {
                return LiveEnd::SignedOut;
            };
            // As `sync` does: a cache of another account is wiped before it is written.
            let round = match self.cache().bind_account(&user.id).await {
                Ok(()) => self.engine.live_round(&token, timing.wait).await,
                Err(e) => Err(e),
            };
            match &round {
                Err(e) if e.code() == ErrorCode::Unauthenticated => return LiveEnd::SignedOut,
                Err(e) => {
                    failures += 1;
                    tracing::debug!(error = %e, failures, "the live sync failed; backing off");
                }
                Ok(_) => failures = 0,
            }
            let pause = timing.pause_after(&round, failures);
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        }
    }
}
