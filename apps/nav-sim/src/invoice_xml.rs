//! Writes a domain [`Invoice`] as a NAV 3.0 invoice document (`InvoiceData`, invoiceData.xsd).

use std::fmt::Write as _;

use navsync_domain::{Invoice, InvoiceCategory, Line, Party, TaxNumber, VatRate, VatStatus};
use rust_decimal::Decimal;

use crate::xml_tree::{NS_BASE, NS_COMMON, NS_DATA, escape};

const UNITS: [&str; 16] = [
    "PIECE",
    "KILOGRAM",
    "TON",
    "KWH",
    "DAY",
    "HOUR",
    "MINUTE",
    "MONTH",
    "LITER",
    "KILOMETER",
    "CUBIC_METER",
    "METER",
    "LINEAR_METER",
    "CARTON",
    "PACK",
    "OWN",
];

/// The document for one invoice (not a batch), UTF-8 XML.
pub fn invoice_document(inv: &Invoice) -> String {
    let mut x = String::with_capacity(4096);
    x.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = write!(
        x,
        r#"<InvoiceData xmlns="{NS_DATA}" xmlns:common="{NS_COMMON}" xmlns:base="{NS_BASE}">"#
    );
    el(&mut x, "invoiceNumber", inv.invoice_number.as_str());
    el(&mut x, "invoiceIssueDate", &inv.issue_date.to_string());
    el(
        &mut x,
        "completenessIndicator",
        bool_str(inv.completeness_indicator),
    );
    x.push_str("<invoiceMain><invoice>");
    if let Some(m) = &inv.modification {
        x.push_str("<invoiceReference>");
        el(
            &mut x,
            "originalInvoiceNumber",
            m.original_invoice_number.as_str(),
        );
        el(
            &mut x,
            "modifyWithoutMaster",
            bool_str(m.modify_without_master),
        );
        el(
            &mut x,
            "modificationIndex",
            &m.modification_index.to_string(),
        );
        x.push_str("</invoiceReference>");
    }
    head(&mut x, inv);
    if !inv.lines.is_empty() {
        x.push_str("<invoiceLines><mergedItemIndicator>false</mergedItemIndicator>");
        for line in &inv.lines {
            write_line(&mut x, inv, line);
        }
        x.push_str("</invoiceLines>");
    }
    summary(&mut x, inv);
    x.push_str("</invoice></invoiceMain></InvoiceData>");
    x
}

fn head(x: &mut String, inv: &Invoice) {
    x.push_str("<invoiceHead><supplierInfo>");
    let s = &inv.supplier;
    if let Some(tn) = &s.tax_number {
        tax_number(x, "supplierTaxNumber", tn);
    }
    if let Some(g) = &s.group_member_tax_number {
        tax_number(x, "groupMemberTaxNumber", g);
    }
    if let Some(c) = &s.community_vat_number {
        el(x, "communityVatNumber", c);
    }
    el(x, "supplierName", s.name.as_deref().unwrap_or("-"));
    address(x, "supplierAddress", s);
    if let Some(b) = &s.bank_account {
        el(x, "supplierBankAccountNumber", b);
    }
    x.push_str("</supplierInfo>");
    customer(x, &inv.customer);
    x.push_str("<invoiceDetail>");
    el(x, "invoiceCategory", inv.category.as_str());
    el(
        x,
        "invoiceDeliveryDate",
        &inv.delivery_date.unwrap_or(inv.issue_date).to_string(),
    );
    if let Some((from, to)) = inv.delivery_period {
        el(x, "invoiceDeliveryPeriodStart", &from.to_string());
        el(x, "invoiceDeliveryPeriodEnd", &to.to_string());
    }
    el(x, "currencyCode", &inv.currency);
    el(x, "exchangeRate", &inv.exchange_rate.to_string());
    if let Some(p) = inv.payment_method {
        el(x, "paymentMethod", p.as_str());
    }
    if let Some(d) = inv.payment_date {
        el(x, "paymentDate", &d.to_string());
    }
    el(
        x,
        "invoiceAppearance",
        inv.appearance.as_deref().unwrap_or("UNKNOWN"),
    );
    x.push_str("</invoiceDetail></invoiceHead>");
}

