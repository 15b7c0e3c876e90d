//! One test world for the desktop's tests and benchmarks: [`Service`] is the real native server on
//! a loopback port with the upstream simulators behind it (stopped and started again as a network
//! that goes and comes back), and signs accounts in by the code the Resend simulator received;
//! [`library`] reads what the service and a device's cache hold, to compare them; [`seed`] writes
//! a library of any size straight into the server's store, for benchmarks.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test world is a failing test with its location

pub mod library;
mod mail;
pub mod seed;
mod service;

pub use library::{assert_agree, cached_images, generate, server_images};
pub use mail::Mail;
pub use service::{Service, ServiceOptions};
