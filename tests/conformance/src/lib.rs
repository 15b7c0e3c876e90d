//! One HTTP conformance suite run against the native server and the Worker under wrangler.
