//! Signing in and out, and what the account holds.

use crate::world::{World, code_in, link_in};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_reads_the_emailed_code_then_whoami_and_credits_answer_for_the_account() {
    let world = World::start().await;
    let email = "ada@example.com";

    let login = world.login_with(email, code_in).await.expect(0);
    assert_eq!(login.stdout, "", "login prints nothing on stdout");
    assert!(
        login.stderr.contains(&format!("Signed in as {email}.")),
        "{login:#?}"
    );

    let whoami = world.run(&["whoami"]).await.expect(0);
    assert_eq!(whoami.stdout, format!("{email}\n"));
    assert_eq!(whoami.stderr, "");
    let json = world.run(&["whoami", "--json"]).await.expect(0).json();
    assert_eq!(json["email"], email);

    // A new account's grant, as the app shows it.
    let credits = world.run(&["credits"]).await.expect(0);
    assert_eq!(credits.stdout, "100\n");
    let ledger = world
        .run(&["credits", "--ledger", "--json"])
        .await
        .expect(0)
        .json();
    assert_eq!(ledger["balance"], 100);
    let entries = ledger["ledger"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{ledger}");
    assert_eq!(entries[0]["kind"], "grant");
    assert_eq!(entries[0]["amount"], 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_sign_in_link_works_and_logout_forgets_the_session() {
    let world = World::start().await;
    let email = "grace@example.com";
    world.login_with(email, link_in).await.expect(0);
    assert_eq!(
        world.run(&["whoami"]).await.expect(0).stdout,
        format!("{email}\n")
    );

    let logout = world.run(&["logout"]).await.expect(0);
    assert!(
        logout.stderr.contains("Signed out of grace@example.com"),
        "{logout:#?}"
    );
    let after = world.run(&["whoami"]).await.expect(3);
    assert!(
        after.stderr.starts_with("error[unauthenticated]: "),
        "{after:#?}"
    );
    // Signing out twice is not an error.
    world.run(&["logout"]).await.expect(0);

    // --everywhere ends the session on the service too: a copy of it is refused.
    world.login(email).await;
    world.run(&["logout", "--everywhere"]).await.expect(0);
    world.run(&["whoami"]).await.expect(3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_is_asked_for_again_with_the_tries_left() {
    let world = World::start().await;
    let email = "lin@example.com";
    let login = world
        .login_with(email, |text| {
            let code = code_in(text);
            let wrong = if code == "000000" { "111111" } else { "000000" };
            format!("{wrong}\n{code}")
        })
        .await
        .expect(0);
    assert!(
        login.stderr.contains("error[invalid_code]: ") && login.stderr.contains("left)"),
        "{login:#?}"
    );
    assert_eq!(
        world.run(&["whoami"]).await.expect(0).stdout,
        format!("{email}\n")
    );
}
