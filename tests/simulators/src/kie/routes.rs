//! kie's HTTP surface. kie answers HTTP 200 for most failures and puts the real status in the
//! body's `code` (auth, validation, missing tasks); only the account rate limit is a real HTTP 429.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::bomb::zeros_png;
use super::image::{dimensions, render_png};
use super::inputs::{self, Derive, Parsed};
use super::tasks::{CallbackState, KieState, Outcome, Prepared, TaskRecord};
use super::{KieSettings, KieSim, ResultFile};
use crate::clock::now_ms;
use crate::cloudflare::block_without_user_agent;
use crate::control::{BadRequest, faults_router, merge};
use crate::faults::Injected;
use crate::ids::hex_id;
use crate::lock::lock;

const LIMIT_WINDOW: Duration = Duration::from_secs(10);
/// Bound on cached PNGs so a long dev session does not grow without limit.
const IMAGE_CACHE_ENTRIES: usize = 64;

pub(crate) fn router(kie: KieSim) -> Router {
    let faults = Arc::clone(&kie.inner.faults);
    Router::new()
        .route("/api/v1/jobs/createTask", post(create_task))
        .route("/api/v1/jobs/recordInfo", get(record_info))
        .route("/api/v1/chat/credit", get(credit))
        .route("/files/{task_id}/{file}", get(file))
        .route("/__control/settings", get(get_settings).put(put_settings))
        .route("/__control/tasks", get(list_tasks))
        .with_state(kie)
        .merge(faults_router(faults))
}

/// kie's envelope. `msg` is the spelling the OpenAPI example uses.
fn envelope(http: StatusCode, code: i64, msg: &str, data: Value) -> Response {
    (
        http,
        Json(json!({ "code": code, "msg": msg, "data": data })),
    )
        .into_response()
}

/// An error the kie way: HTTP 200 with the status in the body.
fn body_error(code: i64, msg: &str) -> Response {
    envelope(StatusCode::OK, code, msg, Value::Null)
}

fn default_message(code: i64) -> &'static str {
    match code {
        200 => "success",
        400 => "Bad request",
        401 => "You do not have access permissions",
        402 => "Credits insufficient: please top up your account",
        404 => "Not found",
        422 => "Validation error",
        429 => "Too many requests: rate limit exceeded",
        455 => "Service unavailable: the system is under maintenance",
        501 => "Generation failed",
        505 => "Feature disabled",
        _ => "Server error",
    }
}

fn injected(injected: Injected) -> Response {
    match injected {
        Injected::Forced(force) => {
            let http =
                StatusCode::from_u16(force.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            // {"status":200,"code":429} is the quirky "HTTP 200, body 429"; without a code the
            // body repeats the HTTP status (or says 500 when the status is a bare 200).
            let code = force.code_i64().unwrap_or(match force.status {
                200 => 500,
                s => i64::from(s),
            });
            let msg = force
                .message
                .clone()
                .unwrap_or_else(|| default_message(code).to_owned());
            envelope(http, code, &msg, Value::Null)
        }
        Injected::Random => body_error(500, default_message(500)),
    }
}

impl KieSim {
    /// The accepted key from `Authorization: Bearer <key>`, if any.
    fn authorize(&self, headers: &HeaderMap) -> Option<String> {
        let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        let (scheme, key) = value.trim().split_once(' ')?;
        let key = key.trim();
        (scheme.eq_ignore_ascii_case("bearer")
            && self.inner.options.api_keys.iter().any(|k| k == key))
        .then(|| key.to_owned())
    }

    /// The checks every API call goes through: Cloudflare, auth, injected faults.
    async fn gate(&self, headers: &HeaderMap) -> Result<String, Response> {
        if let Some(blocked) = block_without_user_agent(headers) {
            return Err(blocked);
        }
        let Some(key) = self.authorize(headers) else {
            return Err(body_error(401, default_message(401)));
        };
        if let Some(fault) = self.inner.faults.apply().await {
            return Err(injected(fault));
        }
        Ok(key)
    }

    /// Counts one createTask against the rolling window; `false` = over the limit.
    fn admit_create(&self, key: &str, limit: u32) -> bool {
        if limit == 0 {
            return true;
        }
        let now = Instant::now();
        let mut creates = lock(&self.inner.creates);
        let window = creates.entry(key.to_owned()).or_default();
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= LIMIT_WINDOW)
        {
            window.pop_front();
        }
        if window.len() >= limit as usize {
            return false;
        }
        window.push_back(now);
        true
    }
}

/// What a valid createTask body asks for.
struct NewTask {
    model: String,
    callback_url: Option<String>,
    input: Parsed,
}

