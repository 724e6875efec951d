//! A gzip bomb in `invoiceData`: 1 GiB of zeros, about 1 MB compressed. Decoding stops at the
//! cap with an error, and the peak heap stays near the cap instead of the bomb's size. This
//! file holds one test so that the counting allocator sees no other test's allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use navsync_nav::invoice::{DecodeError, decode_invoice_data};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: same layout contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn gzip_bomb_stops_at_the_cap_without_allocating_the_bomb() {
    const BOMB: usize = 1 << 30;
    const CAP: usize = 10 << 20;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..BOMB / zeros.len() {
        gz.write_all(&zeros).unwrap();
    }
    let compressed = gz.finish().unwrap();
    assert!(compressed.len() < BOMB / 100, "{} bytes", compressed.len());
    let b64 = base64::engine::general_purpose::STANDARD.encode(&compressed);
    drop((compressed, zeros));

    let before = CURRENT.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let err = decode_invoice_data(&b64, true, CAP).unwrap_err();
    assert_eq!(err, DecodeError::TooLarge { max: CAP });
    let extra = PEAK.load(Ordering::Relaxed) - before;
    // The cap, the compressed bytes (≈ b64 × 3/4), and the inflater's state and read chunk.
    let bound = CAP + b64.len() + (1 << 20);
    assert!(extra <= bound, "peak {extra} bytes over the {bound} bound");
}
