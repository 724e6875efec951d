//! SSM credentials against the harness's emulator: read with decryption, cached, and errors
//! that name the parameter and never the value.

use navsync_aws_emulator as emu;
use navsync_domain::TaxpayerId;
use navsync_domain::ports::{CredentialStore, CredentialsError};
use navsync_ssm::aws_sdk_ssm::types::ParameterType;
use navsync_ssm::{SsmConfig, SsmCredentials};

const PASSWORD: &str = "Pa55-w0rd-value";
const SIGN_KEY: &str = "ab-cdef-0123456789abcdef01234567";
const EXCHANGE_KEY: &str = "EXCH4NG3K3Y12345";

fn taxpayer() -> TaxpayerId {
    "12345676".parse().expect("valid taxpayer id")
}

async fn put(ssm: &navsync_ssm::aws_sdk_ssm::Client, name: &str, value: &str, kind: ParameterType) {
    ssm.put_parameter()
        .name(name)
        .value(value)
        .r#type(kind)
        .overwrite(true)
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "put {name}: {}",
                navsync_ssm::aws_sdk_ssm::error::DisplayErrorContext(e)
            )
        });
}

struct Fixture {
    ssm: navsync_ssm::aws_sdk_ssm::Client,
    store: SsmCredentials,
    prefix: String,
}

impl Fixture {
    async fn new() -> Self {
        let sdk = emu::sdk_config().await;
        let prefix = emu::new_ssm_prefix("ssm");
        Self {
            ssm: navsync_ssm::aws_sdk_ssm::Client::new(&sdk),
            store: SsmCredentials::new(
                &sdk,
                SsmConfig {
                    prefix: prefix.clone(),
                },
            )
            .expect("config"),
            prefix,
        }
    }

    fn name(&self, n: &str) -> String {
        format!("{}/{}/{n}", self.prefix, taxpayer())
    }

    async fn put_all(&self) {
        put(
            &self.ssm,
            &self.name("login"),
            "techuser01",
            ParameterType::String,
        )
        .await;
        put(
            &self.ssm,
            &self.name("password"),
            PASSWORD,
            ParameterType::SecureString,
        )
        .await;
        put(
            &self.ssm,
            &self.name("sign-key"),
            SIGN_KEY,
            ParameterType::SecureString,
        )
        .await;
        put(
            &self.ssm,
            &self.name("exchange-key"),
            EXCHANGE_KEY,
            ParameterType::SecureString,
        )
        .await;
    }
}

fn assert_no_secret(e: &CredentialsError) {
    let shown = format!("{e} {e:?}");
    for secret in [
        PASSWORD,
        SIGN_KEY,
        EXCHANGE_KEY,
        "  padded-secret  ",
        "plain-text-password",
    ] {
        assert!(!shown.contains(secret.trim()), "{secret} leaked: {shown}");
    }
}

#[tokio::test]
async fn reads_decrypted_credentials_and_caches_them() {
    let f = Fixture::new().await;
    f.put_all().await;
    let creds = f.store.credentials(taxpayer()).await.expect("credentials");
    assert_eq!(creds.tax_number, taxpayer());
    assert_eq!(creds.login, "techuser01");
    assert_eq!(creds.password.expose(), PASSWORD);
    assert_eq!(creds.sign_key.expose(), SIGN_KEY);
    assert_eq!(creds.exchange_key.expose(), EXCHANGE_KEY);
    assert!(!format!("{creds:?}").contains(PASSWORD));

    // Cached for the life of the process: gone from SSM, still served.
    f.ssm
        .delete_parameters()
        .names(f.name("password"))
        .names(f.name("sign-key"))
        .send()
        .await
        .expect("delete");
    let again = f.store.credentials(taxpayer()).await.expect("cached");
    assert_eq!(again, creds);
}

#[tokio::test]
async fn a_missing_parameter_is_named() {
    let f = Fixture::new().await;
    f.put_all().await;
    f.ssm
        .delete_parameter()
        .name(f.name("exchange-key"))
        .send()
        .await
        .expect("delete");
    let e = f.store.credentials(taxpayer()).await.expect_err("missing");
    assert_eq!(
        e,
        CredentialsError::Missing {
            name: f.name("exchange-key")
        }
    );
    assert!(e.to_string().contains(&f.name("exchange-key")));
    assert_no_secret(&e);

    // Nothing at all for another taxpayer: the first parameter looked for is named.
    let other: TaxpayerId = "11111111".parse().expect("valid");
    let e = f.store.credentials(other).await.expect_err("missing");
    assert_eq!(
        e,
        CredentialsError::Missing {
            name: format!("{}/11111111/login", f.prefix)
        }
    );
}

#[tokio::test]
async fn a_malformed_parameter_is_named_without_its_value() {
    let f = Fixture::new().await;
    f.put_all().await;
    put(
        &f.ssm,
        &f.name("password"),
        "plain-text-password",
        ParameterType::String,
    )
    .await;
    let e = f
        .store
        .credentials(taxpayer())
        .await
        .expect_err("not a SecureString");
    match &e {
        CredentialsError::Malformed { name, reason } => {
            assert_eq!(name, &f.name("password"));
            assert!(reason.contains("SecureString"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_no_secret(&e);

    put(
        &f.ssm,
        &f.name("password"),
        PASSWORD,
        ParameterType::SecureString,
    )
    .await;
    put(
        &f.ssm,
        &f.name("sign-key"),
        "  padded-secret  ",
        ParameterType::SecureString,
    )
    .await;
    let e = f
        .store
        .credentials(taxpayer())
        .await
        .expect_err("whitespace");
    assert!(
        matches!(&e, CredentialsError::Malformed { name, .. } if name == &f.name("sign-key")),
        "{e:?}"
    );
    assert_no_secret(&e);
    // A failed read is not cached: fixed in SSM, it works.
    put(
        &f.ssm,
        &f.name("sign-key"),
        SIGN_KEY,
        ParameterType::SecureString,
    )
    .await;
    assert_eq!(
        f.store
            .credentials(taxpayer())
            .await
            .expect("fixed")
            .sign_key
            .expose(),
        SIGN_KEY
    );
}

#[tokio::test]
async fn a_bad_prefix_is_refused() {
    let sdk = emu::sdk_config().await;
    for bad in ["", "navsync", "/navsync/", "/"] {
        assert!(
            SsmCredentials::new(&sdk, SsmConfig { prefix: bad.into() }).is_err(),
            "{bad:?}"
        );
    }
}
