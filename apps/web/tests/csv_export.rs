//! The UI's CSV export is for people, who open it in a spreadsheet: it asks for the guarded
//! dialect only (a supplier named `=HYPERLINK(…)` stays text), never the verbatim RFC 4180 one,
//! which is for programs. A check of the shipped script; the e2e test downloads the file.

const APP_JS: &str = include_str!("../ui/app.js");

#[test]
fn the_export_button_asks_for_the_guarded_dialect_only() {
    let requests: Vec<&str> = APP_JS
        .split("/invoices.csv`")
        .skip(1)
        .map(|rest| rest.lines().next().unwrap_or(""))
        .collect();
    assert_eq!(requests.len(), 1, "one export request in app.js");
    assert!(
        requests[0].contains("dialect: 'excel_hu'"),
        "{}",
        requests[0]
    );
    assert!(
        !APP_JS.contains("'rfc4180'"),
        "the UI offers the verbatim dialect"
    );
}
