//! The privacy policy, clause by clause. Each module is a section of the policy; each test
//! quotes the promise it proves. `cargo xtask test policy` runs exactly this file; the table in
//! `coverage` ties every clause the app shows (Settings → Legal) to its tests.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failing test with its location

#[path = "policy/common.rs"]
mod common;
#[path = "policy/coverage.rs"]
mod coverage;
#[path = "policy/s1_data_we_collect.rs"]
mod s1_data_we_collect;
#[path = "policy/s2_how_we_store.rs"]
mod s2_how_we_store;
#[path = "policy/s3_third_party_services.rs"]
mod s3_third_party_services;
#[path = "policy/s4_cookies.rs"]
mod s4_cookies;
#[path = "policy/s5_data_retention.rs"]
mod s5_data_retention;
#[path = "policy/s6_your_rights.rs"]
mod s6_your_rights;
#[path = "policy/s7_gdpr.rs"]
mod s7_gdpr;
#[path = "policy/s8_contact.rs"]
mod s8_contact;
