//! Streamed uploads (multipart) against the emulator: parts past PART_SIZE, the small last
//! part, and a body that fails part way leaving nothing behind.

use std::time::Duration;

use navsync_aws_emulator as emu;
use navsync_s3::{PART_SIZE, S3Archive, S3Config};

async fn archive() -> S3Archive {
    let sdk = emu::sdk_config().await;
    let bucket = emu::new_bucket(&sdk, "exports").await;
    S3Archive::new(
        &sdk,
        S3Config {
            force_path_style: true,
            ..S3Config::new(bucket)
        },
    )
    .expect("config")
}

/// `len` bytes of a repeating pattern, so a misplaced chunk changes the content.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ seed).collect()
}

#[tokio::test]
async fn a_stream_over_one_part_is_stored_whole_and_served_by_its_link() {
    let s3 = archive().await;
    // Chunks of 1 MiB: two full parts and a small last one.
    let chunks: Vec<Vec<u8>> = (0..(2 * PART_SIZE / (1 << 20) + 1))
        .map(|i| pattern(1 << 20, i as u8))
        .chain([pattern(1234, 7)])
        .collect();
    let whole: Vec<u8> = chunks.concat();
    let body = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
    let size = s3
        .upload_stream("exports/t/a.csv", "text/csv; charset=utf-8", body)
        .await
        .expect("upload");
    assert_eq!(size, whole.len() as u64);
    let url = s3
        .presign_download(
            "exports/t/a.csv",
            "a.csv",
            "text/csv; charset=utf-8",
            Duration::from_secs(60),
        )
        .await
        .expect("presign");
    let res = reqwest::get(&url).await.expect("GET");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"a.csv\""
    );
    assert!(res.bytes().await.expect("body").to_vec() == whole);
}

#[tokio::test]
async fn a_small_stream_is_one_part() {
    let s3 = archive().await;
    let body = futures_util::stream::iter([Ok::<_, std::io::Error>(b"h\r\n".to_vec())]);
    assert_eq!(
        s3.upload_stream("exports/t/small.csv", "text/csv", body)
            .await
            .expect("upload"),
        3
    );
}

#[tokio::test]
async fn a_body_that_fails_part_way_leaves_no_object_and_no_upload() {
    let s3 = archive().await;
    let body = futures_util::stream::iter([
        Ok(pattern(PART_SIZE + 10, 1)),
        Err(std::io::Error::other("store went away")),
    ]);
    let err = s3
        .upload_stream("exports/t/broken.csv", "text/csv", body)
        .await
        .expect_err("the body failed");
    assert!(err.contains("store went away"), "{err}");
    let client = s3.client();
    let uploads = client
        .list_multipart_uploads()
        .bucket(s3.bucket())
        .send()
        .await
        .expect("list uploads");
    assert!(uploads.uploads().is_empty(), "{:?}", uploads.uploads());
    let objects = client
        .list_objects_v2()
        .bucket(s3.bucket())
        .send()
        .await
        .expect("list");
    assert_eq!(objects.key_count(), Some(0));
}
