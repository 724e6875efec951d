//! Serving a folder of invoice documents (e.g. NAV's official samples) next to generated ones.

use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, SubsecRound};
use navsync_domain::InvoiceOperation;

use crate::config::SimConfig;
use crate::rng::Rng;
use crate::store::StoredInvoice;

/// NAV refuses larger bodies, so no real invoice document is larger.
const MAX_FILE: u64 = 15 * 1024 * 1024;

/// Every `*.xml` file of `dir`, in name order, as NAV would hold it: the document byte for
/// byte, one entry per invoice (per part of a batch document), `insDate`s spread evenly over
/// the configured period so a sync of that period finds them.
pub fn load_dir(dir: &Path, config: &SimConfig) -> Result<Vec<StoredInvoice>, String> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("xml")))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(format!("{}: no .xml files", dir.display()));
    }
    let (from, to) = config.period;
    let step = (to - from) / (paths.len() as i32 + 1);
    let mut rng = Rng::new(config.seed).fork(0xF11E);
    let mut out = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let size = std::fs::metadata(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        if size > MAX_FILE {
            return Err(format!("{}: larger than 15 MB", path.display()));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let parsed = navsync_nav::invoice::parse_invoice_data(&bytes)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if parsed
            .invoices
            .iter()
            .any(|inv| inv.supplier.tax_number.is_none())
        {
            return Err(format!(
                "{}: an invoice without the supplier's tax number cannot be served",
                path.display()
            ));
        }
        let document = Arc::new(bytes);
        let ins_date = (from + step * (i as i32 + 1)).trunc_subsecs(3);
        let compressed = rng.chance(config.compressed_share);
        let version = match parsed.schema_version {
            navsync_domain::SchemaVersion::V1 => "1.1",
            navsync_domain::SchemaVersion::V2 => "2.0",
            navsync_domain::SchemaVersion::V3 => "3.0",
        };
        for invoice in parsed.invoices {
            // The document does not say whether it was reported as MODIFY or STORNO.
            let operation = if invoice.modification.is_some() {
                InvoiceOperation::Modify
            } else {
                InvoiceOperation::Create
            };
            out.push(StoredInvoice {
                invoice,
                operation,
                ins_date: ins_date + Duration::milliseconds(out.len() as i64),
                ins_cus_user: "samplefiles1".into(),
                transaction_id: format!("FILE{:08}", i + 1),
                index: 1,
                compressed,
                original_request_version: version.into(),
                document: Some(document.clone()),
            });
        }
    }
    Ok(out)
}
