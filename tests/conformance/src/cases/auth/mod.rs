//! Sign-in by code and by link, challenges, sessions, the account, and the rate limits.

mod limits;
mod sessions;
mod sign_in;
mod storage;

pub use limits::{
    sends_per_email_are_limited_and_recover, sends_per_ip_are_limited,
    verifications_per_ip_are_limited,
};
pub use sessions::{
    logout_all_refuses_every_session, logout_ends_only_this_session,
    missing_or_bad_bearer_tokens_are_unauthenticated, sessions_expire_unless_used,
    the_display_name_can_be_corrected,
};
pub use sign_in::{
    a_new_email_replaces_the_old_code_and_link, codes_and_links_expire_after_ten_minutes,
    five_wrong_codes_kill_the_challenge, known_and_unknown_emails_get_identical_answers,
    mail_speaks_the_requested_language, malformed_emails_are_refused_and_nothing_is_sent,
    sign_in_by_code_creates_the_account, sign_in_by_link_is_single_use,
    the_link_page_never_consumes_the_token,
};
pub use storage::no_code_token_or_session_is_stored_in_usable_form;
