//! GraphML for NetworkX (`read_graphml`), Gephi and yEd.
//!
//! Every attribute gets a typed `<key>`: `boolean`, `int`, `double` or
//! `string`. GraphML holds only scalars, so lists of names (`aliases`,
//! `documents`) are joined with `;`, and anything nested is written as JSON
//! text: an edge's `evidence` is the JSON list of `{doc, sentence, start,
//! end, rule}` objects (`json.loads` gives it back), next to
//! `evidence_count`. Null values are left out.
//!
//! For Gephi, nodes carry `label` (the canonical name) and edges carry
//! `label` (the relation) and `weight` (a double: the number of evidence
//! sentences, at least 1). Edge ids are `e0`, `e1`, ... in the JSON's edge
//! order; the JSON key of an edge among its parallel edges is its `key`.
//! Key ids are the attribute names, with `edge` in front of an edge
//! attribute whose name a node attribute already uses (`edgelabel`, as
//! Gephi writes it).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{Map, Value};

use crate::export::{cell, column_types, ColumnType};
use crate::graph::KnowledgeGraph;

/// Escapes text for XML content and attribute values; drops characters XML
/// 1.0 cannot hold.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn graphml_type(t: Option<ColumnType>) -> &'static str {
    match t {
        Some(ColumnType::Bool) => "boolean",
        Some(ColumnType::Int) => "int",
        Some(ColumnType::Float) => "double",
        _ => "string",
    }
}

/// A key id: the name with characters outside XML name characters replaced.
fn key_id(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

struct Key {
    id: String,
    name: String,
    column: Option<ColumnType>,
    ty: &'static str,
}

/// Declared keys in a fixed order: `first` (when present), then the rest by name.
fn keys(
    types: &BTreeMap<&str, Option<ColumnType>>,
    first: &[&str],
    taken: &[Key],
    prefix: &str,
) -> Vec<Key> {
    let mut names: Vec<&str> = first
        .iter()
        .copied()
        .filter(|n| types.contains_key(n))
        .collect();
    names.extend(types.keys().copied().filter(|n| !first.contains(n)));
    names
        .into_iter()
        .map(|name| {
            let mut id = key_id(name);
            while taken.iter().any(|k| k.id == id) {
                id = format!("{prefix}{id}");
            }
            Key {
                id,
                name: name.to_string(),
                column: types[name],
                ty: graphml_type(types[name]),
            }
        })
        .collect()
}

fn value_text(v: &Value, k: &Key) -> Option<String> {
    match (v, k.ty) {
        (Value::Null, _) => None,
        // a number in a double column written as a double
        (Value::Number(n), "double") => n.as_f64().map(|f| format!("{f:?}")),
        (v, _) => cell(v, k.column),
    }
}

fn data_lines(out: &mut String, keys: &[Key], attrs: &Map<String, Value>) {
    for k in keys {
        if let Some(text) = attrs.get(&k.name).and_then(|v| value_text(v, k)) {
            let _ = writeln!(
                out,
                "      <data key=\"{}\">{}</data>",
                escape(&k.id),
                escape(&text)
            );
        }
    }
}

/// The attributes written for each edge: its own, plus `relation`, `key`,
/// `label`, `weight` and `evidence_count`.
fn edge_attrs(g: &KnowledgeGraph) -> Vec<(&str, &str, Map<String, Value>)> {
    g.edges_sorted()
        .into_iter()
        .map(|e| {
            let mut a = e.attrs.clone();
            let n = e
                .attrs
                .get("evidence")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            a.entry("key").or_insert(Value::from(e.key));
            a.entry("label").or_insert(Value::from(e.relation()));
            a.entry("weight").or_insert(Value::from(n.max(1) as f64));
            a.entry("evidence_count").or_insert(Value::from(n));
            (e.source.as_str(), e.target.as_str(), a)
        })
        .collect()
}

/// The graph as GraphML, with a trailing newline.
pub fn to_string(g: &KnowledgeGraph) -> String {
    let nodes: Vec<(&str, Map<String, Value>)> = g
        .nodes_sorted()
        .into_iter()
        .map(|n| {
            let mut a = n.attrs.clone();
            a.insert("label".into(), Value::from(n.label()));
            (n.id.as_str(), a)
        })
        .collect();
    let edges = edge_attrs(g);
    let node_keys = keys(
        &column_types(nodes.iter().map(|(_, a)| a)),
        &["label", "type"],
        &[],
        "node",
    );
    let edge_keys = keys(
        &column_types(edges.iter().map(|(_, _, a)| a)),
        &["label", "weight", "relation", "key", "evidence_count"],
        &node_keys,
        "edge",
    );
    let generator = g
        .meta
        .get("generator")
        .map(|v| match (v.get("name"), v.get("version")) {
            (Some(Value::String(n)), Some(Value::String(ver))) => format!("{n} {ver}"),
            _ => v.to_string(),
        });
    let filter = g.meta.get("filter").map(Value::to_string);

    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n");
    let graph_keys: Vec<(&str, &Option<String>)> =
        vec![("generator", &generator), ("filter", &filter)];
    for (name, v) in &graph_keys {
        if v.is_some() {
            let _ = writeln!(
                out,
                "  <key id=\"graph{name}\" for=\"graph\" attr.name=\"{name}\" attr.type=\"string\"/>"
            );
        }
    }
    for (domain, ks) in [("node", &node_keys), ("edge", &edge_keys)] {
        for k in ks {
            let _ = writeln!(
                out,
                "  <key id=\"{}\" for=\"{domain}\" attr.name=\"{}\" attr.type=\"{}\"/>",
                escape(&k.id),
                escape(&k.name),
                k.ty
            );
        }
    }
    out.push_str("  <graph id=\"cnkg\" edgedefault=\"directed\">\n");
    for (name, v) in &graph_keys {
        if let Some(v) = v {
            let _ = writeln!(out, "    <data key=\"graph{name}\">{}</data>", escape(v));
        }
    }
    for (id, attrs) in &nodes {
        let _ = writeln!(out, "    <node id=\"{}\">", escape(id));
        data_lines(&mut out, &node_keys, attrs);
        out.push_str("    </node>\n");
    }
    for (i, (s, t, attrs)) in edges.iter().enumerate() {
        let _ = writeln!(
            out,
            "    <edge id=\"e{i}\" source=\"{}\" target=\"{}\">",
            escape(s),
            escape(t)
        );
        data_lines(&mut out, &edge_keys, attrs);
        out.push_str("    </edge>\n");
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'\n\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&#10;"
        );
    }

    #[test]
    fn key_ids_avoid_names_taken_by_node_keys() {
        let mut t = BTreeMap::new();
        t.insert("label", Some(ColumnType::Text));
        t.insert("date", Some(ColumnType::Text));
        let node = keys(&t, &["label"], &[], "node");
        let mut te = BTreeMap::new();
        te.insert("label", Some(ColumnType::Text));
        te.insert("weight", Some(ColumnType::Float));
        te.insert("a b", Some(ColumnType::Int));
        let edge = keys(&te, &["label", "weight"], &node, "edge");
        let ids: Vec<(&str, &str, &str)> = edge
            .iter()
            .map(|k| (k.id.as_str(), k.name.as_str(), k.ty))
            .collect();
        assert_eq!(
            ids,
            [
                ("edgelabel", "label", "string"),
                ("weight", "weight", "double"),
                ("a_b", "a b", "int")
            ]
        );
    }
}
