# ---- Deployment ---------------------------------------------------------------------------------

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-central-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-central-1."
  }
}

variable "name" {
  description = "Name of this deployment; prefixes every resource name, so two deployments can share an account."
  type        = string
  default     = "navsync"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}[a-z0-9]$", var.name))
    error_message = "name must be 3-22 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

# ---- NAV and sync -------------------------------------------------------------------------------

variable "nav_environment" {
  description = "NAV Online Számla environment the sync talks to: test or production."
  type        = string
  default     = "test"

  validation {
    condition     = contains(["test", "production"], var.nav_environment)
    error_message = "nav_environment must be test or production."
  }
}

variable "nav_credentials" {
  description = "NAV technical-user credentials per taxpayer id (the 8-digit törzsszám). Stored as SSM SecureString parameters; they are also in the Terraform state, so keep the state encrypted and private."
  type = map(object({
    login        = string
    password     = string
    sign_key     = string
    exchange_key = string
  }))
  sensitive = true

  validation {
    condition     = length(var.nav_credentials) > 0
    error_message = "nav_credentials needs at least one taxpayer."
  }

  # The check digit rule of TaxpayerId in domain/src/tax_number.rs: weights 9,7,3,1,9,7,3 over
  # the first seven digits, check = (10 - sum mod 10) mod 10.
  validation {
    condition = alltrue([
      # A conditional, not &&: Terraform evaluates both operands of &&.
      for id in keys(var.nav_credentials) : can(regex("^[0-9]{8}$", id)) ? (
        (10 - (sum([for i, w in [9, 7, 3, 1, 9, 7, 3] : w * tonumber(substr(id, i, 1))]) % 10)) % 10
      ) == tonumber(substr(id, 7, 1)) : false
    ])
    error_message = "Every key of nav_credentials must be a valid 8-digit taxpayer id (the first 8 digits of the tax number, with a correct check digit)."
  }

  validation {
    condition = alltrue([
      for c in values(var.nav_credentials) :
      length(c.login) > 0 && length(c.password) > 0 && length(c.sign_key) > 0 && length(c.exchange_key) > 0
    ])
    error_message = "Every taxpayer in nav_credentials needs a non-empty login, password, sign_key and exchange_key."
  }
}

variable "lookback_days" {
  description = "How many days back a sync looks when a taxpayer has no watermark yet (NAV keeps the query window open for the past)."
  type        = number
  default     = 5

  validation {
    condition     = var.lookback_days >= 1 && var.lookback_days <= 30 && floor(var.lookback_days) == var.lookback_days
    error_message = "lookback_days must be a whole number from 1 to 30."
  }
}

variable "recheck_days" {
  description = "How many days behind its watermark every scheduled sync lists NAV's digests again, for invoices NAV lists late (only what is not stored is fetched); 0 turns it off (the daily rescan sweep still runs)."
  type        = number
  default     = 3

  validation {
    condition     = var.recheck_days >= 0 && var.recheck_days <= 30 && floor(var.recheck_days) == var.recheck_days
    error_message = "recheck_days must be a whole number from 0 (off) to 30."
  }
}

variable "nav_max_concurrency" {
  description = "Ceiling of concurrent NAV requests per sync run; the client adapts below it to NAV's latency and errors (v3 has no documented rate limit; spec 1.6.11 restricts v1 only)."
  type        = number
  default     = 8

  validation {
    condition     = var.nav_max_concurrency >= 1 && var.nav_max_concurrency <= 64 && floor(var.nav_max_concurrency) == var.nav_max_concurrency
    error_message = "nav_max_concurrency must be a whole number from 1 to 64."
  }
}

variable "nav_strict_pacing" {
  description = "Send NAV requests one at a time, 1.02 s apart (spec 1.6.11's v1 restriction applied to every call), instead of adapting."
  type        = bool
  default     = false
}

