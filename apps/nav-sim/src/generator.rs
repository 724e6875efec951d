//! A seeded generator of realistic Hungarian invoices: companies with valid tax numbers,
//! NORMAL/SIMPLIFIED/AGGREGATE invoices in HUF, EUR and USD, mixed VAT rates and exemptions,
//! and MODIFY/STORNO chains. The same seed and period give the same invoices, byte for byte.

use chrono::{DateTime, Days, Duration, NaiveDate, SubsecRound, TimeZone, Utc};
use navsync_domain::{
    Address, Invoice, InvoiceCategory, InvoiceNumber, InvoiceOperation, Line, LineModification,
    ModificationReference, Party, PaymentMethod, SchemaVersion, TaxNumber, TaxpayerId, Totals,
    VatRate, VatStatus, VatSummary,
};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::rng::Rng;
use crate::store::StoredInvoice;

const PLACES: [&str; 22] = [
    "Duna",
    "Tisza",
    "Balaton",
    "Mátra",
    "Bakony",
    "Pannon",
    "Hungária",
    "Alföld",
    "Kovács",
    "Szabó",
    "Nagy",
    "Tóth",
    "Horváth",
    "Varga",
    "Kiss",
    "Molnár",
    "Németh",
    "Farkas",
    "Zöldmező",
    "Napfény",
    "Hajnal",
    "Csillag",
];
const TRADES: [&str; 14] = [
    "Építőipari",
    "Informatikai",
    "Kereskedelmi",
    "Logisztikai",
    "Agrár",
    "Gépészeti",
    "Élelmiszer",
    "Tanácsadó",
    "Nyomdaipari",
    "Vendéglátó",
    "Szállítmányozási",
    "Energetikai",
    "Bútoripari",
    "Könyvelő",
];
const FORMS: [(&str, u32); 4] = [("Kft.", 70), ("Zrt.", 12), ("Bt.", 15), ("Nyrt.", 3)];
const CITIES: [(&str, &str, &str); 12] = [
    ("1052", "Budapest", "41"),
    ("1117", "Budapest", "43"),
    ("4025", "Debrecen", "09"),
    ("6720", "Szeged", "06"),
    ("7621", "Pécs", "02"),
    ("9021", "Győr", "08"),
    ("3525", "Miskolc", "05"),
    ("8000", "Székesfehérvár", "07"),
    ("6000", "Kecskemét", "03"),
    ("9700", "Szombathely", "18"),
    ("2000", "Szentendre", "13"),
    ("8200", "Veszprém", "19"),
];
const STREETS: [&str; 10] = [
    "Fő",
    "Kossuth Lajos",
    "Petőfi Sándor",
    "Rákóczi",
    "Ady Endre",
    "Széchenyi István",
    "Dózsa György",
    "Váci",
    "Bajcsy-Zsilinszky",
    "Arany János",
];
const PLACE_KINDS: [&str; 4] = ["utca", "út", "tér", "körút"];
const PERSONS: [&str; 8] = [
    "Kovács Anna",
    "Szabó Péter",
    "Nagy Éva",
    "Tóth Gábor",
    "Horváth Zsófia",
    "Kiss Ádám",
    "Varga Katalin",
    "Molnár Bence",
];

#[derive(Clone, Copy)]
enum Vat {
    Pct(u32),
    Tam,
}

