//! Parse time of hostile documents at growing sizes: many attributes on the root or on a leaf,
//! many namespace declarations, many elements; each under the default limits (which refuse
//! more than 256 attributes on an element) and with the attribute limit off, which shows the
//! cost of reading them all. The point is the growth from one size to the
//! next (linear, not quadratic), so each figure is the parsing thread's CPU time, which holds
//! on a machine shared with other work. Figures are in docs/benchmarks.md.
//!
//! Run: `cargo run --release -p navsync-nav --example hostile_parse [-- 10000 40000 200000]` (the before
//! figures: the same at commit 125fc55~1 with `parse_invoice_data`, which had no limit)

use std::path::PathBuf;
use std::time::Duration;

use navsync_nav::invoice::{ParseLimits, parse_invoice_data_with};

fn sample() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/nav/invoice-samples/Belfoldi devizas szamla.xml");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("invoice sample missing at {}: {e}", path.display()))
}

fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The hostile shapes, each a function of its size `n`.
fn shapes(base: &str, n: usize) -> Vec<(&'static str, String)> {
    let attrs =
        |prefix: &str| -> String { (0..n).map(|i| format!(" {prefix}{i}=\"v\"")).collect() };
    let root_tag = "<InvoiceData ";
    let leaf_tag = "<invoiceNumber>";
    vec![
        (
            "attributes on the root",
            base.replacen(root_tag, &format!("<InvoiceData{} ", attrs("a")), 1),
        ),
        (
            "attributes on a leaf",
            base.replacen(leaf_tag, &format!("<invoiceNumber{}>", attrs("a")), 1),
        ),
        (
            "namespaces on the root",
            base.replacen(
                root_tag,
                &format!(
                    "<InvoiceData{} ",
                    (0..n)
                        .map(|i| format!(" xmlns:p{i}=\"urn:n{i}\""))
                        .collect::<String>()
                ),
                1,
            ),
        ),
        (
            "elements, each declaring a namespace",
            base.replacen(
                "<invoiceMain>",
                &format!(
                    "<ext>{}</ext><invoiceMain>",
                    (0..n)
                        .map(|i| format!("<p{i}:e xmlns:p{i}=\"urn:n{i}\"/>"))
                        .collect::<String>()
                ),
                1,
            ),
        ),
        (
            "elements",
            base.replacen(
                "<invoiceMain>",
                &format!("<ext>{}</ext><invoiceMain>", "<e/>".repeat(n)),
                1,
            ),
        ),
    ]
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a size"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 40_000, 200_000]
    } else {
        sizes
    };
    let base = sample();
    println!("| shape | n | attribute limit | bytes | CPU ms | result |");
    println!("|---|---:|---:|---:|---:|---|");
    for &n in &sizes {
        for (shape, xml) in shapes(&base, n) {
            for (limit, limits) in [
                ("256", ParseLimits::default()),
                (
                    "off",
                    ParseLimits {
                        max_attributes: usize::MAX,
                        ..ParseLimits::default()
                    },
                ),
            ] {
                let start = thread_cpu_time();
                let result = parse_invoice_data_with(xml.as_bytes(), &limits);
                let took = thread_cpu_time() - start;
                let outcome = match result {
                    Ok(data) => format!("read ({} warnings)", data.invoices[0].warnings.len()),
                    Err(e) => {
                        let line = e.to_string();
                        format!("refused: {}", line.chars().take(70).collect::<String>())
                    }
                };
                println!(
                    "| {shape} | {n} | {limit} | {} | {:.1} | {outcome} |",
                    xml.len(),
                    took.as_secs_f64() * 1e3
                );
            }
        }
    }
}
