-- v2: modification chains by their root invoice number, backfilled from the stored records.
ALTER TABLE invoice ADD COLUMN chain_root TEXT;
UPDATE invoice SET chain_root = (
    SELECT coalesce(
        json_extract(r.record, '$.invoice.modification.original_invoice_number'),
        json_extract(r.record, '$.invoice.invoice_number'))
    FROM invoice_record r WHERE r.invoice_id = invoice.id);
CREATE INDEX invoice_by_chain ON invoice (taxpayer, direction, supplier, chain_root);
