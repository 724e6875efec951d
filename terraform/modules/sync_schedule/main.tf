resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name}-dead-letter"
  message_retention_seconds = 1209600 # 14 days, SQS's maximum: time to look at a failed run.

  sqs_managed_sse_enabled = var.kms_key_arn == null ? true : null
  kms_master_key_id       = var.kms_key_arn
}

data "aws_caller_identity" "current" {}

resource "aws_scheduler_schedule_group" "this" {
  name = var.name
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    # Only schedules of this account (naming the schedules themselves would be a cycle).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${var.name}-scheduler"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "InvokeSync"
    actions   = ["lambda:InvokeFunction"]
    resources = [var.function_arn]
  }

  statement {
    sid       = "DeadLetter"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "EncryptDeadLetters"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "invoke-sync"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

resource "aws_scheduler_schedule" "sync" {
  for_each = toset(var.taxpayers)

  name                         = "${var.name}-${each.value}"
  group_name                   = aws_scheduler_schedule_group.this.name
  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = var.timezone
  kms_key_arn                  = var.kms_key_arn

  # Spread over a window, the taxpayers' runs do not all start in the same second (README.md,
  # "Scale on paper": the concurrency they need falls from one per taxpayer to a few).
  flexible_time_window {
    mode                      = var.spread_minutes > 0 ? "FLEXIBLE" : "OFF"
    maximum_window_in_minutes = var.spread_minutes > 0 ? var.spread_minutes : null
  }

  target {
    arn      = var.function_arn
    role_arn = aws_iam_role.scheduler.arn
    # The sync Lambda's event: directions default to both.
    input = jsonencode({
      taxpayers     = [each.value]
      lookback_days = var.lookback_days
    })

    retry_policy {
      maximum_retry_attempts       = var.retry_attempts
      maximum_event_age_in_seconds = var.max_event_age_seconds
    }

    dead_letter_config {
      arn = aws_sqs_queue.dead_letter.arn
    }
  }
}

# Once a day, each taxpayer's sync re-lists its whole lookback (digests only; a data call only
# for what is not stored): NAV lists some invoices days after their insDate and backfills past
# periods after incidents (nav-gov-hu/Online-Invoice #664, #1109), beyond the runs' trailing re-check.
resource "aws_scheduler_schedule" "sweep" {
  for_each = var.sweep_schedule_expression == null ? toset([]) : toset(var.taxpayers)

  name                         = "${var.name}-${each.value}-sweep"
  group_name                   = aws_scheduler_schedule_group.this.name
  schedule_expression          = var.sweep_schedule_expression
  schedule_expression_timezone = var.timezone
  kms_key_arn                  = var.kms_key_arn

  flexible_time_window {
    mode                      = "FLEXIBLE"
    maximum_window_in_minutes = 30
  }

  target {
    arn      = var.function_arn
    role_arn = aws_iam_role.scheduler.arn
    input = jsonencode({
      taxpayers     = [each.value]
      lookback_days = var.lookback_days
      rescan        = true
    })

    retry_policy {
      maximum_retry_attempts       = var.retry_attempts
      maximum_event_age_in_seconds = var.max_event_age_seconds
    }

    dead_letter_config {
      arn = aws_sqs_queue.dead_letter.arn
    }
  }
}
