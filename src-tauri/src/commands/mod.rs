//! Tauri commands: translate arguments and errors, call `atelier-client`, nothing more.
//! Commands are referenced by module path (`commands::backend::app_info`) because the command
//! macros generate hidden items beside each function that a re-export would not carry.

pub mod account;
pub mod auth;
pub mod backend;
pub mod credits;
pub mod export;
pub mod gallery;
pub mod generations;
pub mod privacy;
pub mod uploads;
