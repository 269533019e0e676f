//! Graphviz DOT, written by hand for stable output and safe quoting.
//!
//! The diagram shows entities (shape and colour by type) and the relations
//! between them; meetings are drawn as `MET` edges labelled with their date
//! and place, so Event nodes and their bookkeeping edges (`PARTICIPATED_IN`,
//! `HELD_IN`, `REPORTED`) stay in the JSON. Entities with no edge left are
//! not drawn. A legend explains shapes and edge styles.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::graph::KnowledgeGraph;

/// Quotes a string as a DOT double-quoted id: backslashes and quotes
/// escaped, line breaks as `\n`, control characters dropped.
///
/// ```
/// assert_eq!(cnkg::export::dot::quote("Kim \"Jong\" Un\\"), r#""Kim \"Jong\" Un\\""#);
/// ```
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct Style {
    shape: &'static str,
    fill: &'static str,
    extra: &'static str,
}

fn style(kind: &str) -> Style {
    match kind {
        "Person" => Style {
            shape: "box",
            fill: "#dbe9ff",
            extra: "rounded,filled",
        },
        "Organization" => Style {
            shape: "component",
            fill: "#ffe8c2",
            extra: "filled",
        },
        "Country" => Style {
            shape: "doubleoctagon",
            fill: "#d9f2d9",
            extra: "filled",
        },
        "Place" => Style {
            shape: "house",
            fill: "#f1e0f7",
            extra: "filled",
        },
        _ => Style {
            shape: "ellipse",
            fill: "#eeeeee",
            extra: "filled",
        },
    }
}

fn edge_style(rel: &str) -> &'static str {
    match rel {
        "MET" => "color=\"#c0392b\", fontcolor=\"#c0392b\", penwidth=2, dir=none",
        "HOLDS_ROLE" | "MEMBER_OF" | "AFFILIATED_WITH" => {
            "color=\"#2c6fbb\", fontcolor=\"#2c6fbb\""
        }
        "LOCATED_IN" | "PART_OF" => "color=\"#888888\", fontcolor=\"#666666\", style=dashed",
        "VISITED" => "color=\"#7d3c98\", fontcolor=\"#7d3c98\"",
        _ => "color=\"#444444\"",
    }
}

const HIDDEN: &[&str] = &["PARTICIPATED_IN", "HELD_IN", "REPORTED"];

/// The graph as DOT, with a trailing newline.
pub fn to_string(g: &KnowledgeGraph) -> String {
    let mut out = String::new();
    let edges: Vec<_> = g
        .edges_sorted()
        .into_iter()
        .filter(|e| !HIDDEN.contains(&e.relation()))
        .filter(|e| {
            g.node(&e.source).is_some_and(|n| n.kind() != "Event")
                && g.node(&e.target).is_some_and(|n| n.kind() != "Event")
        })
        .collect();
    let shown: BTreeSet<&str> = edges
        .iter()
        .flat_map(|e| [e.source.as_str(), e.target.as_str()])
        .collect();
    let (docs, ents, events, _) = g.summary();
    out.push_str("digraph cnkg {\n");
    let _ = writeln!(
        out,
        "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, nodesep=0.25, ranksep=0.6, labelloc=t, label={}];",
        quote(&format!("cnkg: {docs} documents, {ents} entities, {events} events"))
    );
    out.push_str("  node [fontname=\"Helvetica\", fontsize=10, penwidth=1];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=8, arrowsize=0.6];\n");
    for n in g.nodes_sorted() {
        if !shown.contains(n.id.as_str()) {
            continue;
        }
        let s = style(n.kind());
        let _ = writeln!(
            out,
            "  {} [label={}, shape={}, style=\"{}\", fillcolor=\"{}\", tooltip={}];",
            quote(&n.id),
            quote(n.label()),
            s.shape,
            s.extra,
            s.fill,
            quote(&format!("{} ({})", n.label(), n.kind()))
        );
    }
    // roles of one person in one body read as one edge: "General Secretary, Chairperson"
    let role = |r: &str| matches!(r, "HOLDS_ROLE" | "MEMBER_OF" | "AFFILIATED_WITH");
    let mut titles: std::collections::BTreeMap<(&str, &str), Vec<&str>> = Default::default();
    for e in edges.iter().filter(|e| role(e.relation())) {
        let t = titles
            .entry((e.source.as_str(), e.target.as_str()))
            .or_default();
        let title = e.get_str("title").unwrap_or(e.relation());
        if !t.iter().any(|x| x.eq_ignore_ascii_case(title)) {
            t.push(title);
        }
    }
    let mut drawn: BTreeSet<(&str, &str)> = BTreeSet::new();
    for e in &edges {
        let rel = e.relation();
        if role(rel) && !drawn.insert((e.source.as_str(), e.target.as_str())) {
            continue;
        }
        let label = match rel {
            "MET" => {
                let date = e.get_str("date").unwrap_or("undated").to_string();
                let place = e
                    .get_str("place")
                    .and_then(|p| g.node(p))
                    .map(|n| n.label().to_string());
                match place {
                    Some(p) => format!("met {date}\n{p}"),
                    None => format!("met {date}"),
                }
            }
            "HOLDS_ROLE" | "MEMBER_OF" | "AFFILIATED_WITH" => {
                let t = &titles[&(e.source.as_str(), e.target.as_str())];
                let mut l = t.iter().take(3).copied().collect::<Vec<_>>().join(", ");
                if t.len() > 3 {
                    l.push_str(", ...");
                }
                l
            }
            "VISITED" => match e.get_str("date") {
                Some(d) => format!("visited {d}"),
                None => "visited".into(),
            },
            "LOCATED_IN" => "in".into(),
            "PART_OF" => "part of".into(),
            other => other.to_lowercase().replace('_', " "),
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}, {}];",
            quote(&e.source),
            quote(&e.target),
            quote(&label),
            edge_style(rel)
        );
    }
    // legend
    out.push_str("  subgraph cluster_legend {\n    label=\"Legend\"; fontsize=10; style=dashed; color=\"#999999\";\n");
    for kind in ["Person", "Organization", "Country", "Place"] {
        let s = style(kind);
        let _ = writeln!(
            out,
            "    {} [label={}, shape={}, style=\"{}\", fillcolor=\"{}\"];",
            quote(&format!("legend:{kind}")),
            quote(kind),
            s.shape,
            s.extra,
            s.fill
        );
    }
    out.push_str("    \"legend:a\" [label=\"\", shape=point, width=0.05];\n    \"legend:b\" [label=\"\", shape=point, width=0.05];\n    \"legend:c\" [label=\"\", shape=point, width=0.05];\n    \"legend:d\" [label=\"\", shape=point, width=0.05];\n");
    let _ = writeln!(
        out,
        "    \"legend:a\" -> \"legend:b\" [label=\"met (date, place)\", {}];",
        edge_style("MET")
    );
    let _ = writeln!(
        out,
        "    \"legend:c\" -> \"legend:d\" [label=\"role / affiliation\", {}];",
        edge_style("HOLDS_ROLE")
    );
    out.push_str("  }\n}\n");
    out
}
