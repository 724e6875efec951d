//! Decoding the `invoiceData` field of a `QueryInvoiceDataResponse`: base64, then gzip when
//! `compressedContentIndicator` is set. The decompressed size is capped before it is allocated,
//! so a gzip bomb costs at most `max_decompressed` bytes of memory.

use std::io::Read;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::read::GzDecoder;

/// Why `invoiceData` could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("invoiceData is not valid base64: {0}")]
    Base64(String),
    #[error("invoiceData is not valid gzip although compressedContentIndicator is true: {0}")]
    Gzip(String),
    #[error("invoiceData decodes to more than the allowed {max} bytes")]
    TooLarge { max: usize },
}

/// Reads at most this much per step, so a bomb is caught within one chunk of the cap.
const CHUNK: usize = 64 * 1024;

/// Decodes NAV's base64 `invoiceData` (optionally gzip inside) into the invoice XML bytes.
///
/// Returns [`DecodeError::TooLarge`] as soon as the output would pass `max_decompressed`
/// bytes; the buffer never grows beyond that cap. ASCII whitespace inside the base64 (line
/// breaks some encoders add) is ignored.
pub fn decode_invoice_data(
    base64: &str,
    compressed: bool,
    max_decompressed: usize,
) -> Result<Vec<u8>, DecodeError> {
    let text = base64.trim();
    let cleaned;
    let text = if text.bytes().any(|b| b.is_ascii_whitespace()) {
        cleaned = text
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect::<Vec<u8>>();
        &cleaned[..]
    } else {
        text.as_bytes()
    };
    // The raw bytes are at most 3/4 of the text; for uncompressed data that is the output.
    if !compressed && text.len() / 4 * 3 > max_decompressed.saturating_add(3) {
        return Err(DecodeError::TooLarge {
            max: max_decompressed,
        });
    }
    let raw = STANDARD
        .decode(text)
        .map_err(|e| DecodeError::Base64(e.to_string()))?;
    if !compressed {
        if raw.len() > max_decompressed {
            return Err(DecodeError::TooLarge {
                max: max_decompressed,
            });
        }
        return Ok(raw);
    }
    gunzip_bounded(&raw, max_decompressed)
}

fn gunzip_bounded(gz: &[u8], max: usize) -> Result<Vec<u8>, DecodeError> {
    let mut decoder = GzDecoder::new(gz);
    // Typical ratio for XML is 5–15×; start there and grow, never past the cap.
    let mut out: Vec<u8> = Vec::with_capacity(gz.len().saturating_mul(8).max(CHUNK).min(max));
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = decoder
            .read(&mut chunk)
            .map_err(|e| DecodeError::Gzip(e.to_string()))?;
        if n == 0 {
            return Ok(out);
        }
        if out.len() + n > max {
            return Err(DecodeError::TooLarge { max });
        }
        if out.capacity() - out.len() < n {
            let want = (out.capacity() * 2).max(out.len() + n).min(max);
            out.reserve_exact(want - out.len());
        }
        out.extend_from_slice(&chunk[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn plain_and_gzip_round_trip() {
        let xml = b"<InvoiceData>x</InvoiceData>";
        assert_eq!(
            decode_invoice_data(&STANDARD.encode(xml), false, 1000).unwrap(),
            xml
        );
        assert_eq!(
            decode_invoice_data(&STANDARD.encode(gzip(xml)), true, 1000).unwrap(),
            xml
        );
    }

    #[test]
    fn line_breaks_in_base64_are_ignored() {
        let encoded = STANDARD.encode(b"hello world, hello world");
        let wrapped = format!("{}\r\n{}\n", &encoded[..10], &encoded[10..]);
        assert_eq!(
            decode_invoice_data(&wrapped, false, 100).unwrap(),
            b"hello world, hello world"
        );
    }

    #[test]
    fn the_cap_is_exact() {
        let data = vec![b'a'; 1000];
        let b64 = STANDARD.encode(gzip(&data));
        assert_eq!(decode_invoice_data(&b64, true, 1000).unwrap().len(), 1000);
        assert_eq!(
            decode_invoice_data(&b64, true, 999),
            Err(DecodeError::TooLarge { max: 999 })
        );
        let plain = STANDARD.encode(&data);
        assert!(decode_invoice_data(&plain, false, 1000).is_ok());
        assert_eq!(
            decode_invoice_data(&plain, false, 999),
            Err(DecodeError::TooLarge { max: 999 })
        );
    }

    #[test]
    fn not_gzip_is_a_gzip_error() {
        let err = decode_invoice_data(&STANDARD.encode(b"<xml/>"), true, 1000).unwrap_err();
        assert!(matches!(err, DecodeError::Gzip(_)), "{err}");
    }

    #[test]
    fn truncated_gzip_is_an_error() {
        let gz = gzip(&vec![b'x'; 10_000]);
        let err =
            decode_invoice_data(&STANDARD.encode(&gz[..gz.len() - 6]), true, 100_000).unwrap_err();
        assert!(matches!(err, DecodeError::Gzip(_)), "{err}");
    }
}
