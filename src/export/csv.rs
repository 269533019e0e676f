//! `nodes.csv` and `edges.csv` in the shape of Neo4j's bulk import
//! (`neo4j-admin database import full --nodes=nodes.csv
//! --relationships=edges.csv`), which `pandas.read_csv` reads as they are.
//!
//! Headers name the id, label and type columns as Neo4j wants them
//! (`id:ID`, `:LABEL`, `:START_ID`, `:END_ID`, `:TYPE`) and give the other
//! columns a type where it is not a string (`mentions:int`,
//! `aliases:string[]`). Lists are joined with `;`, Neo4j's default array
//! delimiter. Dates stay strings (`date`): a date known only to the month or
//! year (`2019-06`) is not a Neo4j `date` without inventing a day. An edge's
//! `evidence` is its JSON list of `{doc, sentence, start, end, rule}`, with
//! `evidence_count` beside it.
//!
//! The fixed columns come first, in the order below, whatever the graph
//! holds; attributes a rule adds follow, by name. Fields are quoted as RFC
//! 4180 says (a field holding `,`, `"`, CR or LF is put in double quotes,
//! its quotes doubled) and lines end with CRLF.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::export::{cell, column_types, ColumnType};
use crate::graph::KnowledgeGraph;

/// The fixed node columns: header and attribute name.
pub const NODE_COLUMNS: &[(&str, &str)] = &[
    ("id:ID", "id"),
    (":LABEL", "type"),
    ("label", "label"),
    ("aliases:string[]", "aliases"),
    ("mentions:int", "mentions"),
    ("documents:string[]", "documents"),
    ("source", "source"),
    ("kind", "kind"),
    ("date", "date"),
    ("place", "place"),
];

/// The fixed edge columns: header and attribute name.
pub const EDGE_COLUMNS: &[(&str, &str)] = &[
    (":START_ID", "source"),
    (":END_ID", "target"),
    (":TYPE", "relation"),
    ("key:int", "key"),
    ("date", "date"),
    ("place", "place"),
    ("event", "event"),
    ("title", "title"),
    ("role", "role"),
    ("side:int", "side"),
    ("rule", "rule"),
    ("evidence_count:int", "evidence_count"),
    ("evidence", "evidence"),
];

/// One CSV field, quoted when RFC 4180 asks for it.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn suffix(t: Option<ColumnType>) -> &'static str {
    match t {
        Some(ColumnType::Int) => ":int",
        Some(ColumnType::Float) => ":float",
        Some(ColumnType::Bool) => ":boolean",
        Some(ColumnType::List) => ":string[]",
        _ => "",
    }
}

fn table(fixed: &[(&str, &str)], rows: &[Map<String, Value>]) -> String {
    let types: BTreeMap<&str, Option<ColumnType>> = column_types(rows.iter());
    let mut cols: Vec<(String, &str)> = fixed.iter().map(|(h, a)| (h.to_string(), *a)).collect();
    let ty = |a: &str| types.get(a).copied().flatten();
    for (name, t) in &types {
        if !fixed.iter().any(|(_, a)| a == name) {
            cols.push((format!("{name}{}", suffix(*t)), name));
        }
    }
    let mut out = String::new();
    let header: Vec<String> = cols.iter().map(|(h, _)| field(h)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in rows {
        let line: Vec<String> = cols
            .iter()
            .map(|(_, a)| field(&row.get(*a).and_then(|v| cell(v, ty(a))).unwrap_or_default()))
            .collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// `nodes.csv` and `edges.csv`, nodes sorted by id and edges as in the JSON.
pub fn to_strings(g: &KnowledgeGraph) -> (String, String) {
    let nodes: Vec<Map<String, Value>> = g
        .nodes_sorted()
        .into_iter()
        .map(|n| {
            let mut a = n.attrs.clone();
            a.insert("id".into(), Value::from(n.id.as_str()));
            a.insert("label".into(), Value::from(n.label()));
            a
        })
        .collect();
    let edges: Vec<Map<String, Value>> = g
        .edges_sorted()
        .into_iter()
        .map(|e| {
            let mut a = e.attrs.clone();
            let n = e
                .attrs
                .get("evidence")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            a.insert("source".into(), Value::from(e.source.as_str()));
            a.insert("target".into(), Value::from(e.target.as_str()));
            a.insert("key".into(), Value::from(e.key));
            a.entry("evidence_count").or_insert(Value::from(n));
            a
        })
        .collect();
    (table(NODE_COLUMNS, &nodes), table(EDGE_COLUMNS, &edges))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_quoted_as_rfc_4180_says() {
        assert_eq!(field("plain text"), "plain text");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn extra_attributes_follow_the_fixed_columns_with_a_type() {
        let rows = vec![
            json!({"id": "x", "type": "Person", "aliases": ["A", "B"], "zeal": 2, "tags": ["t"]})
                .as_object()
                .unwrap()
                .clone(),
        ];
        let t = table(NODE_COLUMNS, &rows);
        assert_eq!(
            t,
            "id:ID,:LABEL,label,aliases:string[],mentions:int,documents:string[],source,kind,date,place,tags:string[],zeal:int\r\n\
             x,Person,,A;B,,,,,,,t,2\r\n"
        );
    }
}
