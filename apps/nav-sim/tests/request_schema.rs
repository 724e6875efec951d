//! The simulator's structural request check agrees with xmllint and invoiceApi.xsd: on NAV's
//! official sample requests and on mutations of them, valid and invalid.

mod raw_nav;

use navsync_nav_sim::Operation;
use navsync_nav_sim::request::check_shape;
use navsync_nav_sim::xml_tree;

fn sample(name: &str) -> String {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = here.join("../../../shared/nav/api-samples").join(name);
    let path = if shared.exists() {
        shared
    } else {
        std::path::Path::new("/work/shared/nav/api-samples").join(name)
    };
    std::fs::read_to_string(path).unwrap()
}

fn simulator_accepts(op: Operation, xml: &str) -> Result<(), Vec<String>> {
    let root = xml_tree::parse(xml.as_bytes()).map_err(|e| vec![e.to_string()])?;
    let v = check_shape(op, &root);
    if v.is_empty() { Ok(()) } else { Err(v) }
}

#[test]
fn official_sample_requests_pass_both_checks() {
    for (file, op) in [
        (
            "queryInvoiceDigest_outbound_query_params.xml",
            Operation::QueryInvoiceDigest,
        ),
        (
            "queryInvoiceDigest_inbound_invoice_chain.xml",
            Operation::QueryInvoiceDigest,
        ),
        ("queryInvoiceData.xml", Operation::QueryInvoiceData),
        ("queryInvoiceCheck.xml", Operation::QueryInvoiceCheck),
        (
            "queryInvoiceChainDigest.xml",
            Operation::QueryInvoiceChainDigest,
        ),
        ("queryTaxpayer.xml", Operation::QueryTaxpayer),
    ] {
        let xml = sample(file);
        raw_nav::validate("api", xml.as_bytes()).unwrap_or_else(|e| panic!("{file}: {e}"));
        simulator_accepts(op, &xml).unwrap_or_else(|e| panic!("{file}: {e:?}"));
    }
    // The right body at the wrong operation is refused.
    let data = sample("queryInvoiceData.xml");
    assert!(simulator_accepts(Operation::QueryInvoiceCheck, &data).is_err());
}

#[test]
fn mutated_requests_get_the_same_verdict_as_xmllint() {
    let base = sample("queryInvoiceDigest_outbound_query_params.xml");
    let mutations: &[(&str, &str, bool)] = &[
        ("RID242585074285", "RID-242585074285", false),
        ("RID242585074285", "RID2425850742851234567890123456", false),
        ("2019-09-11T12:16:48.177Z", "2019-09-11T12:16:48.177", false),
        (
            "2019-09-11T12:16:48.177Z",
            "2019-09-11T12:16:48.1777Z",
            false,
        ),
        ("2019-09-11T12:16:48.177Z", "2019-09-11T12:16:48Z", true),
        (
            "<common:login>lwilsmn0uqdxe6u</common:login>",
            "<common:login>abc</common:login>",
            false,
        ),
        (
            "<common:taxNumber>11111111</common:taxNumber>",
            "<common:taxNumber>1111111</common:taxNumber>",
            false,
        ),
        (
            "<common:passwordHash cryptoType=\"SHA-512\">",
            "<common:passwordHash>",
            false,
        ),
        ("<common:headerVersion>1.0</common:headerVersion>", "", true),
        ("123456789123456789", "12345678912345678", false),
        ("LOCAL_SOFTWARE", "LOCAL", false),
        (
            "<softwareDevTaxNumber>string</softwareDevTaxNumber>",
            "",
            true,
        ),
        ("<softwareName>string</softwareName>", "", false),
        ("<page>1</page>", "<page>0</page>", false),
        (
            "<invoiceDirection>OUTBOUND</invoiceDirection>",
            "<invoiceDirection>BOTH</invoiceDirection>",
            false,
        ),
        (
            "<page>1</page>\n\t<invoiceDirection>OUTBOUND</invoiceDirection>",
            "<invoiceDirection>OUTBOUND</invoiceDirection><page>1</page>",
            false,
        ),
        (
            "<currency>WJP</currency>",
            "<currency>wjp</currency>",
            false,
        ),
        ("<name>string</name>", "<name>strn</name>", false),
        ("<name>string</name>", "<name>Kovács Kft.</name>", true),
        (
            "<queryValue>1234567890123456.12</queryValue>",
            "<queryValue>12.345</queryValue>",
            false,
        ),
        (
            "<queryValue>1234567890123456.12</queryValue>",
            "<queryValue>-12.30</queryValue>",
            true,
        ),
        (
            "<dateFrom>2019-01-01</dateFrom>",
            "<dateFrom>2009-12-31</dateFrom>",
            false,
        ),
        (
            "<dateFrom>2019-01-01</dateFrom>",
            "<dateFrom>2019-1-01</dateFrom>",
            false,
        ),
        (
            "</invoiceIssueDate>",
            "</invoiceIssueDate><originalInvoiceNumber>X1</originalInvoiceNumber>",
            false,
        ),
        (
            "<source>MGM</source>",
            "<source>MGM</source><foo>1</foo>",
            false,
        ),
        ("<transactionId>string</transactionId>", "", false),
        ("<index>1</index>", "<index>101</index>", false),
        (
            "<invoiceOperation>STORNO</invoiceOperation>",
            "<invoiceOperation>ANNUL</invoiceOperation>",
            false,
        ),
        (
            "<common:requestVersion>3.0</common:requestVersion>",
            "<requestVersion>3.0</requestVersion>",
            false,
        ),
    ];
    for (from, to, valid) in mutations {
        assert!(base.contains(from), "the sample has {from}");
        let xml = base.replacen(from, to, 1);
        let xsd = raw_nav::validate("api", xml.as_bytes());
        assert_eq!(xsd.is_ok(), *valid, "xmllint on {from} -> {to}: {xsd:?}");
        let sim = simulator_accepts(Operation::QueryInvoiceDigest, &xml);
        assert_eq!(sim.is_ok(), *valid, "simulator on {from} -> {to}: {sim:?}");
    }
}
