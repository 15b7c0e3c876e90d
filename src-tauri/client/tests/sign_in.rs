//! Signing in by email against the real native server, reading the mail the Resend simulator
//! received; sessions kept in a credential store, restored, and ended.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test helper is a failing test with its location

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use atelier_api::ErrorCode;
use atelier_api::auth::MAX_CODE_ATTEMPTS;
use atelier_client::api::RetryPolicy;
use atelier_client::auth::{LinkToken, parse_sign_in_link};
use atelier_client::session::{CredentialStore, MemoryStore, Session, StoreError};
use atelier_client::{
    ApiClient, ApiClientOptions, Auth, ClientError, Code, Language, LocalCode, Refresh, Storage,
};
use atelier_test_kit::Service;

/// A wrong code that is surely not `right`.
fn wrong(right: &str) -> String {
    if right == "000000" {
        "111111"
    } else {
        "000000"
    }
    .to_owned()
}

async fn signed_in(world: &Service, auth: &Auth, email: &str) {
    auth.start(email, Language::English).await.unwrap();
    let code = world.mail(email).code;
    let state = auth.verify_code(email, &code).await.unwrap();
    assert_eq!(state.user.unwrap().email, email);
}

#[tokio::test]
async fn signs_in_with_the_emailed_code_and_keeps_the_session_in_the_store() {
    let world = Service::start().await;
    let store = Arc::new(MemoryStore::default());
    let auth = world.auth(store.clone());
    assert_eq!(auth.state().await.user, None);

    let started = auth
        .start("Ada@Example.com ", Language::English)
        .await
        .unwrap();
    assert!(started.resend_after_seconds > 0);
    assert!(started.expires_in_seconds > started.resend_after_seconds);
    let mail = world.mail("ada@example.com");
    assert!(mail.subject.contains(&mail.code), "{}", mail.subject);

    let state = auth
        .verify_code("ada@example.com", &mail.code)
        .await
        .unwrap();
    let user = state.user.clone().unwrap();
    assert_eq!(user.email, "ada@example.com");
    assert_eq!(state.unsaved, None);
    let saved = store.load().unwrap().unwrap();
    assert_eq!(saved.user, user);
    let me = world.client().me(&saved.token).await.unwrap();
    assert_eq!(me.id, user.id);
}

#[tokio::test]
async fn the_email_is_written_in_the_language_asked_for() {
    let world = Service::start().await;
    let auth = world.auth(Arc::new(MemoryStore::default()));
    auth.start("li@example.com", Language::SimplifiedChinese)
        .await
        .unwrap();
    let mail = world.mail("li@example.com");
    assert!(mail.subject.contains("验证码"), "{}", mail.subject);
}

#[tokio::test]
async fn signs_in_with_the_link_from_the_email() {
    let world = Service::start().await;
    let store = Arc::new(MemoryStore::default());
    let auth = world.auth(store.clone());
    auth.start("grace@example.com", Language::English)
        .await
        .unwrap();
    let mail = world.mail("grace@example.com");

    // The emailed https link's page hands over to the app through atelier://auth?token=….
    let app_link = world.app_link_on_page(&mail.link).await;
    // Pasted whole, with the blank a copy brings along.
    let state = auth.verify_pasted(&format!(" {app_link}\n")).await.unwrap();
    assert_eq!(state.user.unwrap().email, "grace@example.com");
    let token = parse_sign_in_link(&app_link).unwrap();
    assert!(store.load().unwrap().is_some());

    // A link works once, and only in the app that asked: this one has signed in, another never
    // asked; neither sends it anywhere.
    let err = auth.verify_link(&token).await.unwrap_err();
    assert_eq!(err.code(), Code::Local(LocalCode::SignInNotPending));
    let again = world.auth(Arc::new(MemoryStore::default()));
    let err = again.verify_link(&token).await.unwrap_err();
    assert_eq!(err.code(), Code::Local(LocalCode::SignInNotPending));
}

