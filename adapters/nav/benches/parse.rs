//! Parse throughput of decoded invoice documents: every official sample, and a generated
//! typical ≈8 KB 3.0 invoice. Criterion reports time per document and MB/s (`Throughput::Bytes`);
//! invoices/s is 1 / time per document (one invoice per document here).
//!
//! The `cpu` group measures the parsing thread's CPU time instead of wall-clock time, so its
//! numbers hold on a machine shared with other work (wall-clock there counts waiting too).
//!
//! Run: `cargo bench -p navsync-nav --bench parse`

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};
use navsync_nav::invoice::parse_invoice_data;

fn samples() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/nav/invoice-samples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("invoice samples missing at {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("readable sample"))
        })
        .collect()
}

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<InvoiceData xmlns="http://schemas.nav.gov.hu/OSA/3.0/data" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:common="http://schemas.nav.gov.hu/NTCA/1.0/common" xmlns:base="http://schemas.nav.gov.hu/OSA/3.0/base">
	<invoiceNumber>GEN-2024/000123</invoiceNumber>
	<invoiceIssueDate>2024-03-15</invoiceIssueDate>
	<completenessIndicator>false</completenessIndicator>
	<invoiceMain>
		<invoice>
			<invoiceHead>
				<supplierInfo>
					<supplierTaxNumber>
						<base:taxpayerId>99999999</base:taxpayerId>
						<base:vatCode>2</base:vatCode>
						<base:countyCode>41</base:countyCode>
					</supplierTaxNumber>
					<supplierName>Értékesítő Kereskedelmi és Szolgáltató Kft</supplierName>
					<supplierAddress>
						<base:detailedAddress>
							<base:countryCode>HU</base:countryCode>
							<base:postalCode>1234</base:postalCode>
							<base:city>Budapest</base:city>
							<base:streetName>Hármas</base:streetName>
							<base:publicPlaceCategory>utca</base:publicPlaceCategory>
							<base:number>1</base:number>
						</base:detailedAddress>
					</supplierAddress>
					<supplierBankAccountNumber>12345678-12345678-12345678</supplierBankAccountNumber>
				</supplierInfo>
				<customerInfo>
					<customerVatStatus>DOMESTIC</customerVatStatus>
					<customerVatData>
						<customerTaxNumber>
							<base:taxpayerId>99887764</base:taxpayerId>
							<base:vatCode>2</base:vatCode>
							<base:countyCode>02</base:countyCode>
						</customerTaxNumber>
					</customerVatData>
					<customerName>Beszerző Kft</customerName>
					<customerAddress>
						<base:simpleAddress>
							<base:countryCode>HU</base:countryCode>
							<base:postalCode>7600</base:postalCode>
							<base:city>Pécs</base:city>
							<base:additionalAddressDetail>Északi sugárút 123.</base:additionalAddressDetail>
						</base:simpleAddress>
					</customerAddress>
				</customerInfo>
				<invoiceDetail>
					<invoiceCategory>NORMAL</invoiceCategory>
					<invoiceDeliveryDate>2024-03-10</invoiceDeliveryDate>
					<currencyCode>HUF</currencyCode>
					<exchangeRate>1</exchangeRate>
					<paymentMethod>TRANSFER</paymentMethod>
					<paymentDate>2024-03-30</paymentDate>
					<invoiceAppearance>ELECTRONIC</invoiceAppearance>
				</invoiceDetail>
			</invoiceHead>
			<invoiceLines>
				<mergedItemIndicator>false</mergedItemIndicator>
"#;

fn line(n: usize) -> String {
    format!(
        r#"				<line>
					<lineNumber>{n}</lineNumber>
					<productCodes>
						<productCode>
							<productCodeCategory>VTSZ</productCodeCategory>
							<productCodeValue>16010091</productCodeValue>
						</productCode>
					</productCodes>
					<lineExpressionIndicator>true</lineExpressionIndicator>
					<lineNatureIndicator>PRODUCT</lineNatureIndicator>
					<lineDescription>Érlelt szalámi, {n}. tétel</lineDescription>
					<quantity>2.00</quantity>
					<unitOfMeasure>KILOGRAM</unitOfMeasure>
					<unitPrice>1500.00</unitPrice>
					<unitPriceHUF>1500.00</unitPriceHUF>
					<lineAmountsNormal>
						<lineNetAmountData>
							<lineNetAmount>3000.00</lineNetAmount>
							<lineNetAmountHUF>3000.00</lineNetAmountHUF>
						</lineNetAmountData>
						<lineVatRate>
							<vatPercentage>0.27</vatPercentage>
						</lineVatRate>
						<lineVatData>
							<lineVatAmount>810.00</lineVatAmount>
							<lineVatAmountHUF>810.00</lineVatAmountHUF>
						</lineVatData>
						<lineGrossAmountData>
							<lineGrossAmountNormal>3810.00</lineGrossAmountNormal>
							<lineGrossAmountNormalHUF>3810.00</lineGrossAmountNormalHUF>
						</lineGrossAmountData>
					</lineAmountsNormal>
				</line>
"#
    )
}

