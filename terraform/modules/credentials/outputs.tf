output "taxpayers" {
  description = "Taxpayer ids that have credentials."
  value       = sort(tolist(local.taxpayers))
}

output "parameter_names" {
  description = "Names of the credential parameters."
  value       = sort(keys(aws_ssm_parameter.nav_credential))
}

output "cursor_key_parameter_name" {
  description = "Name of the cursor signing key parameter."
  value       = aws_ssm_parameter.cursor_key.name
}

output "cursor_key_parameter_arn" {
  description = "ARN of the cursor signing key parameter."
  value       = aws_ssm_parameter.cursor_key.arn
}