#[tokio::test]
async fn a_link_planted_by_someone_else_signs_nobody_in() {
    let world = Service::start().await;
    // The victim is signed in; the attacker mails themselves a link and sends it to the victim.
    let victim_store = Arc::new(MemoryStore::default());
    let victim = world
        .sign_in("victim@example.com", victim_store.clone())
        .await;
    let attacker = world.auth(Arc::new(MemoryStore::default()));
    attacker
        .start("attacker@example.com", Language::English)
        .await
        .unwrap();
    let mail = world.mail("attacker@example.com");
    let token = parse_sign_in_link(&world.app_link_on_page(&mail.link).await).unwrap();

    // The victim's app asked for nothing: refused before anything is sent, session untouched.
    let err = victim.verify_link(&token).await.unwrap_err();
    assert_eq!(err.code(), Code::Local(LocalCode::SignInNotPending));
    assert_eq!(
        victim.state().await.user.unwrap().email,
        "victim@example.com"
    );
    assert_eq!(
        victim_store.load().unwrap().unwrap().user.email,
        "victim@example.com"
    );

    // Even while the victim's app waits for a sign-in of its own, the planted link does not
    // match its verifier, and is not used up by the try.
    victim
        .start("victim@example.com", Language::English)
        .await
        .unwrap();
    let err = victim.verify_link(&token).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::CodeExpired);
    assert_eq!(
        victim.state().await.user.unwrap().email,
        "victim@example.com"
    );
    // The token alone, pasted, is the same link.
    let state = attacker.verify_pasted(token.expose()).await.unwrap();
    assert_eq!(state.user.unwrap().email, "attacker@example.com");
}

#[tokio::test]
async fn a_wrong_code_says_how_many_tries_are_left_until_the_code_dies() {
    let world = Service::start().await;
    let auth = world.auth(Arc::new(MemoryStore::default()));
    let email = "alan@example.com";
    auth.start(email, Language::English).await.unwrap();
    let code = world.mail(email).code;

    for left in (1..MAX_CODE_ATTEMPTS).rev() {
        let err = auth.verify_code(email, &wrong(&code)).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidCode);
        assert_eq!(err.attempts_left(), Some(left));
        assert!(
            err.message().contains(&left.to_string()),
            "{}",
            err.message()
        );
    }
    let err = auth.verify_code(email, &wrong(&code)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::TooManyAttempts);
    // Dead: even the right code no longer works.
    let err = auth.verify_code(email, &code).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::TooManyAttempts);

    // A new email starts a fresh count.
    auth.start(email, Language::English).await.unwrap();
    let code = world.mail(email).code;
    let err = auth.verify_code(email, &wrong(&code)).await.unwrap_err();
    assert_eq!(err.attempts_left(), Some(MAX_CODE_ATTEMPTS - 1));
    assert!(auth.verify_code(email, &code).await.is_ok());
}

#[tokio::test]
async fn malformed_input_is_refused_before_a_request() {
    let world = Service::start().await;
    let auth = world.auth(Arc::new(MemoryStore::default()));
    for bad in ["", "  ", "no-at-sign"] {
        let err = auth.start(bad, Language::English).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidEmail, "{bad:?}");
    }
    let err = auth.start("a@b", Language::English).await.unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::InvalidEmail,
        "the service has the last word"
    );
    for bad in ["12345", "1234567", "abcdef", ""] {
        let err = auth.verify_code("a@example.com", bad).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidCode, "{bad:?}");
    }
    for bad in [
        "https://atelier.example/auth?token=x",
        "atelier://auth?token=&x=1",
        "short",
    ] {
        let err = auth.verify_pasted(bad).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::BadRequest, "{bad:?}");
    }
    assert!(world.sims.resend().emails().is_empty());
}

#[tokio::test]
async fn an_expired_or_replaced_code_is_code_expired() {
    let world = Service::start().await;
    let auth = world.auth(Arc::new(MemoryStore::default()));
    let email = "hopper@example.com";
    auth.start(email, Language::English).await.unwrap();
    let first = world.mail(email).code;
    auth.start(email, Language::English).await.unwrap();
    let second = world.mail(email).code;
    if first != second {
        let err = auth.verify_code(email, &first).await.unwrap_err();
        assert!(
            matches!(
                err.code(),
                Code::Api(ErrorCode::CodeExpired | ErrorCode::InvalidCode)
            ),
            "{err}"
        );
    }
    world
        .advance_clock(i64::from(atelier_api::auth::CHALLENGE_TTL_SECONDS) * 1000 + 1)
        .await;
    let err = auth.verify_code(email, &second).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::CodeExpired);
}

