output "api_url" {
  description = "Base URL of the API."
  value       = module.http_api.url
}

output "user_pool_id" {
  description = "Id of the Cognito user pool."
  value       = module.auth.user_pool_id
}

output "user_pool_client_id" {
  description = "Id of the Cognito app client (what a client signs in with)."
  value       = module.auth.client_id
}

output "cognito_issuer" {
  description = "Issuer of the tokens the API accepts."
  value       = module.auth.issuer
}

output "table_name" {
  description = "Name of the DynamoDB table."
  value       = module.table.name
}

output "document_bucket" {
  description = "Name of the document bucket."
  value       = module.documents.name
}

output "export_bucket" {
  description = "Name of the bucket big exports are written to (objects expire after a day)."
  value       = module.exports.name
}

output "sync_function_name" {
  description = "Name of the sync Lambda (invoke it to sync now)."
  value       = module.sync_lambda.name
}

output "api_function_name" {
  description = "Name of the API Lambda."
  value       = module.api_lambda.name
}

output "reader_groups" {
  description = "Cognito group per taxpayer id; add a user to it to let them read that taxpayer's invoices."
  value       = module.auth.reader_groups
}

output "admin_groups" {
  description = "Cognito group per taxpayer id; add a user to it to let them read that taxpayer's invoices and start its sync."
  value       = module.auth.admin_groups
}

output "operator_group" {
  description = "Cognito group of operators, who read and sync every taxpayer."
  value       = module.auth.operator_group
}

output "dead_letter_queue" {
  description = "SQS queue holding sync events that failed every retry."
  value       = module.sync_schedule.dead_letter_queue_name
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms publish to."
  value       = module.monitoring.topic_arn
}

output "web_url" {
  description = "URL of the web UI (null unless enable_web_ui)."
  value       = var.enable_web_ui ? module.web[0].url : null
}
