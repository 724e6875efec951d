//! `openapi/openapi.json` must be what the code generates.

use std::path::PathBuf;

const UPDATE: &str = "UPDATE_OPENAPI=1 cargo test -p navsync-api --test openapi \
    (or: cargo run -p navsync-api --example openapi > openapi/openapi.json)";

#[test]
fn committed_openapi_json_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json");
    let generated = format!("{}\n", navsync_api::openapi().to_pretty_json().unwrap());
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale or missing; regenerate it with:\n  {UPDATE}"
    );
}

#[test]
fn every_operation_documents_its_errors_and_security() {
    let doc: serde_json::Value =
        serde_json::from_str(&navsync_api::openapi().to_pretty_json().unwrap()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 7, "{:?}", paths.keys().collect::<Vec<_>>());
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            if path == "/health" {
                assert!(op.get("security").is_none());
                continue;
            }
            assert!(op["security"].is_array(), "{method} {path} has no security");
            for status in ["401", "429", "503"] {
                let r = &responses[status];
                assert!(
                    r["content"]["application/problem+json"].is_object(),
                    "{method} {path} does not document {status} as problem+json"
                );
            }
        }
    }
}
