//! No code, link token or session token is stored in a usable form.

use crate::cases::auth_support::{latest_mail, sign_in, start};
use crate::{CaseResult, Ctx, ensure};

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A code as a standalone number (not inside a longer run of digits, such as a timestamp).
fn contains_code(haystack: &[u8], code: &[u8]) -> bool {
    haystack.windows(code.len()).enumerate().any(|(i, w)| {
        w == code
            && (i == 0 || !haystack[i - 1].is_ascii_digit())
            && haystack
                .get(i + code.len())
                .is_none_or(|b| !b.is_ascii_digit())
    })
}

pub async fn no_code_token_or_session_is_stored_in_usable_form(ctx: &Ctx) -> CaseResult {
    let (email, ip) = (ctx.email("scan"), ctx.ip());
    ensure!(
        start(ctx, &email, &ip).await?.status() == 202,
        "start failed"
    );
    let pending = latest_mail(ctx, &email)?;
    let grant = sign_in(ctx, &email, &ip).await?;
    let used = latest_mail(ctx, &email)?;
    let files = ctx.stored_files();
    ensure!(
        !files.is_empty(),
        "nothing found under {}",
        ctx.state_dir.display()
    );
    ensure!(
        files
            .iter()
            .any(|(_, b)| contains(b, email.to_lowercase().as_bytes())),
        "the scan does not see the database (the account's email is nowhere)"
    );
    for (path, bytes) in &files {
        for (what, secret) in [
            ("link token", &pending.token),
            ("link token", &used.token),
            ("session token", &grant.token),
        ] {
            ensure!(
                !contains(bytes, secret.as_bytes()),
                "a {what} is stored in clear in {}",
                path.display()
            );
        }
        for code in [&pending.code, &used.code] {
            ensure!(
                !contains_code(bytes, code.as_bytes()),
                "a code is stored in clear in {}",
                path.display()
            );
        }
    }
    Ok(())
}
