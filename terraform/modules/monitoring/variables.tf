variable "name" {
  description = "Prefix of the topic and alarm names."
  type        = string
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (AWS mails a confirmation link first); null subscribes nobody."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for the topic (its key policy must let CloudWatch use it); null leaves the topic unencrypted."
  type        = string
  default     = null
}

variable "function_names" {
  description = "Lambda functions to watch, by a short label (e.g. sync, api)."
  type        = map(string)
}

variable "lambda_error_rate_percent" {
  description = "Alarm when a function's errors exceed this share of its invocations over the period."
  type        = number
  default     = 5
}

variable "table_name" {
  description = "DynamoDB table to watch for throttling."
  type        = string
}

variable "api_id" {
  description = "Id of the HTTP API to watch."
  type        = string
}

variable "api_4xx_rate_percent" {
  description = "Alarm when 4xx answers exceed this share of requests (some 4xx, such as expired tokens, are normal)."
  type        = number
  default     = 25
}

variable "api_min_requests" {
  description = "Requests needed in a period before the 4xx rate is judged."
  type        = number
  default     = 20
}

variable "dead_letter_queue_name" {
  description = "Dead-letter queue whose messages mean a sync that never ran or failed every retry."
  type        = string
}

variable "period_seconds" {
  description = "Evaluation period of the alarms."
  type        = number
  default     = 300
}

variable "pending_alarm_hours" {
  description = "Alarm when the sync has reported quarantined invoices in every hour of this many hours in a row."
  type        = number
  default     = 6
}
