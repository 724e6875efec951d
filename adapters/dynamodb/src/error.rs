//! AWS SDK errors to the domain's typed [`RepoError`].

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use navsync_domain::ports::RepoError;

/// Codes that mean "later may work": the SDK already retried them with backoff.
const TRANSIENT: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
];

pub(crate) fn repo_error<E, R>(what: &str, err: SdkError<E, R>) -> RepoError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = err.code().map(str::to_owned);
    let detail = format!("{what}: {}", DisplayErrorContext(&err));
    match (&err, code.as_deref()) {
        (_, Some("ConditionalCheckFailedException")) => RepoError::Conflict(detail),
        (_, Some(c)) if TRANSIENT.contains(&c) => RepoError::Unavailable(detail),
        (_, Some("ValidationException" | "SerializationException")) => RepoError::Invalid(detail),
        (SdkError::ServiceError(_), _) => RepoError::Unavailable(detail),
        // Dispatch failures, timeouts, unreadable responses: the store could not be reached.
        _ => RepoError::Unavailable(detail),
    }
}
