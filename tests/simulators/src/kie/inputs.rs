//! Models that take input images (`reference/editing-and-payments.md` §1.2, §1.3): each names its
//! image field differently, and kie downloads the URLs only once the task runs. Validation here is
//! createTask's; the download and what is made of the images happen in [`prepare`], started at
//! creation and waiting for the task's `generating` step.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::KieSim;
use super::derive::{self, Derived};
use super::image::dimensions;
use super::tasks::{Outcome, Prepared};
use crate::clock::now_ms;
use crate::lock::lock;

/// kie's limit on one input image (JPEG/PNG/WebP, ≤10 MB on most models); a larger body fails
/// the task.
pub const MAX_INPUT_BYTES: u64 = 10 * 1024 * 1024;

/// `failCode` of a task whose input image could not be used: unreachable, not 2xx, too large, or
/// not a PNG, JPEG or WebP picture. kie does not document the code for this case; the simulator's
/// choice, distinct from a content refusal (`"422"`) and a generation failure (`"501"`).
pub const INPUT_FAIL_CODE: &str = "400";

/// One input URL as the simulator downloaded it (`KieTask::inputs`), so a test can check that
/// kie received a URL serving exactly the bytes the service uploaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedInput {
    pub url: String,
    /// The HTTP status it answered (after redirects); `None` when nothing answered.
    pub status: Option<u16>,
    /// Body bytes read (at most [`MAX_INPUT_BYTES`] + 1).
    pub bytes: u64,
    /// Lowercase hex SHA-256 of the whole body; `None` when the body was not read to its end.
    pub sha256: Option<String>,
    /// The `Content-Type` it answered with, if any.
    pub content_type: Option<String>,
    /// Why this input made the task fail, if it did.
    pub error: Option<String>,
}

/// What a task makes of its input images.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Derive {
    /// Edit and reference models: the first input, cropped to `size` (or kept at its own aspect
    /// when `None`) and tinted by the prompt, the input's hash and the image index.
    Edit { size: Option<(u32, u32)> },
    /// `topaz/image-upscale`: exactly `factor` times the input's width and height.
    Upscale { factor: u32 },
    /// `recraft/remove-background`: the input with its background (the corner's colour) clear.
    RemoveBackground,
}

/// What a valid createTask `input` asks for.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) prompt: String,
    pub(crate) images: u32,
    /// The requested output size; for tasks with inputs it is replaced by the real one.
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// Input URLs in order and what to make of them; `None` for text-to-image.
    pub(crate) inputs: Option<(Vec<String>, Derive)>,
}

/// Validates `input` for the models that take images; `None` for every other model, which the
/// generic text-to-image rules cover.
pub(crate) fn parse(model: &str, input: &Map<String, Value>) -> Option<Result<Parsed, String>> {
    Some(match model {
        "google/nano-banana-edit" => nano_banana_edit(input),
        "bytedance/seedream-v4-edit" => seedream_v4_edit(input),
        "nano-banana-pro" => nano_banana_pro(input),
        "topaz/image-upscale" => topaz_upscale(input),
        "recraft/remove-background" => recraft_remove_background(input),
        _ => return None,
    })
}

fn nano_banana_edit(input: &Map<String, Value>) -> Result<Parsed, String> {
    let urls = url_list(input, "image_urls", 1, 10)?;
    let prompt = prompt(input, 5000)?;
    let size = aspect(input, "image_size")?;
    one_of(input, "output_format", &["png", "jpeg"])?;
    Ok(edit(prompt, 1, size, urls))
}

