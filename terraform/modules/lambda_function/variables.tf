variable "name" {
  description = "Name of the function (also of its role and log group)."
  type        = string
}

variable "description" {
  description = "What the function does."
  type        = string
}

variable "artifact" {
  description = "Path of the zip holding the function's bootstrap executable."
  type        = string
}

variable "build_command" {
  description = "Command that builds the artifact; named in the message when the artifact is missing."
  type        = string
}

variable "environment" {
  description = "Environment variables of the function."
  type        = map(string)
}

variable "policy_json" {
  description = "IAM policy document with exactly the permissions the function's code uses (logging and tracing are added here)."
  type        = string
}

variable "timeout_seconds" {
  description = "Function timeout in seconds."
  type        = number

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 900
    error_message = "timeout_seconds must be between 1 and 900 (Lambda's maximum)."
  }
}

variable "memory_mb" {
  description = "Function memory in MB."
  type        = number
  default     = 128

  validation {
    condition     = var.memory_mb >= 128 && var.memory_mb <= 10240
    error_message = "memory_mb must be between 128 and 10240."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; -1 leaves the function on the account's unreserved pool."
  type        = number
  default     = -1
}

variable "log_retention_days" {
  description = "Retention of the function's CloudWatch logs in days."
  type        = number
}

variable "log_kms_key_arn" {
  description = "ARN of a KMS key for the log group; null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}

variable "subnet_ids" {
  description = "Subnets to run the function in; empty runs it outside any VPC."
  type        = list(string)
  default     = []
}

variable "security_group_ids" {
  description = "Security groups of the function when it runs in a VPC."
  type        = list(string)
  default     = []
}

variable "dead_letter_queue_arn" {
  description = "SQS queue that receives asynchronous invocations that failed every retry; null for none."
  type        = string
  default     = null
}

variable "async_retry_attempts" {
  description = "Retries of a failed asynchronous invocation (0-2)."
  type        = number
  default     = 2

  validation {
    condition     = var.async_retry_attempts >= 0 && var.async_retry_attempts <= 2
    error_message = "async_retry_attempts must be 0, 1 or 2."
  }
}
