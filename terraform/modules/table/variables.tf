variable "name" {
  description = "Name of the DynamoDB table."
  type        = string
}

variable "definition_file" {
  description = "Path of the JSON file that defines the table's keys and indexes (adapters/dynamodb/table.json, shared with the DynamoDB adapter)."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for encryption at rest; null uses the AWS owned key."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Refuse to delete the table (including through terraform destroy) until this is switched off."
  type        = bool
  default     = true
}
