//! Images as input (issue 13): uploads checked and stored whole, generations that work from the
//! account's own uploads and images, kie fetching each input by a URL that serves exactly those
//! bytes and only while the task runs, tools sized from their input, and uploads that leave with
//! the account.

use std::io::Cursor;
use std::time::Duration;

use atelier_api::export::DataExport;
use atelier_api::generations::{Generation, GenerationStatus};
use atelier_api::sync::{SyncChange, SyncPage, SyncRecord};
use atelier_api::uploads::Upload;
use atelier_simulators::{KieSettings, KieTask};
use image::{ImageFormat, RgbImage};
use reqwest::Method;
use sha2::{Digest, Sha256};

use super::generations::{Account, account, balance, finished, fresh_kie_window};
use crate::cases::{expect_error, transport};
use crate::{CaseResult, Ctx, ensure};

/// A PNG of `width` × `height` whose pixels depend on `seed`, so each test image is its own.
fn png(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let mut out = Vec::new();
    RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([x as u8 ^ seed, y as u8, seed.wrapping_mul(31)])
    })
    .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
    .expect("encoding a PNG in memory");
    out
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn send_upload(
    ctx: &Ctx,
    token: Option<&str>,
    bytes: Vec<u8>,
    content_type: &str,
) -> Result<reqwest::Response, String> {
    let mut request = ctx
        .http
        .post(ctx.url("/v1/uploads"))
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(bytes);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.map_err(transport)
}

async fn upload(ctx: &Ctx, who: &Account, bytes: Vec<u8>) -> Result<Upload, String> {
    let response = send_upload(ctx, Some(&who.token), bytes, "image/png").await?;
    let status = response.status();
    let text = response.text().await.map_err(transport)?;
    ensure!(status == 201, "the upload answered {status}: {text}");
    serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))
}

fn request(model: &str, prompt: &str, ratio: &str, inputs: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "prompt": prompt, "model": model, "aspect_ratio": ratio, "count": 1, "input_images": inputs,
    })
}

async fn post_generation(
    ctx: &Ctx,
    who: &Account,
    body: serde_json::Value,
) -> Result<reqwest::Response, String> {
    ctx.http
        .post(ctx.url("/v1/generations"))
        .bearer_auth(&who.token)
        .header("idempotency-key", format!("input-{}", ctx.unique()))
        .json(&body)
        .send()
        .await
        .map_err(transport)
}

async fn generate(ctx: &Ctx, who: &Account, body: serde_json::Value) -> Result<Generation, String> {
    fresh_kie_window(ctx).await?;
    let response = post_generation(ctx, who, body).await?;
    let status = response.status();
    let text = response.text().await.map_err(transport)?;
    ensure!(status == 202, "create answered {status}: {text}");
    let created: Generation = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
    finished(ctx, who, &created.id, true).await
}

