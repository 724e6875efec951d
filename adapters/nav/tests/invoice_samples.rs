//! Every official NAV sample invoice (shared/nav/invoice-samples) parses into the values the
//! document states; the expected values below were read from the XML files.

use std::path::PathBuf;
use std::str::FromStr;

use chrono::NaiveDate;
use navsync_domain::{
    Address, InvoiceCategory, InvoiceOperation, PaymentMethod, SchemaVersion, VatRate, VatStatus,
};
use navsync_nav::invoice::{InvoiceData, parse_invoice_data, select};
use rust_decimal::Decimal;

fn samples_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/nav/invoice-samples");
    assert!(
        dir.is_dir(),
        "NAV invoice samples missing: expected them at {} (shared/ beside the repository)",
        dir.display()
    );
    dir
}

fn sample(name: &str) -> InvoiceData {
    let path = samples_dir().join(name);
    let xml = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_invoice_data(&xml).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::from_str(s).unwrap()
}

fn pct(s: &str) -> VatRate {
    VatRate::Percentage { rate: dec(s) }
}

#[test]
fn every_sample_parses_into_at_least_one_invoice_with_lines_or_a_summary() {
    let mut files: Vec<_> = std::fs::read_dir(samples_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 19, "the official set has 19 sample invoices");
    for path in files {
        let xml = std::fs::read(&path).unwrap();
        let data = parse_invoice_data(&xml).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(data.schema_version, SchemaVersion::V3, "{}", path.display());
        assert!(!data.invoices.is_empty());
        for invoice in &data.invoices {
            assert_eq!(invoice.invoice_number, data.invoice_number);
            // NAV's samples break none of the rules the reader checks.
            assert_eq!(invoice.warnings, Vec::<String>::new(), "{}", path.display());
            assert!(!invoice.vat_summary.is_empty(), "{}", path.display());
            assert_eq!(
                invoice.supplier.tax_number.as_ref().unwrap().to_string(),
                "99999999-2-41",
                "{}",
                path.display()
            );
        }
    }
}

#[test]
fn foreign_currency_invoice_keeps_currency_rate_and_both_totals() {
    let data = sample("Belfoldi devizas szamla.xml");
    assert_eq!(data.invoice_number.as_str(), "2021/00345");
    assert_eq!(data.issue_date, day("2021-05-15"));
    assert!(!data.completeness_indicator);
    let inv = select(data, None).expect("a normal document has one unbatched invoice");
    assert_eq!(inv.category, InvoiceCategory::Normal);
    assert_eq!(inv.currency, "EUR");
    assert_eq!(inv.exchange_rate, dec("310.00"));
    assert_eq!(inv.delivery_date, Some(day("2021-05-10")));
    assert_eq!(inv.payment_method, Some(PaymentMethod::Transfer));
    assert_eq!(inv.payment_date, Some(day("2021-05-30")));
    assert_eq!(inv.appearance.as_deref(), Some("PAPER"));
    assert_eq!(inv.modification, None);

    assert_eq!(inv.supplier.name.as_deref(), Some("Értékesítő Kft"));
    assert_eq!(
        inv.supplier.bank_account.as_deref(),
        Some("12345678-12345678-12345678")
    );
    assert_eq!(
        inv.supplier.address,
        Some(Address {
            country_code: "HU".into(),
            postal_code: "1234".into(),
            city: "Budapest".into(),
            street: "Hármas utca 1".into(),
        })
    );
    let customer_tax = inv.customer.tax_number.as_ref().unwrap();
    assert_eq!(customer_tax.taxpayer_id.as_str(), "99887764");
    assert_eq!(customer_tax.vat_code, Some(2));
    assert_eq!(customer_tax.county_code.as_deref(), Some("02"));
    assert_eq!(inv.customer.vat_status, Some(VatStatus::Domestic));
    assert_eq!(inv.customer.name.as_deref(), Some("Beszerző Kft"));
    assert_eq!(inv.customer.address.as_ref().unwrap().city, "Pécs");

    assert_eq!(inv.lines.len(), 3);
    let first = &inv.lines[0];
    assert_eq!(first.number, 1);
    assert_eq!(
        first.description.as_deref(),
        Some("Hűtött házi sertés (fél)")
    );
    assert_eq!(first.quantity, Some(dec("1500")));
    assert_eq!(first.unit.as_deref(), Some("KILOGRAM"));
    assert_eq!(first.unit_price, Some(dec("2.00")));
    assert_eq!(first.net, Some(dec("3000.00")));
    assert_eq!(first.net_huf, Some(dec("930000.00")));
    assert_eq!(first.vat, Some(dec("150.00")));
    assert_eq!(first.vat_huf, Some(dec("46500.00")));
    assert_eq!(first.gross, Some(dec("3150.00")));
    assert_eq!(first.gross_huf, Some(dec("976500.00")));
    assert_eq!(first.vat_rate, Some(pct("0.05")));
    // An OWN unit of measure is reported as the supplier's own unit text.
    assert_eq!(inv.lines[2].unit.as_deref(), Some("dkg"));
    assert_eq!(inv.lines[2].quantity, Some(dec("4000")));

    assert_eq!(inv.vat_summary.len(), 2);
    let five = &inv.vat_summary[0];
    assert_eq!(five.vat_rate, pct("0.05"));
    assert_eq!((five.net, five.net_huf), (dec("3000.00"), dec("930000.00")));
    assert_eq!((five.vat, five.vat_huf), (dec("150.00"), dec("46500.00")));
    assert_eq!(five.gross, Some(dec("3150.00")));
    let twenty_seven = &inv.vat_summary[1];
    assert_eq!(twenty_seven.vat_rate, pct("0.27"));
    assert_eq!(twenty_seven.net, dec("16120.00"));
    assert_eq!(twenty_seven.vat_huf, dec("1349244.00"));
    assert_eq!(twenty_seven.gross, None, "this row has no vatRateGrossData");

    let t = &inv.totals;
    assert_eq!((t.net, t.net_huf), (dec("19120.00"), dec("5927200.00")));
    assert_eq!((t.vat, t.vat_huf), (dec("4502.40"), dec("1395744.00")));
    assert_eq!((t.gross, t.gross_huf), (dec("23622.40"), dec("7322944.00")));
}

