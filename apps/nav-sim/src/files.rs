//! Serving a folder of invoice documents (e.g. NAV's official samples) next to generated ones.

use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, NaiveDate, SubsecRound};
use navsync_domain::{
    Invoice, InvoiceCategory, InvoiceNumber, InvoiceOperation, Line, LineModification,
    ModificationReference, Party, SchemaVersion, TaxNumber, Totals, VatStatus,
};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::config::SimConfig;
use crate::rng::Rng;
use crate::store::StoredInvoice;
use crate::xml_tree::{self, Element};

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
        let parsed = read_document(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let document = Arc::new(bytes);
        let ins_date = (from + step * (i as i32 + 1)).trunc_subsecs(3);
        let compressed = rng.chance(config.compressed_share);
        let version = match parsed.first().map(|i| i.schema_version) {
            Some(SchemaVersion::V1) => "1.1",
            Some(SchemaVersion::V2) => "2.0",
            _ => "3.0",
        };
        for invoice in parsed {
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
                listed_after: 0,
                annulled_after: None,
            });
        }
    }
    resubmissions(&mut out, &config.faults);
    Ok(out)
}

/// Files naming the same invoice (supplier, number, batch index) are not several valid
/// invoices: NAV refuses a number the supplier already used (`INVOICE_NUMBER_NOT_UNIQUE`),
/// so they are served as successive reports of one invoice, each technically annulled when the
/// next (in name order, so with a later `insDate`) is reported. The `n`-th report (0-based) is
/// listed once `resubmit_after + (n - 1) × resubmit_every` digest queries were answered.
fn resubmissions(out: &mut [StoredInvoice], faults: &crate::Faults) {
    let mut seen: std::collections::HashMap<(Option<String>, String, Option<u32>), usize> =
        std::collections::HashMap::new();
    let mut previous: Vec<Option<usize>> = vec![None; out.len()];
    for (i, s) in out.iter().enumerate() {
        let id = (
            s.supplier_id().map(|t| t.to_string()),
            s.invoice.invoice_number.to_string(),
            s.invoice.batch_index,
        );
        previous[i] = seen.insert(id, i);
    }
    let mut reports = vec![0u64; out.len()];
    for i in 0..out.len() {
        if let Some(p) = previous[i] {
            reports[i] = reports[p] + 1;
            let at = faults.resubmit_after + (reports[i] - 1) * faults.resubmit_every;
            out[i].listed_after = at;
            out[p].annulled_after = Some(at);
        }
    }
}

/// The simulator's own reading of an invoice document: only what NAV's digest and chain
/// answers list (number, dates, parties, category, payment, currency, amounts, the
/// modification reference, line numbers), with its own code, so it serves documents navsync's
/// parser would warn about or refuse, and is no copy of the code it tests. It does not judge
/// values: one it cannot read is left out. A file is refused only if it is not XML, has no
/// invoice, number or issue date, or names no party by a valid taxpayer id (no one could
/// query it).
pub fn read_document(bytes: &[u8]) -> Result<Vec<Invoice>, String> {
    let root = xml_tree::parse(bytes).map_err(|e| e.to_string())?;
    let version = match root.ns.as_str() {
        xml_tree::NS_DATA => SchemaVersion::V3,
        "http://schemas.nav.gov.hu/OSA/2.0/data" => SchemaVersion::V2,
        ns if ns.starts_with("http://schemas.nav.gov.hu/OSA/1.") => SchemaVersion::V1,
        ns => {
            return Err(format!(
                "not a NAV invoice document: <{}> in {ns:?}",
                root.name
            ));
        }
    };
    // 1.x keeps number and issue date in invoiceExchange/invoiceHead/invoiceData.
    let head = root
        .child("invoiceExchange")
        .and_then(|x| x.child("invoiceHead"))
        .and_then(|h| h.child("invoiceData"))
        .unwrap_or(&root);
    let number: InvoiceNumber = text(head, "invoiceNumber")
        .ok_or("no invoiceNumber")?
        .parse()
        .map_err(|e| format!("{e}"))?;
    let issue_date = text(head, "invoiceIssueDate")
        .and_then(date)
        .ok_or("no readable invoiceIssueDate")?;
    let completeness = text(&root, "completenessIndicator") == Some("true");
    let mut parts: Vec<(Option<u32>, &Element)> = Vec::new();
    if let Some(main) = root.child("invoiceMain") {
        parts.extend(main.children_named("invoice").map(|i| (None, i)));
        for batch in main.children_named("batchInvoice") {
            let index = text(batch, "batchIndex").and_then(|t| t.parse().ok());
            parts.extend(batch.child("invoice").map(|i| (index, i)));
        }
    }
    parts.extend(root.child("invoiceExchange").map(|i| (None, i)));
    if parts.is_empty() {
        return Err("no invoice in the document".into());
    }
    let invoices: Vec<Invoice> = parts
        .into_iter()
        .map(|(batch_index, inv)| Invoice {
            schema_version: version,
            invoice_number: number.clone(),
            batch_index,
            issue_date,
            completeness_indicator: completeness,
            ..read_invoice(inv)
        })
        .collect();
    let anyone = |i: &Invoice| i.supplier.tax_number.is_some() || i.customer.tax_number.is_some();
    if !invoices.iter().all(anyone) {
        return Err(
            "an invoice names neither party by a valid taxpayer id: no one could query it".into(),
        );
    }
    Ok(invoices)
}

