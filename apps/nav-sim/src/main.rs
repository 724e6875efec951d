//! `nav-sim`: runs the NAV simulator and prints one JSON line with its URL and credentials.

use clap::Parser as _;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    navsync_nav_sim::cli::init_logging();
    navsync_nav_sim::cli::run(navsync_nav_sim::cli::Args::parse()).await
}
