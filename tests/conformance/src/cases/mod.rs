//! Every conformance case, by area. A case is an async fn taking the context; the list below is
//! what runs against each runtime, under the same names.

mod auth;
mod auth_support;
mod credits;
mod credits_support;
mod email_change;
mod error_reports;
mod errors;
mod export;
mod generations;
mod hardening;
mod health;
mod images_as_input;
mod live;
mod path_segments;
mod privacy;
mod prompts;
mod purchases;
mod purchases_support;
mod sign_in_hardening;
mod submission;
mod sync;

use std::future::Future;
use std::pin::Pin;

use crate::{CaseResult, Ctx};

pub type CaseFuture<'a> = Pin<Box<dyn Future<Output = CaseResult> + Send + 'a>>;
pub type CaseFn = for<'a> fn(&'a Ctx) -> CaseFuture<'a>;

/// Turns `async fn name(ctx: &Ctx) -> CaseResult` items into `(name, fn)` pairs.
macro_rules! cases {
    ($($module:ident :: $name:ident),* $(,)?) => {
        vec![$((concat!(stringify!($module), "::", stringify!($name)), (|ctx| Box::pin($module::$name(ctx))) as CaseFn)),*]
    };
}

pub fn all() -> Vec<(&'static str, CaseFn)> {
    cases![
        health::healthz_reports_status_version_and_runtime,
        health::readyz_round_trips_sql_kv_and_blobs,
        health::limits_are_the_contracts,
        errors::unknown_routes_get_the_not_found_envelope,
        errors::hostile_paths_get_the_not_found_envelope,
        errors::wrong_methods_get_the_method_not_allowed_envelope,
        errors::malformed_json_is_a_bad_request,
        errors::json_of_the_wrong_shape_is_a_bad_request,
        errors::a_body_without_json_content_type_is_unsupported,
        errors::a_body_over_the_limit_is_too_large,
        errors::a_query_string_that_does_not_fit_is_a_bad_request,
        path_segments::undecodable_or_unparsable_segments_get_the_not_found_envelope,
        prompts::a_valid_prompt_is_trimmed_and_counted,
        prompts::empty_and_overlong_prompts_get_precise_codes,
        prompts::counts_outside_the_range_are_refused,
        auth::sign_in_by_code_creates_the_account,
        auth::sign_in_by_link_is_single_use,
        auth::the_link_page_never_consumes_the_token,
        auth::five_wrong_codes_kill_the_challenge,
        auth::a_new_email_replaces_the_old_code_and_link,
        auth::codes_and_links_expire_after_ten_minutes,
        auth::known_and_unknown_emails_get_identical_answers,
        auth::malformed_emails_are_refused_and_nothing_is_sent,
        auth::mail_speaks_the_requested_language,
        auth::missing_or_bad_bearer_tokens_are_unauthenticated,
        auth::logout_ends_only_this_session,
        auth::logout_all_refuses_every_session,
        auth::sessions_expire_unless_used,
        auth::the_display_name_can_be_corrected,
        auth::sends_per_email_are_limited_and_recover,
        auth::sends_per_ip_are_limited,
        auth::verifications_per_ip_are_limited,
        auth::no_code_token_or_session_is_stored_in_usable_form,
        sign_in_hardening::a_code_or_link_works_only_on_the_device_that_asked,
        sign_in_hardening::wrong_codes_count_per_address_across_new_emails,
        sign_in_hardening::one_client_cannot_spend_another_clients_sends_and_the_limit_is_exact,
        sign_in_hardening::ipv6_clients_are_limited_by_their_64,
        sign_in_hardening::a_logout_is_refused_at_once_and_sessions_end_after_ninety_days,
        email_change::a_new_email_is_confirmed_by_a_code_sent_to_it_and_sessions_stay,
        email_change::an_address_in_use_gets_the_same_answer_and_is_never_taken,
        email_change::bad_email_changes_are_refused_and_change_nothing,
        credits::models_are_listed_with_prices_and_ratios,
        credits::a_new_account_has_its_sign_up_grant_as_the_whole_ledger,
        credits::credits_need_a_session_and_cursors_are_checked,
        credits::conversations_are_created_listed_renamed_and_deleted,
        generations::a_generation_completes_through_the_callback,
        generations::a_generation_completes_by_polling_when_no_callback_comes,
        generations::the_same_idempotency_key_returns_the_same_generation_and_charges_once,
        generations::blocked_or_unscreened_prompts_cost_nothing,
        generations::bad_requests_get_precise_codes_and_charge_nothing,
        generations::the_balance_never_goes_below_zero,
        generations::a_failed_generation_is_refunded_exactly_once,
        generations::an_expired_result_fails_and_is_refunded,
        generations::a_stuck_generation_times_out_and_is_refunded,
        generations::images_are_for_their_owner_only_and_cacheable,
        generations::deleting_a_conversation_removes_its_generations_and_images,
        generations::kie_refusals_are_refunded_once_and_transient_ones_retried,
        submission::each_image_reaches_kie_once_while_the_background_races,
        submission::a_burst_beyond_kies_limit_finishes_without_a_manual_tick,
        generations::duplicate_callbacks_change_nothing_and_forged_ones_are_refused,
        generations::a_hundred_concurrent_requests_with_credits_for_ten_accept_exactly_ten,
        generations::another_account_sees_nothing_of_yours,
        generations::a_conversations_generations_are_listed_newest_first_in_pages,
        purchases::packs_are_listed_and_a_checkout_is_opened_at_creem,
        purchases::checkouts_are_rate_limited_per_account,
        purchases::a_signed_checkout_completed_credits_once_however_often_it_arrives,
        purchases::forged_or_unsigned_webhooks_are_refused_and_change_nothing,
        purchases::refunds_and_disputes_claw_back_once,
        purchases::a_clawback_below_zero_stops_generation_until_credits_return,
        purchases::events_for_unknown_products_or_deleted_accounts_credit_nothing,
        purchases::a_refund_before_its_purchase_waits_for_it,
        purchases::the_sign_up_grant_is_given_once_per_person,
        sync::a_first_sync_holds_every_record_and_a_second_finds_nothing_new,
        sync::small_pages_add_up_to_one_big_page,
        sync::favourites_and_deletions_reach_other_devices,
        sync::a_deleted_conversation_is_one_tombstone,
        sync::cursors_from_before_pruned_tombstones_must_reset,
        sync::another_account_can_neither_see_nor_change_your_images,
        live::a_waiting_sync_answers_when_a_generation_finishes,
        live::a_waiting_sync_answers_when_an_image_is_deleted,
        live::a_waiting_sync_with_nothing_new_answers_empty_when_its_wait_ends,
        live::bad_waits_are_refused_and_nothing_refused_or_new_waits,
        privacy::deleting_an_account_leaves_nothing_of_it_in_sql_blobs_or_kv,
        privacy::a_purge_stopped_by_blob_store_failures_resumes_and_completes,
        privacy::deleting_an_account_needs_a_session_and_changes_nothing_without_one,
        privacy::every_kv_key_expires_within_its_rolling_window,
        privacy::a_kie_result_after_the_deletion_stores_nothing,
        export::the_export_is_the_accounts_data_and_nobody_elses,
        export::a_large_account_is_exported_whole_across_pages,
        images_as_input::an_upload_is_stored_whole_and_the_same_bytes_are_the_same_upload,
        images_as_input::bad_uploads_get_their_codes_and_store_nothing,
        images_as_input::an_edit_gets_its_input_by_a_url_that_serves_exactly_it_and_then_stops,
        images_as_input::upscales_are_two_or_four_times_their_input_and_a_cut_out_has_alpha,
        images_as_input::inputs_must_fit_the_model_and_be_yours,
        images_as_input::an_upload_is_deleted_by_its_owner_only,
        images_as_input::uploads_are_exported_and_leave_with_the_account,
        error_reports::an_internal_error_is_reported_once_and_scrubbed,
        // Issue 11, items 6–8 (the edges of the service); the error-report limit spends this
        // minute's reports of `/__test/fail`, so it stays after every case that makes one.
        hardening::readyz_writes_nothing,
        hardening::test_mode_serves_only_this_machine,
        hardening::a_result_redirected_to_a_private_or_plain_http_address_is_refused,
        hardening::a_result_over_the_size_limit_is_refused,
        hardening::a_decompression_bomb_is_refused,
        hardening::error_reports_are_limited_per_route_and_minute,
    ]
}

/// Native only, against its own server built without the `test-hooks` feature (issue 11, item 7):
/// `tests/conformance.rs` starts that server and runs this after the per-runtime cases.
pub const WITHOUT_TEST_HOOKS: (&str, CaseFn) = (
    "hardening::a_build_without_the_test_hooks_feature_has_none",
    |ctx| {
        Box::pin(hardening::a_build_without_the_test_hooks_feature_has_none(
            ctx,
        ))
    },
);
