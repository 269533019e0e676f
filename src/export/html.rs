//! One self-contained HTML page: the Graphviz drawing (inline SVG, with pan
//! and zoom), a search box over names and aliases, and a side panel listing
//! the selected entity's meetings (date, place, the other people) and the
//! evidence sentences of each of its links.
//!
//! Everything is inline (SVG, CSS, script, data) and the page's
//! Content-Security-Policy forbids any fetch, so it opens from a file with
//! no network. `page.html#search=kim jong un` runs a search and opens the
//! first hit; `page.html#node=person:kim-jong-un` opens one node.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::export::{label_of, render, ExportError};
use crate::graph::{Edge, KnowledgeGraph};

const TEMPLATE: &str = include_str!("viewer.html");

/// Edges the panel does not list on their own: the meetings they describe
/// are listed as meetings.
const BOOKKEEPING: &[&str] = &["PARTICIPATED_IN", "HELD_IN", "REPORTED"];

fn evidence(e: &Edge) -> Vec<Value> {
    e.attrs
        .get("evidence")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|ev| json!({"doc": ev["doc"], "sentence": ev["sentence"], "rule": ev["rule"]}))
                .collect()
        })
        .unwrap_or_default()
}

/// The viewer's data: every entity (Event nodes are not drawn), each
/// person's meetings grouped by event, and each entity's other links.
pub fn data(g: &KnowledgeGraph) -> Value {
    let name = |id: &str| label_of(g, id).unwrap_or(id).to_string();
    let nodes: Vec<Value> = g
        .nodes_sorted()
        .into_iter()
        .filter(|n| n.kind() != "Event")
        .map(|n| {
            json!({
                "id": n.id,
                "label": n.label(),
                "type": n.kind(),
                "aliases": n.aliases(),
                "documents": n.attrs.get("documents").cloned().unwrap_or(json!([])),
            })
        })
        .collect();
    // meetings: per person, per event (or date and place when no event is named)
    type Meeting = (
        Option<String>,
        Option<String>,
        BTreeSet<(String, String)>,
        Vec<Value>,
    );
    let mut meetings: BTreeMap<String, BTreeMap<String, Meeting>> = BTreeMap::new();
    let mut links: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for e in g.edges_sorted() {
        let rel = e.relation();
        if rel == "MET" {
            let date = e.get_str("date").map(str::to_string);
            let place = e.get_str("place").map(name);
            let occasion = e.get_str("event").map(str::to_string).unwrap_or_else(|| {
                format!(
                    "{} {}",
                    date.as_deref().unwrap_or(""),
                    place.as_deref().unwrap_or("")
                )
            });
            for (me, other) in [(&e.source, &e.target), (&e.target, &e.source)] {
                let m = meetings
                    .entry(me.clone())
                    .or_default()
                    .entry(occasion.clone())
                    .or_insert_with(|| (date.clone(), place.clone(), BTreeSet::new(), Vec::new()));
                m.2.insert((name(other), other.clone()));
                for ev in evidence(e) {
                    if !m.3.contains(&ev) {
                        m.3.push(ev);
                    }
                }
            }
            continue;
        }
        if BOOKKEEPING.contains(&rel) {
            continue;
        }
        let detail = e
            .get_str("title")
            .or_else(|| e.get_str("date"))
            .map(str::to_string);
        for (me, other, dir) in [(&e.source, &e.target, "out"), (&e.target, &e.source, "in")] {
            links.entry(me.clone()).or_default().push(json!({
                "relation": rel,
                "dir": dir,
                "other": other,
                "other_label": name(other),
                "detail": detail,
                "evidence": evidence(e),
            }));
        }
    }
    let meetings: BTreeMap<String, Vec<Value>> = meetings
        .into_iter()
        .map(|(person, by_event)| {
            let mut list: Vec<(Option<String>, Value)> = by_event
                .into_values()
                .map(|(date, place, with, ev)| {
                    let with: Vec<Value> = with
                        .into_iter()
                        .map(|(label, id)| json!({"id": id, "label": label}))
                        .collect();
                    let v = json!({"date": date, "place": place, "with": with, "evidence": ev});
                    (date, v)
                })
                .collect();
            // dated meetings first, earliest first; the sort is stable
            list.sort_by(|a, b| match (&a.0, &b.0) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            });
            (person, list.into_iter().map(|(_, v)| v).collect())
        })
        .collect();
    let (docs, ents, events, edges) = g.summary();
    json!({
        "summary": {"documents": docs, "entities": ents, "events": events, "edges": edges},
        "nodes": nodes,
        "meetings": meetings,
        "links": links,
    })
}

/// JSON safe inside a `<script>` element: no `<` can close it.
fn script_json(v: &Value) -> String {
    serde_json::to_string(v)
        .expect("JSON values always serialise")
        .replace('<', "\\u003c")
}

/// The SVG element of Graphviz's output, without the XML prolog and doctype.
fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => svg[i..].trim_end(),
        None => svg.trim_end(),
    }
}

fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The page, from a drawing made by Graphviz.
///
/// # Errors
/// As [`render::svg`]: the drawing needs Graphviz.
pub fn to_string(g: &KnowledgeGraph) -> Result<String, ExportError> {
    let svg = render::svg_for(g, "html")?;
    Ok(page(g, &svg))
}

/// The page around an SVG drawing.
pub fn page(g: &KnowledgeGraph, svg: &str) -> String {
    let (docs, ents, events, _) = g.summary();
    let title = format!("cnkg: {docs} documents, {ents} entities, {events} events");
    fill(
        TEMPLATE,
        &[
            ("TITLE", escape_text(&title)),
            ("SVG", inline_svg(svg).to_string()),
            ("DATA", script_json(&data(g))),
        ],
    )
}

/// Replaces each `{{NAME}}` of `template` in one pass, so that no value is
/// searched for placeholders in its turn.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find("}}").and_then(|j| {
            let key = &after[..j];
            values.iter().find(|(k, _)| *k == key).map(|(_, v)| (v, j))
        }) {
            Some((v, j)) => {
                out.push_str(v);
                rest = &after[j + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let v = json!({"s": "</script><b>"});
        assert_eq!(script_json(&v), r#"{"s":"\u003c/script>\u003cb>"}"#);
    }

    #[test]
    fn the_svg_element_is_inlined_without_prolog() {
        let svg = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<svg width=\"1pt\"></svg>\n";
        assert_eq!(inline_svg(svg), "<svg width=\"1pt\"></svg>");
    }

    #[test]
    fn fill_does_not_rescan_values() {
        let out = fill(
            "<a>{{A}}</a><b>{{B}}</b>{{C}}",
            &[("A", "{{B}}".into()), ("B", "x".into())],
        );
        assert_eq!(out, "<a>{{B}}</a><b>x</b>{{C}}");
    }

    #[test]
    fn template_has_each_placeholder() {
        for p in ["{{TITLE}}", "{{SVG}}", "{{DATA}}"] {
            assert!(TEMPLATE.contains(p), "{p}");
        }
        assert!(!TEMPLATE.contains("http://") || TEMPLATE.contains("http://www.w3.org"));
    }
}
