//! `atelier generate PROMPT`: one generation under a key of its own (a retried request is never
//! charged twice), waited for with a progress line, its images written as PNGs. Prints their
//! paths, or `{generation, files}` with `--json`.

use std::path::PathBuf;

use atelier_api::generations::Generation;
use atelier_client::api::IdempotencyKey;
use serde::Serialize;

use crate::app::App;
use crate::cli::GenerateArgs;
use crate::error::CliError;
use crate::generation::{self, Models};
use crate::inputs;

#[derive(Serialize)]
struct Generated<'a> {
    generation: &'a Generation,
    files: &'a [PathBuf],
}

pub async fn run(app: &App, args: &GenerateArgs) -> Result<(), CliError> {
    let inputs = inputs::read(&args.inputs).await?;
    let token = app.token().await?;
    let options = &args.options;
    let models = Models::fetch(app, &token).await?;
    let inputs = inputs::upload(app, &token, inputs).await?;
    let request = models.request(
        &args.prompt,
        options.model.as_deref(),
        options.ratio.as_deref(),
        options.count,
        inputs,
    )?;
    app.out.status("sending the prompt");
    let created = generation::create(app, &token, &IdempotencyKey::new(), &request).await?;
    let done = generation::wait(app, &token, created, |g| {
        app.out.status(&generation::describe(g));
    })
    .await?;
    if let Some(failed) = generation::failure(&done) {
        return Err(failed);
    }
    app.out.status("saving the images");
    let files = generation::save(app, &token, &done, &options.output, None).await?;
    app.out.clear_status();
    if app.out.json() {
        app.out.document(&Generated {
            generation: &done,
            files: &files,
        });
    } else {
        for file in &files {
            app.out.line(file.display());
        }
    }
    Ok(())
}
