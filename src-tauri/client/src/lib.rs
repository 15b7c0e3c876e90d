//! Everything the Atelier desktop does that is not UI or Tauri: API client, session, cache, sync.
