//! The authorization matrix, over bearer tokens: every kind of caller against every endpoint,
//! for taxpayer A, taxpayer B and a taxpayer this deployment has no data of. Each cell is
//! written out by hand, so a change of the model shows up as a changed table, not as a
//! recomputed expectation.

mod app;
mod jwks;

use app::TestApp;
use navsync_contract::fixtures::taxpayer;
use navsync_domain::TaxpayerId;
use serde_json::{Value, json};

/// The endpoints of one taxpayer, in the order of [`ROWS`]' status columns.
const ENDPOINTS: [&str; 7] = [
    "list",
    "search",
    "detail",
    "document",
    "csv",
    "sync status",
    "sync now",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    ReaderOfA,
    AdminOfA,
    ReaderOfAAdminOfB,
    Operator,
    NoToken,
    /// Admin of a taxpayer with no data here, and of nothing else.
    UnknownOnly,
    /// The `admins` group of old releases: no longer a role.
    LegacyAdmins,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    A,
    B,
    Unknown,
}

use Caller::*;
use Column::*;

/// caller × taxpayer → status of list, search, detail, document, csv, sync status, sync now.
#[rustfmt::skip]
const ROWS: &[(Caller, Column, [u16; 7])] = &[
    (ReaderOfA,         A,       [200, 200, 200, 200, 200, 200, 403]),
    (ReaderOfA,         B,       [403, 403, 403, 403, 403, 403, 403]),
    (ReaderOfA,         Unknown, [403, 403, 403, 403, 403, 403, 403]),
    (AdminOfA,          A,       [200, 200, 200, 200, 200, 200, 202]),
    (AdminOfA,          B,       [403, 403, 403, 403, 403, 403, 403]),
    (AdminOfA,          Unknown, [403, 403, 403, 403, 403, 403, 403]),
    (ReaderOfAAdminOfB, A,       [200, 200, 200, 200, 200, 200, 403]),
    (ReaderOfAAdminOfB, B,       [200, 200, 200, 200, 200, 200, 202]),
    (ReaderOfAAdminOfB, Unknown, [403, 403, 403, 403, 403, 403, 403]),
    (Operator,          A,       [200, 200, 200, 200, 200, 200, 202]),
    (Operator,          B,       [200, 200, 200, 200, 200, 200, 202]),
    // Readable, but nothing is stored: empty lists, 404 for an invoice.
    (Operator,          Unknown, [200, 200, 404, 404, 200, 200, 202]),
    (NoToken,           A,       [401, 401, 401, 401, 401, 401, 401]),
    (NoToken,           B,       [401, 401, 401, 401, 401, 401, 401]),
    (NoToken,           Unknown, [401, 401, 401, 401, 401, 401, 401]),
    (UnknownOnly,       A,       [403, 403, 403, 403, 403, 403, 403]),
    (UnknownOnly,       B,       [403, 403, 403, 403, 403, 403, 403]),
    (UnknownOnly,       Unknown, [200, 200, 404, 404, 200, 200, 202]),
    (LegacyAdmins,      A,       [403, 403, 403, 403, 403, 403, 403]),
    (LegacyAdmins,      B,       [403, 403, 403, 403, 403, 403, 403]),
    (LegacyAdmins,      Unknown, [403, 403, 403, 403, 403, 403, 403]),
];

const UNKNOWN: u32 = 1_000_003;

struct Matrix {
    app: TestApp,
    unknown: TaxpayerId,
}

impl Matrix {
    async fn start() -> Self {
        let app = TestApp::start().await;
        let unknown = taxpayer(UNKNOWN);
        assert!(app.records.iter().all(|r| r.key.taxpayer != unknown));
        Self { app, unknown }
    }

    fn taxpayer(&self, c: Column) -> TaxpayerId {
        match c {
            A => self.app.a,
            B => self.app.b,
            Unknown => self.unknown,
        }
    }

    fn token(&self, c: Caller) -> Option<String> {
        let (a, b, u) = (self.app.a, self.app.b, self.unknown);
        let groups: Vec<String> = match c {
            ReaderOfA => vec![format!("taxpayer-{a}")],
            AdminOfA => vec![format!("taxpayer-{a}-admin")],
            ReaderOfAAdminOfB => vec![format!("taxpayer-{a}"), format!("taxpayer-{b}-admin")],
            Operator => vec!["operators".into()],
            NoToken => return None,
            UnknownOnly => vec![format!("taxpayer-{u}-admin")],
            LegacyAdmins => vec!["admins".into()],
        };
        let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
        Some(jwks::sign(&jwks::access_claims(&format!("{c:?}"), &groups)))
    }

