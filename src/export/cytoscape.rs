//! Cytoscape.js `elements` JSON, for web viewers (`cytoscape({elements:
//! json.elements})`) and Cytoscape's "Import Network from File" (`.cyjs`).
//!
//! Each node is `{"group": "nodes", "data": {"id", "label", "type", ...},
//! "classes": "<type>"}` and each edge `{"group": "edges", "data": {"id",
//! "source", "target", "key", "relation", "label", ...}, "classes":
//! "<relation>"}`, so a style sheet can say `.Person` or `.MET`. `data`
//! holds every attribute of the JSON graph as it is (`evidence` stays a
//! list); an edge's `id` is `<source>-><target>#<key>` and its `label` the
//! relation. The top level adds `data` with the graph's `name`, its
//! `generator` and, for a filtered graph, the `filter`.

use serde_json::{json, Map, Value};

use crate::graph::KnowledgeGraph;

/// The graph as Cytoscape.js JSON, pretty, with a trailing newline.
pub fn to_string(g: &KnowledgeGraph) -> String {
    let nodes: Vec<Value> = g
        .nodes_sorted()
        .into_iter()
        .map(|n| {
            let mut data = Map::new();
            data.insert("id".into(), Value::from(n.id.as_str()));
            data.insert("label".into(), Value::from(n.label()));
            for (k, v) in &n.attrs {
                data.entry(k.as_str()).or_insert_with(|| v.clone());
            }
            json!({"group": "nodes", "data": data, "classes": n.kind()})
        })
        .collect();
    let edges: Vec<Value> = g
        .edges_sorted()
        .into_iter()
        .map(|e| {
            let mut data = Map::new();
            data.insert(
                "id".into(),
                Value::from(format!("{}->{}#{}", e.source, e.target, e.key)),
            );
            data.insert("source".into(), Value::from(e.source.as_str()));
            data.insert("target".into(), Value::from(e.target.as_str()));
            data.insert("key".into(), Value::from(e.key));
            data.insert("label".into(), Value::from(e.relation()));
            for (k, v) in &e.attrs {
                data.entry(k.as_str()).or_insert_with(|| v.clone());
            }
            json!({"group": "edges", "data": data, "classes": e.relation()})
        })
        .collect();
    let mut top_data = Map::new();
    top_data.insert("name".into(), Value::from("cnkg"));
    for k in ["generator", "filter"] {
        if let Some(v) = g.meta.get(k) {
            top_data.insert(k.into(), v.clone());
        }
    }
    let generated_by = g
        .meta
        .get("generator")
        .and_then(|v| {
            Some(format!(
                "{} {}",
                v.get("name")?.as_str()?,
                v.get("version")?.as_str()?
            ))
        })
        .unwrap_or_else(|| "cnkg".into());
    let doc = json!({
        "format_version": "1.0",
        "generated_by": generated_by,
        "target_cytoscapejs_version": "~3",
        "data": top_data,
        "elements": {"nodes": nodes, "edges": edges},
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON values always serialise");
    s.push('\n');
    s
}
