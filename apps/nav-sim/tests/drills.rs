//! The listing drills over real HTTP: invoices listed late (a share, released after a number
//! of digest queries, with their old insDate), a backfilled past period, and invoices listed
//! but never served; and their `nav-sim` flags.

mod raw_nav;

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use clap::Parser;
use navsync_domain::{Direction, TaxpayerId};
use navsync_nav_sim::store::StoredInvoice;
use navsync_nav_sim::{Backfill, Faults, SimConfig, SimHandle};
use raw_nav::{Raw, digest_body, ins_date, number_query, validate};

async fn start_sim(seed: u64, invoices: usize, faults: Faults) -> (SimHandle, Raw) {
    let mut config = SimConfig::new(seed, invoices, Utc::now());
    config.faults = faults;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = navsync_nav_sim::start(config, listener).await.unwrap();
    let raw = Raw::new(sim.base_url(), sim.taxpayers()[0].clone());
    (sim, raw)
}

fn outbound(sim: &SimHandle) -> Vec<StoredInvoice> {
    let taxpayer: TaxpayerId = sim.taxpayers()[0].tax_number.parse().unwrap();
    sim.invoices()
        .into_iter()
        .filter(|s| s.visible_to(taxpayer, Direction::Outbound))
        .collect()
}

fn numbers<'a>(invoices: impl IntoIterator<Item = &'a StoredInvoice>) -> BTreeSet<String> {
    invoices
        .into_iter()
        .map(|s| s.invoice.invoice_number.to_string())
        .collect()
}

/// The outbound digests of the last 31 days: invoice number and listed insDate, one page
/// (the data sets here are smaller than a page).
async fn listed(raw: &Raw) -> Vec<(String, String)> {
    let now = Utc::now();
    let r = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "OUTBOUND", &ins_date(now - TimeDelta::days(31), now), ""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.tag("availablePage").as_deref(), Some("1"), "one page");
    r.tags("invoiceNumber")
        .into_iter()
        .zip(r.tags("insDate"))
        .collect()
}