async fn bytes_at(ctx: &Ctx, token: Option<&str>, path: &str) -> Result<(u16, Vec<u8>), String> {
    let mut request = ctx.http.get(ctx.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(transport)?;
    let status = response.status().as_u16();
    Ok((status, response.bytes().await.map_err(transport)?.to_vec()))
}

async fn get_url(ctx: &Ctx, url: &str) -> Result<u16, String> {
    let response = ctx.http.get(url).send().await.map_err(transport)?;
    Ok(response.status().as_u16())
}

/// The kie task of a generation: its inputs' URLs name the generation.
fn task_of(ctx: &Ctx, generation_id: &str) -> Result<KieTask, String> {
    ctx.sims
        .kie()
        .tasks()
        .into_iter()
        .find(|t| t.input_urls.iter().any(|u| u.contains(generation_id)))
        .ok_or_else(|| format!("kie got no task with inputs of {generation_id}"))
}

async fn result_size(
    ctx: &Ctx,
    who: &Account,
    generation: &Generation,
) -> Result<image::DynamicImage, String> {
    ensure!(
        generation.status == GenerationStatus::Done && generation.images.len() == 1,
        "{generation:?}"
    );
    let path = format!("/v1/images/{}/original", generation.images[0].id);
    let (status, bytes) = bytes_at(ctx, Some(&who.token), &path).await?;
    ensure!(status == 200, "the result answered {status}");
    image::load_from_memory(&bytes).map_err(|e| e.to_string())
}

pub async fn an_upload_is_stored_whole_and_the_same_bytes_are_the_same_upload(
    ctx: &Ctx,
) -> CaseResult {
    let who = account(ctx).await?;
    let bytes = png(300, 200, 1);
    let first = upload(ctx, &who, bytes.clone()).await?;
    ensure!(
        (first.width, first.height, first.bytes) == (300, 200, bytes.len() as u64),
        "{first:?}"
    );
    ensure!(
        first.sha256 == sha256(&bytes) && first.content_type == "image/png",
        "{first:?}"
    );
    let (status, original) = bytes_at(
        ctx,
        Some(&who.token),
        &format!("/v1/uploads/{}/original", first.id),
    )
    .await?;
    ensure!(
        status == 200 && original == bytes,
        "the original came back as {status}, changed"
    );
    let (status, thumbnail) = bytes_at(
        ctx,
        Some(&who.token),
        &format!("/v1/uploads/{}/thumbnail", first.id),
    )
    .await?;
    let thumbnail = image::load_from_memory(&thumbnail).map_err(|e| e.to_string())?;
    ensure!(
        status == 200 && thumbnail.width() <= 512,
        "thumbnail {status}"
    );

    // The same bytes under another type are not waved through as the earlier upload.
    let lying = send_upload(ctx, Some(&who.token), bytes.clone(), "image/jpeg").await?;
    expect_error(lying, 400, "invalid_image").await?;
    let again_bytes = bytes.clone();
    let again = send_upload(ctx, Some(&who.token), bytes, "image/png").await?;
    ensure!(
        again.status() == 200,
        "the same bytes again answered {}",
        again.status()
    );
    let again: Upload = again.json().await.map_err(transport)?;
    ensure!(
        again == first,
        "the same bytes became another upload: {again:?}"
    );

    // A stored upload's bytes outlive the sweep of abandoned writes (10 minutes after their
    // announcement): the upload retired its announcement with its row.
    ctx.advance_clock(10 * 60 * 1000 + 1_000).await?;
    ctx.tick().await?;
    let (status, original) = bytes_at(
        ctx,
        Some(&who.token),
        &format!("/v1/uploads/{}/original", first.id),
    )
    .await?;
    ensure!(
        status == 200 && original == again_bytes,
        "the background work took a stored upload's bytes: {status}"
    );

    // Every device learns of it through sync; nobody else can read it.
    let page: SyncPage = ctx.get_as("/v1/sync?limit=1000", &who.token).await?;
    let synced = page.changes.iter().any(
        |c| matches!(c, SyncChange::Upsert { record: SyncRecord::Upload(u), .. } if *u == first),
    );
    ensure!(synced, "the upload is not in the account's sync");
    let stranger = account(ctx).await?;
    let path = format!("/v1/uploads/{}/original", first.id);
    let response = ctx
        .send(Method::GET, &path, Some(&stranger.token), None)
        .await?;
    expect_error(response, 404, "not_found").await
}

pub async fn bad_uploads_get_their_codes_and_store_nothing(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let token = Some(who.token.as_str());
    let before = ctx.storage().await?;
    let whole = png(200, 150, 2);
    let mut jpeg = Vec::new();
    RgbImage::new(40, 30)
        .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
        .map_err(|e| e.to_string())?;
    // Small files that decode to gigabytes: refused from their headers.
    let bomb = atelier_simulators::kie::bomb::zeros_png(20_000, 20_000).ok_or("no bomb")?;
    let within_sides = atelier_simulators::kie::bomb::zeros_png(8_000, 8_000).ok_or("no bomb")?;
    let limit = atelier_api::limits::LIMITS.max_upload_bytes as usize;
    let cases: Vec<(Vec<u8>, &str, u16, &str)> = vec![
        (whole.clone(), "image/gif", 415, "unsupported_media_type"),
        (
            whole.clone(),
            "application/json",
            415,
            "unsupported_media_type",
        ),
        (
            b"<html>not a picture</html>".to_vec(),
            "image/png",
            400,
            "invalid_image",
        ),
        (jpeg, "image/png", 400, "invalid_image"),
        (
            whole[..whole.len() / 2].to_vec(),
            "image/png",
            400,
            "invalid_image",
        ),
        (Vec::new(), "image/png", 400, "invalid_image"),
        (bomb, "image/png", 413, "image_too_large"),
        (within_sides, "image/png", 413, "image_too_large"),
        (png(4_200, 4_100, 4), "image/png", 413, "image_too_large"),
    ];
    for (bytes, content_type, status, code) in cases {
        let response = send_upload(ctx, token, bytes, content_type).await?;
        expect_error(response, status, code)
            .await
            .map_err(|e| format!("{content_type} → {code}: {e}"))?;
    }
    let response = send_upload(ctx, None, whole, "image/png").await?;
    expect_error(response, 401, "unauthenticated").await?;
    oversize_is_refused_from_its_length(ctx, &who.token, limit + 1).await?;
    let after = ctx.storage().await?;
    ensure!(
        before.tables == after.tables && before.blobs == after.blobs,
        "a refused upload changed SQL or blobs"
    );
    Ok(())
}

/// A body declared over the limit is refused from its `Content-Length`, before a byte of it is
/// read. Sent by hand without the body: a client library sending 10 MB would see the connection
/// closed under it once the answer came (as `wrangler dev` does), and report that instead.
async fn oversize_is_refused_from_its_length(ctx: &Ctx, token: &str, length: usize) -> CaseResult {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let authority = ctx
        .base_url
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(authority)
        .await
        .map_err(|e| e.to_string())?;
    let head = format!(
        "POST /v1/uploads HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: image/png\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer));
    // The server may close without waiting for the body it refused: what came is the answer.
    let _ = read.await;
    let text = String::from_utf8_lossy(&answer);
    ensure!(
        text.starts_with("HTTP/1.1 413") && text.contains("\"code\":\"payload_too_large\""),
        "an oversize upload was answered: {text}"
    );
    Ok(())
}

/// kie gets a URL of the service's own for each input: it serves exactly the uploaded bytes
/// while the task runs, names nothing else, and answers 404 once the generation is done.
pub async fn an_edit_gets_its_input_by_a_url_that_serves_exactly_it_and_then_stops(
    ctx: &Ctx,
) -> CaseResult {
    let kie = ctx.sims.kie();
    let saved = kie.settings();
    // Slow enough to try the URL while the task runs (about 3 s at kie).
    kie.set_settings(KieSettings {
        step_ms: 1_000,
        ..saved.clone()
    });
    let outcome = async {
        let who = account(ctx).await?;
        let source = png(320, 240, 5);
        let input = upload(ctx, &who, source.clone()).await?;
        let before = balance(ctx, &who).await?;
        fresh_kie_window(ctx).await?;
        let prompt = format!("make it autumn {}", ctx.unique());
        let body = request("nano-banana-edit", &prompt, "auto", &[&input.id]);
        let response = post_generation(ctx, &who, body).await?;
        ensure!(
            response.status() == 202,
            "create answered {}",
            response.status()
        );
        let created: Generation = response.json().await.map_err(transport)?;
        ensure!(created.input_images == [input.id.clone()], "{created:?}");

        // While it runs: the URL serves the upload to anyone who has it, and only it.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let url = loop {
            if let Ok(task) = task_of(ctx, &created.id) {
                break task.input_urls[0].clone();
            }
            ensure!(
                std::time::Instant::now() < deadline,
                "kie never got the task"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        ensure!(
            url.starts_with(&ctx.base_url) && !url.contains(&input.id),
            "the input URL {url} is not the service's own or names the upload"
        );
        let served = ctx.http.get(&url).send().await.map_err(transport)?;
        ensure!(
            served.status() == 200,
            "the input URL answered {}",
            served.status()
        );
        ensure!(
            served.bytes().await.map_err(transport)?.to_vec() == source,
            "served other bytes"
        );
        let (head, signature) = url.rsplit_once('/').ok_or("no signature")?;
        let forged = format!("{head}/{}", "0".repeat(signature.len()));
        ensure!(
            get_url(ctx, &forged).await? == 404,
            "a forged signature was served"
        );
        let other_position = url.replace(
            &format!("/{}/0/", created.id),
            &format!("/{}/1/", created.id),
        );
        ensure!(
            get_url(ctx, &other_position).await? == 404,
            "another position was served"
        );

        let done = finished(ctx, &who, &created.id, true).await?;
        result_size(ctx, &who, &done).await?;
        let task = task_of(ctx, &created.id)?;
        ensure!(
            task.model == "google/nano-banana-edit",
            "kie got {}",
            task.model
        );
        let fetched = task.inputs.first().ok_or("kie fetched nothing")?;
        ensure!(
            fetched.status == Some(200) && fetched.sha256.as_deref() == Some(input.sha256.as_str()),
            "kie fetched {fetched:?}, not the upload"
        );
        ensure!(
            get_url(ctx, &url).await? == 404,
            "the input URL outlived its task"
        );
        ensure!(
            balance(ctx, &who).await? == before - 4,
            "the edit did not cost 4"
        );
        Ok(())
    }
    .await;
    kie.set_settings(saved);
    outcome
}

/// Tools work from an upload or a generated image and take their size from it.
pub async fn upscales_are_two_or_four_times_their_input_and_a_cut_out_has_alpha(
    ctx: &Ctx,
) -> CaseResult {
    let who = account(ctx).await?;
    let input = upload(ctx, &who, png(64, 48, 6)).await?;
    let twice = generate(ctx, &who, request("upscale-2x", "", "auto", &[&input.id])).await?;
    let image = result_size(ctx, &who, &twice).await?;
    ensure!(
        (image.width(), image.height()) == (128, 96),
        "2×: {}×{}",
        image.width(),
        image.height()
    );
    ensure!(
        twice.cost == 3 && twice.input_images == [input.id.clone()],
        "{twice:?}"
    );

    // A generated image is an input too: the 2× result, 4× again.
    let result_id = twice.images[0].id.clone();
    let four = generate(ctx, &who, request("upscale-4x", "", "auto", &[&result_id])).await?;
    let image = result_size(ctx, &who, &four).await?;
    ensure!(
        (image.width(), image.height()) == (512, 384),
        "4×: {}×{}",
        image.width(),
        image.height()
    );

    let cut = generate(
        ctx,
        &who,
        request("remove-background", "", "auto", &[&input.id]),
    )
    .await?;
    let image = result_size(ctx, &who, &cut).await?;
    ensure!(
        image.color().has_alpha(),
        "the cut-out has no alpha channel"
    );
    ensure!(
        image.to_rgba8().pixels().any(|p| p.0[3] == 0),
        "the cut-out has no transparent pixel"
    );
    Ok(())
}

/// Wrong counts, prompts for tools, and images that are not yours: refused, nothing charged.
pub async fn inputs_must_fit_the_model_and_be_yours(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let stranger = account(ctx).await?;
    let mine = upload(ctx, &who, png(40, 40, 7)).await?;
    let theirs = upload(ctx, &stranger, png(40, 40, 8)).await?;
    let before = balance(ctx, &who).await?;
    let tables_before = ctx
        .storage()
        .await?
        .tables
        .get("generations")
        .map_or(0, Vec::len);
    let nine: Vec<&str> = std::iter::repeat_n(mine.id.as_str(), 9).collect();
    let cases = [
        (
            request("nano-banana-edit", "a hat", "auto", &[]),
            400,
            "input_images_required",
        ),
        (
            request("upscale-2x", "", "auto", &[&mine.id, &mine.id]),
            400,
            "too_many_input_images",
        ),
        (
            request("nano-banana", "a hat", "1:1", &[&mine.id]),
            400,
            "too_many_input_images",
        ),
        (
            request("nano-banana-pro", "a hat", "1:1", &nine),
            400,
            "too_many_input_images",
        ),
        (
            request("upscale-2x", "sharper", "auto", &[&mine.id]),
            400,
            "bad_request",
        ),
        (
            request("upscale-2x", "", "16:9", &[&mine.id]),
            400,
            "invalid_aspect_ratio",
        ),
        (
            request("nano-banana-edit", "a hat", "auto", &[&theirs.id]),
            404,
            "not_found",
        ),
        (
            request("nano-banana-edit", "a hat", "auto", &[&mine.id, &theirs.id]),
            404,
            "not_found",
        ),
        (
            request("nano-banana-edit", "a hat", "auto", &["../etc/passwd"]),
            404,
            "not_found",
        ),
    ];
    for (body, status, code) in cases {
        let response = post_generation(ctx, &who, body.clone()).await?;
        expect_error(response, status, code)
            .await
            .map_err(|e| format!("{body} → {code}: {e}"))?;
    }
    ensure!(
        balance(ctx, &who).await? == before,
        "a refused request was charged"
    );
    let tables_after = ctx
        .storage()
        .await?
        .tables
        .get("generations")
        .map_or(0, Vec::len);
    ensure!(
        tables_after == tables_before,
        "a refused request made a generation"
    );
    Ok(())
}

/// The owner deletes an upload: its bytes and row go, other devices get a tombstone, and it is
/// no longer an input; nobody else can delete it.
pub async fn an_upload_is_deleted_by_its_owner_only(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let stranger = account(ctx).await?;
    let mine = upload(ctx, &who, png(30, 20, 11)).await?;
    let path = format!("/v1/uploads/{}", mine.id);
    let response = ctx
        .send(Method::DELETE, &path, Some(&stranger.token), None)
        .await?;
    expect_error(response, 404, "not_found").await?;
    let response = ctx
        .send(Method::DELETE, &path, Some(&who.token), None)
        .await?;
    ensure!(
        response.status() == 204,
        "the delete answered {}",
        response.status()
    );
    let (status, _) = bytes_at(ctx, Some(&who.token), &format!("{path}/original")).await?;
    ensure!(status == 404, "a deleted upload's bytes answered {status}");
    let dump = ctx.storage().await?;
    ensure!(
        !dump.blobs.iter().any(|k| k.contains(&mine.id)),
        "a deleted upload's bytes are still stored"
    );
    let page: SyncPage = ctx.get_as("/v1/sync?limit=1000", &who.token).await?;
    let tombstone = page.changes.iter().any(|c| {
        matches!(c, SyncChange::Delete { kind: atelier_api::sync::SyncKind::Upload, id, .. } if *id == mine.id)
    });
    ensure!(tombstone, "no tombstone for the deleted upload");
    let body = request("upscale-2x", "", "auto", &[&mine.id]);
    let response = post_generation(ctx, &who, body).await?;
    expect_error(response, 404, "not_found").await?;
    let response = ctx
        .send(Method::DELETE, &path, Some(&who.token), None)
        .await?;
    expect_error(response, 404, "not_found").await
}

/// The export lists the uploads; deleting the account leaves no upload row or byte.
pub async fn uploads_are_exported_and_leave_with_the_account(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let mine = upload(ctx, &who, png(50, 30, 9)).await?;
    let export: DataExport = ctx.get_as("/v1/me/export", &who.token).await?;
    ensure!(
        export.uploads == [mine.clone()],
        "the export lists {:?}",
        export.uploads
    );
    let user: atelier_api::auth::User = ctx.get_as("/v1/me", &who.token).await?;
    let deletion: atelier_api::auth::AccountDeletion = ctx
        .send_as(Method::DELETE, "/v1/me", Some(&who.token), None, 200)
        .await?;
    if !deletion.purge_complete {
        for _ in 0..20 {
            ctx.tick().await?;
        }
    }
    let dump = ctx.storage().await?;
    let rows_left = dump
        .tables
        .get("uploads")
        .into_iter()
        .flatten()
        .filter(|r| r.get("account_id").and_then(|v| v.as_str()) == Some(user.id.as_str()))
        .count();
    ensure!(
        rows_left == 0,
        "{rows_left} upload rows outlived the account"
    );
    ensure!(
        !dump.blobs.iter().any(|k| k.contains(&user.id)),
        "upload bytes outlived the account"
    );
    Ok(())
}
