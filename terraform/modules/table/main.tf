# Keys and indexes come from the same JSON file the DynamoDB adapter creates its tables from, so
# the deployed table and the code cannot drift apart.
locals {
  definition = jsondecode(file(var.definition_file))
  key_role   = { for k in local.definition.key_schema : k.role => k.name }
}

resource "aws_dynamodb_table" "this" {
  name         = var.name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = local.key_role["HASH"]
  range_key    = lookup(local.key_role, "RANGE", null)

  dynamic "attribute" {
    for_each = local.definition.attribute_definitions
    content {
      name = attribute.value.name
      type = attribute.value.type
    }
  }

  dynamic "global_secondary_index" {
    for_each = local.definition.global_secondary_indexes
    content {
      name               = global_secondary_index.value.name
      projection_type    = global_secondary_index.value.projection.type
      non_key_attributes = lookup(global_secondary_index.value.projection, "non_key_attributes", null)

      # key_schema (provider >= 6.29) replaces the deprecated hash_key/range_key arguments; the
      # definition lists the keys in DynamoDB's order (HASH, then RANGE).
      dynamic "key_schema" {
        for_each = global_secondary_index.value.key_schema
        content {
          attribute_name = key_schema.value.name
          key_type       = key_schema.value.role
        }
      }
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  # Without a customer managed key DynamoDB still encrypts at rest, with an AWS owned key.
  server_side_encryption {
    enabled     = var.kms_key_arn != null
    kms_key_arn = var.kms_key_arn
  }

  deletion_protection_enabled = var.deletion_protection
}
