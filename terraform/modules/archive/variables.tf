variable "bucket_name" {
  description = "Name of the bucket (globally unique)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit."
  }
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for SSE-KMS; null encrypts with SSE-S3."
  type        = string
  default     = null
}

variable "transition_days" {
  description = "Age in days after which documents move to the cheaper storage class (S3 requires at least 30)."
  type        = number
  default     = 90

  validation {
    condition     = var.transition_days >= 30 && floor(var.transition_days) == var.transition_days
    error_message = "transition_days must be a whole number of at least 30 (S3's minimum for STANDARD_IA)."
  }
}

variable "transition_storage_class" {
  description = "Storage class documents move to after transition_days."
  type        = string
  default     = "STANDARD_IA"

  validation {
    condition     = contains(["STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR"], var.transition_storage_class)
    error_message = "transition_storage_class must be STANDARD_IA, INTELLIGENT_TIERING or GLACIER_IR (classes that still serve a presigned download at once)."
  }
}

variable "object_lock_years" {
  description = "Object Lock retention in COMPLIANCE mode, in years (Hungary keeps accounting documents for 8); 0 disables Object Lock. Can only be switched on when the bucket is created, and locked objects cannot be deleted by anyone until they expire."
  type        = number
  default     = 0

  validation {
    condition     = var.object_lock_years >= 0 && var.object_lock_years <= 100 && floor(var.object_lock_years) == var.object_lock_years
    error_message = "object_lock_years must be a whole number from 0 (off) to 100."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete a bucket that still holds documents (never possible for objects under Object Lock)."
  type        = bool
  default     = false
}

variable "expiration_days" {
  description = "Delete objects this many days after they are written (short-lived exports); null keeps them and moves them to transition_storage_class instead."
  type        = number
  default     = null

  validation {
    condition     = var.expiration_days == null || try(var.expiration_days >= 1 && floor(var.expiration_days) == var.expiration_days, false)
    error_message = "expiration_days must be null (keep objects) or a whole number of days, at least 1."
  }
}

variable "abort_incomplete_upload_days" {
  description = "Abort multipart uploads still incomplete this many days after they started, so their parts stop costing."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_upload_days >= 1 && floor(var.abort_incomplete_upload_days) == var.abort_incomplete_upload_days
    error_message = "abort_incomplete_upload_days must be a whole number of days, at least 1."
  }
}
