//! Uploads: checked and stored whole, the same bytes the same upload, deleted by their owner only,
//! exported, and gone with the account.

use std::io::Cursor;
use std::time::Duration;

use atelier_api::ErrorCode;
use atelier_api::export::DataExport;
use atelier_api::sync::{SyncChange, SyncPage, SyncRecord};
use atelier_api::uploads::Upload;
use image::{ImageFormat, RgbImage};

use super::{png, post_generation, request, send_upload, sha256, upload};
use crate::cases::generations::account;
use crate::{CaseResult, Ctx, ensure};

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
    let original_path = format!("/v1/uploads/{}/original", first.id);
    let original = ctx.get(&original_path).token(&who.token).send().await?;
    ensure!(
        original.status() == 200 && original.bytes() == bytes,
        "the original came back as {}, changed",
        original.status()
    );
    let thumbnail = ctx
        .get(&format!("/v1/uploads/{}/thumbnail", first.id))
        .token(&who.token)
        .send()
        .await?;
    let status = thumbnail.status();
    let thumbnail = image::load_from_memory(thumbnail.bytes()).map_err(|e| e.to_string())?;
    ensure!(
        status == 200 && thumbnail.width() <= 512,
        "thumbnail {status}"
    );

    // The same bytes under another type are not waved through as the earlier upload.
    let lying = send_upload(ctx, Some(&who.token), bytes.clone(), "image/jpeg").await?;
    lying.error(400, ErrorCode::InvalidImage)?;
    let again = send_upload(ctx, Some(&who.token), bytes.clone(), "image/png").await?;
    ensure!(
        again.status() == 200,
        "the same bytes again answered {}",
        again.status()
    );
    let again: Upload = again.json()?;
    ensure!(
        again == first,
        "the same bytes became another upload: {again:?}"
    );

    // A stored upload's bytes outlive the sweep of abandoned writes (10 minutes after their
    // announcement): the upload retired its announcement with its row.
    ctx.advance_clock(10 * 60 * 1000 + 1_000).await?;
    ctx.tick().await?;
    let original = ctx.get(&original_path).token(&who.token).send().await?;
    ensure!(
        original.status() == 200 && original.bytes() == bytes,
        "the background work took a stored upload's bytes: {}",
        original.status()
    );

    // Every device learns of it through sync; nobody else can read it.
    let page: SyncPage = ctx
        .get("/v1/sync?limit=1000")
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    let synced = page.changes.iter().any(
        |c| matches!(c, SyncChange::Upsert { record: SyncRecord::Upload(u), .. } if *u == first),
    );
    ensure!(synced, "the upload is not in the account's sync");
    let stranger = account(ctx).await?;
    ctx.get(&original_path)
        .token(&stranger.token)
        .send()
        .await?
        .error(404, ErrorCode::NotFound)
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
    use ErrorCode::{ImageTooLarge, InvalidImage, UnsupportedMediaType};
    let cases: Vec<(Vec<u8>, &str, u16, ErrorCode)> = vec![
        (whole.clone(), "image/gif", 415, UnsupportedMediaType),
        (whole.clone(), "application/json", 415, UnsupportedMediaType),
        (
            b"<html>not a picture</html>".to_vec(),
            "image/png",
            400,
            InvalidImage,
        ),
        (jpeg, "image/png", 400, InvalidImage),
        (
            whole[..whole.len() / 2].to_vec(),
            "image/png",
            400,
            InvalidImage,
        ),
        (Vec::new(), "image/png", 400, InvalidImage),
        (bomb, "image/png", 413, ImageTooLarge),
        (within_sides, "image/png", 413, ImageTooLarge),
        (png(4_200, 4_100, 4), "image/png", 413, ImageTooLarge),
    ];
    for (bytes, content_type, status, code) in cases {
        send_upload(ctx, token, bytes, content_type)
            .await?
            .error(status, code)
            .map_err(|e| format!("{content_type} → {code}: {e}"))?;
    }
    send_upload(ctx, None, whole, "image/png")
        .await?
        .error(401, ErrorCode::Unauthenticated)?;
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

/// The owner deletes an upload: its bytes and row go, other devices get a tombstone, and it is
/// no longer an input; nobody else can delete it.
pub async fn an_upload_is_deleted_by_its_owner_only(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let stranger = account(ctx).await?;
    let mine = upload(ctx, &who, png(30, 20, 11)).await?;
    let path = format!("/v1/uploads/{}", mine.id);
    ctx.delete(&path)
        .token(&stranger.token)
        .send()
        .await?
        .error(404, ErrorCode::NotFound)?;
    let response = ctx.delete(&path).token(&who.token).send().await?;
    ensure!(
        response.status() == 204,
        "the delete answered {}",
        response.status()
    );
    let original = ctx
        .get(&format!("{path}/original"))
        .token(&who.token)
        .send()
        .await?;
    ensure!(
        original.status() == 404,
        "a deleted upload's bytes answered {}",
        original.status()
    );
    let dump = ctx.storage().await?;
    ensure!(
        !dump.blobs.iter().any(|k| k.contains(&mine.id)),
        "a deleted upload's bytes are still stored"
    );
    let page: SyncPage = ctx
        .get("/v1/sync?limit=1000")
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    let tombstone = page.changes.iter().any(|c| {
        matches!(c, SyncChange::Delete { kind: atelier_api::sync::SyncKind::Upload, id, .. } if *id == mine.id)
    });
    ensure!(tombstone, "no tombstone for the deleted upload");
    let body = request("upscale-2x", "", "auto", &[&mine.id]);
    post_generation(ctx, &who, body)
        .await?
        .error(404, ErrorCode::NotFound)?;
    ctx.delete(&path)
        .token(&who.token)
        .send()
        .await?
        .error(404, ErrorCode::NotFound)
}

/// The export lists the uploads; deleting the account leaves no upload row or byte.
pub async fn uploads_are_exported_and_leave_with_the_account(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let mine = upload(ctx, &who, png(50, 30, 9)).await?;
    let export: DataExport = ctx
        .get("/v1/me/export")
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(
        export.uploads == [mine.clone()],
        "the export lists {:?}",
        export.uploads
    );
    let user: atelier_api::auth::User = ctx
        .get("/v1/me")
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    let deletion: atelier_api::auth::AccountDeletion = ctx
        .delete("/v1/me")
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
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
