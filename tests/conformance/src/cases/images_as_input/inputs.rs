//! Generations from inputs: kie fetches each by a URL that serves exactly it while the task runs,
//! tools take their size from their input, and inputs must fit the model and be the account's own.

use std::time::Duration;

use atelier_api::ErrorCode;
use atelier_api::generations::Generation;
use atelier_simulators::KieSettings;

use super::{generate, png, post_generation, request, result_size, status_of, task_of, upload};
use crate::cases::generations::{account, balance, finished, fresh_kie_window};
use crate::{CaseResult, Ctx, ensure};

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
        let created: Generation = post_generation(ctx, &who, body)
            .await?
            .expect_status(202)?
            .json()?;
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
        let served = ctx.get_url(&url).send().await?;
        ensure!(
            served.status() == 200,
            "the input URL answered {}",
            served.status()
        );
        ensure!(served.bytes() == source, "served other bytes");
        let (head, signature) = url.rsplit_once('/').ok_or("no signature")?;
        let forged = format!("{head}/{}", "0".repeat(signature.len()));
        ensure!(
            status_of(ctx, &forged).await? == 404,
            "a forged signature was served"
        );
        let other_position = url.replace(
            &format!("/{}/0/", created.id),
            &format!("/{}/1/", created.id),
        );
        ensure!(
            status_of(ctx, &other_position).await? == 404,
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
            status_of(ctx, &url).await? == 404,
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
    use ErrorCode::{
        BadRequest, InputImagesRequired, InvalidAspectRatio, NotFound, TooManyInputImages,
    };
    let cases = [
        (
            request("nano-banana-edit", "a hat", "auto", &[]),
            400,
            InputImagesRequired,
        ),
        (
            request("upscale-2x", "", "auto", &[&mine.id, &mine.id]),
            400,
            TooManyInputImages,
        ),
        (
            request("nano-banana", "a hat", "1:1", &[&mine.id]),
            400,
            TooManyInputImages,
        ),
        (
            request("nano-banana-pro", "a hat", "1:1", &nine),
            400,
            TooManyInputImages,
        ),
        (
            request("upscale-2x", "sharper", "auto", &[&mine.id]),
            400,
            BadRequest,
        ),
        (
            request("upscale-2x", "", "16:9", &[&mine.id]),
            400,
            InvalidAspectRatio,
        ),
        (
            request("nano-banana-edit", "a hat", "auto", &[&theirs.id]),
            404,
            NotFound,
        ),
        (
            request("nano-banana-edit", "a hat", "auto", &[&mine.id, &theirs.id]),
            404,
            NotFound,
        ),
        (
            request("nano-banana-edit", "a hat", "auto", &["../etc/passwd"]),
            404,
            NotFound,
        ),
    ];
    for (body, status, code) in cases {
        post_generation(ctx, &who, body.clone())
            .await?
            .error(status, code)
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
