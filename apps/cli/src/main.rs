//! `navsync`: one binary, one subcommand group per module. A new group is a variant of
//! [`Command`] and a module with its own `Args` and `run`; `main` only dispatches and turns an
//! error into one line on stderr and exit code 1.

mod demo;
mod invoice;
mod local;
mod openapi;
mod serve;
mod sync;
mod tokens;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "navsync",
    version,
    about = "Download, archive and query a company's invoices from NAV Online Számla",
    long_about = None,
    after_help = "Start with `navsync demo`: a NAV simulator, a sync, the API and the web UI, offline."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run navsync end to end on this machine: NAV simulator, sync, API and web UI.
    Demo(demo::DemoArgs),
    /// Sync the configured taxpayers' invoices from NAV into the local data directory.
    Sync(sync::SyncArgs),
    /// Serve the API and the web UI over a local data directory.
    Serve(serve::ServeArgs),
    /// Mint bearer tokens for `navsync serve`.
    #[command(subcommand)]
    Token(tokens::TokenCommand),
    /// Work with NAV invoice documents (the decoded `invoiceData` XML).
    #[command(subcommand)]
    Invoice(invoice::InvoiceCommand),
    /// Run the NAV Online Számla simulator (for tests, demos and fault drills).
    #[command(
        name = "nav-sim",
        after_help = "Example:\n  navsync nav-sim --port 9100 --seed 7 --invoices 500 --taxpayers 2"
    )]
    NavSim(navsync_nav_sim::cli::Args),
    /// Print the API's OpenAPI 3.1 document.
    #[command(after_help = "Example:\n  navsync openapi > openapi/openapi.json")]
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Invoice(cmd) => invoice::run(cmd),
        Command::Token(cmd) => tokens::run(cmd),
        Command::Openapi => openapi::run(),
        Command::NavSim(args) => return runtime().block_on(navsync_nav_sim::cli::run(args)),
        Command::Demo(args) => runtime().block_on(demo::run(args)),
        Command::Sync(args) => runtime().block_on(sync::run(args)),
        Command::Serve(args) => runtime().block_on(serve::run(args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("navsync: {message}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed when this is called, not
/// when the future is first polled, so a signal that arrives while the caller is still setting
/// up (opening the store, say) is caught too instead of killing the process.
pub fn shutdown_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    }
}
