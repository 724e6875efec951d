-- v1: invoices with their filter columns, and the sync state.
CREATE TABLE invoice (
    taxpayer        TEXT    NOT NULL,
    direction       TEXT    NOT NULL,
    supplier        TEXT    NOT NULL,
    invoice_number  TEXT    NOT NULL,
    -- The batch index, -1 when there is none: NULL would make the primary key non-unique.
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
    -- JSON: the listing row, then the whole record. The record goes last so a listing
    -- reads only the first part of each row, not the record's overflow pages.
    summary         TEXT    NOT NULL,
    record          TEXT    NOT NULL,
    PRIMARY KEY (taxpayer, direction, supplier, invoice_number, batch)
);
-- The listing order (issue date, then number, supplier, batch) within a taxpayer and
-- direction: a page is an index range scan, in either order.
CREATE INDEX invoice_by_date
    ON invoice (taxpayer, direction, issue_date, invoice_number, supplier, batch);
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