/// A 3.0 NORMAL invoice with `lines` lines of 3000 HUF net at 27 %.
fn generated_invoice(lines: usize) -> String {
    let mut doc = String::from(HEAD);
    for n in 1..=lines {
        doc.push_str(&line(n));
    }
    let (net, vat) = (3000 * lines, 810 * lines);
    doc.push_str(&format!(
        r#"			</invoiceLines>
			<invoiceSummary>
				<summaryNormal>
					<summaryByVatRate>
						<vatRate>
							<vatPercentage>0.27</vatPercentage>
						</vatRate>
						<vatRateNetData>
							<vatRateNetAmount>{net}.00</vatRateNetAmount>
							<vatRateNetAmountHUF>{net}.00</vatRateNetAmountHUF>
						</vatRateNetData>
						<vatRateVatData>
							<vatRateVatAmount>{vat}.00</vatRateVatAmount>
							<vatRateVatAmountHUF>{vat}.00</vatRateVatAmountHUF>
						</vatRateVatData>
					</summaryByVatRate>
					<invoiceNetAmount>{net}.00</invoiceNetAmount>
					<invoiceNetAmountHUF>{net}.00</invoiceNetAmountHUF>
					<invoiceVatAmount>{vat}.00</invoiceVatAmount>
					<invoiceVatAmountHUF>{vat}.00</invoiceVatAmountHUF>
				</summaryNormal>
				<summaryGrossData>
					<invoiceGrossAmount>{gross}.00</invoiceGrossAmount>
					<invoiceGrossAmountHUF>{gross}.00</invoiceGrossAmountHUF>
				</summaryGrossData>
			</invoiceSummary>
		</invoice>
	</invoiceMain>
</InvoiceData>
"#,
        gross = net + vat
    ));
    doc
}

fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Runs `f` `iters` times and returns the CPU time this thread spent.
fn cpu_time_of(iters: u64, mut f: impl FnMut()) -> Duration {
    let start = thread_cpu_time();
    for _ in 0..iters {
        f();
    }
    thread_cpu_time() - start
}

fn bench_parse(c: &mut Criterion) {
    // Four lines of ~1.2 KB on a ~3.3 KB head and summary: the ≈8 KB typical invoice.
    let typical = generated_invoice(4).into_bytes();
    let parsed = parse_invoice_data(&typical).expect("generated invoice parses");
    assert_eq!(parsed.invoices[0].lines.len(), 4);

    let mut group = c.benchmark_group("parse_invoice_data");
    group.throughput(Throughput::Bytes(typical.len() as u64));
    group.bench_function(
        format!("typical generated ({} bytes)", typical.len()),
        |b| b.iter(|| parse_invoice_data(black_box(&typical)).unwrap()),
    );

    let samples = samples();
    let all: usize = samples.iter().map(|(_, x)| x.len()).sum();
    group.throughput(Throughput::Bytes(all as u64));
    group.bench_function(
        format!("all {} official samples ({all} bytes)", samples.len()),
        |b| {
            b.iter(|| {
                for (_, xml) in &samples {
                    parse_invoice_data(black_box(xml)).unwrap();
                }
            })
        },
    );
    for (name, xml) in &samples {
        group.throughput(Throughput::Bytes(xml.len() as u64));
        group.bench_function(format!("sample {name}"), |b| {
            b.iter(|| parse_invoice_data(black_box(xml)).unwrap())
        });
    }
    group.finish();

    let mut cpu = c.benchmark_group("parse_invoice_data cpu");
    cpu.throughput(Throughput::Bytes(typical.len() as u64));
    cpu.bench_function(
        format!("typical generated ({} bytes)", typical.len()),
        |b| {
            b.iter_custom(|iters| {
                cpu_time_of(iters, || {
                    black_box(parse_invoice_data(black_box(&typical)).unwrap());
                })
            })
        },
    );
    cpu.throughput(Throughput::Bytes(all as u64));
    cpu.bench_function(
        format!("all {} official samples ({all} bytes)", samples.len()),
        |b| {
            b.iter_custom(|iters| {
                cpu_time_of(iters, || {
                    for (_, xml) in &samples {
                        black_box(parse_invoice_data(black_box(xml)).unwrap());
                    }
                })
            })
        },
    );
    cpu.finish();
}

criterion_group!(benches, bench_parse);

/// `NAVSYNC_WRITE_LARGE_INVOICE=FILE [NAVSYNC_LARGE_LINES=N]` writes a generated document of N
/// lines (default 50,000, about 60 MB) instead of benchmarking: the input for the peak-memory
/// measurement in the README.
fn main() {
    if let Ok(path) = std::env::var("NAVSYNC_WRITE_LARGE_INVOICE") {
        let lines = std::env::var("NAVSYNC_LARGE_LINES")
            .ok()
            .map(|n| n.parse().expect("NAVSYNC_LARGE_LINES is a number"))
            .unwrap_or(50_000);
        std::fs::write(&path, generated_invoice(lines)).expect("writable path");
        return;
    }
    if let Ok(n) = std::env::var("NAVSYNC_PARSE_LOOP") {
        let typical = generated_invoice(4).into_bytes();
        for _ in 0..n.parse::<u32>().unwrap() {
            black_box(parse_invoice_data(black_box(&typical)).unwrap());
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
