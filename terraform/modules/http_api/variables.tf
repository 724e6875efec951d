variable "name" {
  description = "Name of the HTTP API."
  type        = string
}

variable "function_name" {
  description = "Name of the API Lambda."
  type        = string
}

variable "function_invoke_arn" {
  description = "Invoke ARN of the API Lambda."
  type        = string
}

variable "issuer" {
  description = "JWT issuer the authorizer accepts (the Cognito user pool's)."
  type        = string
}

variable "audience" {
  description = "Accepted audiences (Cognito app client ids)."
  type        = list(string)
}

variable "public_routes" {
  description = "Routes API Gateway passes through without a token (the app serves them unauthenticated); every other request needs a valid JWT."
  type        = list(string)
  default     = ["GET /health"]
}

variable "cors_origins" {
  description = "Origins allowed to call the API from a browser; empty disables CORS."
  type        = list(string)
  default     = []
}

variable "throttle_rate" {
  description = "Steady-state requests per second the API accepts before answering 429."
  type        = number
  default     = 50
}

variable "throttle_burst" {
  description = "Burst of requests the API accepts before answering 429."
  type        = number
  default     = 100
}

variable "log_retention_days" {
  description = "Retention of the access logs in days."
  type        = number
}

variable "log_kms_key_arn" {
  description = "ARN of a KMS key for the access log group; null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}
