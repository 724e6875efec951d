variable "name" {
  description = "Name of the user pool and prefix of its client."
  type        = string
}

variable "taxpayers" {
  description = "Taxpayer ids; each gets a reader group taxpayer-<id> and an admin group taxpayer-<id>-admin."
  type        = list(string)
}

variable "operator_group" {
  description = "Name of the group whose members are operators (read and sync every taxpayer)."
  type        = string
  default     = "operators"
}

variable "reader_group_prefix" {
  description = "Prefix of the per-taxpayer groups: taxpayer 12345676 has readers <prefix>12345676 and admins <prefix>12345676-admin."
  type        = string
  default     = "taxpayer-"
}

variable "first_admin_email" {
  description = "E-mail of a first user to create in the operators group (Cognito mails a temporary password); null creates none."
  type        = string
  default     = null

  validation {
    condition     = var.first_admin_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.first_admin_email))
    error_message = "first_admin_email must be an e-mail address or null."
  }
}

variable "allow_password_auth" {
  description = "Allow USER_PASSWORD_AUTH (username and password sent over TLS to Cognito, handy for CLI clients) besides SRP."
  type        = bool
  default     = true
}

variable "callback_urls" {
  description = "OAuth callback URLs of a browser client (the web UI); empty disables the OAuth code flow."
  type        = list(string)
  default     = []
}

variable "logout_urls" {
  description = "OAuth sign-out URLs of a browser client."
  type        = list(string)
  default     = []
}

variable "access_token_minutes" {
  description = "Lifetime of access and ID tokens in minutes."
  type        = number
  default     = 60

  validation {
    condition     = var.access_token_minutes >= 5 && var.access_token_minutes <= 1440
    error_message = "access_token_minutes must be between 5 and 1440 (Cognito's limits)."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the user pool until this is switched off."
  type        = bool
  default     = true
}