fn customer(x: &mut String, c: &Party) {
    let Some(status) = c.vat_status else {
        return;
    };
    x.push_str("<customerInfo>");
    el(x, "customerVatStatus", status.as_str());
    if status != VatStatus::PrivatePerson {
        if let Some(tn) = &c.tax_number {
            x.push_str("<customerVatData>");
            tax_number(x, "customerTaxNumber", tn);
            x.push_str("</customerVatData>");
        } else if let Some(cv) = &c.community_vat_number {
            x.push_str("<customerVatData>");
            el(x, "communityVatNumber", cv);
            x.push_str("</customerVatData>");
        } else if let Some(t) = &c.third_state_tax_id {
            x.push_str("<customerVatData>");
            el(x, "thirdStateTaxId", t);
            x.push_str("</customerVatData>");
        }
        if let Some(n) = &c.name {
            el(x, "customerName", n);
        }
        if c.address.is_some() {
            address(x, "customerAddress", c);
        }
        if let Some(b) = &c.bank_account {
            el(x, "customerBankAccountNumber", b);
        }
    }
    x.push_str("</customerInfo>");
}

fn tax_number(x: &mut String, tag: &str, tn: &TaxNumber) {
    let _ = write!(
        x,
        "<{tag}><base:taxpayerId>{}</base:taxpayerId>",
        tn.taxpayer_id
    );
    if let Some(v) = tn.vat_code {
        let _ = write!(x, "<base:vatCode>{v}</base:vatCode>");
    }
    if let Some(c) = &tn.county_code {
        let _ = write!(x, "<base:countyCode>{c}</base:countyCode>");
    }
    let _ = write!(x, "</{tag}>");
}

fn address(x: &mut String, tag: &str, p: &Party) {
    let a = p.address.clone().unwrap_or_default();
    let _ = write!(x, "<{tag}><base:simpleAddress>");
    el(x, "base:countryCode", or_dash(&a.country_code, "HU"));
    el(x, "base:postalCode", or_dash(&a.postal_code, "0000"));
    el(x, "base:city", or_dash(&a.city, "-"));
    el(x, "base:additionalAddressDetail", or_dash(&a.street, "-"));
    let _ = write!(x, "</base:simpleAddress></{tag}>");
}

fn or_dash<'a>(s: &'a str, fallback: &'a str) -> &'a str {
    if s.trim().is_empty() { fallback } else { s }
}

fn write_line(x: &mut String, inv: &Invoice, line: &Line) {
    x.push_str("<line>");
    el(x, "lineNumber", &line.number.to_string());
    if let Some(m) = &line.modification {
        x.push_str("<lineModificationReference>");
        el(
            x,
            "lineNumberReference",
            &m.line_number_reference.to_string(),
        );
        let op = if m.operation == navsync_domain::InvoiceOperation::Create {
            "CREATE"
        } else {
            "MODIFY"
        };
        el(x, "lineOperation", op);
        x.push_str("</lineModificationReference>");
    }
    if line.advance_payment {
        x.push_str("<advanceData><advanceIndicator>true</advanceIndicator></advanceData>");
    }
    let expression = line.quantity.is_some() && line.unit.is_some() && line.unit_price.is_some();
    el(x, "lineExpressionIndicator", bool_str(expression));
    if let Some(d) = &line.description {
        el(x, "lineDescription", d);
    }
    if let Some(q) = line.quantity {
        el(x, "quantity", &q.to_string());
    }
    if let Some(u) = &line.unit {
        if UNITS.contains(&u.as_str()) {
            el(x, "unitOfMeasure", u);
        } else {
            el(x, "unitOfMeasure", "OWN");
            el(x, "unitOfMeasureOwn", u);
        }
    }
    if let Some(p) = line.unit_price {
        el(x, "unitPrice", &p.to_string());
    }
    let rate = line.vat_rate.clone().unwrap_or(VatRate::Percentage {
        rate: Decimal::ZERO,
    });
    if inv.category == InvoiceCategory::Simplified {
        x.push_str("<lineAmountsSimplified>");
        vat_rate(x, "lineVatRate", &rate);
        el(x, "lineGrossAmountSimplified", &money(line.gross));
        el(x, "lineGrossAmountSimplifiedHUF", &money(line.gross_huf));
        x.push_str("</lineAmountsSimplified>");
    } else {
        x.push_str("<lineAmountsNormal><lineNetAmountData>");
        el(x, "lineNetAmount", &money(line.net));
        el(x, "lineNetAmountHUF", &money(line.net_huf));
        x.push_str("</lineNetAmountData>");
        vat_rate(x, "lineVatRate", &rate);
        if line.vat.is_some() {
            x.push_str("<lineVatData>");
            el(x, "lineVatAmount", &money(line.vat));
            el(x, "lineVatAmountHUF", &money(line.vat_huf));
            x.push_str("</lineVatData>");
        }
        if line.gross.is_some() {
            x.push_str("<lineGrossAmountData>");
            el(x, "lineGrossAmountNormal", &money(line.gross));
            el(x, "lineGrossAmountNormalHUF", &money(line.gross_huf));
            x.push_str("</lineGrossAmountData>");
        }
        x.push_str("</lineAmountsNormal>");
    }
    if inv.category == InvoiceCategory::Aggregate {
        let day = inv
            .delivery_period
            .map(|(from, _)| from)
            .or(inv.delivery_date)
            .unwrap_or(inv.issue_date);
        x.push_str("<aggregateInvoiceLineData>");
        el(x, "lineExchangeRate", &inv.exchange_rate.to_string());
        el(x, "lineDeliveryDate", &day.to_string());
        x.push_str("</aggregateInvoiceLineData>");
    }
    x.push_str("</line>");
}

