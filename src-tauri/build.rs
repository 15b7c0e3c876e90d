// Declares the app's own commands so capabilities can grant them one by one (nothing is allowed
// by default), then lets Tauri embed its configuration.
fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_info",
        "check_backend",
        "auth_state",
        "start_sign_in",
        "verify_code",
        "verify_link_token",
        "update_display_name",
        "start_email_change",
        "confirm_email_change",
        "sign_out",
        "sign_out_everywhere",
        "use_memory_session",
        "retry_credential_store",
        "delete_account",
        "list_models",
        "list_conversations",
        "create_conversation",
        "rename_conversation",
        "delete_conversation",
        "create_generation",
        "get_generation",
        "list_generations",
        "credits_balance",
        "credits_ledger",
        "credit_packs",
        "buy_credits",
        "gallery_page",
        "gallery_conversations",
        "set_favourite",
        "delete_images",
        "sync_status",
        "sync_now",
        "storage_info",
        "set_storage_budget",
        "clear_cache",
        "open_cache_folder",
        "copy_image",
        "save_image_as",
        "export_data",
        "cancel_export",
        "privacy_settings",
        "set_analytics_consent",
        "track_event",
    ]);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