fn seedream_v4_edit(input: &Map<String, Value>) -> Result<Parsed, String> {
    let urls = url_list(input, "image_urls", 1, 10)?;
    let prompt = prompt(input, 5000)?;
    let size = aspect(input, "image_size")?;
    one_of(input, "image_resolution", &["1K", "2K", "4K"])?;
    let images = match input.get("max_images") {
        None | Some(Value::Null) => 1,
        Some(value) => match value.as_u64() {
            Some(n @ 1..=6) => n as u32,
            _ => return Err("input.max_images must be an integer from 1 to 6".into()),
        },
    };
    if let Some(seed) = input.get("seed")
        && !(seed.is_null() || seed.is_i64() || seed.is_u64())
    {
        return Err("input.seed must be an integer".into());
    }
    Ok(edit(prompt, images, size, urls))
}

/// Text-to-image with up to 8 references; no references is plain text-to-image.
fn nano_banana_pro(input: &Map<String, Value>) -> Result<Parsed, String> {
    let urls = match input.get("image_input") {
        None | Some(Value::Null) => Vec::new(),
        Some(_) => url_list(input, "image_input", 0, 8)?,
    };
    let prompt = prompt(input, 10_000)?;
    let size = aspect(input, "aspect_ratio")?;
    one_of(input, "resolution", &["1K", "2K", "4K"])?;
    one_of(input, "output_format", &["png", "jpg"])?;
    if urls.is_empty() {
        let (width, height) = size.unwrap_or((1024, 1024));
        return Ok(Parsed {
            prompt,
            images: 1,
            width,
            height,
            inputs: None,
        });
    }
    Ok(edit(prompt, 1, size, urls))
}

fn topaz_upscale(input: &Map<String, Value>) -> Result<Parsed, String> {
    let url = url_one(input, "image_url")?;
    let factor = match input.get("upscale_factor") {
        Some(Value::String(s)) if s == "1" => 1,
        Some(Value::String(s)) if s == "2" => 2,
        Some(Value::String(s)) if s == "4" => 4,
        _ => return Err(r#"input.upscale_factor must be one of the strings "1", "2", "4""#.into()),
    };
    Ok(tool(url, Derive::Upscale { factor }))
}

fn recraft_remove_background(input: &Map<String, Value>) -> Result<Parsed, String> {
    let url = url_one(input, "image")?;
    Ok(tool(url, Derive::RemoveBackground))
}

fn edit(prompt: String, images: u32, size: Option<(u32, u32)>, urls: Vec<String>) -> Parsed {
    let (width, height) = size.unwrap_or((0, 0));
    Parsed {
        prompt,
        images,
        width,
        height,
        inputs: Some((urls, Derive::Edit { size })),
    }
}

/// A one-click tool: one image in, one out, no prompt.
fn tool(url: String, derive: Derive) -> Parsed {
    Parsed {
        prompt: String::new(),
        images: 1,
        width: 0,
        height: 0,
        inputs: Some((vec![url], derive)),
    }
}

fn is_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace))
}

fn url_one(input: &Map<String, Value>, field: &str) -> Result<String, String> {
    match input.get(field) {
        Some(Value::String(url)) if is_url(url) => Ok(url.clone()),
        _ => Err(format!("input.{field} must be a public http(s) image URL")),
    }
}

fn url_list(
    input: &Map<String, Value>,
    field: &str,
    min: usize,
    max: usize,
) -> Result<Vec<String>, String> {
    let error = || format!("input.{field} must be an array of {min} to {max} http(s) image URLs");
    let Some(Value::Array(items)) = input.get(field) else {
        return Err(error());
    };
    if items.len() < min || items.len() > max {
        return Err(error());
    }
    items
        .iter()
        .map(|item| match item {
            Value::String(url) if is_url(url) => Ok(url.clone()),
            _ => Err(error()),
        })
        .collect()
}

fn prompt(input: &Map<String, Value>, max_chars: usize) -> Result<String, String> {
    match input.get("prompt") {
        Some(Value::String(p)) if p.trim().is_empty() => Err("input.prompt is required".into()),
        Some(Value::String(p)) if p.chars().count() > max_chars => Err(format!(
            "input.prompt must be at most {max_chars} characters"
        )),
        Some(Value::String(p)) => Ok(p.clone()),
        _ => Err("input.prompt is required".into()),
    }
}

