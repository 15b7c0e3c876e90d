//! `atelier batch`: every line made, a failing line reported and retried later, and a line never
//! paid for twice, whether the batch is run again after it finished or after it died mid-line.

use std::path::{Path, PathBuf};

use crate::world::{World, png_text};

const BATCH: &str = "\
# three lines: one plain, one the moderation flags, one with options of its own
a red fox in the snow

{\"prompt\": \"a [flag] thing\"}
{\"prompt\": \"a blue owl at night\", \"n\": 2, \"ratio\": \"9:16\", \"name\": \"owl\"}
";

fn state_of(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("prompts.txt.atelier-batch.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn pngs_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_with_a_failing_line_writes_the_others_exits_6_and_a_rerun_pays_nothing_again() {
    let world = World::start().await;
    world.login("ada@example.com").await;
    let file = world.path("prompts.txt");
    std::fs::write(&file, BATCH).unwrap();
    let out = world.path("out");
    let args = [
        "batch",
        file.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--concurrency",
        "2",
    ];

    let first = world.run(&args).await.expect(6);
    // The good lines' PNGs, and exactly their paths on stdout.
    let mut printed: Vec<PathBuf> = first.lines().iter().map(PathBuf::from).collect();
    printed.sort();
    assert_eq!(printed.len(), 3, "{first:#?}");
    assert!(printed.contains(&out.join("owl-1.png")) && printed.contains(&out.join("owl-2.png")));
    assert_eq!(pngs_in(&out).len(), 3);
    for path in &printed {
        assert!(path.is_file(), "{path:?}");
    }
    let owl = png_text(&out.join("owl-1.png"));
    assert_eq!(owl["Prompt"], "a blue owl at night");
    let fox = printed
        .iter()
        .find(|p| !p.ends_with("owl-1.png") && !p.ends_with("owl-2.png"))
        .unwrap();
    assert_eq!(png_text(fox)["Prompt"], "a red fox in the snow");
    // The failure names its line and the app's code; the summary and the documented status.
    assert!(
        first.stderr.contains("line 4: error[prompt_blocked]: "),
        "{first:#?}"
    );
    assert!(
        first
            .stderr
            .contains("Batch: 3 lines: 2 made, 0 already done, 1 failed, 0 not run."),
        "{first:#?}"
    );
    assert!(
        first
            .stderr
            .contains("error[batch_incomplete]: 1 of 3 lines failed"),
        "{first:#?}"
    );
    let paid = 100 - 4 - 2 * 4;
    assert_eq!(world.balance().await, paid);
    assert_eq!(world.kie_tasks(), 3, "one kie task per image made");

    // Again: the done lines are skipped, the failed one is tried again (and fails again,
    // charging nothing), nothing is paid twice.
    let mut again_args = args.to_vec();
    again_args.push("--json");
    let again = world.run(&again_args).await.expect(6);
    let doc = again.json();
    assert_eq!(doc["summary"]["skipped"], 2, "{doc}");
    assert_eq!(doc["summary"]["failed"], 1, "{doc}");
    assert_eq!(doc["summary"]["made"], 0, "{doc}");
    let lines = doc["lines"].as_array().unwrap();
    assert_eq!(lines[1]["line"], 4);
    assert_eq!(lines[1]["status"], "failed");
    assert_eq!(lines[1]["error"]["code"], "prompt_blocked");
    assert_eq!(lines[2]["status"], "skipped");
    assert_eq!(lines[2]["files"].as_array().unwrap().len(), 2);
    assert_eq!(world.balance().await, paid);
    assert_eq!(world.kie_tasks(), 3);
    assert_eq!(pngs_in(&out).len(), 3);

    // Without the failing line, the batch succeeds at once: nothing left to make.
    std::fs::write(
        &file,
        BATCH.replace("{\"prompt\": \"a [flag] thing\"}\n", ""),
    )
    .unwrap();
    let done = world.run(&args).await.expect(0);
    assert_eq!(done.stdout, "", "nothing written this run");
    assert!(
        done.stderr
            .contains("2 lines: 0 made, 2 already done, 0 failed"),
        "{done:#?}"
    );
    assert_eq!(world.kie_tasks(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_that_died_after_it_was_sent_is_resumed_under_its_key_and_charged_once() {
    let world = World::start().await;
    world.login("ada@example.com").await;
    let file = world.path("prompts.txt");
    std::fs::write(&file, "a red fox in the snow\na green frog on a leaf\n").unwrap();
    let out = world.path("out");
    let args = ["batch", file.to_str().unwrap(), "-o", out.to_str().unwrap()];
    world.run(&args).await.expect(0);
    assert_eq!(world.balance().await, 100 - 2 * 4);
    assert_eq!(world.kie_tasks(), 2);

    // As if the run had died at the worst moments: line 1 after its request reached the
    // service but before the answer was recorded (only its key is), line 2 after its
    // generation was recorded but before its PNG was written.
    let mut state = state_of(&out);
    for entry in state["lines"].as_object_mut().unwrap().values_mut() {
        let entry = entry.as_object_mut().unwrap();
        for file in entry["files"].as_array().unwrap() {
            std::fs::remove_file(out.join(file.as_str().unwrap())).unwrap();
        }
        entry.remove("files");
        if entry["line"] == 1 {
            entry.insert("status".into(), "sending".into());
            entry.remove("generation_id");
        } else {
            entry.insert("status".into(), "waiting".into());
        }
    }
    std::fs::write(
        out.join("prompts.txt.atelier-batch.json"),
        serde_json::to_vec(&state).unwrap(),
    )
    .unwrap();

    let resumed = world.run(&args).await.expect(0);
    assert_eq!(resumed.lines().len(), 2, "{resumed:#?}");
    assert_eq!(pngs_in(&out).len(), 2);
    assert_eq!(world.balance().await, 100 - 2 * 4, "nothing charged again");
    assert_eq!(world.kie_tasks(), 2, "nothing made again");
    for entry in state_of(&out)["lines"].as_object().unwrap().values() {
        assert_eq!(entry["status"], "done", "{entry}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_file_with_a_mistake_is_refused_before_anything_is_sent() {
    let world = World::start().await;
    world.login("ada@example.com").await;
    let file = world.path("bad.jsonl");
    std::fs::write(
        &file,
        "{\"prompt\": \"a red fox\"}\n{\"prompt\": \"an owl\", \"n\": 9}\n",
    )
    .unwrap();
    let out = world.path("out");
    let ran = world
        .run(&["batch", file.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .await
        .expect(2);
    assert_eq!(ran.stdout, "");
    assert!(ran.stderr.starts_with("error[invalid_count]: "), "{ran:#?}");
    assert!(ran.stderr.contains("line 2"), "{ran:#?}");
    let unknown = world.path("unknown.txt");
    std::fs::write(&unknown, "{\"prompt\": \"x\", \"colour\": \"red\"}\n").unwrap();
    let ran = world
        .run(&[
            "batch",
            unknown.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .await
        .expect(2);
    assert!(
        ran.stderr.starts_with("error[invalid_batch_file]: "),
        "{ran:#?}"
    );
    assert_eq!(world.kie_tasks(), 0);
    assert_eq!(world.balance().await, 100);
    assert!(!out.exists(), "nothing written");
}