variable "sync_schedule" {
  description = "How often each taxpayer is synced: an EventBridge Scheduler rate(...) or cron(...) expression (cron in Europe/Budapest time)."
  type        = string
  default     = "rate(1 hour)"

  validation {
    condition     = can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", var.sync_schedule))
    error_message = "sync_schedule must be rate(N unit) or cron(...), e.g. rate(1 hour) or cron(15 * * * ? *)."
  }

  # One taxpayer's runs must not overlap: a run may last up to the timeout.
  validation {
    condition = (
      can(regex("^rate\\(([0-9]+) minutes?\\)$", var.sync_schedule))
      ? tonumber(regex("^rate\\(([0-9]+) minutes?\\)$", var.sync_schedule)[0]) * 60 >= var.sync_timeout_seconds
      : true
    )
    error_message = "sync_schedule runs more often than sync_timeout_seconds: a taxpayer's syncs could overlap. Use a longer rate or a shorter timeout."
  }
}

variable "sync_spread_minutes" {
  description = "Each taxpayer's scheduled sync starts at a random moment up to this many minutes after sync_schedule's time, so that 100 taxpayers need a few concurrent runs instead of 100 at once (terraform/README.md, \"Scale on paper\"); 0 starts every run on time."
  type        = number
  default     = 15

  validation {
    condition     = var.sync_spread_minutes >= 0 && var.sync_spread_minutes <= 1440 && floor(var.sync_spread_minutes) == var.sync_spread_minutes
    error_message = "sync_spread_minutes must be a whole number of minutes from 0 to 1440."
  }

  # A run may start spread minutes late and last up to the timeout: the next must not start sooner.
  validation {
    condition = (
      can(regex("^rate\\(([0-9]+) (minute|minutes|hour|hours)\\)$", var.sync_schedule))
      ? (tonumber(regex("^rate\\(([0-9]+) (minute|minutes|hour|hours)\\)$", var.sync_schedule)[0])
        * (startswith(regex("^rate\\(([0-9]+) (minute|minutes|hour|hours)\\)$", var.sync_schedule)[1], "hour") ? 3600 : 60)
      -var.sync_spread_minutes * 60 >= var.sync_timeout_seconds)
      : true
    )
    error_message = "sync_spread_minutes leaves less than sync_timeout_seconds between one run's latest start and the next run: a taxpayer's syncs could overlap. Use a smaller spread or a longer sync_schedule rate."
  }
}

variable "sync_sweep_schedule" {
  description = "When each taxpayer's daily sweep re-lists the whole lookback for invoices NAV listed late (cron in Europe/Budapest time); null turns it off. Every run also re-checks the last days behind its watermark."
  type        = string
  default     = "cron(30 2 * * ? *)"

  validation {
    condition     = var.sync_sweep_schedule == null || can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", var.sync_sweep_schedule))
    error_message = "sync_sweep_schedule must be rate(N unit) or cron(...), e.g. cron(30 2 * * ? *), or null."
  }
}

variable "pending_alarm_hours" {
  description = "Alarm when some invoice NAV listed has stayed quarantined (not fetchable or not readable) for this many hours in a row."
  type        = number
  default     = 6

  validation {
    condition     = var.pending_alarm_hours >= 1 && var.pending_alarm_hours <= 24 && floor(var.pending_alarm_hours) == var.pending_alarm_hours
    error_message = "pending_alarm_hours must be a whole number from 1 to 24."
  }
}

variable "sync_timeout_seconds" {
  description = "Timeout of the sync Lambda, which is the sync's deadline; the sync stops cleanly sync_deadline_margin_seconds before it."
  type        = number
  default     = 900

  validation {
    condition     = var.sync_timeout_seconds >= 60 && var.sync_timeout_seconds <= 900
    error_message = "sync_timeout_seconds must be between 60 and 900 (Lambda's maximum)."
  }
}

variable "sync_deadline_margin_seconds" {
  description = "How long before the Lambda timeout the sync stops starting new NAV calls and saves its watermark."
  type        = number
  default     = 60

  validation {
    condition     = var.sync_deadline_margin_seconds >= 5 && var.sync_deadline_margin_seconds <= var.sync_timeout_seconds / 2
    error_message = "sync_deadline_margin_seconds must be at least 5 and at most half of sync_timeout_seconds."
  }
}

variable "sync_retry_attempts" {
  description = "How often EventBridge Scheduler retries a sync invocation it could not deliver."
  type        = number
  default     = 3

  validation {
    condition     = var.sync_retry_attempts >= 0 && var.sync_retry_attempts <= 185
    error_message = "sync_retry_attempts must be between 0 and 185 (the scheduler's limit)."
  }
}

