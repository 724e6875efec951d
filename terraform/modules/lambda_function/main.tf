data "aws_partition" "current" {}

locals {
  in_vpc = length(var.subnet_ids) > 0
}

# Terraform cannot build Rust; this says which command does when the zip is missing.
check "artifact_exists" {
  assert {
    condition     = fileexists(var.artifact)
    error_message = "Lambda artifact ${var.artifact} is missing: build it with ${var.build_command}"
  }
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

# Runtime essentials every function has: its own log group and X-Ray. The log group exists before
# the function, so no logs:CreateLogGroup.
data "aws_iam_policy_document" "runtime" {
  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid = "XRay"
    # X-Ray's write actions have no resource-level permissions.
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.dead_letter_queue_arn == null ? [] : [var.dead_letter_queue_arn]
    content {
      sid       = "DeadLetterQueue"
      actions   = ["sqs:SendMessage"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "runtime" {
  name   = "runtime"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.runtime.json
}

resource "aws_iam_role_policy" "code" {
  name   = "code"
  role   = aws_iam_role.this.id
  policy = var.policy_json
}

# Network interfaces for a function in a VPC (AWS's managed policy holds exactly those actions).
resource "aws_iam_role_policy_attachment" "vpc" {
  count      = local.in_vpc ? 1 : 0
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

resource "aws_lambda_function" "this" {
  function_name = var.name
  description   = var.description
  role          = aws_iam_role.this.arn

  filename         = var.artifact
  source_code_hash = fileexists(var.artifact) ? filebase64sha256(var.artifact) : null
  runtime          = "provided.al2023"
  architectures    = ["x86_64"]
  handler          = "bootstrap"

  memory_size                    = var.memory_mb
  timeout                        = var.timeout_seconds
  reserved_concurrent_executions = var.reserved_concurrency

  environment {
    variables = var.environment
  }

  # JSON: the runtime tells the function (AWS_LAMBDA_LOG_FORMAT) to log structured lines, which
  # CloudWatch Logs Insights can query field by field.
  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tracing_config {
    mode = "Active"
  }

  dynamic "vpc_config" {
    for_each = local.in_vpc ? [1] : []
    content {
      subnet_ids         = var.subnet_ids
      security_group_ids = var.security_group_ids
    }
  }

  dynamic "dead_letter_config" {
    for_each = var.dead_letter_queue_arn == null ? [] : [var.dead_letter_queue_arn]
    content {
      target_arn = dead_letter_config.value
    }
  }

  lifecycle {
    precondition {
      condition     = fileexists(var.artifact)
      error_message = "Lambda artifact ${var.artifact} is missing: build it with ${var.build_command}"
    }
    precondition {
      condition     = !local.in_vpc || length(var.security_group_ids) > 0
      error_message = "A function in a VPC needs security_group_ids as well as subnet_ids."
    }
  }

  # The role must hold these before the function is created: Lambda checks the dead-letter and
  # VPC permissions at creation.
  depends_on = [aws_iam_role_policy.runtime, aws_iam_role_policy_attachment.vpc, aws_cloudwatch_log_group.this]
}

resource "aws_lambda_function_event_invoke_config" "this" {
  function_name          = aws_lambda_function.this.function_name
  maximum_retry_attempts = var.async_retry_attempts
}
