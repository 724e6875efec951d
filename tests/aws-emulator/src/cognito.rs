//! Cognito user pools in the emulator, over Cognito's JSON protocol (no SDK crate just for
//! tests): a pool and app client, users in groups with their tokens, and the claims as API
//! Gateway's JWT authorizer hands them on.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

/// A fresh user pool with an app client that allows password sign-in.
pub struct Cognito {
    http: reqwest::Client,
    endpoint: String,
    pub pool: String,
    pub client_id: String,
}

impl Cognito {
    pub async fn call(&self, action: &str, body: Value) -> Value {
        let res = self
            .http
            .post(&self.endpoint)
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{action}"),
            )
            // moto reads the region from the credential scope; it does not check signatures.
            .header(
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential=testing/20260101/{}/cognito-idp/aws4_request, SignedHeaders=host, Signature=00",
                    crate::REGION
                ),
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(status.is_success(), "{action}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub async fn new_pool() -> Self {
        let mut c = Self {
            http: reqwest::Client::new(),
            endpoint: crate::emulator().endpoint().to_owned(),
            pool: String::new(),
            client_id: String::new(),
        };
        c.pool = c
            .call(
                "CreateUserPool",
                json!({"PoolName": crate::unique_name("e2e-pool")}),
            )
            .await["UserPool"]["Id"]
            .as_str()
            .unwrap()
            .to_owned();
        c.client_id = c
            .call(
                "CreateUserPoolClient",
                json!({"UserPoolId": c.pool, "ClientName": "web",
                       "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
            )
            .await["UserPoolClient"]["ClientId"]
            .as_str()
            .unwrap()
            .to_owned();
        c
    }

    /// The `iss` of the pool's tokens: moto names the AWS host, not its own endpoint.
    pub fn issuer(&self) -> String {
        format!(
            "https://cognito-idp.{}.amazonaws.com/{}",
            crate::REGION,
            self.pool
        )
    }

    /// Where the keys really are: the emulator's endpoint.
    pub fn jwks_url(&self) -> String {
        format!("{}/{}/.well-known/jwks.json", self.endpoint, self.pool)
    }

    pub async fn group(&self, name: &str) {
        self.call(
            "CreateGroup",
            json!({"UserPoolId": self.pool, "GroupName": name}),
        )
        .await;
    }

    /// A user in `groups` (made with [`Cognito::group`] first); its tokens from AdminInitiateAuth.
    pub async fn user(&self, name: &str, groups: &[String]) -> UserTokens {
        self.call(
            "AdminCreateUser",
            json!({"UserPoolId": self.pool, "Username": name,
            "TemporaryPassword": "Temp-Pass1!", "MessageAction": "SUPPRESS"}),
        )
        .await;
        self.call(
            "AdminSetUserPassword",
            json!({"UserPoolId": self.pool, "Username": name,
            "Password": "Real-Pass1!", "Permanent": true}),
        )
        .await;
        for g in groups {
            self.call(
                "AdminAddUserToGroup",
                json!({"UserPoolId": self.pool, "Username": name, "GroupName": g}),
            )
            .await;
        }
        let auth = self
            .call(
                "AdminInitiateAuth",
                json!({"UserPoolId": self.pool, "ClientId": self.client_id,
                       "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                       "AuthParameters": {"USERNAME": name, "PASSWORD": "Real-Pass1!"}}),
            )
            .await;
        let token = |kind: &str| {
            auth["AuthenticationResult"][kind]
                .as_str()
                .unwrap_or_else(|| panic!("no {kind} in {auth}"))
                .to_owned()
        };
        UserTokens {
            access: token("AccessToken"),
            id: token("IdToken"),
        }
    }
}

/// A signed-in user's Cognito tokens.
pub struct UserTokens {
    pub access: String,
    pub id: String,
}

/// A token's claims as API Gateway's JWT authorizer passes them on: every value a string,
/// arrays as `[a b]`.
pub fn authorizer_claims(token: &str) -> Map<String, Value> {
    let payload = token.split('.').nth(1).unwrap();
    let claims: Map<String, Value> =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims
        .into_iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s,
                Value::Array(items) => format!(
                    "[{}]",
                    items
                        .iter()
                        .map(|i| i.as_str().unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                other => other.to_string(),
            };
            (k, Value::String(s))
        })
        .collect()
}
