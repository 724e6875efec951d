-- v4: versions of an invoice (see navsync_domain::InvoiceId). `invoice` holds the current
-- version of each invoice and now its report id (NULL for rows stored before: read from the
-- record's digest then); `invoice_version` the superseded ones, whole records as JSON.
ALTER TABLE invoice ADD COLUMN report_id TEXT;
CREATE TABLE invoice_version (
    taxpayer       TEXT    NOT NULL,
    direction      TEXT    NOT NULL,
    supplier       TEXT    NOT NULL,
    invoice_number TEXT    NOT NULL,
    batch          INTEGER NOT NULL,
    report_id      TEXT    NOT NULL,
    ins_date       TEXT    NOT NULL,
    record         TEXT    NOT NULL,
    PRIMARY KEY (taxpayer, direction, supplier, invoice_number, batch, report_id)
) WITHOUT ROWID;
