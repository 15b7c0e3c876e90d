//! The privacy policy, clause by clause. Each module is a section of the policy; each test
//! quotes the promise it proves. `cargo xtask test policy` runs exactly this file.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failing test with its location

#[path = "../../../src-tauri/client/tests/support/mod.rs"]
mod support;

#[path = "policy/s3_third_party_services.rs"]
mod s3_third_party_services;
