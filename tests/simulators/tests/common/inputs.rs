//! What the input-image tests share: pictures, a file host standing in for the service's upload
//! URLs (counting requests per path), and reading a task's outputs back.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{Arc, Mutex};

use super::kie::{download, result_urls, wait_terminal};
use super::start;
use atelier_simulators::{SimulatorOptions, Simulators};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use sha2::{Digest, Sha256};

/// Simulators with short steps and no create limit (these tests make many tasks).
pub async fn sims() -> Simulators {
    let mut options = SimulatorOptions::unlimited();
    options.kie.settings.step_ms = 40;
    start(options).await
}

/// A small picture: a light background with a red block in the middle, `seed` shifting the block
/// so two seeds give different bytes.
pub fn picture(width: u32, height: u32, seed: u32, format: ImageFormat) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, y| {
        let inside =
            x > width / 4 + seed && x < 3 * width / 4 && y > height / 4 && y < 3 * height / 4;
        if inside {
            Rgb([200, 30, 30])
        } else {
            Rgb([245, 245, 240])
        }
    });
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), format)
        .expect("encodes");
    out
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Files a test serves: path → (status, content type, body).
pub type Files = HashMap<String, (u16, &'static str, Vec<u8>)>;
/// Requests per path.
pub type Hits = Arc<Mutex<HashMap<String, usize>>>;

/// A file host on loopback standing in for the service's upload URLs, counting requests per path.
pub struct Host {
    base: String,
    hits: Hits,
    files: Arc<Files>,
}

impl Host {
    pub async fn start(files: Files) -> Self {
        let files = Arc::new(files);
        let hits: Hits = Arc::default();
        let app = axum::Router::new()
            .route("/{name}", axum::routing::get(serve))
            .with_state((Arc::clone(&files), Arc::clone(&hits)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base: format!("http://{addr}"),
            hits,
            files,
        }
    }

    pub fn url(&self, name: &str) -> String {
        format!("{}/{name}", self.base)
    }

    pub fn hits(&self, name: &str) -> usize {
        self.hits
            .lock()
            .expect("not poisoned")
            .get(name)
            .copied()
            .unwrap_or(0)
    }

    pub fn body(&self, name: &str) -> &[u8] {
        &self.files.get(name).expect("a served file").2
    }
}

pub async fn serve(
    State((files, hits)): State<(Arc<Files>, Hits)>,
    Path(name): Path<String>,
) -> Response {
    *hits
        .lock()
        .expect("not poisoned")
        .entry(name.clone())
        .or_default() += 1;
    match files.get(&name) {
        Some((status, content_type, body)) => (
            StatusCode::from_u16(*status).expect("status"),
            [(header::CONTENT_TYPE, *content_type)],
            body.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The usual inputs: two distinct PNGs, a JPEG, a WebP, a web page and a 404.
pub async fn host() -> Host {
    let mut files = Files::new();
    files.insert(
        "a.png".into(),
        (200, "image/png", picture(40, 30, 0, ImageFormat::Png)),
    );
    files.insert(
        "b.png".into(),
        (200, "image/png", picture(40, 30, 3, ImageFormat::Png)),
    );
    files.insert(
        "c.jpg".into(),
        (200, "image/jpeg", picture(24, 36, 0, ImageFormat::Jpeg)),
    );
    files.insert(
        "d.webp".into(),
        (200, "image/webp", picture(20, 20, 0, ImageFormat::WebP)),
    );
    files.insert(
        "page.png".into(),
        (
            200,
            "text/html",
            b"<!doctype html><title>Sign in</title>".to_vec(),
        ),
    );
    files.insert(
        "gone.png".into(),
        (404, "text/plain", b"not found".to_vec()),
    );
    Host::start(files).await
}

/// An address where nothing listens.
pub async fn closed_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}/a.png")
}

pub async fn output(sims: &Simulators, task_id: &str) -> Vec<Vec<u8>> {
    let data = wait_terminal(sims, task_id).await["data"].clone();
    assert_eq!(data["state"], "success", "{data}");
    let mut outputs = Vec::new();
    for url in result_urls(&data) {
        let response = download(&url).await;
        assert_eq!(response.status(), 200, "{url}");
        outputs.push(response.bytes().await.expect("body").to_vec());
    }
    outputs
}

pub fn decoded(bytes: &[u8]) -> DynamicImage {
    assert!(bytes.starts_with(b"\x89PNG"), "results are PNG");
    image::load_from_memory(bytes).expect("result decodes")
}
