//! The `software` block navsync sends NAV: it names the product, the same for every deployment.

use navsync_nav::{Software, SoftwareConfig, client::SoftwareOperation};

pub fn navsync_software() -> Software {
    Software::new(SoftwareConfig {
        software_id: "HU-NAVSYNC-0000001".into(),
        software_name: "navsync".into(),
        software_operation: SoftwareOperation::OnlineService,
        software_main_version: env!("CARGO_PKG_VERSION").into(),
        software_dev_name: "navsync".into(),
        software_dev_contact: "navsync@users.noreply.github.com".into(),
        software_dev_country_code: Some("HU".into()),
        software_dev_tax_number: None,
    })
    .expect("navsync's own software block satisfies the schema")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_software_block_is_valid() {
        let software = super::navsync_software();
        assert_eq!(software.config().software_id.len(), 18);
    }
}
