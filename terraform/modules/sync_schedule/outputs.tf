output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue (undelivered scheduler events and failed asynchronous runs)."
  value       = aws_sqs_queue.dead_letter.arn
}

output "dead_letter_queue_name" {
  description = "Name of the dead-letter queue."
  value       = aws_sqs_queue.dead_letter.name
}

output "schedule_names" {
  description = "Schedule name per taxpayer id."
  value       = { for tp, s in aws_scheduler_schedule.sync : tp => s.name }
}

output "sweep_schedule_names" {
  description = "Daily sweep schedule name per taxpayer id (empty when the sweep is off)."
  value       = { for tp, s in aws_scheduler_schedule.sweep : tp => s.name }
}