#[test]
fn simplified_invoice_derives_vat_and_net_from_the_vat_content() {
    let inv = select(sample("Belfoldi egyszerusitett szamla.xml"), None).unwrap();
    assert_eq!(inv.invoice_number.as_str(), "EGY0001");
    assert_eq!(inv.category, InvoiceCategory::Simplified);
    assert_eq!(inv.payment_method, Some(PaymentMethod::Card));
    assert_eq!(inv.lines.len(), 4);
    assert_eq!(
        inv.lines[0].vat_rate,
        Some(VatRate::Content {
            content: dec("0.2126")
        })
    );
    assert_eq!(inv.lines[0].gross, Some(dec("10000")));
    assert_eq!(
        inv.lines[0].net, None,
        "a simplified line states only its gross"
    );
    assert_eq!(
        inv.lines[3].vat_rate,
        Some(VatRate::Exempt {
            case: "TAM".into(),
            reason: "Adómentes ÁFA tv. 86.§ (1)".into()
        })
    );

    // Rows: gross 24000 at 0.2126, 4000 at 0.0476, 5000 exempt.
    let rows = &inv.vat_summary;
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].gross, Some(dec("24000")));
    assert_eq!(rows[0].vat, dec("5102.40")); // 24000 × 0.2126
    assert_eq!(rows[0].net, dec("18897.60"));
    assert_eq!(rows[1].vat, dec("190.40")); // 4000 × 0.0476
    assert_eq!(rows[2].vat, Decimal::ZERO);
    assert_eq!(rows[2].net, dec("5000"));

    let t = &inv.totals;
    assert_eq!(t.gross, dec("33000"), "from summaryGrossData");
    assert_eq!(t.vat, dec("5292.80"));
    assert_eq!(t.net, dec("27707.20"));
    assert_eq!((t.net_huf, t.vat_huf, t.gross_huf), (t.net, t.vat, t.gross));
}

