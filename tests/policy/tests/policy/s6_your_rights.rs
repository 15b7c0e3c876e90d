//! Section 6, Your Rights: access, correction and deletion, by email and in the app.

use std::sync::Arc;

use atelier_client::device_data::OWNED_ENTRIES;
use atelier_client::legal::DEFAULT_PRIVACY_CONTACT;
use atelier_client::library::Library;
use atelier_client::session::{CredentialStore, MemoryStore};

use crate::common::{person, purge_finished, storage, traces};
use atelier_test_kit::{Service, generate};

const EMAIL: &str = "rights@example.com";
const CORRECTED: &str = "rights-corrected@example.com";

/// "You may request access to, correction of, or deletion of your personal data at any time by
/// emailing ljj231428@gmail.com."
///
/// The address the app shows for these requests is the policy's own unless configured
/// otherwise, in both languages of the in-app policy; and each request also has its own action:
/// access is the export; correction the display name and the email (confirmed from the new
/// address, the old one told, the change in the exported history); deletion the account's
/// deletion, which leaves no trace of either address.
#[tokio::test]
async fn access_correction_and_deletion_are_yours_to_ask_for() {
    assert_eq!(DEFAULT_PRIVACY_CONTACT, "ljj231428@gmail.com");
    for (language, text) in crate::coverage::IN_APP_POLICIES {
        assert!(
            text.contains("{contact}"),
            "the {language} policy shows the configured address"
        );
        assert!(
            !text.contains('@'),
            "the {language} policy hard-codes an address instead of the configured one"
        );
    }

    let service = Service::start().await;
    let me = person(&service, EMAIL).await;
    let api = me.auth.api();
    generate(api, &me.token, "a lighthouse", 1).await;
    // Access.
    let export = api.data_export(&me.token).await.unwrap();
    assert_eq!(export.account.email, EMAIL);
    assert_eq!(export.generations.len(), 1);
    // Correction.
    let corrected = api.update_me(&me.token, Some("Ada L.")).await.unwrap();
    assert_eq!(corrected.display_name.as_deref(), Some("Ada L."));
    assert_eq!(
        api.me(&me.token).await.unwrap().display_name.as_deref(),
        Some("Ada L.")
    );
    me.auth
        .start_email_change(CORRECTED, atelier_client::Language::English)
        .await
        .unwrap();
    let text = service
        .sims
        .resend()
        .last_email_to(CORRECTED)
        .unwrap()
        .text
        .unwrap();
    let code = text
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .unwrap()
        .to_owned();
    let state = me.auth.confirm_email_change(&code).await.unwrap();
    assert_eq!(state.user.unwrap().email, CORRECTED);
    let notice = service.sims.resend().last_email_to(EMAIL).unwrap();
    assert!(
        notice.text.unwrap().contains(CORRECTED),
        "the old address is told"
    );
    let export = api.data_export(&me.token).await.unwrap();
    assert_eq!(export.account.email, CORRECTED);
    assert!(export.technical.sign_ins.iter().any(|s| {
        s.email_change
            .as_ref()
            .is_some_and(|c| c.from == EMAIL && c.to == CORRECTED)
    }));
    // Deletion.
    me.auth.delete_account().await.unwrap();
    purge_finished(&service, &me.id).await;
    let dump = storage(&service).await;
    assert_eq!(traces(&dump, EMAIL), Vec::<String>::new());
    assert_eq!(traces(&dump, CORRECTED), Vec::<String>::new());
}

/// "Account deletion is also available directly from your Settings page."
///
/// Settings' one action is granted to the window and does, on this device and on the service,
/// all there is to do: the service keeps nothing, the other device is signed out, this
/// device's session, cache database and image files are gone.
#[tokio::test]
async fn account_deletion_is_one_action_in_settings() {
    let capabilities = include_str!("../../../../src-tauri/capabilities/default.json");
    assert!(capabilities.contains("\"allow-delete-account\""));
    let bindings = include_str!("../../../../ui/src/lib/backend/bindings.ts");
    assert!(bindings.contains("deleteAccount: () =>"));

    let service = Service::start().await;
    let store = Arc::new(MemoryStore::default());
    let this = service.sign_in(EMAIL, store.clone()).await;
    let other = person(&service, EMAIL).await;
    let id = this.state().await.user.unwrap().id;
    generate(this.api(), &this.token().await.unwrap(), "a fox", 1).await;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("Atelier");
    let library = Library::open(&dir, service.client()).await.unwrap();
    library.sync(&this).await.unwrap();

    // What the Settings action runs (src-tauri/src/commands/account.rs).
    this.delete_account().await.unwrap();
    library.close_and_remove().await.unwrap();

    purge_finished(&service, &id).await;
    assert_eq!(
        traces(&storage(&service).await, EMAIL),
        Vec::<String>::new()
    );
    assert!(store.load().unwrap().is_none(), "the saved session is gone");
    assert!(!dir.exists(), "the data folder is gone");
    assert!(OWNED_ENTRIES.iter().all(|e| !dir.join(e).exists()));
    let refused = other.auth.api().me(&other.token).await.unwrap_err();
    assert_eq!(refused.code().as_str(), "unauthenticated");
}
