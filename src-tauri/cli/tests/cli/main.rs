//! The `atelier` binary as people and scripts use it: each test runs the real binary as a
//! subprocess against the native server and the upstream simulators (atelier-client's test
//! service), with a keychain, a library and a home of its own (`world`). Linux only: the
//! keychain of its own is a private Secret Service (D-Bus and GNOME Keyring); elsewhere the
//! binary would reach the developer's real Keychain or Credential Manager.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failing test with its location

mod account;
mod batch;
mod errors;
mod generate;
mod library;
mod offline;
mod world;
