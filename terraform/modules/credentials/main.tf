locals {
  # Taxpayer ids are not secret; only the values are.
  taxpayers = nonsensitive(toset(keys(var.nav_credentials)))

  # Parameter name suffix → field of the credentials object. The SSM adapter reads these names.
  fields = {
    "login"        = "login"
    "password"     = "password"
    "sign-key"     = "sign_key"
    "exchange-key" = "exchange_key"
  }

  parameters = {
    for pair in setproduct(local.taxpayers, keys(local.fields)) :
    "${var.prefix}/${pair[0]}/${pair[1]}" => { taxpayer = pair[0], field = local.fields[pair[1]] }
  }
}

resource "aws_ssm_parameter" "nav_credential" {
  for_each = local.parameters

  name   = each.key
  type   = "SecureString"
  key_id = var.kms_key_arn
  value  = var.nav_credentials[each.value.taxpayer][each.value.field]
}

# The key that signs the API's pagination cursors, so a cursor cannot be forged to reach another
# taxpayer's data. Generated once; taint random_password.cursor_key to rotate it.
resource "random_password" "cursor_key" {
  length  = 64
  special = false
}

resource "aws_ssm_parameter" "cursor_key" {
  name   = var.cursor_key_parameter
  type   = "SecureString"
  key_id = var.kms_key_arn
  value  = random_password.cursor_key.result
}