#[tokio::test]
async fn a_saved_session_is_restored_at_the_next_start() {
    let world = Service::start().await;
    let store: Arc<dyn CredentialStore> = Arc::new(MemoryStore::default());
    let first_run = world.auth(store.clone());
    signed_in(&world, &first_run, "katherine@example.com").await;
    drop(first_run);

    let second_run = world.auth(store.clone());
    let state = second_run.state().await;
    assert_eq!(state.user.unwrap().email, "katherine@example.com");
    assert_eq!(state.storage, Storage::Memory);
    assert_eq!(second_run.refresh().await, Refresh::Unchanged);

    // A display name set now is what the next run shows.
    let state = second_run
        .update_display_name(Some("  Katherine J.  "))
        .await
        .unwrap();
    assert_eq!(
        state.user.unwrap().display_name.as_deref(),
        Some("Katherine J.")
    );
    let third_run = world.auth(store);
    let user = third_run.state().await.user.unwrap();
    assert_eq!(user.display_name.as_deref(), Some("Katherine J."));
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_service_and_in_the_store() {
    let world = Service::start().await;
    let store = Arc::new(MemoryStore::default());
    let auth = world.auth(store.clone());
    signed_in(&world, &auth, "barbara@example.com").await;
    let token = store.load().unwrap().unwrap().token;

    let state = auth.sign_out().await.unwrap();
    assert_eq!(state.user, None);
    assert_eq!(store.load().unwrap(), None);
    let err = world.client().me(&token).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    let err = world.client().logout(&token).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    // Signing out twice is harmless.
    assert_eq!(auth.sign_out().await.unwrap().user, None);
}

#[tokio::test]
async fn signing_out_everywhere_ends_the_other_devices_sessions_too() {
    let world = Service::start().await;
    let email = "frances@example.com";
    let laptop_store = Arc::new(MemoryStore::default());
    let laptop = world.auth(laptop_store.clone());
    signed_in(&world, &laptop, email).await;
    let desktop_store = Arc::new(MemoryStore::default());
    let desktop = world.auth(desktop_store.clone());
    signed_in(&world, &desktop, email).await;
    let laptop_token = laptop_store.load().unwrap().unwrap().token;
    let desktop_token = desktop_store.load().unwrap().unwrap().token;
    assert_ne!(laptop_token, desktop_token);

    let state = desktop.sign_out_everywhere().await.unwrap();
    assert_eq!(state.user, None);
    assert_eq!(desktop_store.load().unwrap(), None);
    for token in [&laptop_token, &desktop_token] {
        let err = world.client().me(token).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Unauthenticated);
    }

    // The laptop finds out at its next check and forgets the dead session.
    let Refresh::Ended(state) = laptop.refresh().await else {
        panic!("the laptop's session should have ended");
    };
    assert_eq!(state.user, None);
    assert_eq!(laptop_store.load().unwrap(), None);
}

#[tokio::test]
async fn a_rate_limit_carries_how_long_to_wait() {
    let world = Service::start().await;
    let auth = world.auth(Arc::new(MemoryStore::default()));
    let mut limited = None;
    for _ in 0..10 {
        match auth
            .start("ratelimited@example.com", Language::English)
            .await
        {
            Ok(_) => {}
            Err(e) => {
                limited = Some(e);
                break;
            }
        }
    }
    let err = limited.expect("the per-email limit should trigger");
    assert_eq!(err.code(), ErrorCode::RateLimited);
    let wait = err.retry_after_seconds().unwrap();
    // A sliding window: when the current hour alone is full, the wait is the rest of it plus the
    // time its weight takes to fade, so up to two windows depending on the wall clock.
    assert!(wait > 0 && wait <= 2 * 3600, "{wait}");
}

#[tokio::test]
async fn a_dead_service_is_offline() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut options = ApiClientOptions::new(format!("http://127.0.0.1:{port}"));
    options.retry = RetryPolicy::none();
    let auth = Auth::new(
        ApiClient::new(options).unwrap(),
        Box::new(|| Ok(Arc::new(MemoryStore::default()) as Arc<dyn CredentialStore>)),
    );
    let err = auth
        .start("ada@example.com", Language::English)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Offline);
}

