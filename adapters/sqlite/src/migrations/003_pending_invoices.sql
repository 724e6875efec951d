-- v3: invoices listed by NAV that could not be stored yet (quarantined), per taxpayer and
-- direction; `entry` is the whole PendingInvoice as JSON, `invoice_key` its key as JSON.
CREATE TABLE pending_invoice (
    taxpayer TEXT NOT NULL,
    direction TEXT NOT NULL,
    invoice_key TEXT NOT NULL,
    first_failed_at TEXT NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (taxpayer, direction, invoice_key)
);
CREATE INDEX pending_by_age ON pending_invoice (taxpayer, direction, first_failed_at);
