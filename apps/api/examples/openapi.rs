//! Prints the OpenAPI document: `cargo run -p navsync-api --example openapi > openapi/openapi.json`.

fn main() {
    match navsync_api::openapi().to_pretty_json() {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("cannot serialize the OpenAPI document: {e}");
            std::process::exit(1);
        }
    }
}
