//! Images as input (issue 13): uploads checked and stored whole, generations that work from the
//! account's own uploads and images, kie fetching each input by a URL that serves exactly those
//! bytes and only while the task runs, tools sized from their input, and uploads that leave with
//! the account.

mod inputs;
mod uploads;

use std::io::Cursor;

use atelier_api::generations::{Generation, GenerationStatus};
use atelier_api::uploads::Upload;
use atelier_simulators::KieTask;
use image::{ImageFormat, RgbImage};
use sha2::{Digest, Sha256};

use super::generations::{Account, finished, fresh_kie_window};
use crate::{Ctx, Reply, ensure};

pub use inputs::{
    an_edit_gets_its_input_by_a_url_that_serves_exactly_it_and_then_stops,
    inputs_must_fit_the_model_and_be_yours,
    upscales_are_two_or_four_times_their_input_and_a_cut_out_has_alpha,
};
pub use uploads::{
    an_upload_is_deleted_by_its_owner_only,
    an_upload_is_stored_whole_and_the_same_bytes_are_the_same_upload,
    bad_uploads_get_their_codes_and_store_nothing, uploads_are_exported_and_leave_with_the_account,
};

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
) -> Result<Reply, String> {
    let mut request = ctx
        .post("/v1/uploads")
        .header("content-type", content_type)
        .body(bytes);
    if let Some(token) = token {
        request = request.token(token);
    }
    request.send().await
}

async fn upload(ctx: &Ctx, who: &Account, bytes: Vec<u8>) -> Result<Upload, String> {
    send_upload(ctx, Some(&who.token), bytes, "image/png")
        .await?
        .expect_status(201)?
        .json()
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
) -> Result<Reply, String> {
    ctx.post("/v1/generations")
        .token(&who.token)
        .header("idempotency-key", &format!("input-{}", ctx.unique()))
        .json(&body)
        .send()
        .await
}

async fn generate(ctx: &Ctx, who: &Account, body: serde_json::Value) -> Result<Generation, String> {
    fresh_kie_window(ctx).await?;
    let created: Generation = post_generation(ctx, who, body)
        .await?
        .expect_status(202)?
        .json()?;
    finished(ctx, who, &created.id, true).await
}

/// The status of `GET url`, an absolute URL the service handed out.
async fn status_of(ctx: &Ctx, url: &str) -> Result<u16, String> {
    Ok(ctx.get_url(url).send().await?.status().as_u16())
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
    let reply = ctx.get(&path).token(&who.token).send().await?;
    ensure!(
        reply.status() == 200,
        "the result answered {}",
        reply.status()
    );
    image::load_from_memory(reply.bytes()).map_err(|e| e.to_string())
}