fn read_invoice(inv: &Element) -> Invoice {
    let head = inv.child("invoiceHead").unwrap_or(inv);
    let supplier_info = head.child("supplierInfo");
    let customer_info = head.child("customerInfo");
    // 3.0 nests the customer's tax number in customerVatData; 2.0 and 1.x do not.
    let customer_vat = customer_info
        .and_then(|c| c.child("customerVatData"))
        .or(customer_info);
    let detail = head
        .child("invoiceDetail")
        .or_else(|| head.child("invoiceData"))
        .unwrap_or(head);
    let supplier = Party {
        name: supplier_info
            .and_then(|s| text(s, "supplierName"))
            .map(str::to_owned),
        tax_number: supplier_info.and_then(|s| tax_number(s.child("supplierTaxNumber")?)),
        group_member_tax_number: supplier_info
            .and_then(|s| tax_number(s.child("groupMemberTaxNumber")?)),
        ..Party::default()
    };
    let customer = Party {
        name: customer_info
            .and_then(|c| text(c, "customerName"))
            .map(str::to_owned),
        tax_number: customer_vat.and_then(|c| tax_number(c.child("customerTaxNumber")?)),
        group_member_tax_number: customer_vat
            .and_then(|c| c.child("customerTaxNumber"))
            .and_then(|t| tax_number(t.child("groupMemberTaxNumber")?)),
        vat_status: customer_info
            .and_then(|c| text(c, "customerVatStatus"))
            .and_then(|t| t.parse::<VatStatus>().ok()),
        ..Party::default()
    };
    let modification = inv.child("invoiceReference").and_then(|r| {
        Some(ModificationReference {
            original_invoice_number: text(r, "originalInvoiceNumber")?.parse().ok()?,
            modification_index: text(r, "modificationIndex")
                .and_then(|t| t.parse().ok())
                .unwrap_or(0),
            modify_without_master: text(r, "modifyWithoutMaster") == Some("true"),
        })
    });
    let lines = inv
        .child("invoiceLines")
        .map(|ls| {
            ls.children_named("line")
                .map(|l| Line {
                    number: text(l, "lineNumber")
                        .and_then(|t| t.parse().ok())
                        .unwrap_or(0),
                    modification: l.child("lineModificationReference").and_then(|m| {
                        Some(LineModification {
                            line_number_reference: text(m, "lineNumberReference")?.parse().ok()?,
                            operation: text(m, "lineOperation")?.parse().ok()?,
                        })
                    }),
                    ..Line::default()
                })
                .collect()
        })
        .unwrap_or_default();
    let currency = text(detail, "currencyCode").unwrap_or("HUF").to_owned();
    let exchange_rate = text(detail, "exchangeRate")
        .and_then(decimal)
        .unwrap_or(Decimal::ONE);
    Invoice {
        // The document-level fields are set by the caller.
        schema_version: SchemaVersion::V3,
        invoice_number: "-".parse().expect("a valid number"),
        batch_index: None,
        issue_date: NaiveDate::MIN,
        completeness_indicator: false,
        category: text(detail, "invoiceCategory")
            .and_then(|t| t.parse().ok())
            .unwrap_or(InvoiceCategory::Normal),
        supplier,
        customer,
        delivery_date: text(detail, "invoiceDeliveryDate").and_then(date),
        delivery_period: None,
        payment_date: text(detail, "paymentDate").and_then(date),
        payment_method: text(detail, "paymentMethod").and_then(|t| t.parse().ok()),
        totals: totals(inv.child("invoiceSummary"), exchange_rate),
        currency,
        exchange_rate,
        appearance: text(detail, "invoiceAppearance").map(str::to_owned),
        modification,
        lines,
        vat_summary: Vec::new(),
        warnings: Vec::new(),
    }
}

