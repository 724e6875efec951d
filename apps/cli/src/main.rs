//! `navsync`: one binary, one subcommand group per module. A new group (sync, serve, demo,
//! nav-sim, openapi, token) is a variant of [`Command`] and a module with its own `Args` and
//! `run`; `main` only dispatches and turns an error into one line on stderr and exit code 1.

mod invoice;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "navsync",
    version,
    about = "Download, archive and query a company's invoices from NAV Online Számla",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Work with NAV invoice documents (the decoded `invoiceData` XML).
    #[command(subcommand)]
    Invoice(invoice::InvoiceCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Invoice(cmd) => invoice::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("navsync: {message}");
            ExitCode::FAILURE
        }
    }
}