fn validate(request: &Value, models: &[String]) -> Result<NewTask, String> {
    let Some(body) = request.as_object() else {
        return Err("The request body must be a JSON object".into());
    };
    let model = match body.get("model") {
        Some(Value::String(m)) if !m.trim().is_empty() => m.clone(),
        _ => return Err("model is required".into()),
    };
    if !models.contains(&model) {
        return Err(format!("The model {model} is not supported"));
    }
    let callback_url = match body.get("callBackUrl") {
        None | Some(Value::Null) => None,
        Some(Value::String(url)) if url.starts_with("http://") || url.starts_with("https://") => {
            Some(url.clone())
        }
        Some(_) => return Err("callBackUrl must be an http(s) URL".into()),
    };
    let Some(input) = body.get("input").and_then(Value::as_object) else {
        return Err("input is required".into());
    };
    let input = match inputs::parse(&model, input) {
        Some(parsed) => parsed?,
        None => text_to_image(input)?,
    };
    Ok(NewTask {
        model,
        callback_url,
        input,
    })
}

/// The fields every text-to-image model takes.
fn text_to_image(input: &serde_json::Map<String, Value>) -> Result<Parsed, String> {
    let prompt = match input.get("prompt") {
        Some(Value::String(p)) if !p.trim().is_empty() => p.clone(),
        _ => return Err("input.prompt is required".into()),
    };
    let mut images = 1;
    for field in ["max_images", "num_images", "n"] {
        if let Some(value) = input.get(field) {
            match value.as_u64() {
                Some(n @ 1..=6) => images = n as u32,
                _ => return Err(format!("input.{field} must be an integer from 1 to 6")),
            }
            break;
        }
    }
    let aspect = ["aspect_ratio", "image_size"]
        .iter()
        .find_map(|field| input.get(*field));
    let aspect = match aspect {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err("input.image_size must be a string such as \"16:9\"".into()),
    };
    let Some((width, height)) = dimensions(aspect) else {
        return Err(format!(
            "The aspect ratio {} is not supported",
            aspect.unwrap_or_default()
        ));
    };
    Ok(Parsed {
        prompt,
        images,
        width,
        height,
        inputs: None,
    })
}

async fn create_task(State(kie): State<KieSim>, headers: HeaderMap, body: Bytes) -> Response {
    let key = match kie.gate(&headers).await {
        Ok(key) => key,
        Err(response) => return response,
    };
    let settings: KieSettings = kie.settings();
    if !kie.admit_create(&key, settings.create_limit_per_10s) {
        // The account limit is the one kie failure documented as a real HTTP 429; not queued.
        let msg = format!(
            "Too many requests: at most {} new tasks per 10 seconds",
            settings.create_limit_per_10s
        );
        return envelope(StatusCode::TOO_MANY_REQUESTS, 429, &msg, Value::Null);
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return body_error(422, &format!("Invalid JSON body: {e}")),
    };
    let new = match validate(&request, &kie.inner.options.models) {
        Ok(new) => new,
        Err(msg) => return body_error(422, &msg),
    };
    {
        let mut live = lock(&kie.inner.settings);
        let cost = f64::from(new.input.images);
        if live.credits < cost {
            return body_error(402, default_message(402));
        }
        live.credits -= cost;
    }
    let task_id = format!("task_{}", hex_id());
    let (input_urls, derive): (Vec<String>, Option<Derive>) = match new.input.inputs {
        Some((urls, derive)) => (urls, Some(derive)),
        None => (Vec::new(), None),
    };
    let record = TaskRecord {
        id: task_id.clone(),
        api_key: key,
        outcome: Outcome::for_prompt(&new.input.prompt),
        model: new.model,
        prompt: new.input.prompt,
        param: request.to_string(),
        request,
        callback: if new.callback_url.is_some() {
            CallbackState::Pending
        } else {
            CallbackState::NotRequested
        },
        callback_url: new.callback_url,
        images: new.input.images,
        width: new.input.width,
        height: new.input.height,
        created: Instant::now(),
        create_ms: now_ms(),
        step_ms: settings.step_ms,
        prepared: if derive.is_some() {
            Prepared::Pending
        } else {
            Prepared::Nothing
        },
        input_urls,
        derive,
        inputs: Vec::new(),
        outputs: Vec::new(),
    };
    // kie answers at once and downloads the inputs when the task runs.
    if record.derive.is_some() {
        tokio::spawn(inputs::prepare(
            kie.clone(),
            task_id.clone(),
            record.generating_at(),
        ));
    }
    lock(&kie.inner.tasks).push(record);
    envelope(StatusCode::OK, 200, "success", json!({ "taskId": task_id }))
}

async fn record_info(
    State(kie): State<KieSim>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let key = match kie.gate(&headers).await {
        Ok(key) => key,
        Err(response) => return response,
    };
    let Some(task_id) = query
        .get("taskId")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    else {
        return body_error(400, "taskId is required");
    };
    let now = Instant::now();
    let tasks = lock(&kie.inner.tasks);
    // A task belongs to the account that created it; other keys cannot see it.
    match tasks.iter().find(|t| t.id == task_id && t.api_key == key) {
        Some(task) => envelope(
            StatusCode::OK,
            200,
            "success",
            task.record_data(now, &kie.inner.public_base),
        ),
        None => body_error(404, "The task does not exist"),
    }
}

