//! The targets, one module each (see the crate's documentation).

pub mod api_json;
pub mod creem_webhook;
pub mod image_decode;
pub mod kie;
pub mod routes;
pub mod sync_page;
pub mod upload;