#[test]
fn advance_and_final_invoices_mark_the_advance_lines() {
    let advance = select(sample("Belfoldi elolegszamla.xml"), None).unwrap();
    assert_eq!(advance.invoice_number.as_str(), "AAA000567");
    assert_eq!(advance.lines.len(), 1);
    assert!(advance.lines[0].advance_payment);
    assert_eq!(advance.totals.gross, dec("635000"));

    let last = select(sample("Belfoldi vegszamla.xml"), None).unwrap();
    assert_eq!(last.invoice_number.as_str(), "AAA000568");
    assert_eq!(last.issue_date, day("2021-06-01"));
    assert!(!last.lines[0].advance_payment);
    assert!(last.lines[1].advance_payment);
    assert_eq!(last.lines[1].net, Some(dec("-500000")));
    assert_eq!(
        (last.totals.net, last.totals.vat, last.totals.gross),
        (dec("100000"), dec("27000"), dec("127000"))
    );
}

#[test]
fn every_kind_of_vat_rate_is_recognised() {
    let inv = select(sample("Belfoldi ertekesites tobb AFA tipus.xml"), None).unwrap();
    assert_eq!(inv.invoice_number.as_str(), "2021/000123A");
    assert_eq!(inv.lines.len(), 9);
    let rates: Vec<&VatRate> = inv.vat_summary.iter().map(|r| &r.vat_rate).collect();
    assert_eq!(
        rates,
        vec![
            &VatRate::OutOfScope {
                case: "ATK".into(),
                reason: "ÁFA hatályán kívül".into()
            },
            &VatRate::Exempt {
                case: "TAM".into(),
                reason: "Mentes ÁFA tv. 85.§ (1) i)".into()
            },
            &VatRate::DomesticReverseCharge,
            &VatRate::MarginScheme {
                indicator: "SECOND_HAND".into()
            },
            &pct("0.05"),
            &pct("0.18"),
            &pct("0.27"),
        ]
    );
    assert_eq!(inv.lines[0].vat_rate, Some(VatRate::DomesticReverseCharge));
    assert_eq!(inv.lines[0].unit.as_deref(), Some("TON"));
    assert_eq!(inv.lines[1].unit, None, "line 2 has no unit of measure");
    assert_eq!(inv.lines[4].unit.as_deref(), Some("Kötet"));
    assert_eq!(inv.lines[8].net, Some(dec("70000.00")));
    assert_eq!(inv.vat_summary[5].vat, dec("46800.00"));
    assert_eq!(
        (inv.totals.net, inv.totals.vat, inv.totals.gross),
        (dec("2980000.00"), dec("283600.00"), dec("3263000.00"))
    );
}

#[test]
fn private_person_customer_has_only_a_status() {
    let inv = select(
        sample("Belfoldi termekertekesites maganszemelynek.xml"),
        None,
    )
    .unwrap();
    assert_eq!(inv.customer.vat_status, Some(VatStatus::PrivatePerson));
    assert_eq!(inv.customer.name, None);
    assert_eq!(inv.customer.tax_number, None);
    assert_eq!(inv.customer.address, None);
    assert_eq!(inv.lines.len(), 4);
    assert_eq!(
        (inv.totals.net, inv.totals.vat, inv.totals.gross),
        (dec("4952.00"), dec("1205.00"), dec("6157.00"))
    );
}

#[test]
fn domestic_sales_with_and_without_discount() {
    for (name, lines) in [
        ("Belfoldi termekertekesites.xml", 4),
        (
            "Belfoldi termekertekesites tetelbol adott engedmennyel.xml",
            3,
        ),
    ] {
        let inv = select(sample(name), None).unwrap();
        assert_eq!(inv.invoice_number.as_str(), "2021/000123", "{name}");
        assert_eq!(inv.lines.len(), lines, "{name}");
        assert_eq!(inv.totals.net, dec("4952000.00"), "{name}");
        assert_eq!(inv.totals.vat_huf, dec("1205040.00"), "{name}");
        assert_eq!(inv.totals.gross, dec("6157040.00"), "{name}");
    }
}

#[test]
fn aggregate_invoices_keep_the_delivery_period() {
    let one = select(sample("Gyujtoszamla 1.xml"), None).unwrap();
    assert_eq!(one.invoice_number.as_str(), "2021/00235");
    assert_eq!(one.category, InvoiceCategory::Aggregate);
    assert_eq!(one.lines.len(), 4);
    let two = select(sample("Gyujtoszamla 2.xml"), None).unwrap();
    assert_eq!(two.invoice_number.as_str(), "2021/00234");
    assert_eq!(
        two.delivery_period,
        Some((day("2021-05-02"), day("2021-05-13")))
    );
    // The two samples differ in their 27 % row's VAT (as published by NAV).
    assert_eq!(one.vat_summary[1].vat, dec("1304000.00"));
    assert_eq!(two.vat_summary[1].vat, dec("1304640.00"));
    assert_eq!(two.totals.gross, dec("7396640.00"));
}