/// (description, unit, lowest and highest HUF unit price, VAT).
const PRODUCTS: [(&str, &str, u64, u64, Vat); 16] = [
    (
        "Irodai papír A4, 500 lap",
        "PACK",
        1_500,
        3_500,
        Vat::Pct(27),
    ),
    ("Laptop javítás", "HOUR", 8_000, 15_000, Vat::Pct(27)),
    (
        "Szoftverlicenc, éves előfizetés",
        "PIECE",
        50_000,
        400_000,
        Vat::Pct(27),
    ),
    ("Tanácsadási díj", "HOUR", 15_000, 40_000, Vat::Pct(27)),
    ("Fehér kenyér", "PIECE", 400, 900, Vat::Pct(5)),
    ("Tej 2,8% zsírtartalmú", "LITER", 300, 450, Vat::Pct(18)),
    ("Szakkönyv", "PIECE", 3_000, 8_000, Vat::Pct(5)),
    ("Szállítási díj", "KILOMETER", 200, 400, Vat::Pct(27)),
    (
        "Felnőttképzés (tárgyi adómentes)",
        "HOUR",
        10_000,
        20_000,
        Vat::Tam,
    ),
    ("Lakásbérleti díj", "MONTH", 150_000, 300_000, Vat::Tam),
    ("Szállásszolgáltatás", "DAY", 15_000, 40_000, Vat::Pct(18)),
    ("Portlandcement 25 kg", "CARTON", 2_000, 3_000, Vat::Pct(27)),
    ("Gázolaj", "LITER", 550, 650, Vat::Pct(27)),
    ("Villamos energia", "KWH", 60, 90, Vat::Pct(27)),
    ("Raklap fa, EUR", "PIECE", 3_000, 5_000, Vat::Pct(27)),
    ("Csomagolóanyag", "kg", 500, 1_200, Vat::Pct(27)),
];

/// A company as the simulator knows it: what invoices and `queryTaxpayer` say about it.
#[derive(Debug, Clone, Serialize)]
pub struct Company {
    pub name: String,
    pub short_name: String,
    pub tax_number: Option<TaxNumber>,
    pub community_vat_number: Option<String>,
    pub country_code: String,
    pub postal_code: String,
    pub city: String,
    pub street_name: String,
    pub public_place_category: String,
    pub number: String,
    pub bank_account: Option<String>,
    /// Small businesses under the subjective exemption (AAM) charge no VAT.
    pub aam: bool,
    pub invoice_prefix: String,
    /// The technical user that reports this company's invoices.
    pub reporting_login: String,
}

impl Company {
    pub fn street(&self) -> String {
        format!(
            "{} {} {}.",
            self.street_name, self.public_place_category, self.number
        )
    }

    /// A company known only from an invoice document (a served file).
    pub fn from_party(p: &Party) -> Company {
        let a = p.address.clone().unwrap_or_default();
        let or = |s: String, d: &str| if s.trim().is_empty() { d.to_owned() } else { s };
        let name = p.name.clone().unwrap_or_else(|| "-".into());
        Company {
            short_name: name.chars().take(200).collect(),
            name,
            tax_number: p.tax_number.clone(),
            community_vat_number: p.community_vat_number.clone(),
            country_code: or(a.country_code, "HU"),
            postal_code: or(a.postal_code, "1000"),
            city: or(a.city, "-"),
            street_name: or(a.street, "-"),
            public_place_category: "-".into(),
            number: "1".into(),
            bank_account: p.bank_account.clone(),
            aam: false,
            invoice_prefix: String::new(),
            reporting_login: String::new(),
        }
    }

    pub fn party(&self, vat_status: Option<VatStatus>) -> Party {
        Party {
            name: Some(self.name.clone()),
            tax_number: self.tax_number.clone(),
            group_member_tax_number: None,
            community_vat_number: self.community_vat_number.clone(),
            third_state_tax_id: None,
            vat_status,
            address: Some(Address {
                country_code: self.country_code.clone(),
                postal_code: self.postal_code.clone(),
                city: self.city.clone(),
                street: self.street(),
            }),
            bank_account: self.bank_account.clone(),
        }
    }
}

/// A simulated taxpayer and the technical user a client logs in with.
#[derive(Debug, Clone)]
pub struct SimTaxpayer {
    pub company: Company,
    pub login: String,
    pub password: String,
    pub sign_key: String,
    pub exchange_key: String,
}

/// One simulated taxpayer's trading world: its partners and the invoice numbering.
struct Book {
    taxpayer: usize,
    partners: Vec<Company>,
    foreign: Vec<Company>,
    /// Chains of this book's invoices that a modification may still extend.
    open_chains: Vec<usize>,
    /// The last invoice number issued per supplier prefix.
    counters: std::collections::HashMap<String, u32>,
}

