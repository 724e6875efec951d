# What each function's code may do: exactly the AWS calls its crates make, action by action.
# scripts/test_terraform_contract.py holds these against the Lambda contract (README.md) and against
# the SDK calls in the code. Logging, X-Ray and the dead-letter queue are granted by
# modules/lambda_function.

locals {
  credential_parameter_arns = [
    "arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter${local.ssm_prefix}/*",
  ]
  # A customer managed key, when one is used, for S3 objects, SecureString parameters and the
  # dead-letter queue. Without one: SSE-S3 needs no KMS permission, and the AWS managed aws/ssm
  # key's own policy already lets every principal of the account decrypt through SSM.
  customer_keys = var.kms_key_arn == null ? [] : [var.kms_key_arn]
}

data "aws_iam_policy_document" "sync" {
  statement {
    sid     = "InvoiceTable"
    actions = ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:Query"]
    resources = [
      module.table.arn,
      module.table.index_arns,
    ]
  }

  statement {
    sid = "ArchiveDocuments"
    # HeadObject is authorized by s3:GetObject.
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = ["${module.documents.arn}/*"]
  }

  statement {
    # Without ListBucket, HeadObject and GetObject of a missing key answer 403 instead of 404, and
    # the archive could not tell "not archived yet" from "forbidden".
    sid       = "TellMissingDocuments"
    actions   = ["s3:ListBucket"]
    resources = [module.documents.arn]
  }

  statement {
    # One GetParameters call reads a taxpayer's four parameters (adapters/ssm).
    sid       = "ReadCredentials"
    actions   = ["ssm:GetParameters"]
    resources = local.credential_parameter_arns
  }

  dynamic "statement" {
    for_each = local.customer_keys
    content {
      sid       = "UseCustomerKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

data "aws_iam_policy_document" "api" {
  statement {
    # Reads only: a "sync now" invokes the sync function, which writes the sync state itself.
    sid     = "ReadInvoiceTable"
    actions = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"]
    resources = [
      module.table.arn,
      module.table.index_arns,
    ]
  }

  statement {
    # Presigned download URLs are signed with this function's credentials.
    sid       = "PresignDocuments"
    actions   = ["s3:GetObject"]
    resources = ["${module.documents.arn}/*"]
  }

  statement {
    # Exports too big to answer inline: written, then read back through a presigned URL.
    sid       = "WriteExports"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"]
    resources = ["${module.exports.arn}/*"]
  }

  statement {
    sid       = "StartSync"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.sync_lambda.arn]
  }

  statement {
    sid       = "CursorKey"
    actions   = ["ssm:GetParameter"]
    resources = [module.credentials.cursor_key_parameter_arn]
  }

  dynamic "statement" {
    for_each = local.customer_keys
    content {
      # Downloading an SSE-KMS document or export through a presigned URL, reading the cursor key,
      # and writing an SSE-KMS export (GenerateDataKey; Decrypt again for its multipart parts).
      sid       = "UseCustomerKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}