/// An optional string field that must be one of `allowed`.
fn one_of(input: &Map<String, Value>, field: &str, allowed: &[&str]) -> Result<(), String> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(()),
        Some(_) => Err(format!(
            "input.{field} must be one of {}",
            allowed.join(", ")
        )),
    }
}

/// An optional aspect (`"16:9"`, a seedream size name, `"auto"`); `None` = absent or `auto`,
/// which for an edit keeps the input's own aspect.
fn aspect(input: &Map<String, Value>, field: &str) -> Result<Option<(u32, u32)>, String> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim() == "auto" => Ok(None),
        Some(Value::String(s)) => dimensions(Some(s))
            .map(Some)
            .ok_or_else(|| format!("input.{field}: the aspect ratio {s} is not supported")),
        Some(_) => Err(format!("input.{field} must be a string such as \"16:9\"")),
    }
}

/// Downloads a task's inputs once it reaches `generating` (`start`), records each, derives the
/// outputs and settles the task: done, or failed with [`INPUT_FAIL_CODE`].
pub(crate) async fn prepare(kie: KieSim, task_id: String, start: Instant) {
    tokio::time::sleep_until(start.into()).await;
    let job = lock(&kie.inner.tasks)
        .iter()
        .find(|t| t.id == task_id)
        .and_then(|t| {
            Some((
                t.input_urls.clone(),
                t.derive.clone()?,
                t.prompt.clone(),
                t.images,
            ))
        });
    let Some((urls, derive, prompt, images)) = job else {
        return; // reset away
    };
    let mut bodies = Vec::with_capacity(urls.len());
    let mut failure = None;
    for url in urls {
        let (fetched, body) = fetch(&kie.inner.http, url).await;
        if failure.is_none()
            && let Some(error) = &fetched.error
        {
            failure = Some(error.clone());
        }
        if let Some(task) = lock(&kie.inner.tasks).iter_mut().find(|t| t.id == task_id) {
            task.inputs.push(fetched);
        }
        bodies.push(body);
    }
    let result = match failure {
        Some(error) => Err(error),
        None => tokio::task::spawn_blocking(move || derive::run(&derive, &bodies, &prompt, images))
            .await
            .unwrap_or_else(|e| Err(format!("the simulator could not process the images: {e}"))),
    };
    let mut tasks = lock(&kie.inner.tasks);
    let Some(task) = tasks.iter_mut().find(|t| t.id == task_id) else {
        return;
    };
    match result {
        Ok(Derived {
            width,
            height,
            outputs,
        }) => {
            task.width = width;
            task.height = height;
            task.outputs = outputs.into_iter().map(Bytes::from).collect();
        }
        Err(error) => {
            // A refused prompt stays the reason; otherwise the inputs are.
            if task.outcome == Outcome::Success {
                task.outcome = Outcome::Fail {
                    code: INPUT_FAIL_CODE.into(),
                    msg: format!("Input image error: {error}"),
                };
            }
        }
    }
    task.prepared = Prepared::At {
        at: Instant::now(),
        at_ms: now_ms(),
    };
}

