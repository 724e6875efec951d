//! The simulator reads invoice files with its own code: on NAV's 19 samples it lists what
//! navsync's parser reads (so neither hides the other's mistake), and it serves a document
//! whose tax number fails its check digit, which it once refused to start on.

use navsync_nav_sim::files::read_document;

fn samples() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/nav/invoice-samples");
    assert!(dir.is_dir(), "NAV samples missing at {}", dir.display());
    dir
}

#[test]
fn the_sims_reading_of_every_sample_agrees_with_navsyncs_parser_on_the_digest_fields() {
    let mut files: Vec<_> = std::fs::read_dir(samples())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 19);
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let sim = read_document(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let nav = navsync_nav::invoice::parse_invoice_data(&bytes)
            .unwrap()
            .invoices;
        assert_eq!(sim.len(), nav.len(), "{}", path.display());
        for (s, n) in sim.iter().zip(&nav) {
            let what = format!("{} part {:?}", path.display(), n.batch_index);
            assert_eq!(
                (&s.invoice_number, s.batch_index, s.issue_date, s.category),
                (&n.invoice_number, n.batch_index, n.issue_date, n.category),
                "{what}"
            );
            assert_eq!(s.supplier.tax_number, n.supplier.tax_number, "{what}");
            assert_eq!(s.supplier.name, n.supplier.name, "{what}");
            assert_eq!(s.customer.tax_number, n.customer.tax_number, "{what}");
            assert_eq!(s.customer.vat_status, n.customer.vat_status, "{what}");
            assert_eq!(
                (s.payment_method, s.payment_date, s.delivery_date),
                (n.payment_method, n.payment_date, n.delivery_date),
                "{what}"
            );
            assert_eq!(
                (&s.currency, s.exchange_rate),
                (&n.currency, n.exchange_rate),
                "{what}"
            );
            assert_eq!(s.totals, n.totals, "{what}");
            assert_eq!(s.modification, n.modification, "{what}");
            let numbers = |i: &navsync_domain::Invoice| -> Vec<_> {
                i.lines
                    .iter()
                    .map(|l| (l.number, l.modification.clone()))
                    .collect()
            };
            assert_eq!(numbers(s), numbers(n), "{what}");
        }
    }
}

#[test]
fn a_customer_tax_number_failing_its_check_digit_is_served_without_it() {
    let xml = std::fs::read_to_string(samples().join("Belfoldi devizas szamla.xml"))
        .unwrap()
        .replace(
            "<base:taxpayerId>99887764</base:taxpayerId>",
            "<base:taxpayerId>99887765</base:taxpayerId>",
        );
    let invoices = read_document(xml.as_bytes()).unwrap();
    assert_eq!(invoices.len(), 1);
    assert_eq!(invoices[0].customer.tax_number, None);
    assert_eq!(
        invoices[0]
            .supplier
            .tax_number
            .as_ref()
            .unwrap()
            .to_string(),
        "99999999-2-41"
    );
    // Neither party valid: no one could query it, so the file is refused by name.
    let nobody = xml.replace(
        "<base:taxpayerId>99999999</base:taxpayerId>",
        "<base:taxpayerId>99999998</base:taxpayerId>",
    );
    assert!(
        read_document(nobody.as_bytes())
            .unwrap_err()
            .contains("neither party")
    );
}
