//! Errors as scripts see them: the app's code on stderr as `error[code]: message`, nothing on
//! stdout, and the documented exit status (`atelier --help`).

use crate::world::World;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_session_every_account_command_exits_3_with_unauthenticated() {
    let world = World::start().await;
    for args in [
        &["whoami"][..],
        &["credits"],
        &["generate", "a red fox"],
        &["search", "fox"],
        &["sync"],
        &["export", "out.zip"],
    ] {
        let ran = world.run(args).await.expect(3);
        assert_eq!(ran.stdout, "", "{args:?}");
        assert!(
            ran.stderr.starts_with("error[unauthenticated]: "),
            "{args:?}: {ran:#?}"
        );
    }
    assert_eq!(world.kie_tasks(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_arguments_are_clap_usage_errors_with_status_2() {
    let world = World::start().await;
    for args in [
        &["generate", "a red fox", "-n", "5"][..],
        &["generate"],
        &["frobnicate"],
        &["batch"],
        &["credits", "--ledgr"],
        &["completions", "tcsh"],
    ] {
        let ran = world.run(args).await.expect(2);
        assert_eq!(ran.stdout, "", "{args:?}");
        assert!(
            ran.stderr.starts_with("error: ") && ran.stderr.contains("--help"),
            "clap's usage error for {args:?}: {ran:#?}"
        );
    }
    // An input image that is neither a file here nor an id.
    let input = world
        .run(&["generate", "a red fox", "--input", "no-such-fox.png"])
        .await
        .expect(2);
    assert!(
        input.stderr.starts_with("error[invalid_input]: "),
        "{input:#?}"
    );
    // A service address that is not one.
    let bad = world
        .run(&["whoami", "--server", "not a url"])
        .await
        .expect(2);
    assert!(
        bad.stderr.starts_with("error[invalid_server_url]: "),
        "{bad:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_version_and_completions_go_to_stdout_and_exit_0() {
    let world = World::start().await;
    let help = world.run(&["--help"]).await.expect(0);
    assert!(
        help.stdout.starts_with("Make AI images with Atelier"),
        "{help:#?}"
    );
    for status in [
        "3  unauthenticated",
        "4  insufficient_credits",
        "5  offline",
        "6  batch_incomplete",
        "7  credential_store_unavailable",
    ] {
        assert!(
            help.stdout.contains(status),
            "--help lists exit status {status}"
        );
    }
    let batch = world.run(&["batch", "--help"]).await.expect(0);
    assert!(batch.stdout.contains("--concurrency"), "{batch:#?}");
    let version = world.run(&["--version"]).await.expect(0);
    assert!(version.stdout.starts_with("atelier "), "{version:#?}");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = world.run(&["completions", shell]).await.expect(0);
        assert!(script.stdout.contains("generate"), "{shell}");
        assert_eq!(script.stderr, "", "{shell}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keychain_that_cannot_be_reached_exits_7_and_saves_nothing_elsewhere() {
    let world = World::start().await;
    let nowhere = format!("unix:path={}", world.path("no-such-bus").display());
    let ran = world
        .run_with(&["whoami"], |c| {
            c.env("DBUS_SESSION_BUS_ADDRESS", &nowhere);
        })
        .await
        .expect(7);
    assert!(
        ran.stderr
            .starts_with("error[credential_store_unavailable]: "),
        "{ran:#?}"
    );
    assert_eq!(ran.stdout, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_credits_exits_4_and_charges_nothing() {
    let world = World::start().await;
    world.login("ada@example.com").await;
    let out = world.path("out");
    // 100 credits: three generations of four images at 8 leave 4, too few for one more.
    for _ in 0..3 {
        world
            .run(&[
                "generate",
                "a red fox",
                "--model",
                "nano-banana-pro",
                "-n",
                "4",
                "-o",
                out.to_str().unwrap(),
            ])
            .await
            .expect(0);
    }
    assert_eq!(world.balance().await, 4);
    let ran = world
        .run(&[
            "generate",
            "a red fox",
            "-n",
            "2",
            "-o",
            out.to_str().unwrap(),
        ])
        .await
        .expect(4);
    assert_eq!(world.kie_tasks(), 12);
    assert!(
        ran.stderr.starts_with("error[insufficient_credits]: "),
        "{ran:#?}"
    );
    assert_eq!(ran.stdout, "");
    assert_eq!(world.balance().await, 4);
}
