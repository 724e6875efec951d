-- v1: invoices with their filter columns, and the sync state.
CREATE TABLE invoice (
    id              INTEGER PRIMARY KEY,
    taxpayer        TEXT    NOT NULL,
    direction       TEXT    NOT NULL,
    supplier        TEXT    NOT NULL,
    invoice_number  TEXT    NOT NULL,
    -- The batch index, -1 when there is none: NULL would make the key non-unique.
    batch           INTEGER NOT NULL,
    -- Days since 0001-01-01 (chrono's num_days_from_ce): sorts like the date, any year.
    issue_date      INTEGER NOT NULL,
    operation       TEXT    NOT NULL,
    category        TEXT    NOT NULL,
    partner_tax     TEXT,
    -- The partner's name lowercased in Rust: SQLite's lower() only knows ASCII.
    partner_name_lc TEXT,
    currency        TEXT    NOT NULL,
    payment_method  TEXT,
    -- floor(gross HUF × 100), clamped to 64 bits, for index ranges; gross_huf is the
    -- exact decimal the boundary cases are decided on (see amount.rs). Never REAL.
    gross_huf_minor INTEGER NOT NULL,
    gross_huf       TEXT    NOT NULL,
    -- JSON InvoiceSummary: a listing reads this and nothing else.
    summary         TEXT    NOT NULL,
    UNIQUE (taxpayer, direction, supplier, invoice_number, batch)
);
-- The whole InvoiceRecord (JSON), apart: kept in the invoice rows it would spread them over
-- several times the pages, and every listing and filter would read past it.
CREATE TABLE invoice_record (
    invoice_id INTEGER PRIMARY KEY,
    record     TEXT    NOT NULL
);
-- The listing order (issue date, then number, supplier, batch) within a taxpayer and
-- direction: a page is an index range scan, in either order. The trailing columns let the
-- filters that no index ranges over be checked on the index entry, without reading the row.
CREATE INDEX invoice_by_date ON invoice (
    taxpayer, direction, issue_date, invoice_number, supplier, batch,
    operation, category, currency, payment_method, gross_huf_minor, partner_name_lc);
CREATE INDEX invoice_by_partner
    ON invoice (taxpayer, direction, partner_tax, issue_date, invoice_number, supplier, batch);
CREATE INDEX invoice_by_number ON invoice (taxpayer, direction, invoice_number);
CREATE TABLE sync_state (
    taxpayer  TEXT NOT NULL,
    direction TEXT NOT NULL,
    watermark TEXT,
    last_run  TEXT,
    PRIMARY KEY (taxpayer, direction)
) WITHOUT ROWID;
