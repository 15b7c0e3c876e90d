//! `--input FILE_OR_IMAGE_ID`: the images a generation starts from. An argument that names a
//! file is uploaded (the same file again is the same upload, so nothing piles up); one that is
//! an id (32 hex digits, and no such file here) is passed as it is: an upload or an image of the
//! account, which the service checks.

use std::path::Path;

use atelier_client::api::is_valid_id;
use atelier_client::session::SessionToken;

use crate::app::App;
use crate::error::CliError;

/// What an image file is, from its first bytes; the service checks the rest.
fn content_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        // Refused by the service with `unsupported_media_type`, in its words.
        "application/octet-stream"
    }
}

/// One `--input`, read: an id, or a file's bytes still to upload.
pub enum Input {
    Id(String),
    File { path: String, bytes: Vec<u8> },
}

/// Reads the files among `args` (before anything is sent: an unreadable one is a usage error).
pub async fn read(args: &[String]) -> Result<Vec<Input>, CliError> {
    let mut inputs = Vec::with_capacity(args.len());
    for arg in args {
        let path = Path::new(arg);
        if is_valid_id(arg) && !path.exists() {
            inputs.push(Input::Id(arg.to_ascii_lowercase()));
            continue;
        }
        let bytes = tokio::fs::read(path).await.map_err(|e| {
            CliError::usage(
                crate::error::codes::INVALID_INPUT,
                format!("cannot read the input image {}: {e}", path.display()),
            )
        })?;
        inputs.push(Input::File {
            path: arg.clone(),
            bytes,
        });
    }
    Ok(inputs)
}

/// The ids of `inputs`, uploading the files among them, in order.
pub async fn upload(
    app: &App,
    token: &SessionToken,
    inputs: Vec<Input>,
) -> Result<Vec<String>, CliError> {
    let mut ids = Vec::with_capacity(inputs.len());
    for input in inputs {
        match input {
            Input::Id(id) => ids.push(id),
            Input::File { path, bytes } => {
                app.out.status(&format!("uploading {path}"));
                let kind = content_type(&bytes);
                ids.push(app.api().upload(token, bytes.into(), kind).await?.id);
            }
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::content_type;

    #[test]
    fn image_files_are_known_by_their_first_bytes() {
        assert_eq!(content_type(b"\x89PNG\r\n\x1a\n...."), "image/png");
        assert_eq!(content_type(&[0xFF, 0xD8, 0xFF, 0xE0]), "image/jpeg");
        assert_eq!(content_type(b"RIFF\0\0\0\0WEBPVP8 "), "image/webp");
        assert_eq!(content_type(b"GIF89a"), "application/octet-stream");
    }
}
