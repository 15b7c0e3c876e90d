//! Libraries of any size for benchmarks, written by the service's own seeder
//! (`atelier_server::seeding`): stand-in originals and real JPEG thumbnails.

use atelier_server::native::NativePlatform;
use atelier_server::seeding::{self, Library};

pub use atelier_server::seeding::{thumbnail, thumbnail_sized};

const STAND_IN: &[u8] = b"\x89PNG original stand-in";

/// `images` images for `account`, all with the same stand-in bytes as their original.
pub async fn seed(platform: &NativePlatform, account: &str, images: u64) {
    seed_sized(platform, account, images, 192).await;
}

/// As [`seed`], with thumbnails `side` px square.
pub async fn seed_sized(platform: &NativePlatform, account: &str, images: u64, side: u32) {
    let stand_in = |_| bytes::Bytes::from_static(STAND_IN);
    seed_of(
        platform,
        account,
        images,
        |n| thumbnail_sized(n, side),
        stand_in,
    )
    .await;
}

/// As [`seed`], with `original(n)` as the original of image `n`.
pub async fn seed_with(
    platform: &NativePlatform,
    account: &str,
    images: u64,
    original: impl Fn(u64) -> bytes::Bytes,
) {
    seed_of(platform, account, images, thumbnail, original).await;
}

async fn seed_of(
    platform: &NativePlatform,
    account: &str,
    images: u64,
    thumbnail: impl Fn(u64) -> Vec<u8>,
    original: impl Fn(u64) -> bytes::Bytes,
) {
    let library = Library {
        prefix: 0,
        images,
        thumbnail,
        original,
    };
    seeding::seed(platform, account, library)
        .await
        .expect("seeding the library");
}