#[test]
fn modification_chain_references_its_original() {
    let original = select(sample("Eredeti szamla modositasokhoz.xml"), None).unwrap();
    assert_eq!(original.invoice_number.as_str(), "ZZZ000001");
    assert_eq!(original.modification, None);
    assert_eq!(original.lines.len(), 5);
    assert_eq!(original.totals.gross, dec("6985000"));

    for (name, number, index, lines, net) in [
        (
            "Modositas es ervenytelenites 1.xml",
            "ZZZ000009",
            1,
            1,
            "-2200000",
        ),
        (
            "Modositas es ervenytelenites 2.xml",
            "ZZZ000047",
            2,
            6,
            "-3300000",
        ),
        ("Teteladatok modositasa.xml", "ZZZ000005", 1, 1, "0"),
        (
            "Teves termek helyesbitese.xml",
            "ZZZ000002",
            1,
            2,
            "-1000000",
        ),
        ("Tobbszoros modositas 1.xml", "ZZZ000009", 1, 1, "3600000"),
        ("Tobbszoros modositas 2.xml", "ZZZ000015", 2, 0, "0"),
    ] {
        let inv = select(sample(name), None).unwrap();
        assert_eq!(inv.invoice_number.as_str(), number, "{name}");
        let m = inv.modification.as_ref().expect(name);
        assert_eq!(m.original_invoice_number.as_str(), "ZZZ000001", "{name}");
        assert_eq!(m.modification_index, index, "{name}");
        assert!(!m.modify_without_master, "{name}");
        assert_eq!(inv.lines.len(), lines, "{name}");
        assert_eq!(inv.totals.net, dec(net), "{name}");
    }

    let changed = select(sample("Teteladatok modositasa.xml"), None).unwrap();
    let line = changed.lines[0].modification.as_ref().unwrap();
    assert_eq!(line.line_number_reference, 1);
    assert_eq!(line.operation, InvoiceOperation::Modify);
    assert_eq!(changed.lines[0].unit.as_deref(), Some("CUBIC_METER"));

    let corrected = select(sample("Teves termek helyesbitese.xml"), None).unwrap();
    let added = corrected.lines[0].modification.as_ref().unwrap();
    assert_eq!(
        (added.line_number_reference, added.operation),
        (6, InvoiceOperation::Create)
    );
    assert_eq!(corrected.lines[0].quantity, Some(dec("-4.00")));
    assert_eq!(corrected.totals.vat, dec("-270000"));
}

#[test]
fn batch_modification_yields_one_invoice_per_batch_index() {
    let base = select(
        sample("Tobb szamla modositasa egy okirattal alap 1.xml"),
        None,
    )
    .unwrap();
    assert_eq!(base.invoice_number.as_str(), "SZ00001");
    assert_eq!(base.totals.net, dec("600000"));

    let data = sample("Tobb szamla modositasa egy okirattal.xml");
    assert_eq!(data.invoice_number.as_str(), "SZ00004");
    assert_eq!(data.issue_date, day("2021-05-16"));
    assert_eq!(data.invoices.len(), 3);
    for (i, inv) in data.invoices.iter().enumerate() {
        let batch = i as u32 + 1;
        assert_eq!(inv.batch_index, Some(batch));
        assert_eq!(inv.invoice_number.as_str(), "SZ00004");
        let m = inv.modification.as_ref().unwrap();
        assert_eq!(m.original_invoice_number.as_str(), format!("SZ0000{batch}"));
        assert_eq!(m.modification_index, 1);
        assert_eq!(inv.totals.gross, Decimal::ZERO);
    }
    assert_eq!(
        data.get(None),
        None,
        "a batch document has no unbatched part"
    );
    let second = select(data.clone(), Some(2)).unwrap();
    assert_eq!(
        second
            .modification
            .unwrap()
            .original_invoice_number
            .as_str(),
        "SZ00002"
    );
    assert!(select(data, Some(4)).is_none());
}