/// State of one invoice chain, so a later modification references it correctly.
#[derive(Clone)]
struct Chain {
    base: Invoice,
    next_index: u32,
    max_line: u32,
    /// All lines of the chain so far, for a STORNO that cancels them.
    lines: Vec<Line>,
    last_ins: DateTime<Utc>,
    book: usize,
    reporter: String,
}

pub struct Generator {
    rng: Rng,
    pub taxpayers: Vec<SimTaxpayer>,
    books: Vec<Book>,
    chains: Vec<Chain>,
    compressed_share: f64,
    tx_counter: u64,
}

impl Generator {
    pub fn new(seed: u64, taxpayer_count: usize, compressed_share: f64) -> Self {
        let root = Rng::new(seed);
        let mut companies = root.fork(1);
        let mut taxpayers = Vec::new();
        let mut used_ids = std::collections::HashSet::new();
        for i in 0..taxpayer_count.max(1) {
            let company = new_company(&mut companies, &mut used_ids);
            let mut cred = root.fork(100 + i as u64);
            taxpayers.push(SimTaxpayer {
                login: alnum(&mut cred, 15, false),
                password: format!("Sim-{}", alnum(&mut cred, 12, true)),
                sign_key: format!(
                    "{}-{}-{}",
                    alnum(&mut cred, 2, false),
                    alnum(&mut cred, 4, false),
                    alnum(&mut cred, 24, true)
                ),
                exchange_key: alnum(&mut cred, 16, true),
                company,
            });
        }
        let books = (0..taxpayers.len())
            .map(|t| Book {
                taxpayer: t,
                partners: (0..8)
                    .map(|_| new_company(&mut companies, &mut used_ids))
                    .collect(),
                foreign: (0..2).map(|_| foreign_company(&mut companies)).collect(),
                open_chains: Vec::new(),
                counters: Default::default(),
            })
            .collect();
        Self {
            rng: root.fork(2),
            taxpayers,
            books,
            chains: Vec::new(),
            compressed_share,
            tx_counter: 0,
        }
    }

    /// Adds a taxpayer (with fresh credentials) that has no generated invoices, e.g. the
    /// supplier of served files; returns false when it is already one.
    pub fn add_taxpayer(&mut self, company: Company) -> bool {
        let id = company.tax_number.as_ref().map(|t| t.taxpayer_id);
        if id.is_none()
            || self
                .taxpayers
                .iter()
                .any(|t| t.company.tax_number.as_ref().map(|n| n.taxpayer_id) == id)
        {
            return false;
        }
        let salt = id.map_or(0, |i| i.as_str().parse::<u64>().unwrap_or(0));
        let mut cred = self.rng.fork(0xF11E ^ salt);
        self.taxpayers.push(SimTaxpayer {
            login: alnum(&mut cred, 15, false),
            password: format!("Sim-{}", alnum(&mut cred, 12, true)),
            sign_key: format!(
                "{}-{}-{}",
                alnum(&mut cred, 2, false),
                alnum(&mut cred, 4, false),
                alnum(&mut cred, 24, true)
            ),
            exchange_key: alnum(&mut cred, 16, true),
            company,
        });
        true
    }

    /// Every company known to the simulator with a Hungarian tax number (for `queryTaxpayer`).
    pub fn known_companies(&self) -> Vec<Company> {
        let mut all: Vec<Company> = self.taxpayers.iter().map(|t| t.company.clone()).collect();
        for b in &self.books {
            all.extend(b.partners.iter().cloned());
        }
        all
    }

