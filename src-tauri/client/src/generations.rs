//! Starting a generation from the composer.

use atelier_api::generations::{Generation, NewGeneration};
use serde::Deserialize;

use crate::api::IdempotencyKey;
use crate::auth::Auth;
use crate::error::ClientError;

/// What the composer sends: the generation, and the key of the person's action that asks for
/// it, made once by the UI and sent again on a retry.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GenerationRequest {
    #[serde(flatten)]
    pub generation: NewGeneration,
    pub idempotency_key: String,
}

impl GenerationRequest {
    /// Starts it for the signed-in account: the same key again returns the same generation,
    /// charged once. A malformed key is refused before anything is sent.
    pub async fn send(&self, auth: &Auth) -> Result<Generation, ClientError> {
        let key = IdempotencyKey::parse(&self.idempotency_key)?;
        let token = auth.token().await?;
        auth.api()
            .create_generation(&token, &key, &self.generation)
            .await
    }
}
