//! The contract both halves of Atelier compile against: what goes over the wire between the service
//! (native or Worker) and the desktop client. Nothing here does I/O.

pub mod auth;
pub mod conversations;
pub mod credits;
pub mod error;
pub mod export;
pub mod generations;
pub mod health;
pub mod limits;
pub mod models;
pub mod prompt;
pub mod scrub;
pub mod sync;
pub mod test_hooks;
pub mod uploads;

pub use error::{ErrorBody, ErrorCode};

/// Whether `id` has the shape of the service's record ids (conversations, generations, images,
/// uploads: 32 hex digits): anything else names nothing, so it is `not_found` without a lookup.
/// The one statement of that shape, for the service and the desktop alike.
pub fn is_record_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}
pub use health::{Health, Runtime};
pub use limits::Limits;
