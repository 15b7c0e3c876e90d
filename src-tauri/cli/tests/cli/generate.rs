//! `atelier generate`: PNGs with the export's text chunks, their paths and nothing else on
//! stdout, and the images in the library the desktop shares.

use std::path::PathBuf;

use atelier_client::cache::Cache;
use atelier_client::cache::gallery::GalleryQuery;

use crate::world::{World, png_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_writes_n_pngs_with_their_text_prints_only_their_paths_and_fills_the_shared_library()
 {
    let world = World::start().await;
    world.login("ada@example.com").await;
    let out = world.path("out");
    let prompt = "a lighthouse in the fog, oil painting";

    let ran = world
        .run(&[
            "generate",
            prompt,
            "-n",
            "3",
            "--ratio",
            "16:9",
            "-o",
            out.to_str().unwrap(),
        ])
        .await
        .expect(0);
    let paths: Vec<PathBuf> = ran.lines().iter().map(PathBuf::from).collect();
    assert_eq!(paths.len(), 3, "{ran:#?}");
    assert!(
        !ran.stderr.contains('\x1b') && !ran.stderr.contains('\r'),
        "no progress display off a terminal: {ran:#?}"
    );
    let mut generations = std::collections::BTreeSet::new();
    for path in &paths {
        assert_eq!(path.parent(), Some(out.as_path()), "{path:?}");
        let name = path.file_stem().unwrap().to_str().unwrap();
        assert_eq!(path.extension().unwrap(), "png");
        let text = png_text(path);
        assert_eq!(text["Prompt"], prompt);
        assert_eq!(text["Model"], "nano-banana");
        assert_eq!(text["Software"], "Atelier");
        assert!(text["Creation Time"].ends_with('Z'), "{text:?}");
        generations.insert(text["Generation"].clone());
        assert_eq!(name.len(), 32, "named by image id: {name}");
    }
    assert_eq!(generations.len(), 1, "one generation of three images");
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        3,
        "no partial files left"
    );
    assert_eq!(
        world.balance().await,
        100 - 3 * 4,
        "charged once: 3 images at 4 credits"
    );

    // The images are in the library on this computer, where the desktop's gallery reads them.
    let found = world
        .run(&["search", "lighthouse", "--json"])
        .await
        .expect(0)
        .json();
    assert_eq!(found["total"], 3, "{found}");
    let mut found_ids: Vec<String> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["image_id"].as_str().unwrap().to_owned())
        .collect();
    let mut written: Vec<String> = paths
        .iter()
        .map(|p| p.file_stem().unwrap().to_str().unwrap().to_owned())
        .collect();
    found_ids.sort();
    written.sort();
    assert_eq!(found_ids, written);
    let cache = Cache::open(&world.data_dir()).await.unwrap();
    let page = cache
        .gallery_page(
            &GalleryQuery {
                search: Some("fog".into()),
                ..GalleryQuery::default()
            },
            0,
            10,
        )
        .await
        .unwrap();
    assert_eq!(page.total, 3);
    assert!(
        page.items.iter().all(|i| i.original_cached),
        "originals kept in the cache"
    );
    cache.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_with_json_prints_one_document() {
    let world = World::start().await;
    world.login("ada@example.com").await;
    let out = world.path("json-out");
    let ran = world
        .run(&[
            "generate",
            "a red fox",
            "--json",
            "-o",
            out.to_str().unwrap(),
        ])
        .await
        .expect(0);
    let doc = ran.json();
    assert_eq!(doc["generation"]["status"], "done");
    assert_eq!(doc["generation"]["prompt"], "a red fox");
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    let file = PathBuf::from(files[0].as_str().unwrap());
    assert!(file.is_file());
    assert_eq!(
        png_text(&file)["Generation"],
        doc["generation"]["id"].as_str().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_prompt_is_the_apps_error_and_charges_nothing() {
    let world = World::start().await;
    world.login("ada@example.com").await;
    let out = world.path("blocked");
    let ran = world
        .run(&["generate", "a [flag] thing", "-o", out.to_str().unwrap()])
        .await
        .expect(1);
    assert_eq!(ran.stdout, "");
    assert!(
        ran.stderr.starts_with("error[prompt_blocked]: "),
        "{ran:#?}"
    );
    assert_eq!(world.balance().await, 100);
    assert_eq!(world.kie_tasks(), 0);
}

/// A file given as `--input` is uploaded and worked from: an upscale of a 40 × 30 PNG is a
/// 80 × 60 PNG; its id works as an input the next time, and a file that is no image is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_input_file_is_uploaded_and_worked_from() {
    let world = World::start().await;
    world.login("ada@example.com").await;
    let input = world.path("photo.png");
    let mut encoded = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut encoded, 40, 30);
        encoder.set_color(png::ColorType::Rgb);
        let mut writer = encoder.write_header().unwrap();
        let pixels: Vec<u8> = (0..40 * 30 * 3).map(|i| (i % 251) as u8).collect();
        writer.write_image_data(&pixels).unwrap();
    }
    std::fs::write(&input, &encoded).unwrap();
    let out = world.path("upscaled");
    let ran = world
        .run(&[
            "generate",
            "",
            "--model",
            "upscale-2x",
            "--input",
            input.to_str().unwrap(),
            "--json",
            "-o",
            out.to_str().unwrap(),
        ])
        .await
        .expect(0);
    let doc = ran.json();
    let file = PathBuf::from(doc["files"][0].as_str().unwrap());
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&file).unwrap()));
    let info = decoder.read_info().unwrap().info().clone();
    assert_eq!((info.width, info.height), (80, 60), "{ran:#?}");
    let upload_id = doc["generation"]["input_images"][0]
        .as_str()
        .unwrap()
        .to_owned();

    // The id again, this time to an edit that needs a prompt, chosen as the first that takes one.
    let ran = world
        .run(&[
            "generate",
            "make it night",
            "--input",
            &upload_id,
            "--json",
            "-o",
            out.to_str().unwrap(),
        ])
        .await
        .expect(0);
    let doc = ran.json();
    assert_eq!(doc["generation"]["input_images"][0], upload_id.as_str());
    assert_ne!(doc["generation"]["model"], "nano-banana", "{ran:#?}");

    let not_an_image = world.path("notes.txt");
    std::fs::write(&not_an_image, "not a picture").unwrap();
    let ran = world
        .run(&["generate", "x", "--input", not_an_image.to_str().unwrap()])
        .await
        .expect(2);
    assert!(
        ran.stderr.starts_with("error[unsupported_media_type]: "),
        "{ran:#?}"
    );
}