fn summary(x: &mut String, inv: &Invoice) {
    x.push_str("<invoiceSummary>");
    if inv.category == InvoiceCategory::Simplified {
        for s in &inv.vat_summary {
            x.push_str("<summarySimplified>");
            vat_rate(x, "vatRate", &s.vat_rate);
            el(x, "vatContentGrossAmount", &money(s.gross));
            el(x, "vatContentGrossAmountHUF", &money(s.gross_huf));
            x.push_str("</summarySimplified>");
        }
    } else {
        x.push_str("<summaryNormal>");
        for s in &inv.vat_summary {
            x.push_str("<summaryByVatRate>");
            vat_rate(x, "vatRate", &s.vat_rate);
            x.push_str("<vatRateNetData>");
            el(x, "vatRateNetAmount", &money(Some(s.net)));
            el(x, "vatRateNetAmountHUF", &money(Some(s.net_huf)));
            x.push_str("</vatRateNetData><vatRateVatData>");
            el(x, "vatRateVatAmount", &money(Some(s.vat)));
            el(x, "vatRateVatAmountHUF", &money(Some(s.vat_huf)));
            x.push_str("</vatRateVatData>");
            if let (Some(g), Some(gh)) = (s.gross, s.gross_huf) {
                x.push_str("<vatRateGrossData>");
                el(x, "vatRateGrossAmount", &money(Some(g)));
                el(x, "vatRateGrossAmountHUF", &money(Some(gh)));
                x.push_str("</vatRateGrossData>");
            }
            x.push_str("</summaryByVatRate>");
        }
        let t = &inv.totals;
        el(x, "invoiceNetAmount", &money(Some(t.net)));
        el(x, "invoiceNetAmountHUF", &money(Some(t.net_huf)));
        el(x, "invoiceVatAmount", &money(Some(t.vat)));
        el(x, "invoiceVatAmountHUF", &money(Some(t.vat_huf)));
        x.push_str("</summaryNormal>");
    }
    x.push_str("<summaryGrossData>");
    el(x, "invoiceGrossAmount", &money(Some(inv.totals.gross)));
    el(
        x,
        "invoiceGrossAmountHUF",
        &money(Some(inv.totals.gross_huf)),
    );
    x.push_str("</summaryGrossData></invoiceSummary>");
}

fn vat_rate(x: &mut String, tag: &str, r: &VatRate) {
    let _ = write!(x, "<{tag}>");
    match r {
        VatRate::Percentage { rate } => el(x, "vatPercentage", &rate.normalize().to_string()),
        VatRate::Content { content } => el(x, "vatContent", &content.normalize().to_string()),
        VatRate::Exempt { case, reason } => reason_el(x, "vatExemption", case, reason),
        VatRate::OutOfScope { case, reason } => reason_el(x, "vatOutOfScope", case, reason),
        VatRate::DomesticReverseCharge => el(x, "vatDomesticReverseCharge", "true"),
        VatRate::MarginScheme { indicator } => el(x, "marginSchemeIndicator", indicator),
        VatRate::AmountMismatch { rate, case } => {
            x.push_str("<vatAmountMismatch>");
            el(x, "vatRate", &rate.normalize().to_string());
            el(x, "case", case);
            x.push_str("</vatAmountMismatch>");
        }
        VatRate::NoVatCharge => el(x, "noVatCharge", "true"),
    }
    let _ = write!(x, "</{tag}>");
}

fn reason_el(x: &mut String, tag: &str, case: &str, reason: &str) {
    let _ = write!(x, "<{tag}>");
    el(x, "case", case);
    el(x, "reason", reason);
    let _ = write!(x, "</{tag}>");
}

/// `MonetaryType`: at most 2 decimals.
fn money(d: Option<Decimal>) -> String {
    d.unwrap_or(Decimal::ZERO)
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .to_string()
}

fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

pub(crate) fn el(x: &mut String, tag: &str, text: &str) {
    let _ = write!(x, "<{tag}>{}</{tag}>", escape(text));
}
