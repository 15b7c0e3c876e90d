//! The Atelier desktop app: a thin Tauri shell over atelier-client.
