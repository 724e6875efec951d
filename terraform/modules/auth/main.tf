resource "aws_cognito_user_pool" "this" {
  name                     = var.name
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = "OPTIONAL"

  software_token_mfa_configuration {
    enabled = true
  }

  password_policy {
    minimum_length                   = 8
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 7
  }

  # Users are invited by an administrator and must choose their own password at first sign-in
  # (Cognito's FORCE_CHANGE_PASSWORD state); nobody can sign themselves up and read invoices.
  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }
}

resource "aws_cognito_user_pool_client" "this" {
  name         = "${var.name}-client"
  user_pool_id = aws_cognito_user_pool.this.id

  # A public client (browser and CLI): no secret that would have to be shipped to users.
  generate_secret = false
  explicit_auth_flows = concat(
    ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    var.allow_password_auth ? ["ALLOW_USER_PASSWORD_AUTH"] : [],
  )
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true

  access_token_validity  = var.access_token_minutes
  id_token_validity      = var.access_token_minutes
  refresh_token_validity = 30
  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }

  allowed_oauth_flows_user_pool_client = length(var.callback_urls) > 0
  allowed_oauth_flows                  = length(var.callback_urls) > 0 ? ["code"] : []
  allowed_oauth_scopes                 = length(var.callback_urls) > 0 ? ["openid", "email", "profile"] : []
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = var.callback_urls
  logout_urls                          = var.logout_urls
}

resource "aws_cognito_user_group" "operators" {
  name         = var.operator_group
  user_pool_id = aws_cognito_user_pool.this.id
  description  = "navsync operators: read and sync every taxpayer."
}

resource "aws_cognito_user_group" "reader" {
  for_each = toset(var.taxpayers)

  name         = "${var.reader_group_prefix}${each.value}"
  user_pool_id = aws_cognito_user_pool.this.id
  description  = "May read the invoices of taxpayer ${each.value}."
}

resource "aws_cognito_user_group" "admin" {
  for_each = toset(var.taxpayers)

  name         = "${var.reader_group_prefix}${each.value}-admin"
  user_pool_id = aws_cognito_user_pool.this.id
  description  = "May read the invoices of taxpayer ${each.value} and start its sync."
}

resource "aws_cognito_user" "first_admin" {
  count = var.first_admin_email == null ? 0 : 1

  user_pool_id             = aws_cognito_user_pool.this.id
  username                 = var.first_admin_email
  desired_delivery_mediums = ["EMAIL"]
  attributes = {
    email          = var.first_admin_email
    email_verified = "true"
  }

  # The user's own password, set at first sign-in, must survive later applies.
  lifecycle {
    ignore_changes = [password, temporary_password]
  }
}

resource "aws_cognito_user_in_group" "first_admin" {
  count = var.first_admin_email == null ? 0 : 1

  user_pool_id = aws_cognito_user_pool.this.id
  group_name   = aws_cognito_user_group.operators.name
  username     = aws_cognito_user.first_admin[0].username
}