    /// `count` invoices per taxpayer with `insDate` spread over [from, to), in `insDate` order.
    pub fn generate(
        &mut self,
        per_taxpayer: usize,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<StoredInvoice> {
        let mut out = Vec::new();
        for b in 0..self.books.len() {
            let mut made = 0;
            while made < per_taxpayer {
                for g in self.next_invoices(b, from, to) {
                    if made < per_taxpayer {
                        out.push(g);
                        made += 1;
                    }
                }
            }
        }
        out.sort_by(|a, b| {
            (a.ins_date, a.invoice.invoice_number.as_str())
                .cmp(&(b.ins_date, b.invoice.invoice_number.as_str()))
        });
        out
    }

    /// `count` invoices per taxpayer reported just now (for incremental-sync drills).
    pub fn generate_now(&mut self, per_taxpayer: usize, now: DateTime<Utc>) -> Vec<StoredInvoice> {
        let mut out = self.generate(per_taxpayer, now - Duration::minutes(5), now);
        // Distinct, increasing insDates ending at `now`, like a burst of fresh reports.
        let n = out.len() as i64;
        for (i, s) in out.iter_mut().enumerate() {
            s.ins_date = (now - Duration::milliseconds((n - i as i64) * 3)).trunc_subsecs(3);
        }
        out
    }

    fn next_invoices(
        &mut self,
        book: usize,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<StoredInvoice> {
        let mut produced = Vec::new();
        // Some draws extend an existing chain of this book's outbound invoices.
        let open = &self.books[book].open_chains;
        if !open.is_empty() && self.rng.chance(0.12) {
            let ci = *self.rng.pick(open);
            if let Some(s) = self.modification(ci, to) {
                produced.push(s);
                return produced;
            }
        }
        let outbound = self.rng.chance(0.6);
        let ins = random_instant(&mut self.rng, from, to);
        let base = self.base_invoice(book, outbound, ins, from);
        produced.push(base);
        produced
    }

    fn base_invoice(
        &mut self,
        book: usize,
        outbound: bool,
        ins: DateTime<Utc>,
        from: DateTime<Utc>,
    ) -> StoredInvoice {
        let rng = &mut self.rng;
        let me = self.taxpayers[self.books[book].taxpayer].clone();
        let lag_minutes = match *rng.weighted(&[(0u8, 70), (1, 25), (2, 5)]) {
            0 => rng.range(5, 240),
            1 => rng.range(240, 2 * 1440),
            _ => rng.range(2 * 1440, 5 * 1440),
        };
        let lag = Duration::minutes(lag_minutes as i64);
        let issue_date = (ins - lag).date_naive().max(from.date_naive());

        enum Cust {
            Domestic(Company),
            Foreign(Company),
            Person(&'static str),
        }
        let (supplier, customer) = if outbound {
            let b = &self.books[book];
            let c = *rng.weighted(&[(0u8, 75), (1, 8), (2, 17)]);
            let cust = match c {
                0 => Cust::Domestic(rng.pick(&b.partners).clone()),
                1 => Cust::Foreign(rng.pick(&b.foreign).clone()),
                _ => Cust::Person(PERSONS[rng.range(0, PERSONS.len() as u64 - 1) as usize]),
            };
            (me.company.clone(), cust)
        } else {
            let b = &self.books[book];
            (
                rng.pick(&b.partners).clone(),
                Cust::Domestic(me.company.clone()),
            )
        };

        let category = match (&customer, *rng.weighted(&[(0u8, 75), (1, 15), (2, 10)])) {
            (Cust::Foreign(_), _) => InvoiceCategory::Normal,
            (Cust::Person(_), 2) => InvoiceCategory::Simplified,
            (_, 1) => InvoiceCategory::Simplified,
            (_, 2) => InvoiceCategory::Aggregate,
            _ => InvoiceCategory::Normal,
        };
        let (currency, rate) = match (&customer, category) {
            (Cust::Foreign(_), _) => ("EUR", eur_rate(rng)),
            (_, InvoiceCategory::Simplified) | (Cust::Person(_), _) => ("HUF", Decimal::ONE),
            _ => match *rng.weighted(&[(0u8, 80), (1, 14), (2, 6)]) {
                1 => ("EUR", eur_rate(rng)),
                2 => ("USD", usd_rate(rng)),
                _ => ("HUF", Decimal::ONE),
            },
        };
        let (payment_method, payment_date) = match category {
            InvoiceCategory::Simplified => (
                *rng.pick(&[PaymentMethod::Cash, PaymentMethod::Card]),
                issue_date,
            ),
            _ => (
                PaymentMethod::Transfer,
                issue_date + Days::new(*rng.pick(&[8u64, 15, 30])),
            ),
        };
        let delivery_period = (category == InvoiceCategory::Aggregate).then(|| {
            let start = issue_date - Days::new(rng.range(7, 27));
            (start, issue_date - Days::new(1))
        });
        let delivery_date = match delivery_period {
            Some((_, end)) => end,
            None => issue_date - Days::new(rng.range(0, 3)),
        };

        let exempt_invoice = match &customer {
            Cust::Foreign(_) => Some(VatRate::Exempt {
                case: "KBAET".into(),
                reason: "Közösségen belüli adómentes termékértékesítés".into(),
            }),
            _ if supplier.aam => Some(VatRate::Exempt {
                case: "AAM".into(),
                reason: "Alanyi adómentes".into(),
            }),
            _ => None,
        };
        let n_lines = *rng.weighted(&[(1usize, 30), (2, 25), (3, 20), (4, 12), (5, 8), (6, 5)]);
        let mut lines = Vec::with_capacity(n_lines);
        for number in 1..=n_lines as u32 {
            let (desc, unit, lo, hi, vat) = *rng.pick(&PRODUCTS);
            let huf_price = Decimal::from(rng.range(lo, hi));
            let unit_price = if currency == "HUF" {
                huf_price
            } else {
                round(huf_price / rate, 2).max(Decimal::new(1, 2))
            };
            let quantity = if unit == "HOUR" || unit == "DAY" || unit == "MONTH" || unit == "PIECE"
            {
                Decimal::from(rng.range(1, 20))
            } else {
                Decimal::new(rng.range(100, 50_000) as i64, 2)
            };
            let vat_rate = exempt_invoice.clone().unwrap_or(match vat {
                Vat::Pct(p) => VatRate::Percentage {
                    rate: Decimal::new(p as i64, 2),
                },
                Vat::Tam => VatRate::Exempt {
                    case: "TAM".into(),
                    reason: "Tárgyi adómentes".into(),
                },
            });
            lines.push(priced_line(
                number, desc, unit, quantity, unit_price, vat_rate, rate, category,
            ));
        }
        let counter = self.books[book]
            .counters
            .entry(supplier.invoice_prefix.clone())
            .or_insert(0);
        *counter += 1;
        let number = format!(
            "{}-{}/{:06}",
            supplier.invoice_prefix,
            issue_date.format("%Y"),
            *counter
        );
        let customer_party = match &customer {
            Cust::Domestic(c) => c.party(Some(VatStatus::Domestic)),
            Cust::Foreign(c) => c.party(Some(VatStatus::Other)),
            Cust::Person(name) => Party {
                name: Some((*name).to_owned()),
                vat_status: Some(VatStatus::PrivatePerson),
                ..Party::default()
            },
        };
        let appearance = if rng.chance(0.6) {
            "ELECTRONIC"
        } else {
            "PAPER"
        };
        let mut invoice = Invoice {
            schema_version: SchemaVersion::V3,
            invoice_number: InvoiceNumber::try_from(number).expect("generated numbers are short"),
            batch_index: None,
            issue_date,
            completeness_indicator: false,
            category,
            supplier: supplier.party(None),
            customer: customer_party,
            delivery_date: Some(delivery_date),
            delivery_period,
            payment_date: Some(payment_date),
            payment_method: Some(payment_method),
            currency: currency.into(),
            exchange_rate: rate,
            appearance: Some(appearance.into()),
            modification: None,
            lines,
            vat_summary: Vec::new(),
            totals: Totals::default(),
            warnings: Vec::new(),
        };
        summarise(&mut invoice);
        let reporter = supplier.reporting_login.clone();
        let reporter = if outbound { me.login.clone() } else { reporter };
        if category == InvoiceCategory::Normal && outbound {
            self.books[book].open_chains.push(self.chains.len());
            self.chains.push(Chain {
                max_line: invoice.lines.len() as u32,
                lines: invoice.lines.clone(),
                base: invoice.clone(),
                next_index: 1,
                last_ins: ins,
                book,
                reporter: reporter.clone(),
            });
        }
        self.stored(invoice, InvoiceOperation::Create, ins, reporter)
    }

    /// A MODIFY (a discount line) or STORNO (cancelling every line) of chain `ci`.
    fn modification(&mut self, ci: usize, to: DateTime<Utc>) -> Option<StoredInvoice> {
        let rng = &mut self.rng;
        let chain = &self.chains[ci];
        let ins = chain.last_ins + Duration::minutes(rng.range(60, 15 * 1440) as i64);
        if ins >= to {
            return None;
        }
        let storno = chain.next_index > 1 && rng.chance(0.4) || rng.chance(0.15);
        let base = &chain.base;
        let mut lines = Vec::new();
        let mut next_ref = chain.max_line;
        if storno {
            for (i, l) in chain.lines.iter().enumerate() {
                next_ref += 1;
                let mut neg = l.clone();
                neg.number = i as u32 + 1;
                neg.quantity = l.quantity.map(|q| -q);
                for v in [
                    &mut neg.net,
                    &mut neg.net_huf,
                    &mut neg.vat,
                    &mut neg.vat_huf,
                    &mut neg.gross,
                    &mut neg.gross_huf,
                ] {
                    *v = v.map(|d| -d);
                }
                neg.description = l.description.as_ref().map(|d| format!("Sztornó: {d}"));
                neg.modification = Some(LineModification {
                    line_number_reference: next_ref,
                    operation: InvoiceOperation::Create,
                });
                lines.push(neg);
            }
        } else {
            let l = rng.pick(&base.lines).clone();
            next_ref += 1;
            let pct = Decimal::from(rng.range(5, 20));
            let net = -round(l.net.unwrap_or_default() * pct / Decimal::ONE_HUNDRED, 2);
            let mut d = priced_line(
                1,
                "",
                "",
                Decimal::ONE,
                net,
                l.vat_rate.clone().unwrap_or(VatRate::Percentage {
                    rate: Decimal::new(27, 2),
                }),
                base.exchange_rate,
                base.category,
            );
            d.quantity = None;
            d.unit = None;
            d.unit_price = None;
            d.description = Some(format!(
                "Utólagos {pct}% engedmény: {}",
                l.description.as_deref().unwrap_or("tétel")
            ));
            d.modification = Some(LineModification {
                line_number_reference: next_ref,
                operation: InvoiceOperation::Create,
            });
            lines.push(d);
        }
        let issue_date = (ins - Duration::minutes(rng.range(5, 600) as i64))
            .date_naive()
            .max(base.issue_date);
        let supplier_prefix = base
            .invoice_number
            .as_str()
            .split('-')
            .next()
            .unwrap_or("M");
        let book = chain.book;
        let counter = self.books[book]
            .counters
            .entry(supplier_prefix.to_owned())
            .or_insert(0);
        *counter += 1;
        let number = format!(
            "{supplier_prefix}-{}/{:06}",
            issue_date.format("%Y"),
            *counter
        );
        let mut invoice = Invoice {
            invoice_number: InvoiceNumber::try_from(number).expect("short"),
            issue_date,
            modification: Some(ModificationReference {
                original_invoice_number: base.invoice_number.clone(),
                modification_index: chain.next_index,
                modify_without_master: false,
            }),
            lines,
            vat_summary: Vec::new(),
            totals: Totals::default(),
            ..base.clone()
        };
        summarise(&mut invoice);
        let reporter = chain.reporter.clone();
        let chain = &mut self.chains[ci];
        chain.next_index += 1;
        chain.max_line = next_ref;
        chain.lines.extend(invoice.lines.iter().cloned());
        chain.last_ins = ins;
        if storno {
            self.books[book].open_chains.retain(|c| *c != ci);
        }
        let op = if storno {
            InvoiceOperation::Storno
        } else {
            InvoiceOperation::Modify
        };
        Some(self.stored(invoice, op, ins, reporter))
    }

    fn stored(
        &mut self,
        invoice: Invoice,
        operation: InvoiceOperation,
        ins_date: DateTime<Utc>,
        ins_cus_user: String,
    ) -> StoredInvoice {
        self.tx_counter += 1;
        let compressed = self.rng.chance(self.compressed_share);
        let transaction_id = format!("{}{:08}", alnum(&mut self.rng, 8, true), self.tx_counter);
        StoredInvoice {
            invoice,
            operation,
            // NAV's timestamps carry milliseconds; a finer insDate could not be queried exactly.
            ins_date: ins_date.trunc_subsecs(3),
            ins_cus_user,
            transaction_id,
            index: 1,
            compressed,
            original_request_version: "3.0".into(),
            document: None,
            listed_after: 0,
            annulled_after: None,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn priced_line(
    number: u32,
    desc: &str,
    unit: &str,
    quantity: Decimal,
    unit_price: Decimal,
    vat_rate: VatRate,
    fx: Decimal,
    category: InvoiceCategory,
) -> Line {
    let amount = round(quantity * unit_price, 2);
    let (net, vat, gross, vat_rate) = match (&vat_rate, category) {
        (VatRate::Percentage { rate }, InvoiceCategory::Simplified) => {
            // Simplified invoices state gross prices and the VAT content of them.
            let content = vat_content(*rate);
            let vat = round(amount * content, 2);
            (amount - vat, vat, amount, VatRate::Content { content })
        }
        (VatRate::Percentage { rate }, _) => {
            let vat = round(amount * rate, 2);
            (amount, vat, amount + vat, vat_rate.clone())
        }
        _ => (amount, Decimal::ZERO, amount, vat_rate.clone()),
    };
    Line {
        number,
        description: (!desc.is_empty()).then(|| desc.to_owned()),
        quantity: Some(quantity),
        unit: (!unit.is_empty()).then(|| unit.to_owned()),
        unit_price: Some(unit_price),
        net: Some(net),
        net_huf: Some(round(net * fx, 2)),
        vat: Some(vat),
        vat_huf: Some(round(vat * fx, 2)),
        gross: Some(gross),
        gross_huf: Some(round(gross * fx, 2)),
        vat_rate: Some(vat_rate),
        modification: None,
        advance_payment: false,
    }
}

/// The VAT content of a gross amount at a rate: rate / (1 + rate), to 4 decimals (27 % → 0.2126).
fn vat_content(rate: Decimal) -> Decimal {
    round(rate / (Decimal::ONE + rate), 4)
}

/// VAT summary and totals from the lines, grouped by rate in order of first appearance.
pub fn summarise(inv: &mut Invoice) {
    let mut groups: Vec<VatSummary> = Vec::new();
    let mut totals = Totals::default();
    for l in &inv.lines {
        let rate = l.vat_rate.clone().unwrap_or(VatRate::NoVatCharge);
        let (net, net_huf, vat, vat_huf) = (
            l.net.unwrap_or_default(),
            l.net_huf.unwrap_or_default(),
            l.vat.unwrap_or_default(),
            l.vat_huf.unwrap_or_default(),
        );
        let (gross, gross_huf) = (
            l.gross.unwrap_or(net + vat),
            l.gross_huf.unwrap_or(net_huf + vat_huf),
        );
        totals = totals
            + Totals {
                net,
                net_huf,
                vat,
                vat_huf,
                gross,
                gross_huf,
            };
        match groups.iter_mut().find(|g| g.vat_rate == rate) {
            Some(g) => {
                g.net += net;
                g.net_huf += net_huf;
                g.vat += vat;
                g.vat_huf += vat_huf;
                g.gross = Some(g.gross.unwrap_or_default() + gross);
                g.gross_huf = Some(g.gross_huf.unwrap_or_default() + gross_huf);
            }
            None => groups.push(VatSummary {
                vat_rate: rate,
                net,
                net_huf,
                vat,
                vat_huf,
                gross: Some(gross),
                gross_huf: Some(gross_huf),
            }),
        }
    }
    inv.vat_summary = groups;
    inv.totals = totals;
}

fn round(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

fn eur_rate(rng: &mut Rng) -> Decimal {
    Decimal::new(rng.range(385_000, 410_000) as i64, 3)
}

fn usd_rate(rng: &mut Rng) -> Decimal {
    Decimal::new(rng.range(345_000, 375_000) as i64, 3)
}

fn random_instant(rng: &mut Rng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_milliseconds().max(1) as u64;
    from + Duration::milliseconds(rng.range(0, span - 1) as i64)
}

fn alnum(rng: &mut Rng, len: usize, upper: bool) -> String {
    let set: &[u8] = if upper {
        b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    } else {
        b"abcdefghijkmnopqrstuvwxyz23456789"
    };
    (0..len).map(|_| *rng.pick(set) as char).collect()
}

fn new_taxpayer_id(rng: &mut Rng, used: &mut std::collections::HashSet<TaxpayerId>) -> TaxpayerId {
    loop {
        let mut seven = [0u8; 7];
        seven[0] = *rng.pick(&[1u8, 2]);
        for d in seven.iter_mut().skip(1) {
            *d = rng.range(0, 9) as u8;
        }
        let check = TaxpayerId::check_digit(&seven);
        let s: String = seven
            .iter()
            .chain(std::iter::once(&check))
            .map(|d| char::from(b'0' + d))
            .collect();
        let id: TaxpayerId = s.parse().expect("check digit computed above");
        if used.insert(id) {
            return id;
        }
    }
}

fn new_company(rng: &mut Rng, used: &mut std::collections::HashSet<TaxpayerId>) -> Company {
    let place = *rng.pick(&PLACES);
    let trade = *rng.pick(&TRADES);
    let form = *rng.weighted(&FORMS);
    let (postal, city, county) = *rng.pick(&CITIES);
    let aam = form == "Bt." && rng.chance(0.5);
    let id = new_taxpayer_id(rng, used);
    let vat_code = if aam { 1 } else { 2 };
    let tax_number =
        TaxNumber::new(id, Some(vat_code), Some(county.to_owned())).expect("valid parts");
    let prefix: String = place
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .take(3)
        .collect::<String>()
        .to_uppercase();
    Company {
        name: format!("{place} {trade} {form}"),
        short_name: format!("{place} {form}"),
        tax_number: Some(tax_number),
        community_vat_number: Some(format!("HU{id}")),
        country_code: "HU".into(),
        postal_code: postal.into(),
        city: city.into(),
        street_name: rng.pick(&STREETS).to_string(),
        public_place_category: rng.pick(&PLACE_KINDS).to_string(),
        number: rng.range(1, 150).to_string(),
        bank_account: Some(format!(
            "{:08}-{:08}-{:08}",
            rng.range(10_000_000, 11_999_999),
            rng.range(0, 99_999_999),
            rng.range(0, 99_999_999)
        )),
        aam,
        invoice_prefix: format!("{prefix}{}", rng.range(1, 9)),
        reporting_login: alnum(rng, 15, false),
    }
}

fn foreign_company(rng: &mut Rng) -> Company {
    let (name, country, postal, city, street) = *rng.pick(&[
        (
            "Müller Handels GmbH",
            "DE",
            "10115",
            "Berlin",
            "Invalidenstraße",
        ),
        (
            "Alpen Logistik GmbH",
            "AT",
            "1010",
            "Wien",
            "Kärntner Straße",
        ),
        (
            "Tatra Obchod s.r.o.",
            "SK",
            "81101",
            "Bratislava",
            "Obchodná",
        ),
        (
            "Dunarea Comert SRL",
            "RO",
            "400001",
            "Cluj-Napoca",
            "Strada Memorandumului",
        ),
    ]);
    Company {
        name: name.into(),
        short_name: name.into(),
        tax_number: None,
        community_vat_number: Some(format!("{country}{}", rng.range(100_000_000, 999_999_999))),
        country_code: country.into(),
        postal_code: postal.into(),
        city: city.into(),
        street_name: street.into(),
        public_place_category: String::new(),
        number: rng.range(1, 99).to_string(),
        bank_account: None,
        aam: false,
        invoice_prefix: String::new(),
        reporting_login: String::new(),
    }
}

/// Earliest and latest instant of a period of whole UTC days.
pub fn period(from: NaiveDate, to_inclusive: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = Utc.from_utc_datetime(&from.and_hms_opt(0, 0, 0).expect("midnight"));
    let end = Utc.from_utc_datetime(
        &(to_inclusive + Days::new(1))
            .and_hms_opt(0, 0, 0)
            .expect("midnight"),
    );
    (start, end)
}
