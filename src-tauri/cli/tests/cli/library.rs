//! The library the command line shares with the desktop: what another device makes arrives by
//! `atelier sync`, and `atelier export` writes the data export Settings writes.

use std::io::Read;
use std::sync::Arc;

use atelier_client::session::MemoryStore;

use crate::world::{World, png_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_made_on_another_device_arrive_with_atelier_sync() {
    let world = World::start().await;
    let email = "ada@example.com";
    world.login(email).await;
    // The same account on another computer (the desktop app's library code, in this process).
    let elsewhere = world
        .service
        .sign_in(email, Arc::new(MemoryStore::default()))
        .await;
    let token = elsewhere.token().await.unwrap();
    let made =
        atelier_test_kit::generate(elsewhere.api(), &token, "a paper crane on a desk", 2).await;

    let before = world.run(&["search", "crane"]).await.expect(0);
    assert_eq!(before.stdout, "", "not synced yet");
    let synced = world.run(&["sync", "--json"]).await.expect(0).json();
    assert!(synced["changes"].as_u64().unwrap() >= 3, "{synced}");
    assert_eq!(synced["failed"], 0);

    let found = world
        .run(&["search", "crane", "--json"])
        .await
        .expect(0)
        .json();
    let mut found_ids: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["image_id"].as_str().unwrap())
        .collect();
    let mut made_ids: Vec<&str> = made.images.iter().map(|i| i.id.as_str()).collect();
    found_ids.sort_unstable();
    made_ids.sort_unstable();
    assert_eq!(found_ids, made_ids);
    assert!(found["items"][0]["original_cached"].as_bool().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_the_settings_data_export_and_prints_its_path() {
    let world = World::start().await;
    world.login("ada@example.com").await;
    let out = world.path("out");
    let made = world
        .run(&["generate", "a red fox", "-o", out.to_str().unwrap()])
        .await
        .expect(0);
    let image_id = std::path::Path::new(made.stdout.trim())
        .file_stem()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();

    let zip_path = world.path("export.zip");
    let ran = world
        .run(&["export", zip_path.to_str().unwrap()])
        .await
        .expect(0);
    assert_eq!(ran.stdout, format!("{}\n", zip_path.display()));
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    for file in [
        "account.json",
        "conversations.json",
        "generations.json",
        "credits.json",
        "README.txt",
    ] {
        assert!(names.iter().any(|n| n == file), "{file} in {names:?}");
    }
    let image = names
        .iter()
        .find(|n| n.starts_with("images/") && n.ends_with(&format!("/{image_id}.png")))
        .unwrap_or_else(|| panic!("no image {image_id} in {names:?}"))
        .clone();
    let mut bytes = Vec::new();
    archive
        .by_name(&image)
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    let exported = world.path("exported.png");
    std::fs::write(&exported, bytes).unwrap();
    // The export's chunks are the ones `atelier generate` wrote.
    assert_eq!(png_text(&exported), png_text(made.stdout.trim().as_ref()));
}
