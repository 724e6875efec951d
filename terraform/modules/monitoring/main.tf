resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == null ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  actions = [aws_sns_topic.alarms.arn]
}

# Error *rate*, not count: one failure in three invocations matters, one in ten thousand does not.
resource "aws_cloudwatch_metric_alarm" "lambda_error_rate" {
  for_each = var.function_names

  alarm_name          = "${var.name}-${each.key}-error-rate"
  alarm_description   = "More than ${var.lambda_error_rate_percent}% of ${each.value}'s invocations failed."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.lambda_error_rate_percent
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions

  metric_query {
    id          = "rate"
    expression  = "IF(invocations > 0, 100 * errors / invocations, 0)"
    label       = "Error rate (%)"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = each.value }
      period      = var.period_seconds
      stat        = "Sum"
    }
  }

  metric_query {
    id = "invocations"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Invocations"
      dimensions  = { FunctionName = each.value }
      period      = var.period_seconds
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "dynamodb_throttling" {
  alarm_name          = "${var.name}-dynamodb-throttling"
  alarm_description   = "DynamoDB throttled requests on ${var.table_name} (on-demand tables throttle at sudden peaks above twice the previous peak, or on a hot partition)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions

  metric_query {
    id          = "throttled"
    expression  = "reads + writes"
    label       = "Throttle events"
    return_data = true
  }

  metric_query {
    id = "reads"
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "ReadThrottleEvents"
      dimensions  = { TableName = var.table_name }
      period      = var.period_seconds
      stat        = "Sum"
    }
  }

  metric_query {
    id = "writes"
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "WriteThrottleEvents"
      dimensions  = { TableName = var.table_name }
      period      = var.period_seconds
      stat        = "Sum"
    }
  }
}

# The API has one stage, so the per-API metrics (dimension ApiId alone) are the stage's.
resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${var.name}-api-5xx"
  alarm_description   = "The API answered with a server error."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = var.api_id }
  statistic           = "Sum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "api_4xx_rate" {
  alarm_name          = "${var.name}-api-4xx-rate"
  alarm_description   = "More than ${var.api_4xx_rate_percent}% of API requests were refused (4xx): a broken client, expired credentials or probing."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.api_4xx_rate_percent
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions

  metric_query {
    id          = "rate"
    expression  = "IF(requests >= ${var.api_min_requests}, 100 * client_errors / requests, 0)"
    label       = "4xx rate (%)"
    return_data = true
  }

  metric_query {
    id = "client_errors"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "4xx"
      dimensions  = { ApiId = var.api_id }
      period      = var.period_seconds
      stat        = "Sum"
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "Count"
      dimensions  = { ApiId = var.api_id }
      period      = var.period_seconds
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${var.name}-sync-dead-letters"
  alarm_description   = "A scheduled sync could not be delivered or failed every retry; its event waits in ${var.dead_letter_queue_name}."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = var.dead_letter_queue_name }
  statistic           = "Maximum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

# The sync Lambda writes its pending count per taxpayer and direction as an Embedded Metric
# Format line (apps/sync-lambda/src/outcome.rs), also without dimensions for this alarm. A
# document NAV serves a few minutes late clears within the hour; one that stays pending means
# an invoice someone has to look at (the status API and web UI list it with its reason).
resource "aws_cloudwatch_metric_alarm" "pending_invoices" {
  alarm_name          = "${var.name}-sync-pending-invoices"
  alarm_description   = "For ${var.pending_alarm_hours} h, some invoice NAV listed could not be fetched or read; see the pending list in the sync status."
  namespace           = "navsync"
  metric_name         = "PendingInvoices"
  statistic           = "Maximum"
  period              = 3600
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = var.pending_alarm_hours
  datapoints_to_alarm = var.pending_alarm_hours
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}