async fn credit(State(kie): State<KieSim>, headers: HeaderMap) -> Response {
    if let Err(response) = kie.gate(&headers).await {
        return response;
    }
    let credits = kie.settings().credits;
    envelope(StatusCode::OK, 200, "success", json!(credits))
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not Found").into_response()
}

/// The file host. Public like kie's CDN (no auth, no Cloudflare check, no faults); a file exists
/// only once its task succeeded, and vanishes `result_ttl_ms` after completion.
async fn file(
    State(kie): State<KieSim>,
    Path((task_id, file)): Path<(String, String)>,
) -> Response {
    let Some(index) = file
        .strip_suffix(".png")
        .and_then(|i| i.parse::<u32>().ok())
    else {
        return not_found();
    };
    let ttl = kie.settings().result_ttl_ms;
    let now = Instant::now();
    let found = lock(&kie.inner.tasks)
        .iter()
        .find(|t| t.id == task_id)
        .and_then(|task| {
            let live = task.state_at(now) == KieState::Success
                && index < task.images
                && ttl.is_none_or(|ttl| now < task.completes_at() + Duration::from_millis(ttl));
            if !live {
                return None;
            }
            // Results made from input images are kept; pictures from a prompt are drawn again.
            match task.derive {
                Some(_) => task.outputs.get(index as usize).cloned().map(Picture::Kept),
                None => Some(Picture::Drawn {
                    prompt: task.prompt.clone(),
                    width: task.width,
                    height: task.height,
                }),
            }
        });
    let Some(picture) = found else {
        return not_found();
    };
    let oversized = match kie.settings().result_file {
        ResultFile::Image => None,
        ResultFile::Oversized { bytes } => Some(bytes),
        ResultFile::Redirect { location } => {
            return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
        }
        ResultFile::Bomb { width, height } => {
            return match tokio::task::spawn_blocking(move || zeros_png(width, height)).await {
                Ok(Some(bytes)) => {
                    (StatusCode::OK, [(header::CONTENT_TYPE, "image/png")], bytes).into_response()
                }
                _ => (StatusCode::INTERNAL_SERVER_ERROR, "no bomb of that size").into_response(),
            };
        }
    };
    let bytes = match picture {
        Picture::Kept(bytes) => bytes,
        Picture::Drawn {
            prompt,
            width,
            height,
        } => match drawn(&kie, task_id, index, prompt, width, height).await {
            Ok(bytes) => bytes,
            Err(response) => return response,
        },
    };
    match oversized {
        Some(total) => padded(bytes, total),
        None => (StatusCode::OK, [(header::CONTENT_TYPE, "image/png")], bytes).into_response(),
    }
}

/// What a result URL serves when the file host plays it straight.
enum Picture {
    /// Computed from the task's input images when it ran.
    Kept(Bytes),
    /// Drawn from the prompt on demand (and cached).
    Drawn {
        prompt: String,
        width: u32,
        height: u32,
    },
}

/// Picture `index` of a text-to-image task, from the cache or rendered.
async fn drawn(
    kie: &KieSim,
    task_id: String,
    index: u32,
    prompt: String,
    width: u32,
    height: u32,
) -> Result<Bytes, Response> {
    let cache_key = (task_id, index);
    if let Some(bytes) = lock(&kie.inner.images).get(&cache_key).cloned() {
        return Ok(bytes);
    }
    let rendered =
        tokio::task::spawn_blocking(move || render_png(&prompt, index, width, height)).await;
    let bytes = match rendered {
        Ok(Ok(bytes)) => Bytes::from(bytes),
        Ok(Err(e)) => {
            return Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response());
        }
        Err(e) => {
            return Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response());
        }
    };
    let mut cache = lock(&kie.inner.images);
    if cache.len() >= IMAGE_CACHE_ENTRIES {
        cache.clear();
    }
    cache.insert(cache_key, bytes.clone());
    Ok(bytes)
}

/// `image` and then zero bytes up to `total`, in 1 MiB chunks without a `Content-Length`, so a
/// client learns the size only by reading.
fn padded(image: Bytes, total: u64) -> Response {
    const CHUNK: usize = 1 << 20;
    static ZEROS: [u8; CHUNK] = [0; CHUNK];
    let mut left = total.saturating_sub(image.len() as u64);
    let mut chunks = vec![image];
    while left > 0 {
        let n = left.min(CHUNK as u64) as usize;
        chunks.push(Bytes::from_static(&ZEROS[..n]));
        left -= n as u64;
    }
    let stream =
        futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::convert::Infallible>));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "image/png")],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

async fn get_settings(State(kie): State<KieSim>) -> Json<KieSettings> {
    Json(kie.settings())
}

async fn put_settings(State(kie): State<KieSim>, body: Bytes) -> Response {
    let current = kie.settings();
    match merge(&current, &body) {
        Ok(settings) if !settings.credits.is_finite() || settings.credits < 0.0 => {
            BadRequest("credits must be a non-negative number".into()).into_response()
        }
        Ok(settings) => {
            kie.set_settings(settings.clone());
            Json(settings).into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn list_tasks(State(kie): State<KieSim>) -> Response {
    Json(kie.tasks()).into_response()
}