variable "sync_async_retry_attempts" {
  description = "How often Lambda re-runs a sync that failed (0-2); the next scheduled run resumes from the watermark anyway."
  type        = number
  default     = 1

  validation {
    condition     = contains([0, 1, 2], var.sync_async_retry_attempts)
    error_message = "sync_async_retry_attempts must be 0, 1 or 2."
  }
}

# ---- Lambdas ------------------------------------------------------------------------------------

variable "sync_lambda_zip" {
  description = "Path of the sync Lambda's zip; null means target/lambda/sync-lambda/bootstrap.zip of this repository (built by scripts/build-lambdas.sh)."
  type        = string
  default     = null
}

variable "api_lambda_zip" {
  description = "Path of the API Lambda's zip; null means target/lambda/api-lambda/bootstrap.zip of this repository (built by scripts/build-lambdas.sh)."
  type        = string
  default     = null
}

variable "sync_memory_mb" {
  description = "Memory of the sync Lambda in MB (CPU grows with it)."
  type        = number
  default     = 256

  validation {
    condition     = var.sync_memory_mb >= 128 && var.sync_memory_mb <= 10240
    error_message = "sync_memory_mb must be between 128 and 10240."
  }
}

variable "api_memory_mb" {
  description = "Memory of the API Lambda in MB."
  type        = number
  default     = 128

  validation {
    condition     = var.api_memory_mb >= 128 && var.api_memory_mb <= 10240
    error_message = "api_memory_mb must be between 128 and 10240."
  }
}

variable "api_timeout_seconds" {
  description = "Timeout of the API Lambda in seconds (API Gateway gives up after 30)."
  type        = number
  default     = 29

  validation {
    condition     = var.api_timeout_seconds >= 3 && var.api_timeout_seconds <= 30
    error_message = "api_timeout_seconds must be between 3 and 30."
  }
}

variable "sync_reserved_concurrency" {
  description = "Reserved concurrency of the sync Lambda; -1 reserves none. Reserving needs an account concurrency quota above 10."
  type        = number
  default     = -1

  validation {
    condition     = var.sync_reserved_concurrency >= -1 && floor(var.sync_reserved_concurrency) == var.sync_reserved_concurrency
    error_message = "sync_reserved_concurrency must be -1 (none reserved) or a whole number of executions."
  }
}

variable "api_reserved_concurrency" {
  description = "Reserved concurrency of the API Lambda; -1 reserves none. Reserving needs an account concurrency quota above 10."
  type        = number
  default     = -1

  validation {
    condition     = var.api_reserved_concurrency >= -1 && floor(var.api_reserved_concurrency) == var.api_reserved_concurrency
    error_message = "api_reserved_concurrency must be -1 (none reserved) or a whole number of executions."
  }
}

variable "rust_log" {
  description = "RUST_LOG filter of both Lambdas."
  type        = string
  default     = "info"
}

variable "subnet_ids" {
  description = "Private subnets to run both Lambdas in; empty runs them outside any VPC. In a VPC they need a NAT gateway (NAV, Cognito JWKS) or VPC endpoints (DynamoDB, S3, SSM, Lambda)."
  type        = list(string)
  default     = []
}

variable "security_group_ids" {
  description = "Security groups of the Lambdas when subnet_ids is set (outbound HTTPS is all they need)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.subnet_ids) == 0 || length(var.security_group_ids) > 0
    error_message = "security_group_ids must be set when subnet_ids is."
  }
}

# ---- API and users ------------------------------------------------------------------------------

variable "cors_origins" {
  description = "Browser origins allowed to call the API, e.g. [\"https://invoices.example.hu\"]; empty allows none."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.cors_origins : can(regex("^https?://[^/,]+$", o))])
    error_message = "Each CORS origin must be scheme://host[:port] without a path or comma, e.g. https://invoices.example.hu."
  }
}

variable "presign_ttl_seconds" {
  description = "Lifetime of the presigned URLs the API hands out for original documents."
  type        = number
  default     = 300

  validation {
    condition     = var.presign_ttl_seconds >= 10 && var.presign_ttl_seconds <= 3600
    error_message = "presign_ttl_seconds must be between 10 and 3600 (a Lambda's credentials may expire sooner than longer URLs)."
  }
}

