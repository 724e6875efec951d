//! Runs the `navsync` binary: `invoice parse` on an official sample prints the model as JSON;
//! a malformed file and a non-invoice give one line on stderr and a non-zero exit.

use std::path::PathBuf;
use std::process::{Command, Output};

fn navsync(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_navsync"))
        .args(args)
        .output()
        .expect("the navsync binary runs")
}

fn sample(name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/nav/invoice-samples");
    assert!(
        dir.is_dir(),
        "NAV invoice samples missing at {}",
        dir.display()
    );
    dir.join(name).to_string_lossy().into_owned()
}

fn scratch(name: &str, content: &str) -> String {
    let dir = std::env::temp_dir().join(format!("navsync-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn parse_prints_the_invoice_model_as_json() {
    let out = navsync(&[
        "invoice",
        "parse",
        &sample("Tobb szamla modositasa egy okirattal.xml"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(json["invoice_number"], "SZ00004");
    assert_eq!(json["schema_version"], "3.0");
    let invoices = json["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 3, "all parts of the batch document");
    assert_eq!(invoices[2]["batch_index"], 3);
    assert_eq!(
        invoices[2]["modification"]["original_invoice_number"],
        "SZ00003"
    );
    assert_eq!(invoices[0]["supplier"]["tax_number"], "99999999-2-41");

    let out = navsync(&["invoice", "parse", &sample("Belfoldi devizas szamla.xml")]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inv = &json["invoices"][0];
    assert_eq!(inv["currency"], "EUR");
    // Amounts are decimal strings, never floats.
    assert_eq!(inv["exchange_rate"], "310.00");
    assert_eq!(inv["totals"]["gross_huf"], "7322944.00");
    assert_eq!(inv["lines"][2]["unit"], "dkg");
}

fn assert_one_line_failure(out: &Output, needle: &str) {
    assert!(!out.status.success());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.contains(needle), "{err:?} should mention {needle:?}");
}

#[test]
fn malformed_file_is_one_line_on_stderr_and_exit_1() {
    let path = scratch(
        "broken.xml",
        r#"<InvoiceData xmlns="http://schemas.nav.gov.hu/OSA/3.0/data"><invoiceNumber>1</invoiceNumber>"#,
    );
    let out = navsync(&["invoice", "parse", &path]);
    assert_one_line_failure(&out, "document ends inside /InvoiceData");
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.xml"));
}

#[test]
fn non_invoice_and_missing_files_are_one_line_errors() {
    let path = scratch("feed.xml", "<rss version=\"2.0\"><channel/></rss>");
    assert_one_line_failure(&navsync(&["invoice", "parse", &path]), "root element <rss>");
    assert_one_line_failure(
        &navsync(&["invoice", "parse", "/nonexistent/számla.xml"]),
        "cannot read /nonexistent/számla.xml",
    );
}

#[test]
fn help_explains_the_command_with_an_example() {
    let out = navsync(&["invoice", "parse", "--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("pretty JSON"), "{help}");
    assert!(help.contains("Example:"), "{help}");
    assert!(help.contains("navsync invoice parse"), "{help}");
}

#[test]
fn summary_prints_one_line_per_invoice() {
    let out = navsync(&[
        "invoice",
        "parse",
        "--summary",
        &sample("Tobb szamla modositasa egy okirattal.xml"),
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1], "SZ00004#2\tNORMAL\t0 HUF gross\t0 lines");
    let out = navsync(&[
        "invoice",
        "parse",
        "--summary",
        &sample("Belfoldi devizas szamla.xml"),
    ]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "2021/00345\tNORMAL\t7322944.00 HUF gross\t3 lines\n"
    );
}

#[test]
fn a_document_over_the_limit_is_refused_after_reading_just_past_it() {
    const LIMIT: usize = 64 * 1024 * 1024;
    // A pipe, so what navsync reads is what the writer got rid of: a reader that reads only
    // limit + 1 bytes and exits leaves the writer with a broken pipe, one that reads it all
    // lets the writer finish.
    let dir = std::env::temp_dir().join(format!("navsync-cli-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("endless.xml");
    let _ = std::fs::remove_file(&fifo);
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let mut pipe = std::fs::OpenOptions::new()
            .write(true)
            .open(&writer_path)
            .unwrap();
        let chunk = vec![b' '; 1024 * 1024];
        pipe.write_all(b"<InvoiceData>")?;
        // Well past the limit.
        for _ in 0..(LIMIT / chunk.len() + 16) {
            pipe.write_all(&chunk)?;
        }
        Ok::<(), std::io::Error>(())
    });
    let out = navsync(&["invoice", "parse", fifo.to_str().unwrap()]);
    assert_one_line_failure(&out, &format!("over the limit of {LIMIT} bytes"));
    let written = writer.join().unwrap();
    assert_eq!(
        written.map_err(|e| e.kind()),
        Err(std::io::ErrorKind::BrokenPipe),
        "navsync read the whole stream instead of stopping past the limit"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
