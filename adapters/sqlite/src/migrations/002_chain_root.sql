-- v2: modification chains by their root invoice number, backfilled from the stored records.
ALTER TABLE invoice ADD COLUMN chain_root TEXT;
UPDATE invoice SET chain_root = coalesce(
    json_extract(record, '$.invoice.modification.original_invoice_number'),
    json_extract(record, '$.invoice.invoice_number'));
CREATE INDEX invoice_by_chain ON invoice (taxpayer, direction, supplier, chain_root);