variable "api_throttle_rate" {
  description = "Requests per second the API accepts in the steady state before answering 429."
  type        = number
  default     = 50

  validation {
    condition     = var.api_throttle_rate > 0
    error_message = "api_throttle_rate must be positive."
  }
}

variable "api_throttle_burst" {
  description = "Burst of requests the API accepts before answering 429."
  type        = number
  default     = 100

  validation {
    condition     = var.api_throttle_burst > 0 && floor(var.api_throttle_burst) == var.api_throttle_burst
    error_message = "api_throttle_burst must be a positive whole number."
  }
}

variable "public_routes" {
  description = "Routes API Gateway lets through without a token; the API Lambda serves them unauthenticated."
  type        = list(string)
  default     = ["GET /health"]

  validation {
    condition     = alltrue([for r in var.public_routes : can(regex("^(GET|HEAD) /", r))])
    error_message = "public_routes may only hold GET or HEAD routes, e.g. \"GET /health\"."
  }
}

variable "first_admin_email" {
  description = "E-mail of a first administrator; Cognito mails a temporary password that must be changed at first sign-in. null creates none."
  type        = string
  default     = null
}

variable "allow_password_auth" {
  description = "Let clients sign in with USER_PASSWORD_AUTH (e.g. the AWS CLI) besides SRP."
  type        = bool
  default     = true
}

# ---- Web UI (optional) ----

variable "enable_web_ui" {
  description = "Serve the web UI from a private S3 bucket behind CloudFront (Origin Access Control, HTTPS only); its origin is added to the API's CORS origins."
  type        = bool
  default     = false
}

variable "web_dist_dir" {
  description = "Directory of the built web UI to upload; null uploads nothing (the bucket can be synced by a pipeline instead)."
  type        = string
  default     = null
}

variable "web_aliases" {
  description = "Custom domain names of the web UI, e.g. [\"invoices.example.hu\"]; they need web_certificate_arn."
  type        = list(string)
  default     = []
}

variable "web_certificate_arn" {
  description = "ACM certificate in us-east-1 covering web_aliases."
  type        = string
  default     = null
}

# ---- Storage ------------------------------------------------------------------------------------

variable "table_definition_file" {
  description = "JSON definition of the table's keys and indexes; null means adapters/dynamodb/table.json of this repository."
  type        = string
  default     = null
}

variable "document_bucket_name" {
  description = "Name of the document bucket; null derives <name>-documents-<account id>-<region>."
  type        = string
  default     = null
}

variable "export_bucket_name" {
  description = "Name of the bucket big exports are written to (objects expire after a day); null derives <name>-exports-<account id>-<region>."
  type        = string
  default     = null
}

variable "document_transition_days" {
  description = "Age in days after which documents move to cheaper storage (at least 30)."
  type        = number
  default     = 90
}

variable "document_storage_class" {
  description = "Storage class documents move to: STANDARD_IA, INTELLIGENT_TIERING or GLACIER_IR."
  type        = string
  default     = "STANDARD_IA"
}

variable "object_lock_years" {
  description = "Object Lock COMPLIANCE retention of documents in years (8 matches Hungary's retention of accounting documents); 0 disables it. Only takes effect on a new bucket; locked documents cannot be deleted by anyone, root included, until they expire."
  type        = number
  default     = 0
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for the table, documents, credentials and dead-letter queue; null uses AWS managed encryption (SSE-S3, aws/ssm, ...)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>) or null."
  }
}

variable "deletion_protection" {
  description = "Protect the table and the user pool from deletion (terraform destroy fails until this is false and applied)."
  type        = bool
  default     = true
}

variable "force_destroy_documents" {
  description = "Let terraform destroy delete the document bucket with its documents (never objects still under Object Lock)."
  type        = bool
  default     = false
}

# ---- Observability ------------------------------------------------------------------------------

variable "log_retention_days" {
  description = "Retention of the Lambda and API access logs in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "alarm_email" {
  description = "E-mail address that receives alarms (confirm the subscription from the mail AWS sends); null subscribes nobody."
  type        = string
  default     = null
}
