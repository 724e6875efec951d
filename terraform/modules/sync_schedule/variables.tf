variable "name" {
  description = "Prefix of the schedule group, its schedules, the execution role and the dead-letter queue."
  type        = string
}

variable "function_arn" {
  description = "ARN of the sync Lambda."
  type        = string
}

variable "taxpayers" {
  description = "Taxpayer ids; each gets its own schedule, so one taxpayer's failure never delays another's sync."
  type        = list(string)
}

variable "schedule_expression" {
  description = "When each taxpayer's sync runs: rate(...) or cron(...)."
  type        = string
}

variable "spread_minutes" {
  description = "Each run starts at a random moment up to this many minutes after its scheduled time (EventBridge Scheduler's flexible time window), so the taxpayers' runs do not all start at once; 0 starts them on time."
  type        = number
  default     = 0

  validation {
    condition     = var.spread_minutes >= 0 && var.spread_minutes <= 1440 && floor(var.spread_minutes) == var.spread_minutes
    error_message = "spread_minutes must be a whole number of minutes from 0 (on time) to 1440 (EventBridge Scheduler's maximum window)."
  }
}

variable "timezone" {
  description = "Time zone of cron expressions."
  type        = string
  default     = "Europe/Budapest"
}

variable "lookback_days" {
  description = "Lookback passed in each scheduled event."
  type        = number
}

variable "retry_attempts" {
  description = "How often the scheduler retries an invocation that failed to be delivered."
  type        = number
  default     = 3
}

variable "max_event_age_seconds" {
  description = "How long the scheduler keeps retrying an undelivered invocation."
  type        = number
  default     = 3600
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for the dead-letter queue and the schedules; null uses AWS managed encryption."
  type        = string
  default     = null
}

variable "sweep_schedule_expression" {
  description = "When each taxpayer's daily sweep re-lists the whole lookback for invoices NAV listed late: cron(...) or rate(...); null turns the sweep off."
  type        = string
  default     = "cron(30 2 * * ? *)"

  validation {
    condition     = var.sweep_schedule_expression == null || can(regex("^(rate|cron)\\(.+\\)$", var.sweep_schedule_expression))
    error_message = "sweep_schedule_expression must be rate(...) or cron(...), or null."
  }
}
