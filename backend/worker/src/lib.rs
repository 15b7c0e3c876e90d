//! Atelier's service inside a Cloudflare Worker: D1, R2, KV and fetch adapters for the Platform.
