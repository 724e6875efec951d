//! The table definition, read from `table.json` (the single source of truth that Terraform is
//! tested against), and table creation from it for tests and local tooling.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use serde::Deserialize;

/// `table.json`, verbatim.
pub const TABLE_JSON: &str = include_str!("../table.json");

/// Index names the adapter queries; each must be in `table.json` (a unit test checks).
pub const BY_DATE: &str = "by_date";
pub const BY_PARTNER: &str = "by_partner";
pub const BY_NUMBER: &str = "by_number";
pub const BY_CHAIN: &str = "by_chain";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TableDefinition {
    pub billing_mode: String,
    pub attribute_definitions: Vec<AttributeDef>,
    pub key_schema: Vec<KeyElement>,
    pub global_secondary_indexes: Vec<IndexDef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AttributeDef {
    pub name: String,
    /// `S`, `N` or `B`.
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KeyElement {
    pub name: String,
    /// `HASH` or `RANGE`.
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IndexDef {
    pub name: String,
    pub key_schema: Vec<KeyElement>,
    pub projection: ProjectionDef,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProjectionDef {
    /// `ALL`, `KEYS_ONLY` or `INCLUDE`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub non_key_attributes: Vec<String>,
}

impl TableDefinition {
    /// The definition in `table.json`.
    pub fn load() -> Self {
        serde_json::from_str(TABLE_JSON).expect("table.json is valid (checked by a unit test)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("could not create DynamoDB table {table}: {message}")]
pub struct CreateTableError {
    pub table: String,
    pub message: String,
}

fn key_schema(elements: &[KeyElement]) -> Vec<KeySchemaElement> {
    elements
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(&k.name)
                .key_type(KeyType::from(k.role.as_str()))
                .build()
                .expect("name and key type are set")
        })
        .collect()
}

/// Creates table `name` as `table.json` defines it and waits until it is active.
pub async fn create_table(client: &Client, name: &str) -> Result<(), CreateTableError> {
    let def = TableDefinition::load();
    let err = |message: String| CreateTableError {
        table: name.to_owned(),
        message,
    };
    let mut req = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::from(def.billing_mode.as_str()))
        .set_key_schema(Some(key_schema(&def.key_schema)));
    for a in &def.attribute_definitions {
        req = req.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(&a.name)
                .attribute_type(ScalarAttributeType::from(a.kind.as_str()))
                .build()
                .expect("name and type are set"),
        );
    }
    for i in &def.global_secondary_indexes {
        let projection = Projection::builder()
            .projection_type(ProjectionType::from(i.projection.kind.as_str()))
            .set_non_key_attributes(
                (!i.projection.non_key_attributes.is_empty())
                    .then(|| i.projection.non_key_attributes.clone()),
            )
            .build();
        req = req.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&i.name)
                .set_key_schema(Some(key_schema(&i.key_schema)))
                .projection(projection)
                .build()
                .map_err(|e| err(e.to_string()))?,
        );
    }
    req.send()
        .await
        .map_err(|e| err(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string()))?;
    for _ in 0..100 {
        let described = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| err(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string()))?;
        let status = described.table().and_then(|t| t.table_status());
        if status == Some(&aws_sdk_dynamodb::types::TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(err("the table did not become ACTIVE within 10 s".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_json_parses_and_names_every_index_the_adapter_queries() {
        let def = TableDefinition::load();
        let names: Vec<&str> = def
            .global_secondary_indexes
            .iter()
            .map(|i| i.name.as_str())
            .collect();
        for index in [BY_DATE, BY_PARTNER, BY_NUMBER, BY_CHAIN] {
            assert!(names.contains(&index), "{index} missing from table.json");
        }
        // Every key attribute is defined, and only key attributes are (DynamoDB rejects extras).
        let mut keys: Vec<&str> = def.key_schema.iter().map(|k| k.name.as_str()).collect();
        for i in &def.global_secondary_indexes {
            keys.extend(i.key_schema.iter().map(|k| k.name.as_str()));
        }
        keys.sort();
        keys.dedup();
        let mut defined: Vec<&str> = def
            .attribute_definitions
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        defined.sort();
        assert_eq!(keys, defined);
    }
}
