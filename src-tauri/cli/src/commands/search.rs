//! `atelier search [TERMS…] [--favourites]`: the library on this computer, as the desktop's
//! gallery searches it (words anywhere in the prompt, newest first). Reads only the local cache,
//! so it works offline; `atelier sync` brings in what other devices made.

use atelier_client::cache::gallery::{GalleryItem, GalleryQuery, MAX_WINDOW};
use serde::Serialize;

use crate::app::App;
use crate::cli::SearchArgs;
use crate::error::CliError;
use crate::output::rfc3339;

#[derive(Serialize)]
struct Found {
    /// How many images match in all.
    total: u32,
    items: Vec<GalleryItem>,
}

pub async fn run(app: &App, args: &SearchArgs) -> Result<(), CliError> {
    app.user().await?;
    let library = app.library().await?;
    let cache = library.cache();
    if cache.meta("last_synced_at").await?.is_none() {
        app.out
            .note("The library on this computer has not synced yet: run `atelier sync`.");
    }
    let query = GalleryQuery {
        search: Some(args.terms.join(" ")).filter(|s| !s.trim().is_empty()),
        favourites_only: args.favourites,
        ..GalleryQuery::default()
    };
    let wanted = args.limit.unwrap_or(u32::MAX);
    let mut items = Vec::new();
    let mut total = 0;
    while (items.len() as u32) < wanted {
        let offset = items.len() as u32;
        let page = cache
            .gallery_page(&query, offset, (wanted - offset).min(MAX_WINDOW))
            .await?;
        total = page.total;
        if page.items.is_empty() {
            break;
        }
        items.extend(page.items);
    }
    if app.out.json() {
        app.out.document(&Found { total, items });
        return Ok(());
    }
    for item in &items {
        let prompt: String = item
            .prompt
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        app.out.line(format!(
            "{}\t{}\t{}\t{prompt}",
            item.image_id,
            rfc3339(item.created_at),
            item.model
        ));
    }
    Ok(())
}
