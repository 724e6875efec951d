//! `navsync openapi`: the API's OpenAPI document, as committed in `openapi/openapi.json`.

pub fn run() -> Result<(), String> {
    let json = navsync_api::openapi()
        .to_pretty_json()
        .map_err(|e| format!("cannot render the OpenAPI document: {e}"))?;
    println!("{json}");
    Ok(())
}
