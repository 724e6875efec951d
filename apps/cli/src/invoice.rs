//! `navsync invoice …`: commands on invoice documents.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum InvoiceCommand {
    /// Parse a NAV invoice document and print it as JSON of the navsync invoice model.
    #[command(
        long_about = "Parse a NAV invoice document (the XML that queryInvoiceData's invoiceData \
                      decodes to; schema 3.0, 2.0 or 1.x) and print the navsync invoice model as \
                      pretty JSON: the document's number, issue date and schema version, and all \
                      its invoices (one per batchInvoice for a batch modification).\n\n\
                      A malformed file or one that is not an invoice document prints one line \
                      on stderr and exits with status 1.",
        after_help = "Example:\n  navsync invoice parse 'invoice-samples/Belfoldi devizas szamla.xml'"
    )]
    Parse(ParseArgs),
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The invoice document (XML) to parse.
    pub file: PathBuf,
    /// Print one line per invoice (number, batch index, category, gross in HUF, line count)
    /// instead of the JSON.
    #[arg(long)]
    pub summary: bool,
}

pub fn run(cmd: InvoiceCommand) -> Result<(), String> {
    match cmd {
        InvoiceCommand::Parse(args) => parse(&args),
    }
}

/// At most `max + 1` bytes of `path`: enough to tell a document over the parser's limit, without
/// reading (or holding) a huge file, a device or an endless pipe.
fn read_at_most(path: &std::path::Path, max: usize) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut xml = Vec::new();
    file.take(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut xml)?;
    Ok(xml)
}

fn parse(args: &ParseArgs) -> Result<(), String> {
    let shown = args.file.display();
    let max = navsync_nav::invoice::ParseLimits::default().max_bytes;
    let xml = read_at_most(&args.file, max).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if xml.len() > max {
        return Err(format!(
            "{shown}: the document is over the limit of {max} bytes"
        ));
    }
    let data =
        navsync_nav::invoice::parse_invoice_data(&xml).map_err(|e| format!("{shown}: {e}"))?;
    // The document is no longer needed: peak memory is one of it or its model, not both.
    drop(xml);
    let mut out = std::io::stdout().lock();
    if args.summary {
        for inv in &data.invoices {
            let batch = inv.batch_index.map(|b| format!("#{b}")).unwrap_or_default();
            writeln!(
                out,
                "{}{batch}\t{}\t{} HUF gross\t{} lines",
                inv.invoice_number,
                inv.category.as_str(),
                inv.totals.gross_huf,
                inv.lines.len()
            )
            .map_err(|e| format!("writing the summary: {e}"))?;
        }
        return Ok(());
    }
    let json = serde_json::to_string_pretty(&data).map_err(|e| format!("{shown}: {e}"))?;
    writeln!(out, "{json}").map_err(|e| format!("writing the JSON: {e}"))
}
