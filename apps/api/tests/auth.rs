//! Token verification against a real JWKS server with real RS256 keys: every attack fails
//! with a 401-class error, and the key set is fetched lazily and not hammered.

mod jwks;

use std::time::Duration;

use jwks::*;
use navsync_api::{AuthError, ClaimsPolicy, Role, TokenVerifier};
use serde_json::json;

fn invalid(r: Result<navsync_api::Principal, AuthError>) -> String {
    match r {
        Err(AuthError::Invalid(why)) => why,
        other => panic!("expected an invalid-token error, got {other:?}"),
    }
}

#[tokio::test]
async fn accepts_cognito_access_and_id_tokens_and_reads_groups() {
    let server = JwksServer::start().await;
    let v = server.verifier();
    let p = v
        .verify(&sign(&access_claims(
            "alice",
            &["taxpayer-12345676", "taxpayer-10773381-admin", "operators"],
        )))
        .await
        .unwrap();
    assert_eq!(p.subject, "alice");
    assert!(p.operator);
    assert_eq!(
        p.roles
            .iter()
            .map(|(t, r)| (t.to_string(), *r))
            .collect::<Vec<_>>(),
        [
            ("10773381".to_owned(), Role::Admin),
            ("12345676".to_owned(), Role::Reader)
        ]
    );
    let p = v
        .verify(&sign(&id_claims("bob", &["taxpayer-12345676"])))
        .await
        .unwrap();
    assert!(!p.operator && p.role("12345676".parse().unwrap()) == Some(Role::Reader));
    // Both verified with one JWKS fetch.
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn expired_tokens_fail_beyond_the_leeway_only() {
    let server = JwksServer::start().await;
    let v = server.verifier();
    let mut c = access_claims("alice", &[]);
    c["exp"] = json!(now() - 120);
    assert!(invalid(v.verify(&sign(&c)).await).contains("expired"));
    // 10 s past expiry is within the 30 s clock-skew leeway.
    c["exp"] = json!(now() - 10);
    assert!(v.verify(&sign(&c)).await.is_ok());
}

#[tokio::test]
async fn wrong_issuer_audience_client_or_token_use_fail() {
    let server = JwksServer::start().await;
    let v = server.verifier();
    let mut c = access_claims("alice", &[]);
    c["iss"] = json!("https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_other");
    assert!(invalid(v.verify(&sign(&c)).await).contains("issuer"));

    let mut c = access_claims("alice", &[]);
    c["client_id"] = json!("someone-elses-client");
    assert!(invalid(v.verify(&sign(&c)).await).contains("client"));

    let mut c = id_claims("alice", &[]);
    c["aud"] = json!("someone-elses-client");
    assert!(invalid(v.verify(&sign(&c)).await).contains("aud"));

    let mut c = access_claims("alice", &[]);
    c["token_use"] = json!("refresh");
    assert!(invalid(v.verify(&sign(&c)).await).contains("token_use"));
    c.as_object_mut().unwrap().remove("token_use");
    assert!(invalid(v.verify(&sign(&c)).await).contains("token_use"));

    let mut c = access_claims("alice", &[]);
    c.as_object_mut().unwrap().remove("exp");
    assert!(invalid(v.verify(&sign(&c)).await).contains("required claim"));
}

#[tokio::test]
async fn forged_tokens_fail() {
    let server = JwksServer::start().await;
    let v = server.verifier();
    let user = access_claims("mallory", &["taxpayer-12345676"]);
    let mut admin = user.clone();
    admin["cognito:groups"] = json!(["operators"]);

    assert!(invalid(v.verify(&tampered(&user, &admin)).await).contains("signature"));
    // `alg: none` is not even a parseable header for jsonwebtoken; either way it is refused.
    invalid(v.verify(&unsigned(&admin)).await);
    assert!(invalid(v.verify(&hs256_with_public_key(&admin)).await).contains("RS256"));
    // Signed by a key the issuer never published.
    assert!(
        invalid(v.verify(&sign_with(&admin, OTHER_PEM, SIGNING_KID)).await).contains("signature")
    );
    assert!(
        invalid(v.verify(&sign_with(&admin, OTHER_PEM, OTHER_KID)).await).contains("unknown key")
    );
    for garbage in ["", "abc", "a.b.c", "e30.e30.", "Bearer x"] {
        invalid(v.verify(garbage).await);
    }
}

#[tokio::test]
async fn unknown_kids_refetch_at_most_once_per_interval_and_rotation_works() {
    let server = JwksServer::start().await;
    let v = server.verifier_with(ClaimsPolicy::default(), Duration::from_secs(3600));
    let claims = access_claims("alice", &[]);
    v.verify(&sign(&claims)).await.unwrap();
    assert_eq!(server.hits(), 1);
    for _ in 0..5 {
        invalid(v.verify(&sign_with(&claims, OTHER_PEM, OTHER_KID)).await);
    }
    assert_eq!(server.hits(), 1, "unknown kids must not hammer the JWKS");

    // Key rotation: the issuer publishes a new key; a verifier allowed to refetch picks it up.
    let v = server.verifier_with(ClaimsPolicy::default(), Duration::ZERO);
    v.verify(&sign(&claims)).await.unwrap();
    assert_eq!(server.hits(), 2);
    server.keys.lock().unwrap().push(jwk("other"));
    v.verify(&sign_with(&claims, OTHER_PEM, OTHER_KID))
        .await
        .unwrap();
    assert_eq!(server.hits(), 3);
    // Known kids are served from the cache.
    v.verify(&sign(&claims)).await.unwrap();
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn an_unreachable_jwks_is_unavailable_not_invalid() {
    // A socket bound but never listening: connecting to it is refused, and while it stays
    // bound (to the end of the test) no other process can take the port and answer.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!("http://{}/jwks.json", socket.local_addr().unwrap());
    let v =
        navsync_api::OidcVerifier::new(navsync_api::OidcConfig::cognito(ISSUER, CLIENT_ID, url));
    // Also the second time, inside the refetch interval: a good token is not called invalid.
    for _ in 0..2 {
        match v.verify(&sign(&access_claims("alice", &[]))).await {
            Err(AuthError::Unavailable(why)) => assert!(why.contains("JWKS"), "{why}"),
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }
    drop(socket);
}

#[tokio::test]
async fn the_taxpayers_claim_is_honoured_only_when_trusted() {
    let server = JwksServer::start().await;
    let mut c = access_claims("alice", &[]);
    c["custom:taxpayers"] = json!("12345676,99999999");
    let strict = server.verifier();
    assert!(strict.verify(&sign(&c)).await.unwrap().roles.is_empty());
    let trusting = server.verifier_with(
        ClaimsPolicy {
            taxpayers_claim: true,
            ..ClaimsPolicy::default()
        },
        Duration::from_secs(60),
    );
    let p = trusting.verify(&sign(&c)).await.unwrap();
    // Reader only: the claim names taxpayers, never a role that may sync.
    assert_eq!(p.roles.len(), 2);
    assert!(p.roles.values().all(|r| *r == Role::Reader));
}