    /// The seven requests for taxpayer `t`; detail and document name a stored invoice of A or
    /// B, and for the unknown taxpayer one of A's keys (stored under A, not under it).
    fn uris(&self, c: Column) -> [String; 7] {
        let t = self.taxpayer(c);
        let owner = if c == Unknown { self.app.a } else { t };
        let rec = self
            .app
            .records
            .iter()
            .find(|r| r.key.taxpayer == owner)
            .expect("a fixture invoice of the taxpayer");
        let number: String = rec
            .key
            .id
            .invoice_number
            .as_str()
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let tail = format!(
            "{}/{}/{number}",
            rec.key.id.direction, rec.key.id.supplier_tax_number
        );
        [
            format!("/v1/taxpayers/{t}/invoices?direction=OUTBOUND"),
            format!(
                "/v1/taxpayers/{t}/invoices?direction=INBOUND&currency=HUF&min_gross_huf=1&sort=oldest_first&limit=3"
            ),
            format!("/v1/taxpayers/{t}/invoices/{tail}"),
            format!("/v1/taxpayers/{t}/documents/{tail}"),
            format!("/v1/taxpayers/{t}/invoices.csv?direction=OUTBOUND"),
            format!("/v1/taxpayers/{t}/sync"),
            format!("/v1/taxpayers/{t}/sync"),
        ]
    }
}

#[tokio::test]
async fn every_caller_gets_exactly_its_roles_on_every_endpoint() {
    let m = Matrix::start().await;
    // The table covers every caller × taxpayer once.
    assert_eq!(ROWS.len(), 7 * 3);
    let mut started = Vec::new();
    for &(caller, column, statuses) in ROWS {
        let token = m.token(caller);
        let t = m.taxpayer(column);
        for ((endpoint, uri), want) in ENDPOINTS.iter().zip(m.uris(column)).zip(statuses) {
            let r = if *endpoint == "sync now" {
                m.app.post(&uri, token.as_deref(), "").await
            } else {
                m.app.get(&uri, token.as_deref()).await
            };
            let cell = format!("{caller:?} × {column:?} × {endpoint} ({uri})");
            assert_eq!(r.status.as_u16(), want, "{cell}: {}", r.text());
            match want {
                200 if *endpoint == "list" => {
                    let items = r.json()["items"].as_array().unwrap().clone();
                    // A and B have outbound invoices; the unknown taxpayer has none.
                    assert_eq!(items.is_empty(), column == Unknown, "{cell}");
                    assert!(
                        items.iter().all(|i| i["taxpayer"] == t.to_string()),
                        "{cell}"
                    );
                }
                202 => started.push(t),
                403 => {
                    let p = r.problem(403, None);
                    let detail = p["detail"].as_str().unwrap();
                    // The answer says what the token lacks, for this taxpayer.
                    assert!(detail.contains(&t.to_string()), "{cell}: {detail}");
                    let lacks = if *endpoint == "sync now" && m.token_reads(caller, column) {
                        format!("reader of taxpayer {t}, not its admin")
                    } else {
                        format!("grants no role on taxpayer {t}")
                    };
                    assert!(detail.contains(&lacks), "{cell}: {detail}");
                }
                401 => {
                    r.problem(401, None);
                }
                _ => {}
            }
        }
    }
    // Exactly the 202 cells reached the trigger, for their own taxpayer.
    let (a, b, u) = (m.app.a, m.app.b, m.unknown);
    assert_eq!(started, [a, b, a, b, u, u]);
    let seen: Vec<TaxpayerId> = m
        .app
        .trigger
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.taxpayer)
        .collect();
    assert_eq!(seen, started);
}

impl Matrix {
    /// Whether `caller` reads the column's taxpayer, as the table says (the 200 of "list").
    fn token_reads(&self, caller: Caller, column: Column) -> bool {
        ROWS.iter()
            .find(|(c, col, _)| *c == caller && *col == column)
            .is_some_and(|(_, _, s)| s[0] == 200)
    }
}

#[tokio::test]
async fn me_names_the_operator_and_each_taxpayers_role() {
    let m = Matrix::start().await;
    let (a, b, u) = (
        m.app.a.to_string(),
        m.app.b.to_string(),
        m.unknown.to_string(),
    );
    let want: [(Caller, Value); 6] = [
        (ReaderOfA, json!([{"taxpayer": a, "role": "reader"}])),
        (AdminOfA, json!([{"taxpayer": a, "role": "admin"}])),
        (
            ReaderOfAAdminOfB,
            json!([{"taxpayer": a, "role": "reader"}, {"taxpayer": b, "role": "admin"}]),
        ),
        (Operator, json!([])),
        (UnknownOnly, json!([{"taxpayer": u, "role": "admin"}])),
        (LegacyAdmins, json!([])),
    ];
    for (caller, taxpayers) in want {
        let r = m.app.get("/v1/me", m.token(caller).as_deref()).await;
        assert_eq!(r.status, 200, "{caller:?}: {}", r.text());
        assert_eq!(
            r.json(),
            json!({
                "subject": format!("{caller:?}"),
                "operator": caller == Operator,
                "taxpayers": taxpayers,
            }),
            "{caller:?}"
        );
    }
    m.app.get("/v1/me", None).await.problem(401, None);
}