/// Downloads one input (following redirects, at most [`MAX_INPUT_BYTES`]) and checks that it is
/// a PNG, JPEG or WebP picture; the body is empty unless the input is usable.
async fn fetch(http: &reqwest::Client, url: String) -> (FetchedInput, Vec<u8>) {
    let mut fetched = FetchedInput {
        url,
        status: None,
        bytes: 0,
        sha256: None,
        content_type: None,
        error: None,
    };
    let mut response = match http
        .get(&fetched.url)
        .timeout(Duration::from_secs(30))
        .send()
        .await
    {
        Ok(response) => response,
        Err(e) => {
            fetched.error = Some(format!("{} could not be downloaded: {e}", fetched.url));
            return (fetched, Vec::new());
        }
    };
    let status = response.status();
    fetched.status = Some(status.as_u16());
    fetched.content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut body = Vec::new();
    let mut complete = false;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                body.extend_from_slice(&chunk);
                if body.len() as u64 > MAX_INPUT_BYTES {
                    body.truncate(MAX_INPUT_BYTES as usize + 1);
                    break;
                }
            }
            Ok(None) => {
                complete = true;
                break;
            }
            Err(e) => {
                fetched.error = Some(format!("{} broke off: {e}", fetched.url));
                break;
            }
        }
    }
    fetched.bytes = body.len() as u64;
    if complete {
        fetched.sha256 = Some(hex::encode(Sha256::digest(&body)));
    }
    if fetched.error.is_none() {
        fetched.error = if !status.is_success() {
            Some(format!("{} answered HTTP {}", fetched.url, status.as_u16()))
        } else if !complete {
            Some(format!(
                "{} is larger than {MAX_INPUT_BYTES} bytes",
                fetched.url
            ))
        } else if derive::format(&body).is_none() {
            Some(format!("{} is not a PNG, JPEG or WebP image", fetched.url))
        } else {
            None
        };
    }
    if fetched.error.is_some() {
        body.clear();
    }
    (fetched, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(model: &str, input: Value) -> Result<Parsed, String> {
        let input = input.as_object().cloned().unwrap_or_default();
        parse(model, &input).unwrap_or_else(|| Err(format!("{model} is not an input model")))
    }

    #[test]
    fn text_to_image_models_are_not_input_models() {
        assert!(parse("google/nano-banana", &Map::new()).is_none());
        assert!(parse("bytedance/seedream-v4-text-to-image", &Map::new()).is_none());
    }

    #[test]
    fn edit_urls_are_counted_and_checked() {
        let url = "https://files.example/a.png";
        let ok = check(
            "google/nano-banana-edit",
            json!({"prompt": "make it blue", "image_urls": [url, url]}),
        )
        .expect("valid");
        let (urls, derive) = ok.inputs.expect("inputs");
        assert_eq!(urls.len(), 2);
        assert_eq!(derive, Derive::Edit { size: None });
        let eleven = vec![url; 11];
        for bad in [
            json!({"prompt": "x", "image_urls": []}),
            json!({"prompt": "x", "image_urls": eleven}),
            json!({"prompt": "x", "image_urls": url}),
            json!({"prompt": "x", "image_urls": ["ftp://x/a.png"]}),
            json!({"prompt": "x", "image_urls": ["data:image/png;base64,AAAA"]}),
            json!({"image_urls": [url]}),
            json!({"prompt": "x".repeat(5001), "image_urls": [url]}),
            json!({"prompt": "x", "image_urls": [url], "output_format": "webp"}),
        ] {
            assert!(
                check("google/nano-banana-edit", bad.clone()).is_err(),
                "{bad}"
            );
        }
        assert!(
            check(
                "google/nano-banana-edit",
                json!({"prompt": "x".repeat(5000), "image_urls": [url], "image_size": "16:9", "output_format": "jpeg"})
            )
            .is_ok()
        );
    }

    #[test]
    fn upscale_factor_is_a_string() {
        let url = "http://127.0.0.1:9/a.png";
        let ok = check(
            "topaz/image-upscale",
            json!({"image_url": url, "upscale_factor": "4"}),
        )
        .expect("valid");
        assert_eq!(ok.inputs.expect("inputs").1, Derive::Upscale { factor: 4 });
        assert_eq!(ok.prompt, "");
        for bad in [
            json!({"image_url": url, "upscale_factor": 2}),
            json!({"image_url": url, "upscale_factor": "3"}),
            json!({"image_url": url}),
            json!({"image_url": [url], "upscale_factor": "2"}),
        ] {
            assert!(check("topaz/image-upscale", bad.clone()).is_err(), "{bad}");
        }
    }
}
