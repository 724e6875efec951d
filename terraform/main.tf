data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  table_definition_file = coalesce(var.table_definition_file, "${path.root}/../adapters/dynamodb/table.json")
  sync_lambda_zip       = coalesce(var.sync_lambda_zip, "${path.root}/../target/lambda/sync-lambda/bootstrap.zip")
  api_lambda_zip        = coalesce(var.api_lambda_zip, "${path.root}/../target/lambda/api-lambda/bootstrap.zip")
  build_command         = "scripts/build-lambdas.sh (from the repository root)"

  # SSM layout the SSM adapter reads: <prefix>/<taxpayer id>/<login|password|sign-key|exchange-key>.
  # The cursor key lives outside the prefix, so the sync function cannot read it.
  ssm_prefix           = "/${var.name}/nav"
  cursor_key_parameter = "/${var.name}/api/cursor-key"

  # Group names the API authorizes by (part of the Lambda contract, see README.md).
  operator_group      = "operators"
  reader_group_prefix = "taxpayer-"

  # The web UI, when deployed, calls the API from its own origin.
  cors_origins = concat(var.cors_origins, var.enable_web_ui ? module.web[0].origins : [])

  sync_function_name = "${var.name}-sync"
  api_function_name  = "${var.name}-api"
}

module "table" {
  source = "./modules/table"

  name                = var.name
  definition_file     = local.table_definition_file
  kms_key_arn         = var.kms_key_arn
  deletion_protection = var.deletion_protection
}

module "documents" {
  source = "./modules/archive"

  bucket_name              = coalesce(var.document_bucket_name, "${var.name}-documents-${local.account_id}-${var.region}")
  kms_key_arn              = var.kms_key_arn
  transition_days          = var.document_transition_days
  transition_storage_class = var.document_storage_class
  object_lock_years        = var.object_lock_years
  force_destroy            = var.force_destroy_documents
}

# Exports too big for a Lambda response: written here by the API function, fetched by presigned URL.
module "exports" {
  source = "./modules/archive"

  bucket_name                  = coalesce(var.export_bucket_name, "${var.name}-exports-${local.account_id}-${var.region}")
  kms_key_arn                  = var.kms_key_arn
  expiration_days              = 1
  abort_incomplete_upload_days = 1
  # Nothing in it outlives a day: terraform destroy may empty it.
  force_destroy = true
}

module "credentials" {
  source = "./modules/credentials"

  prefix               = local.ssm_prefix
  nav_credentials      = var.nav_credentials
  cursor_key_parameter = local.cursor_key_parameter
  kms_key_arn          = var.kms_key_arn
}

module "auth" {
  source = "./modules/auth"

  name                = var.name
  taxpayers           = module.credentials.taxpayers
  operator_group      = local.operator_group
  reader_group_prefix = local.reader_group_prefix
  first_admin_email   = var.first_admin_email
  allow_password_auth = var.allow_password_auth
  deletion_protection = var.deletion_protection
}

module "sync_schedule" {
  source = "./modules/sync_schedule"

  name                = "${var.name}-sync"
  function_arn        = module.sync_lambda.arn
  taxpayers           = module.credentials.taxpayers
  schedule_expression = var.sync_schedule
  spread_minutes      = var.sync_spread_minutes
  lookback_days       = var.lookback_days

  sweep_schedule_expression = var.sync_sweep_schedule
  retry_attempts            = var.sync_retry_attempts
  kms_key_arn               = var.kms_key_arn
}

module "sync_lambda" {
  source = "./modules/lambda_function"

  name                  = local.sync_function_name
  description           = "navsync: downloads invoices from NAV Online Számla into the table and the document bucket."
  artifact              = local.sync_lambda_zip
  build_command         = local.build_command
  policy_json           = data.aws_iam_policy_document.sync.json
  timeout_seconds       = var.sync_timeout_seconds
  memory_mb             = var.sync_memory_mb
  reserved_concurrency  = var.sync_reserved_concurrency
  log_retention_days    = var.log_retention_days
  subnet_ids            = var.subnet_ids
  security_group_ids    = var.security_group_ids
  dead_letter_queue_arn = module.sync_schedule.dead_letter_queue_arn
  async_retry_attempts  = var.sync_async_retry_attempts

