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
pub use health::{Health, Runtime};
pub use limits::Limits;
