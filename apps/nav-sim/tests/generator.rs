//! The generated data: valid documents, every kind the issue asks for, and determinism.

mod raw_nav;

use std::collections::BTreeSet;

use chrono::{NaiveDate, Utc};
use navsync_domain::{InvoiceCategory, InvoiceOperation, TaxpayerId, VatRate, VatStatus};
use navsync_nav_sim::generator::{Generator, period};
use navsync_nav_sim::store::StoredInvoice;

fn data(seed: u64, per_taxpayer: usize, taxpayers: usize) -> (Generator, Vec<StoredInvoice>) {
    let (from, to) = period(
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 4, 15).unwrap(),
    );
    let mut g = Generator::new(seed, taxpayers, 0.3);
    let inv = g.generate(per_taxpayer, from, to);
    (g, inv)
}

fn kinds(s: &StoredInvoice) -> Vec<String> {
    let inv = &s.invoice;
    let mut k = vec![
        inv.category.as_str().to_owned(),
        s.operation.as_str().to_owned(),
        inv.currency.clone(),
        format!("lines{}", inv.lines.len().min(3)),
    ];
    for l in &inv.lines {
        match &l.vat_rate {
            Some(VatRate::Percentage { rate }) => k.push(format!("vat{}", rate.normalize())),
            Some(VatRate::Content { .. }) => k.push("vatContent".into()),
            Some(VatRate::Exempt { case, .. }) => k.push(case.clone()),
            _ => {}
        }
    }
    if inv.customer.vat_status == Some(VatStatus::PrivatePerson) {
        k.push("private".into());
    }
    if inv.customer.vat_status == Some(VatStatus::Other) {
        k.push("foreign".into());
    }
    k
}

#[test]
fn generated_invoices_cover_every_kind_and_validate_against_invoice_data_xsd() {
    let (_, invoices) = data(11, 400, 2);
    assert_eq!(invoices.len(), 800);

    // A sample that holds every kind at least once, then more up to 240 documents.
    let mut seen = BTreeSet::new();
    let mut sample: Vec<&StoredInvoice> = Vec::new();
    for s in &invoices {
        let k = kinds(s);
        if k.iter().any(|k| !seen.contains(k)) {
            seen.extend(k);
            sample.push(s);
        }
    }
    for s in invoices.iter().step_by(4) {
        if sample.len() >= 240 {
            break;
        }
        sample.push(s);
    }
    for want in [
        "NORMAL",
        "SIMPLIFIED",
        "AGGREGATE",
        "CREATE",
        "MODIFY",
        "STORNO",
        "HUF",
        "EUR",
        "USD",
        "vat0.27",
        "vat0.18",
        "vat0.05",
        "vatContent",
        "TAM",
        "KBAET",
        "lines3",
        "private",
        "foreign",
    ] {
        assert!(
            seen.contains(want),
            "no generated invoice of kind {want}: {seen:?}"
        );
    }

    let dir = std::env::temp_dir().join(format!("nav-sim-gen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<_> = sample
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let p = dir.join(format!("{i:04}.xml"));
            std::fs::write(&p, s.document().as_slice()).unwrap();
            p
        })
        .collect();
    let result = raw_nav::validate_files("data", &files);
    std::fs::remove_dir_all(&dir).ok();
    result.unwrap_or_else(|e| panic!("{} generated documents, some invalid:\n{e}", files.len()));
}

#[test]
fn invoices_are_consistent_and_realistic() {
    let (g, invoices) = data(5, 300, 1);
    let me: TaxpayerId = g.taxpayers[0]
        .company
        .tax_number
        .as_ref()
        .unwrap()
        .taxpayer_id;
    // Every tax number passes its check digit (TaxpayerId cannot hold one that does not).
    for s in &invoices {
        let inv = &s.invoice;
        let supplier = s.supplier_id().expect("domestic supplier");
        assert!(
            supplier == me || s.customer_id() == Some(me),
            "{}",
            inv.invoice_number
        );
        assert!(
            s.ins_date.date_naive() >= inv.issue_date,
            "reported before issue"
        );
        let lines_net: rust_decimal::Decimal = inv.lines.iter().map(|l| l.net.unwrap()).sum();
        assert_eq!(lines_net, inv.totals.net, "{}", inv.invoice_number);
        assert_eq!(inv.totals.gross, inv.totals.net + inv.totals.vat);
        if inv.currency == "HUF" {
            assert_eq!(inv.totals.net, inv.totals.net_huf);
        } else {
            assert!(inv.exchange_rate > rust_decimal::Decimal::from(300));
        }
    }
    // Modifications reference an earlier invoice of the same supplier with increasing indices.
    let mut chains: std::collections::HashMap<String, Vec<u32>> = Default::default();
    for s in invoices
        .iter()
        .filter(|s| s.operation != InvoiceOperation::Create)
    {
        let m = s.invoice.modification.as_ref().expect("reference");
        let base = invoices
            .iter()
            .find(|b| b.invoice.invoice_number == m.original_invoice_number)
            .expect("the base invoice exists");
        assert!(base.ins_date < s.ins_date);
        assert_eq!(base.invoice.category, InvoiceCategory::Normal);
        chains
            .entry(m.original_invoice_number.to_string())
            .or_default()
            .push(m.modification_index);
    }
    assert!(!chains.is_empty());
    for (base, idx) in &chains {
        let expected: Vec<u32> = (1..=idx.len() as u32).collect();
        assert_eq!(idx, &expected, "chain of {base}");
    }
    assert!(
        chains.values().any(|v| v.len() >= 2),
        "no chain with two modifications"
    );
    let storno = invoices
        .iter()
        .find(|s| s.operation == InvoiceOperation::Storno)
        .unwrap();
    assert!(storno.invoice.totals.net < rust_decimal::Decimal::ZERO);
    let compressed = invoices.iter().filter(|s| s.compressed).count();
    assert!(
        (50..150).contains(&compressed),
        "{compressed} of 300 compressed"
    );
}

#[test]
fn same_seed_same_data_other_seed_other_data() {
    let docs = |seed| {
        let (g, inv) = data(seed, 120, 2);
        let creds: Vec<_> = g
            .taxpayers
            .iter()
            .map(|t| (t.login.clone(), t.password.clone(), t.sign_key.clone()))
            .collect();
        let docs: Vec<_> = inv
            .iter()
            .map(|s| (s.ins_date, s.transaction_id.clone(), s.document().to_vec()))
            .collect();
        (creds, docs)
    };
    let a = docs(3);
    assert_eq!(a, docs(3));
    let b = docs(4);
    assert_ne!(a.0, b.0);
    assert_ne!(a.1, b.1);
}

#[test]
fn new_invoices_are_reported_now_with_fresh_numbers() {
    let (mut g, old) = data(9, 50, 1);
    let now = Utc::now();
    let fresh = g.generate_now(5, now);
    assert_eq!(fresh.len(), 5);
    for s in &fresh {
        assert!(s.ins_date <= now && s.ins_date > now - chrono::Duration::seconds(1));
        assert!(
            !old.iter()
                .any(|o| o.invoice.invoice_number == s.invoice.invoice_number
                    && o.supplier_id() == s.supplier_id()),
            "{} reused",
            s.invoice.invoice_number
        );
    }
}