  environment = {
    NAVSYNC_TABLE                   = module.table.name
    NAVSYNC_BUCKET                  = module.documents.name
    NAVSYNC_SSM_PREFIX              = local.ssm_prefix
    NAVSYNC_NAV_ENV                 = var.nav_environment
    NAVSYNC_LOOKBACK_DAYS           = tostring(var.lookback_days)
    NAVSYNC_RECHECK_DAYS            = tostring(var.recheck_days)
    NAVSYNC_NAV_MAX_CONCURRENCY     = tostring(var.nav_max_concurrency)
    NAVSYNC_NAV_STRICT_PACING       = tostring(var.nav_strict_pacing)
    NAVSYNC_DEADLINE_MARGIN_SECONDS = tostring(var.sync_deadline_margin_seconds)
    NAVSYNC_KMS_KEY_ID              = var.kms_key_arn == null ? "" : var.kms_key_arn
    RUST_LOG                        = var.rust_log
  }
}

module "api_lambda" {
  source = "./modules/lambda_function"

  name                 = local.api_function_name
  description          = "navsync: the authenticated invoice query API."
  artifact             = local.api_lambda_zip
  build_command        = local.build_command
  policy_json          = data.aws_iam_policy_document.api.json
  timeout_seconds      = var.api_timeout_seconds
  memory_mb            = var.api_memory_mb
  reserved_concurrency = var.api_reserved_concurrency
  log_retention_days   = var.log_retention_days
  subnet_ids           = var.subnet_ids
  security_group_ids   = var.security_group_ids
  # Invoked synchronously by API Gateway: a failed request is answered, not retried.
  async_retry_attempts = 0

  environment = {
    NAVSYNC_TABLE               = module.table.name
    NAVSYNC_BUCKET              = module.documents.name
    NAVSYNC_COGNITO_ISSUER      = module.auth.issuer
    NAVSYNC_COGNITO_CLIENT_ID   = module.auth.client_id
    NAVSYNC_JWKS_URL            = module.auth.jwks_url
    NAVSYNC_CORS_ORIGINS        = join(",", local.cors_origins)
    NAVSYNC_PRESIGN_TTL_SECONDS = tostring(var.presign_ttl_seconds)
    NAVSYNC_EXPORTS_BUCKET      = module.exports.name
    NAVSYNC_SYNC_FUNCTION       = module.sync_lambda.name
    NAVSYNC_CURSOR_KEY_PARAM    = module.credentials.cursor_key_parameter_name
    RUST_LOG                    = var.rust_log
  }
}

module "http_api" {
  source = "./modules/http_api"

  name                = var.name
  function_name       = module.api_lambda.name
  function_invoke_arn = module.api_lambda.invoke_arn
  issuer              = module.auth.issuer
  audience            = [module.auth.client_id]
  public_routes       = var.public_routes
  cors_origins        = local.cors_origins
  throttle_rate       = var.api_throttle_rate
  throttle_burst      = var.api_throttle_burst
  log_retention_days  = var.log_retention_days
}

module "monitoring" {
  source = "./modules/monitoring"

  name                   = var.name
  alarm_email            = var.alarm_email
  function_names         = { sync = module.sync_lambda.name, api = module.api_lambda.name }
  table_name             = module.table.name
  api_id                 = module.http_api.api_id
  dead_letter_queue_name = module.sync_schedule.dead_letter_queue_name
  pending_alarm_hours    = var.pending_alarm_hours
}

module "web" {
  source = "./modules/web"
  count  = var.enable_web_ui ? 1 : 0

  name            = var.name
  bucket_name     = "${var.name}-web-${local.account_id}-${var.region}"
  region          = var.region
  dist_dir        = var.web_dist_dir
  aliases         = var.web_aliases
  certificate_arn = var.web_certificate_arn
  app_config = {
    apiUrl           = module.http_api.url
    region           = var.region
    userPoolId       = module.auth.user_pool_id
    userPoolClientId = module.auth.client_id
  }
}
