//! `api_json`: the wire types read from JSON, as the service reads request bodies (`ApiJson`
//! is serde_json over these types) and the desktop reads answers. The first byte picks the type,
//! the rest is the JSON. Whatever parses must survive a round trip unchanged, and the checks the
//! service runs on a parsed body (addresses, PKCE challenges, prompt rules) must not panic.

use atelier_api::auth::{SessionGrant, SignInStarted, StartSignIn, UpdateMe, User, VerifySignIn};
use atelier_api::conversations::{ConversationPage, NewConversation, RenameConversation};
use atelier_api::credits::{Balance, Checkout, CheckoutRequest, CreditPacks, LedgerPage};
use atelier_api::export::DataExport;
use atelier_api::generations::{Generation, GenerationPage, NewGeneration};
use atelier_api::models::ModelList;
use atelier_api::prompt::{PromptCheckRequest, PromptCheckResponse};
use atelier_api::sync::{ImagePatch, SyncPage};
use atelier_api::{ErrorBody, Health, Limits};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Parses `json` as `T`; whatever parses is written and read back to the same value.
fn round_trip<T>(json: &[u8]) -> Option<T>
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let value: T = serde_json::from_slice(json).ok()?;
    let written = serde_json::to_vec(&value).expect("a parsed value serializes");
    let again: T = serde_json::from_slice(&written).unwrap_or_else(|e| {
        panic!(
            "{} does not read back what it wrote ({e}): {}",
            std::any::type_name::<T>(),
            String::from_utf8_lossy(&written)
        )
    });
    assert_eq!(value, again, "{}", std::any::type_name::<T>());
    Some(value)
}

pub fn run(data: &[u8]) {
    let Some((&which, json)) = data.split_first() else {
        return;
    };
    let limits = atelier_api::limits::LIMITS;
    match which % 24 {
        // Request bodies, with the service's first checks on them.
        0 => {
            if let Some(start) = round_trip::<StartSignIn>(json) {
                let _ = atelier_server::auth::email::normalize(&start.email);
                let _ = atelier_server::auth::pkce::is_challenge_shaped(&start.code_challenge);
            }
        }
        1 => {
            if let Some(verify) = round_trip::<VerifySignIn>(json) {
                let (VerifySignIn::Code { code_verifier, .. }
                | VerifySignIn::Token { code_verifier, .. }) = &verify;
                let _ = atelier_server::auth::pkce::challenge_of(code_verifier);
                if let VerifySignIn::Token { token, .. } = &verify {
                    let _ = atelier_server::crypto::is_token_shaped(token.trim());
                }
                if let VerifySignIn::Code { email, .. } = &verify {
                    let _ = atelier_server::auth::email::normalize(email);
                }
            }
        }
        2 => {
            round_trip::<UpdateMe>(json);
        }
        3 => {
            round_trip::<NewConversation>(json);
        }
        4 => {
            round_trip::<RenameConversation>(json);
        }
        5 => {
            if let Some(generation) = round_trip::<NewGeneration>(json) {
                let check = PromptCheckRequest {
                    prompt: generation.prompt,
                    count: generation.count,
                };
                let _ = atelier_api::prompt::check(&check, &limits);
            }
        }
        6 => {
            round_trip::<ImagePatch>(json);
        }
        7 => {
            round_trip::<CheckoutRequest>(json);
        }
        8 => {
            if let Some(check) = round_trip::<PromptCheckRequest>(json) {
                let _ = atelier_api::prompt::check(&check, &limits);
            }
        }
        // Answers the desktop reads.
        9 => {
            round_trip::<SyncPage>(json);
        }
        10 => {
            round_trip::<LedgerPage>(json);
        }
        11 => {
            round_trip::<Generation>(json);
        }
        12 => {
            round_trip::<GenerationPage>(json);
        }
        13 => {
            round_trip::<ConversationPage>(json);
        }
        14 => {
            round_trip::<SessionGrant>(json);
        }
        15 => {
            round_trip::<User>(json);
        }
        16 => {
            round_trip::<Balance>(json);
        }
        17 => {
            round_trip::<CreditPacks>(json);
        }
        18 => {
            round_trip::<Checkout>(json);
        }
        19 => {
            round_trip::<ErrorBody>(json);
        }
        20 => {
            round_trip::<Limits>(json);
        }
        21 => {
            round_trip::<ModelList>(json);
        }
        22 => {
            round_trip::<DataExport>(json);
        }
        _ => {
            round_trip::<Health>(json);
            round_trip::<SignInStarted>(json);
            round_trip::<PromptCheckResponse>(json);
        }
    }
}
