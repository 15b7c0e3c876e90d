//! Without the service: what the desktop does offline, the command line does too (the library,
//! the session as last seen, the balance as last synced); what needs the service says `offline`.

use crate::world::World;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_answers_from_the_library_when_the_service_is_gone() {
    let mut world = World::start().await;
    world.login("ada@example.com").await;
    let out = world.path("out");
    let made = world
        .run(&[
            "generate",
            "a lighthouse in the fog",
            "-n",
            "2",
            "-o",
            out.to_str().unwrap(),
        ])
        .await
        .expect(0);
    world
        .run(&["generate", "a red fox", "-o", out.to_str().unwrap()])
        .await
        .expect(0);

    world.service.stop().await;

    let found = world.run(&["search", "lighthouse"]).await.expect(0);
    let ids: Vec<&str> = found
        .lines()
        .iter()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{found:#?}");
    for path in made.lines() {
        let id = std::path::Path::new(path)
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap();
        assert!(ids.contains(&id), "{id} not found: {found:#?}");
    }
    assert!(
        found
            .lines()
            .iter()
            .all(|l| l.ends_with("\ta lighthouse in the fog"))
    );
    let all = world.run(&["search", "--json"]).await.expect(0).json();
    assert_eq!(all["total"], 3);
    let limited = world.run(&["search", "--limit", "1"]).await.expect(0);
    assert_eq!(limited.lines().len(), 1);

    // Also pointing at a port nothing listens on, as a laptop on a plane would.
    let closed = world
        .run(&["search", "fox", "--server", "http://127.0.0.1:9"])
        .await
        .expect(0);
    assert_eq!(closed.lines().len(), 1, "{closed:#?}");

    // The session and balance as last seen.
    assert_eq!(
        world.run(&["whoami"]).await.expect(0).stdout,
        "ada@example.com\n"
    );
    assert_eq!(
        world.run(&["credits"]).await.expect(0).stdout,
        format!("{}\n", 100 - 3 * 4)
    );

    // What needs the service says so, with the documented status.
    let generate = world.run(&["generate", "a green frog"]).await.expect(5);
    assert_eq!(generate.stdout, "");
    assert!(
        generate.stderr.starts_with("error[offline]: "),
        "{generate:#?}"
    );
    world.run(&["sync"]).await.expect(5);

    // The network comes back.
    world.service.restart().await;
    world.run(&["sync"]).await.expect(0);
}