/// A credential store that can be switched off, like a Secret Service that is not running.
#[derive(Default)]
struct FlakyStore {
    down: AtomicBool,
    inner: MemoryStore,
    saves: Mutex<u32>,
}

impl FlakyStore {
    fn check(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError::new(
                "org.freedesktop.DBus.Error.ServiceUnknown: no Secret Service",
            ))
        } else {
            Ok(())
        }
    }
}

impl CredentialStore for FlakyStore {
    fn persistent(&self) -> bool {
        true
    }
    fn load(&self) -> Result<Option<Session>, StoreError> {
        self.check()?;
        self.inner.load()
    }
    fn save(&self, session: &Session) -> Result<(), StoreError> {
        self.check()?;
        *self.saves.lock().unwrap() += 1;
        self.inner.save(session)
    }
    fn delete(&self) -> Result<(), StoreError> {
        self.check()?;
        self.inner.delete()
    }
}

fn store_unavailable(err: &ClientError) -> bool {
    err.code() == Code::Local(LocalCode::CredentialStoreUnavailable)
}

#[tokio::test]
async fn without_a_credential_store_nothing_is_saved_until_the_person_chooses() {
    let world = Service::start().await;
    let store = Arc::new(FlakyStore::default());
    store.down.store(true, Ordering::SeqCst);
    let auth = world.auth(store.clone());

    let state = auth.state().await;
    assert!(
        matches!(state.storage, Storage::Unavailable { ref reason } if reason.contains("Secret Service"))
    );
    assert_eq!(state.user, None);

    // Signing in works, but the session waits: it is neither saved nor in use.
    auth.start("ida@example.com", Language::English)
        .await
        .unwrap();
    let code = world.mail("ida@example.com").code;
    let err = auth
        .verify_code("ida@example.com", &code)
        .await
        .unwrap_err();
    assert!(store_unavailable(&err), "{err}");
    let state = auth.state().await;
    assert_eq!(state.user, None);
    assert_eq!(state.unsaved.unwrap().email, "ida@example.com");

    // Trying again while the store is still down changes nothing.
    let err = auth.retry_store().await.unwrap_err();
    assert!(store_unavailable(&err));

    // The explicit choice: keep it until quit. Signed in; the OS store still holds nothing.
    let state = auth.keep_until_quit().await;
    assert_eq!(state.user.unwrap().email, "ida@example.com");
    assert_eq!(state.storage, Storage::Memory);
    assert_eq!(state.unsaved, None);
    assert_eq!(*store.saves.lock().unwrap(), 0);
}

#[tokio::test]
async fn a_store_that_comes_back_takes_the_waiting_sign_in() {
    let world = Service::start().await;
    let store = Arc::new(FlakyStore::default());
    let auth = world.auth(store.clone());
    assert_eq!(auth.state().await.storage, Storage::Keychain);

    // The store fails just when the session is to be saved (say, a locked keyring).
    auth.start("mary@example.com", Language::English)
        .await
        .unwrap();
    let code = world.mail("mary@example.com").code;
    store.down.store(true, Ordering::SeqCst);
    let err = auth
        .verify_code("mary@example.com", &code)
        .await
        .unwrap_err();
    assert!(store_unavailable(&err));
    assert!(matches!(
        auth.state().await.storage,
        Storage::Unavailable { .. }
    ));

    store.down.store(false, Ordering::SeqCst);
    let state = auth.retry_store().await.unwrap();
    assert_eq!(state.user.unwrap().email, "mary@example.com");
    assert_eq!(state.storage, Storage::Keychain);
    assert!(store.load().unwrap().is_some());

    // Signing out with the store down again still ends the session on the service.
    let token = store.load().unwrap().unwrap().token;
    store.down.store(true, Ordering::SeqCst);
    let state = auth.sign_out().await.unwrap();
    assert_eq!(state.user, None);
    assert_eq!(
        world.client().me(&token).await.unwrap_err().code(),
        ErrorCode::Unauthenticated
    );
}

#[test]
fn pasted_tokens_are_checked_for_shape() {
    assert!(LinkToken::parse("not a token").is_err());
    assert!(LinkToken::parse("q8Jd3kL0pZx_Vb7-Ww2NcYt5HsRa9eUfq8Jd3kL0pZx").is_ok());
}
