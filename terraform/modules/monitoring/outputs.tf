output "topic_arn" {
  description = "ARN of the alarm topic."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "Names of every alarm."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.lambda_error_rate : a.alarm_name],
    [
      aws_cloudwatch_metric_alarm.dynamodb_throttling.alarm_name,
      aws_cloudwatch_metric_alarm.api_5xx.alarm_name,
      aws_cloudwatch_metric_alarm.api_4xx_rate.alarm_name,
      aws_cloudwatch_metric_alarm.dead_letters.alarm_name,
      aws_cloudwatch_metric_alarm.pending_invoices.alarm_name,
    ],
  )
}