fn nav_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[tokio::test]
async fn a_late_share_is_listed_only_after_n_digest_queries_with_its_old_ins_date() {
    let faults = Faults {
        late_listing_share: 0.3,
        late_listing_after: 2,
        ..Faults::default()
    };
    let (sim, raw) = start_sim(41, 60, faults).await;
    let all = outbound(&sim);
    let late: Vec<&StoredInvoice> = all.iter().filter(|s| sim.listed_late(s)).collect();
    assert!(!late.is_empty(), "the drill picks some invoices");
    assert!(late.len() < all.len(), "and not all of them");
    let on_time: BTreeSet<String> = numbers(all.iter().filter(|s| !sim.listed_late(s)));

    for answered in 0..2 {
        assert_eq!(sim.digests_answered(), answered);
        let first: BTreeSet<String> = listed(&raw).await.into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            first,
            on_time,
            "query {} leaves the late ones out",
            answered + 1
        );
    }
    let third = listed(&raw).await;
    assert_eq!(
        third
            .iter()
            .map(|(n, _)| n.clone())
            .collect::<BTreeSet<_>>(),
        numbers(&all),
        "the third query lists every invoice"
    );
    for s in &late {
        let number = s.invoice.invoice_number.to_string();
        let (_, listed_ins) = third.iter().find(|(n, _)| *n == number).unwrap();
        assert_eq!(
            *listed_ins,
            nav_time(s.ins_date),
            "{number} keeps its insDate"
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_backfilled_period_appears_after_its_release() {
    let now = Utc::now();
    let backfill = Backfill {
        from: now - TimeDelta::days(12),
        to: now - TimeDelta::days(5),
        after: 1,
    };
    let faults = Faults {
        backfill: Some(backfill),
        ..Faults::default()
    };
    let (sim, raw) = start_sim(42, 60, faults).await;
    let all = outbound(&sim);
    let (held, rest): (Vec<&StoredInvoice>, Vec<&StoredInvoice>) = all
        .iter()
        .partition(|s| (backfill.from..backfill.to).contains(&s.ins_date));
    assert!(!held.is_empty(), "the period holds invoices");
    assert!(!rest.is_empty(), "and some lie outside it");
    assert!(held.iter().all(|s| sim.listed_late(s)));

    let before: BTreeSet<String> = listed(&raw).await.into_iter().map(|(n, _)| n).collect();
    assert_eq!(before, numbers(rest.iter().copied()));
    let after: BTreeSet<String> = listed(&raw).await.into_iter().map(|(n, _)| n).collect();
    assert_eq!(after, numbers(&all));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_never_fetchable_invoice_is_listed_but_answered_as_unknown() {
    let faults = Faults {
        never_fetchable_share: 0.25,
        ..Faults::default()
    };
    let (sim, raw) = start_sim(43, 40, faults).await;
    let all = outbound(&sim);
    let never: Vec<&StoredInvoice> = all.iter().filter(|s| sim.never_fetchable(s)).collect();
    assert!(!never.is_empty(), "the drill picks some invoices");
    assert!(never.len() < all.len(), "and not all of them");
    let listed_now: BTreeSet<String> = listed(&raw).await.into_iter().map(|(n, _)| n).collect();
    assert_eq!(listed_now, numbers(&all), "the digests list all of them");

    for s in &all {
        let number = s.invoice.invoice_number.to_string();
        // Asked twice: "never" does not wear off.
        for _ in 0..2 {
            let r = raw
                .call("queryInvoiceData", &number_query(&number, "OUTBOUND"))
                .await;
            assert_eq!(r.status, 200);
            assert_eq!(r.tag("common:funcCode").as_deref(), Some("OK"));
            validate("api", r.body.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{}", r.body));
            assert_eq!(
                r.tag("invoiceDataResult").is_some(),
                !sim.never_fetchable(s),
                "{number}"
            );
        }
    }
    assert_eq!(
        sim.stats().faults.get("never_fetchable").copied(),
        Some(2 * never.len() as u64)
    );
    sim.shutdown().await;
}

#[test]
fn the_drills_have_nav_sim_flags() {
    let args = navsync_nav_sim::cli::Args::parse_from([
        "nav-sim",
        "--late-share",
        "0.15",
        "--late-after",
        "4",
        "--never-fetchable-share",
        "0.01",
        "--backfill-from",
        "2026-03-01",
        "--backfill-to",
        "2026-03-03",
        "--backfill-after",
        "2",
        "--from",
        "2026-02-01",
        "--to",
        "2026-03-31",
    ]);
    let f = navsync_nav_sim::cli::config(&args).unwrap().faults;
    assert_eq!(f.late_listing_share, 0.15);
    assert_eq!(f.late_listing_after, 4);
    assert_eq!(f.never_fetchable_share, 0.01);
    let b = f.backfill.unwrap();
    assert_eq!(nav_time(b.from), "2026-03-01T00:00:00.000Z");
    assert_eq!(
        nav_time(b.to),
        "2026-03-04T00:00:00.000Z",
        "the last day inclusive"
    );
    assert_eq!(b.after, 2);

    let bad = navsync_nav_sim::cli::Args::parse_from(["nav-sim", "--late-share", "1.5"]);
    assert_eq!(
        navsync_nav_sim::cli::config(&bad).unwrap_err(),
        "--late-share must be between 0 and 1, got 1.5"
    );
    let reversed = navsync_nav_sim::cli::Args::parse_from([
        "nav-sim",
        "--backfill-from",
        "2026-03-03",
        "--backfill-to",
        "2026-03-01",
    ]);
    assert_eq!(
        navsync_nav_sim::cli::config(&reversed).unwrap_err(),
        "--backfill-from 2026-03-03 is after --backfill-to 2026-03-01"
    );
    assert!(
        navsync_nav_sim::cli::Args::try_parse_from(["nav-sim", "--backfill-from", "2026-03-01"])
            .is_err(),
        "a backfill needs both ends"
    );
}
