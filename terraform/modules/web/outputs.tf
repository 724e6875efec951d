output "url" {
  description = "URL of the web UI."
  value       = "https://${length(var.aliases) > 0 ? var.aliases[0] : aws_cloudfront_distribution.this.domain_name}"
}

output "origins" {
  description = "Browser origins of the web UI (for the API's CORS)."
  value       = [for d in concat(var.aliases, [aws_cloudfront_distribution.this.domain_name]) : "https://${d}"]
}

output "bucket" {
  description = "Bucket holding the web UI's files."
  value       = aws_s3_bucket.this.id
}

output "distribution_id" {
  description = "CloudFront distribution id (to invalidate after syncing files outside Terraform)."
  value       = aws_cloudfront_distribution.this.id
}
