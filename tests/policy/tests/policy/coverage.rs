//! Every clause the app shows (Settings → Legal) has a test in this suite. The table below ties
//! each list item and paragraph of the in-app English policy to the tests that prove it; the
//! check fails when the app's policy gains a clause without one, or a listed test is renamed.

/// The in-app policy, as the UI shows it (`{contact}` is the configured address).
pub const IN_APP_POLICIES: [(&str, &str); 2] = [
    (
        "English",
        include_str!("../../../../ui/src/lib/legal/policy.en.ts"),
    ),
    (
        "Chinese",
        include_str!("../../../../ui/src/lib/legal/policy.zh-CN.ts"),
    ),
];

/// Each clause (a list item's words or a paragraph's opening) and the tests that prove it.
const CLAUSES: &[(&str, &[&str])] = &[
    (
        "email address, authentication provider, sign-up date.",
        &["s1_data_we_collect::account_information_is_the_email_the_provider_and_the_sign_up_date"],
    ),
    (
        "prompts submitted, images generated, credit balance and transaction history.",
        &["s1_data_we_collect::usage_data_is_prompts_images_and_the_credit_history"],
    ),
    (
        "IP address (used for rate limiting and fraud prevention), browser user-agent, request timestamps.",
        &["s1_data_we_collect::technical_data_is_the_ip_the_user_agent_and_the_time"],
    ),
    (
        "stored on our infrastructure until you delete them.",
        &["s1_data_we_collect::generated_images_stay_until_you_delete_them"],
    ),
    (
        "account records, conversation metadata, credit ledger.",
        &["s2_how_we_store::the_database_holds_accounts_conversations_and_the_ledger"],
    ),
    (
        "'generated images.'",
        &["s2_how_we_store::the_blob_store_holds_the_generated_images"],
    ),
    (
        "rate-limit counters and short-lived session tokens.",
        &["s2_how_we_store::kv_holds_only_rate_limit_counters_and_short_lived_sessions"],
    ),
    (
        "All data is processed within Cloudflare's global network.",
        &["s2_how_we_store::the_worker_keeps_data_only_in_its_cloudflare_bindings"],
    ),
    (
        "your prompts are sent to kie.ai to generate images.",
        &["s3_third_party_services::kie_receives_the_prompt_and_nothing_that_names_you"],
    ),
    (
        "user prompts are screened through Creem's Moderation API before image generation",
        &["s3_third_party_services::prompts_are_screened_by_creem_before_generation"],
    ),
    (
        "used to send transactional emails (magic links, OTPs).",
        &["s3_third_party_services::resend_receives_the_address_only_for_sign_in_mail"],
    ),
    (
        "No data is sent to PostHog before consent.",
        &["s3_third_party_services::posthog_receives_nothing_before_consent"],
    ),
    (
        "Sentry may receive anonymized error payloads",
        &["s3_third_party_services::sentry_receives_only_anonymized_error_payloads"],
    ),
    (
        "required for authentication. No consent needed.",
        &["s4_cookies::the_session_works_without_any_consent"],
    ),
    (
        "set only after you accept analytics in our cookie consent banner.",
        &["s4_cookies::the_analytics_id_exists_only_after_acceptance"],
    ),
    (
        "Generated images are stored until you delete them or close your account.",
        &[
            "s1_data_we_collect::generated_images_stay_until_you_delete_them",
            "s5_data_retention::images_go_when_you_close_your_account",
            "s5_data_retention::account_data_stays_until_you_ask_for_deletion",
            "s5_data_retention::rate_limit_counters_expire_within_their_rolling_window",
        ],
    ),
    (
        "You may request access to, correction of, or deletion of your personal data",
        &[
            "s6_your_rights::access_correction_and_deletion_are_yours_to_ask_for",
            "s6_your_rights::account_deletion_is_one_action_in_settings",
        ],
    ),
    (
        "If you are located in the European Economic Area",
        &[
            "s7_gdpr::your_data_is_portable",
            "s7_gdpr::you_can_restrict_processing_to_what_the_service_needs",
            "s7_gdpr::the_app_tells_eu_users_their_rights_and_the_legal_basis",
            "s7_gdpr::fraud_prevention_keeps_only_a_keyed_hash_of_the_mailbox",
        ],
    ),
    (
        "Privacy questions: {contact}",
        &["s8_contact::privacy_questions_go_to_the_configured_contact"],
    ),
];

/// The sources of the section modules, to find each listed test in.
const SECTIONS: &[(&str, &str)] = &[
    ("s1_data_we_collect", include_str!("s1_data_we_collect.rs")),
    ("s2_how_we_store", include_str!("s2_how_we_store.rs")),
    (
        "s3_third_party_services",
        include_str!("s3_third_party_services.rs"),
    ),
    ("s4_cookies", include_str!("s4_cookies.rs")),
    ("s5_data_retention", include_str!("s5_data_retention.rs")),
    ("s6_your_rights", include_str!("s6_your_rights.rs")),
    ("s7_gdpr", include_str!("s7_gdpr.rs")),
    ("s8_contact", include_str!("s8_contact.rs")),
];

#[test]
fn every_clause_the_app_shows_has_a_test() {
    let (_, english) = IN_APP_POLICIES[0];
    let shown = english.matches("term:").count() + english.matches("paragraph:").count();
    assert_eq!(
        CLAUSES.len(),
        shown,
        "the app shows {shown} clauses; this table covers {}",
        CLAUSES.len()
    );
    for (clause, tests) in CLAUSES {
        assert!(
            english.contains(clause),
            "the app no longer says {clause:?}"
        );
        assert!(!tests.is_empty(), "{clause:?} has no test");
        for test in *tests {
            let (module, name) = test.split_once("::").unwrap();
            let source = SECTIONS
                .iter()
                .find(|(m, _)| *m == module)
                .map(|(_, s)| *s)
                .unwrap_or_else(|| panic!("no section {module}"));
            let at = source
                .find(&format!("fn {name}("))
                .unwrap_or_else(|| panic!("no test {test}"));
            // A test: attributed as one, and with the clause quoted in its doc comment.
            let before = &source[..at];
            let attributes = &before[before.rfind("///").unwrap_or(0)..];
            assert!(
                attributes.contains("#[tokio::test") || attributes.contains("#[test]"),
                "{test} is not a test"
            );
        }
    }
}
