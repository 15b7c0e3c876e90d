//! The data export against the real native server and the upstream simulators: the zip's JSON is
//! the service's `/v1/me/export`, every image of the account is in it as a PNG whose text chunks
//! hold its prompt, cached originals are read from the cache and the rest downloaded, and a
//! cancelled or failed export leaves nothing behind.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failing test with its location

use std::collections::{BTreeMap, HashSet};
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::Arc;

use atelier_api::export::DataExport;
use atelier_client::export::{
    self, AccountFile, CancellationToken, ExportProgress, ExportSource, ExportStage,
};
use atelier_client::library::Library;
use atelier_client::{ApiClient, ApiClientOptions, ClientError, Code, LocalCode};
use atelier_test_kit::{Service, generate, server_images};
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use tokio::sync::watch;

/// A front for the service: it passes `/v1/me/export` and the originals of the `served` images,
/// and leaves every other request hanging. What the export can read, and so where it must have
/// read it from, is then the test's to say.
async fn front(service: &str, served: HashSet<String>) -> ApiClient {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (upstream, served) = (service.to_owned(), Arc::new(served));
    let app = axum::Router::new().fallback(move |request: Request<Body>| {
        let (upstream, served) = (upstream.clone(), served.clone());
        async move {
            let path = request.uri().path().to_owned();
            let image = path
                .strip_prefix("/v1/images/")
                .and_then(|rest| rest.strip_suffix("/original"));
            if path != "/v1/me/export" && !image.is_some_and(|id| served.contains(id)) {
                std::future::pending::<()>().await;
            }
            let mut forward = reqwest::Client::new().get(format!("{upstream}{path}"));
            if let Some(auth) = request.headers().get(header::AUTHORIZATION) {
                forward = forward.header(header::AUTHORIZATION, auth.clone());
            }
            let answer = forward.send().await.unwrap();
            let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
            let content_type = answer.headers().get(header::CONTENT_TYPE).cloned();
            let mut response = Response::new(Body::from(answer.bytes().await.unwrap()));
            *response.status_mut() = status;
            if let Some(content_type) = content_type {
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, content_type);
            }
            response
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    ApiClient::new(ApiClientOptions::new(url)).unwrap()
}

fn entry(
    archive: &mut zip::ZipArchive<std::fs::File>,
    name: &str,
) -> (Vec<u8>, zip::CompressionMethod) {
    let mut file = archive
        .by_name(name)
        .unwrap_or_else(|_| panic!("{name} is missing"));
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).unwrap();
    (bytes, file.compression())
}

fn json<T: serde::de::DeserializeOwned>(
    archive: &mut zip::ZipArchive<std::fs::File>,
    name: &str,
) -> T {
    let (bytes, method) = entry(archive, name);
    assert_eq!(method, zip::CompressionMethod::Deflated, "{name}");
    serde_json::from_slice(&bytes).unwrap()
}

/// The PNG's text chunks, keyword → text, after decoding the whole image.
fn png_text(png: &[u8]) -> BTreeMap<String, String> {
    let mut reader = png::Decoder::new(Cursor::new(png)).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut pixels).unwrap();
    let info = reader.info();
    let mut text: BTreeMap<String, String> = info
        .uncompressed_latin1_text
        .iter()
        .map(|t| (t.keyword.clone(), t.text.clone()))
        .collect();
    for t in &info.utf8_text {
        text.insert(t.keyword.clone(), t.get_text().unwrap());
    }
    text
}

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_zip_holds_the_services_data_and_every_image_with_its_prompt() {
    let service = Service::start().await;
    let (api, token) = service.signed_in("export@example.com").await;
    let prompts = [
        ("a lighthouse at dusk", 2),
        ("雨中的京都，一只白猫在屋檐下", 1),
        ("three pears on a blue table", 2),
    ];
    for (prompt, count) in prompts {
        generate(&api, &token, prompt, count).await;
    }
    // A synced cache holds every original; two of them are evicted again.
    let cache_dir = tempfile::tempdir().unwrap();
    let library = Library::open(cache_dir.path(), api.clone()).await.unwrap();
    let me = api.me(&token).await.unwrap();
    library.cache().bind_account(&me.id).await.unwrap();
    library.engine().run(&token).await.unwrap();
    let images = server_images(&api, &token).await;
    assert_eq!(images.len(), 5);
    // Files are stored by content: evicting one evicts every image of the same bytes.
    let hashes: HashSet<&str> = images.values().take(2).map(|i| i.sha256.as_str()).collect();
    for hash in &hashes {
        library.cache().files().remove(hash);
    }
    let evicted: HashSet<String> = images
        .values()
        .filter(|i| hashes.contains(i.sha256.as_str()))
        .map(|i| i.id.clone())
        .collect();
    assert!(evicted.len() < images.len(), "every original was evicted");

    // The service serves only the evicted originals: the others must come from the cache.
    let source = ExportSource {
        api: front(&service.url, evicted.clone()).await,
        token: token.clone(),
        files: Some(library.cache().files().clone()),
    };
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("atelier-export-2026-04-24.zip");
    let (progress, watcher) = watch::channel(ExportProgress::default());
    let summary = export::export(&source, &target, &progress, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(
        *watcher.borrow(),
        ExportProgress {
            done: 5,
            total: 5,
            stage: ExportStage::Done
        }
    );
    assert_eq!(
        (summary.images, summary.path.as_path()),
        (5, target.as_path())
    );
    assert_eq!(summary.bytes, std::fs::metadata(&target).unwrap().len());
    assert_eq!(files_in(out.path()), ["atelier-export-2026-04-24.zip"]);
    for id in &evicted {
        let hash = &images[id].sha256;
        assert!(
            library.cache().files().read_verified(hash).is_none(),
            "the export put {id} back into the cache"
        );
    }

    let mut archive = zip::ZipArchive::new(std::fs::File::open(&target).unwrap()).unwrap();
    let account: AccountFile = json(&mut archive, export::ACCOUNT_JSON);
    let from_zip = DataExport {
        exported_at: account.exported_at,
        account: account.account,
        technical: account.technical,
        credits: json(&mut archive, export::CREDITS_JSON),
        conversations: json(&mut archive, export::CONVERSATIONS_JSON),
        generations: json(&mut archive, export::GENERATIONS_JSON),
        uploads: json(&mut archive, export::UPLOADS_JSON),
    };
    let mut service_data = api.data_export(&token).await.unwrap();
    service_data.exported_at = from_zip.exported_at;
    assert_eq!(from_zip, service_data);
    assert_eq!(from_zip.account.email, "export@example.com");
    assert_eq!(from_zip.technical.sign_ins.len(), 1);
    let (readme, _) = entry(&mut archive, export::README_TXT);
    let readme = String::from_utf8(readme).unwrap();
    assert!(readme.contains("generations.json") && readme.contains("你的 Atelier 数据"));

    let paths = export::image_paths(&from_zip);
    let pngs = archive
        .file_names()
        .map(|n| n.unwrap())
        .filter(|n| n.starts_with("images/") && n.ends_with(".png"))
        .count();
    assert_eq!(pngs, images.len(), "one file per image, nothing else");
    for generation in &from_zip.generations {
        for image in &generation.images {
            assert!(images.contains_key(&image.id));
            let (png, method) = entry(&mut archive, &paths[&image.id]);
            assert_eq!(method, zip::CompressionMethod::Stored);
            let text = png_text(&png);
            let g = &generation.generation;
            assert_eq!(text.get("Prompt"), Some(&g.prompt), "{}", image.id);
            assert_eq!(text.get("Model"), Some(&g.model));
            assert_eq!(text.get("Generation"), Some(&g.id));
            assert!(text.get("Creation Time").is_some_and(|t| t.ends_with('Z')));
        }
    }
    let kyoto = from_zip
        .generations
        .iter()
        .find(|g| g.generation.prompt.starts_with("雨中"))
        .unwrap();
    let (png, _) = entry(&mut archive, &paths[&kyoto.images[0].id]);
    assert_eq!(png_text(&png)["Prompt"], "雨中的京都，一只白猫在屋檐下");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_or_unwritable_export_leaves_nothing() {
    let service = Service::start().await;
    let (api, token) = service.signed_in("cancel@example.com").await;
    generate(&api, &token, "a quiet harbour", 2).await;

    // No original is served and no cache holds one: the export waits on its first download.
    let source = ExportSource {
        api: front(&service.url, HashSet::new()).await,
        token: token.clone(),
        files: None,
    };
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("export.zip");
    let (progress, mut watcher) = watch::channel(ExportProgress::default());
    let cancel = CancellationToken::new();
    let running = tokio::spawn({
        let (source, target, cancel) = (source.clone(), target.clone(), cancel.clone());
        async move { export::export(&source, &target, &progress, &cancel).await }
    });
    watcher
        .wait_for(|p| p.stage == ExportStage::Images)
        .await
        .unwrap();
    assert_eq!(watcher.borrow().total, 2);
    assert!(
        files_in(out.path())[0].ends_with(".part"),
        "the export writes a temporary file beside the target"
    );
    cancel.cancel();
    let error = running.await.unwrap().unwrap_err();
    assert!(matches!(error, ClientError::ExportCancelled), "{error:?}");
    assert_eq!(error.code(), Code::Local(LocalCode::ExportCancelled));
    assert!(
        files_in(out.path()).is_empty(),
        "{:?}",
        files_in(out.path())
    );

    // A folder that is not there: a coded error, and nothing written anywhere.
    let source = ExportSource {
        api,
        token,
        files: None,
    };
    let missing = out.path().join("no such folder").join("export.zip");
    let (progress, _watcher) = watch::channel(ExportProgress::default());
    let error = export::export(&source, &missing, &progress, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::Local(LocalCode::ExportTargetUnwritable));
    assert!(files_in(out.path()).is_empty());
}

/// Uploads are in the zip as they were uploaded (`uploads/<id>.<ext>`, listed in uploads.json),
/// whether or not this device has their originals.
#[tokio::test]
async fn uploads_are_in_the_zip_as_they_were_uploaded() {
    let service = Service::start().await;
    let (api, token) = service.signed_in("export-uploads@example.com").await;
    let mut png = Vec::new();
    image::RgbImage::from_fn(48, 32, |x, y| image::Rgb([x as u8, y as u8, 7]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let upload = api
        .upload(&token, png.clone().into(), "image/png")
        .await
        .unwrap();
    let source = ExportSource {
        api: api.clone(),
        token: token.clone(),
        files: None,
    };
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("export.zip");
    let (progress, _watcher) = watch::channel(ExportProgress::default());
    let summary = export::export(&source, &target, &progress, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(summary.images, 1, "the upload is the one file");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&target).unwrap()).unwrap();
    let listed: Vec<atelier_api::uploads::Upload> = json(&mut archive, export::UPLOADS_JSON);
    assert_eq!(listed, std::slice::from_ref(&upload));
    let (bytes, _) = entry(&mut archive, &format!("uploads/{}.png", upload.id));
    assert_eq!(bytes, png, "the upload's bytes, unchanged");
}

/// A synced cache of three generations (five images), with the originals of one image's bytes
/// evicted again: what "Export selected…" chooses from.
struct Gallery {
    service: Service,
    api: ApiClient,
    token: atelier_client::session::SessionToken,
    _dir: tempfile::TempDir,
    library: Library,
    /// Newest first, as the gallery lists them.
    images: Vec<atelier_api::sync::ImageRecord>,
    /// Images whose original is not on this device.
    evicted: HashSet<String>,
}

impl Gallery {
    async fn new(email: &str) -> Self {
        let service = Service::start().await;
        let (api, token) = service.signed_in(email).await;
        for (prompt, count) in [
            ("a lighthouse at dusk", 2),
            ("雨中的京都，一只白猫在屋檐下", 1),
            ("three pears on a blue table", 2),
        ] {
            generate(&api, &token, prompt, count).await;
        }
        let dir = tempfile::tempdir().unwrap();
        let library = Library::open(dir.path(), api.clone()).await.unwrap();
        let me = api.me(&token).await.unwrap();
        library.cache().bind_account(&me.id).await.unwrap();
        library.engine().run(&token).await.unwrap();
        let mut images: Vec<_> = server_images(&api, &token).await.into_values().collect();
        images.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        // Files are stored by content: evicting one evicts every image of the same bytes.
        let hash = images[0].sha256.clone();
        library.cache().files().remove(&hash);
        let evicted = images
            .iter()
            .filter(|i| i.sha256 == hash)
            .map(|i| i.id.clone())
            .collect();
        Self {
            service,
            api,
            token,
            _dir: dir,
            library,
            images,
            evicted,
        }
    }

    fn source(&self, api: ApiClient) -> ExportSource {
        ExportSource {
            api,
            token: self.token.clone(),
            files: Some(self.library.cache().files().clone()),
        }
    }
}

/// An address where nothing listens: the service out of reach.
async fn unreachable() -> ApiClient {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    ApiClient::new(ApiClientOptions::new(url)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_selected_zips_exactly_the_chosen_originals_with_their_text() {
    let gallery = Gallery::new("selected@example.com").await;
    // Three of the five, one of them not cached: the service serves only that one.
    let chosen: Vec<String> = [0, 2, 4]
        .iter()
        .map(|&i| gallery.images[i].id.clone())
        .collect();
    assert!(gallery.evicted.contains(&chosen[0]));
    let served: HashSet<String> = chosen
        .iter()
        .filter(|id| gallery.evicted.contains(*id))
        .cloned()
        .collect();
    let source = gallery.source(front(&gallery.service.url, served).await);
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("atelier-images-2026-04-24.zip");
    let (progress, watcher) = watch::channel(ExportProgress::default());
    let summary = export::selected::export_selected(
        gallery.library.cache(),
        &source,
        &chosen,
        &target,
        &progress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(
        *watcher.borrow(),
        ExportProgress {
            done: 3,
            total: 3,
            stage: ExportStage::Done
        }
    );
    assert_eq!(summary.images, 3);
    assert_eq!(summary.bytes, std::fs::metadata(&target).unwrap().len());
    assert_eq!(files_in(out.path()), ["atelier-images-2026-04-24.zip"]);

    let mut archive = zip::ZipArchive::new(std::fs::File::open(&target).unwrap()).unwrap();
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "exactly the chosen images: {names:?}");
    let generations: BTreeMap<String, atelier_api::generations::Generation> = {
        let mut all = BTreeMap::new();
        for image in &gallery.images {
            let g = gallery
                .api
                .generation(&gallery.token, &image.generation_id)
                .await
                .unwrap();
            all.insert(image.id.clone(), g);
        }
        all
    };
    let mut found = HashSet::new();
    for name in &names {
        assert!(
            name.ends_with(").png") && !name.contains('/'),
            "a flat, named PNG: {name}"
        );
        let (png, method) = entry(&mut archive, name);
        assert_eq!(method, zip::CompressionMethod::Stored);
        let text = png_text(&png); // decodes every pixel too
        let id = text["Generation"].clone();
        let image = chosen
            .iter()
            .find(|c| generations[*c].id == id && name.contains(&c[..8]))
            .unwrap_or_else(|| panic!("{name} is not one of the chosen"));
        let g = &generations[image];
        assert_eq!(text.get("Prompt"), Some(&g.prompt), "{name}");
        assert_eq!(text.get("Model"), Some(&g.model));
        assert!(text.get("Creation Time").is_some_and(|t| t.ends_with('Z')));
        let words: String = g.prompt.chars().take(10).collect();
        assert!(name.contains(words.trim()), "{name} says what it shows");
        found.insert(image.clone());
    }
    assert_eq!(found, chosen.iter().cloned().collect());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_selected_offline_needs_every_original_here_and_says_how_many_are_missing() {
    let gallery = Gallery::new("selected-offline@example.com").await;
    let offline = gallery.source(unreachable().await);
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("chosen.zip");

    let cached: Vec<String> = gallery
        .images
        .iter()
        .filter(|i| !gallery.evicted.contains(&i.id))
        .map(|i| i.id.clone())
        .collect();
    let mut chosen = cached.clone();
    chosen.extend(gallery.evicted.iter().cloned());
    let (progress, _watcher) = watch::channel(ExportProgress::default());
    let error = export::selected::export_selected(
        gallery.library.cache(),
        &offline,
        &chosen,
        &target,
        &progress,
        &CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(error.code(), Code::Local(LocalCode::OriginalsUnavailable));
    assert_eq!(
        error.missing_originals(),
        Some(u32::try_from(gallery.evicted.len()).unwrap())
    );
    assert!(
        files_in(out.path()).is_empty(),
        "nothing half-written: {:?}",
        files_in(out.path())
    );

    // Every chosen original here: offline is no obstacle.
    let summary = export::selected::export_selected(
        gallery.library.cache(),
        &offline,
        &cached,
        &target,
        &progress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(summary.images as usize, cached.len());
    assert_eq!(files_in(out.path()), ["chosen.zip"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_export_of_chosen_images_leaves_no_file() {
    let gallery = Gallery::new("selected-cancel@example.com").await;
    // The evicted original is never served: the export waits on it until cancelled.
    let source = gallery.source(front(&gallery.service.url, HashSet::new()).await);
    let chosen: Vec<String> = gallery.images.iter().map(|i| i.id.clone()).collect();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("chosen.zip");
    let (progress, mut watcher) = watch::channel(ExportProgress::default());
    let cancel = CancellationToken::new();
    let running = tokio::spawn({
        let (cache, target, cancel) = (
            gallery.library.cache().clone(),
            target.clone(),
            cancel.clone(),
        );
        async move {
            export::selected::export_selected(&cache, &source, &chosen, &target, &progress, &cancel)
                .await
        }
    });
    watcher
        .wait_for(|p| p.stage == ExportStage::Images)
        .await
        .unwrap();
    assert_eq!(watcher.borrow().total, 5);
    assert!(files_in(out.path())[0].ends_with(".part"));
    cancel.cancel();
    let error = running.await.unwrap().unwrap_err();
    assert_eq!(error.code(), Code::Local(LocalCode::ExportCancelled));
    assert!(
        files_in(out.path()).is_empty(),
        "{:?}",
        files_in(out.path())
    );

    // An image deleted since it was chosen: a coded error before anything is written.
    let gone = vec!["f".repeat(32)];
    let (progress, _watcher) = watch::channel(ExportProgress::default());
    let error = export::selected::export_selected(
        gallery.library.cache(),
        &gallery.source(gallery.api.clone()),
        &gone,
        &target,
        &progress,
        &CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(error.code(), atelier_api::ErrorCode::NotFound);
    assert!(files_in(out.path()).is_empty());
}
