//! The privacy policy as tests. The clauses live in `tests/policy/` (one module per section of
//! the policy, one test per promise, the promise quoted above it); run them alone with
//! `cargo xtask test policy` or `cargo test -p atelier-policy`.
//!
//! The tests drive the real native server (SQLite standing in for D1, a folder for R2, KV in
//! SQLite) with the upstream simulators behind it, and the desktop's own library. The Worker
//! runtime is held to the same storage promises by the conformance suite's `privacy` cases.
