variable "prefix" {
  description = "SSM path prefix of the per-taxpayer credentials, e.g. /navsync/credentials."
  type        = string

  validation {
    condition     = can(regex("^(/[A-Za-z0-9_.-]+)+$", var.prefix))
    error_message = "prefix must be an absolute SSM path such as /navsync/credentials, without a trailing slash."
  }
}

variable "nav_credentials" {
  description = "NAV Online Számla technical-user credentials per taxpayer id (8 digits)."
  type = map(object({
    login        = string
    password     = string
    sign_key     = string
    exchange_key = string
  }))
  sensitive = true
}

variable "cursor_key_parameter" {
  description = "Name of the SSM parameter holding the API's pagination cursor signing key."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for the SecureString parameters; null uses the AWS managed key aws/ssm."
  type        = string
  default     = null
}