/// The digest's amounts: the summary's totals; a simplified invoice's from its gross rows and
/// VAT contents. A HUF amount the document leaves out is the amount × the exchange rate.
fn totals(summary: Option<&Element>, rate: Decimal) -> Totals {
    let Some(summary) = summary else {
        return Totals::default();
    };
    let amount = |e: &Element, name: &str| text(e, name).and_then(decimal);
    let money = |d: Decimal| d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let (mut net, mut net_huf, mut vat, mut vat_huf) = (None, None, None, None);
    if let Some(normal) = summary.child("summaryNormal") {
        net = amount(normal, "invoiceNetAmount");
        net_huf = amount(normal, "invoiceNetAmountHUF");
        vat = amount(normal, "invoiceVatAmount");
        vat_huf = amount(normal, "invoiceVatAmountHUF");
    }
    let simplified: Vec<&Element> = summary.children_named("summarySimplified").collect();
    if !simplified.is_empty() {
        let (mut gross, mut gross_huf, mut v, mut v_huf) =
            (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        for row in simplified {
            let content = row
                .child("vatRate")
                .and_then(|r| amount(r, "vatContent"))
                .or_else(|| amount(row, "vatContent"))
                .unwrap_or_default();
            let g = amount(row, "vatContentGrossAmount").unwrap_or_default();
            let g_huf = amount(row, "vatContentGrossAmountHUF").unwrap_or_else(|| money(g * rate));
            gross += g;
            gross_huf += g_huf;
            v += money(g * content);
            v_huf += money(g_huf * content);
        }
        return Totals {
            net: gross - v,
            net_huf: gross_huf - v_huf,
            vat: v,
            vat_huf: v_huf,
            gross,
            gross_huf,
        };
    }
    let net = net.unwrap_or_default();
    let vat = vat.unwrap_or_default();
    let net_huf = net_huf.unwrap_or_else(|| money(net * rate));
    let vat_huf = vat_huf.unwrap_or_else(|| money(vat * rate));
    let gross_data = summary.child("summaryGrossData");
    Totals {
        net,
        net_huf,
        vat,
        vat_huf,
        gross: gross_data
            .and_then(|g| amount(g, "invoiceGrossAmount"))
            .unwrap_or(net + vat),
        gross_huf: gross_data
            .and_then(|g| amount(g, "invoiceGrossAmountHUF"))
            .unwrap_or(net_huf + vat_huf),
    }
}

/// A tax number as far as it is valid: the sim lists an invoice by its parties' ids, and a
/// `TaxpayerId` failing its check digit cannot exist; such a party is listed without one.
fn tax_number(e: &Element) -> Option<TaxNumber> {
    let id = text(e, "taxpayerId")?.parse().ok()?;
    let vat_code = text(e, "vatCode").and_then(|t| t.parse().ok());
    let county = text(e, "countyCode").map(str::to_owned);
    TaxNumber::new(id, vat_code, county)
        .or_else(|_| TaxNumber::new(id, None, None))
        .ok()
}

fn text<'e>(e: &'e Element, name: &str) -> Option<&'e str> {
    e.child_text(name).map(str::trim).filter(|t| !t.is_empty())
}

fn date(t: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d").ok()
}

fn decimal(t: &str) -> Option<Decimal> {
    t.parse().ok()
}
