output "user_pool_id" {
  description = "Id of the user pool."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  description = "ARN of the user pool."
  value       = aws_cognito_user_pool.this.arn
}

output "issuer" {
  description = "Token issuer (iss claim) of the user pool."
  value       = "https://${aws_cognito_user_pool.this.endpoint}"
}

output "jwks_url" {
  description = "URL of the user pool's signing keys."
  value       = "https://${aws_cognito_user_pool.this.endpoint}/.well-known/jwks.json"
}

output "client_id" {
  description = "Id of the app client (the audience / client_id of its tokens)."
  value       = aws_cognito_user_pool_client.this.id
}

output "operator_group" {
  description = "Name of the operators group (every taxpayer, sync)."
  value       = aws_cognito_user_group.operators.name
}

output "reader_groups" {
  description = "Reader group name per taxpayer id."
  value       = { for tp, g in aws_cognito_user_group.reader : tp => g.name }
}

output "admin_groups" {
  description = "Admin group name per taxpayer id (readers of that taxpayer who may also start its sync)."
  value       = { for tp, g in aws_cognito_user_group.admin : tp => g.name }
}
