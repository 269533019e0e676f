//! Graphviz DOT, written by hand for stable output and safe quoting.
//!
//! The diagram shows entities (shape and colour by type) and the relations
//! between them; meetings are drawn as `MET` edges labelled with their date
//! and place, so Event nodes and their bookkeeping edges (`PARTICIPATED_IN`,
//! `HELD_IN`, `REPORTED`) stay in the JSON. Entities with no edge left are
//! not drawn.
//!
//! Up to [`LARGE`] drawn entities the diagram is laid out by `dot`, left to
//! right, with the people, organisations and places of one country boxed
//! together (see [`countries`]) and a legend. Larger graphs are laid out by
//! `sfdp` (`layout=sfdp` in the graph attributes, so `dot -Tsvg` follows
//! it too): no boxes, edge labels moved to tooltips, the legend in the title.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::export::label_of;
use crate::graph::{Edge, KnowledgeGraph, Node};

/// Above this many drawn entities the diagram is laid out by `sfdp`.
pub const LARGE: usize = 150;

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

fn is_role(rel: &str) -> bool {
    matches!(rel, "HOLDS_ROLE" | "MEMBER_OF" | "AFFILIATED_WITH")
}

/// The edges drawn (no Event nodes, no bookkeeping edges) and the ids of
/// the entities they join, the only ones drawn.
fn drawn(g: &KnowledgeGraph) -> (Vec<&Edge>, BTreeSet<&str>) {
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
    (edges, shown)
}

/// The Graphviz layout program the diagram is meant for: `dot` up to
/// [`LARGE`] drawn entities, else `sfdp`.
pub fn engine(g: &KnowledgeGraph) -> &'static str {
    if drawn(g).1.len() > LARGE {
        "sfdp"
    } else {
        "dot"
    }
}

/// The most frequent value, when one is more frequent than every other.
fn majority<'a>(votes: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for v in votes {
        *count.entry(v).or_default() += 1;
    }
    let mut v: Vec<(&str, usize)> = count.into_iter().collect();
    v.sort_by_key(|b| std::cmp::Reverse(b.1));
    match v.as_slice() {
        [(c, _)] => Some(c),
        [(c, n), (_, m), ..] if n > m => Some(c),
        _ => None,
    }
}

/// The country each entity belongs with, for boxing them together: a
/// country is its own; a place is in the country its `LOCATED_IN` chain
/// reaches; a person belongs to the country they hold most roles or
/// affiliations in; an organisation to the country most of its people
/// belong to (people with no role in a country then take their
/// organisations' country). Ties and unknowns belong nowhere.
pub fn countries(g: &KnowledgeGraph) -> BTreeMap<&str, &str> {
    let kind = |id: &str| g.node(id).map_or("", Node::kind);
    let mut out: BTreeMap<&str, &str> = BTreeMap::new();
    let edges = g.edges_sorted();
    let mut located: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in edges.iter().filter(|e| e.relation() == "LOCATED_IN") {
        located.entry(&e.source).or_default().push(&e.target);
    }
    for n in g.nodes_sorted() {
        match n.kind() {
            "Country" => {
                out.insert(&n.id, &n.id);
            }
            "Place" => {
                // breadth-first up the LOCATED_IN edges, a few steps at most
                let mut frontier = vec![n.id.as_str()];
                'up: for _ in 0..6 {
                    let mut next = Vec::new();
                    for p in frontier {
                        for &t in located.get(p).into_iter().flatten() {
                            if kind(t) == "Country" {
                                out.insert(&n.id, t);
                                break 'up;
                            }
                            next.push(t);
                        }
                    }
                    frontier = next;
                }
            }
            _ => {}
        }
    }
    let roles: Vec<&&Edge> = edges.iter().filter(|e| is_role(e.relation())).collect();
    let people: Vec<&Node> = g
        .nodes_sorted()
        .into_iter()
        .filter(|n| n.kind() == "Person")
        .collect();
    for p in &people {
        let votes = roles
            .iter()
            .filter(|e| e.source == p.id && kind(&e.target) == "Country")
            .map(|e| e.target.as_str());
        if let Some(c) = majority(votes) {
            out.insert(&p.id, c);
        }
    }
    let mut orgs: Vec<(&str, &str)> = Vec::new();
    for o in g
        .nodes_sorted()
        .into_iter()
        .filter(|n| n.kind() == "Organization")
    {
        let votes = roles
            .iter()
            .filter(|e| e.target == o.id && kind(&e.source) == "Person")
            .filter_map(|e| out.get(e.source.as_str()).copied());
        if let Some(c) = majority(votes) {
            orgs.push((&o.id, c));
        }
    }
    out.extend(orgs.iter().copied());
    for p in &people {
        if out.contains_key(p.id.as_str()) {
            continue;
        }
        let votes = roles
            .iter()
            .filter(|e| e.source == p.id && kind(&e.target) == "Organization")
            .filter_map(|e| out.get(e.target.as_str()).copied());
        if let Some(c) = majority(votes) {
            out.insert(&p.id, c);
        }
    }
    out
}

fn title(g: &KnowledgeGraph) -> String {
    let (docs, ents, events, _) = g.summary();
    let mut t = format!("cnkg: {docs} documents, {ents} entities, {events} events");
    if let Some(f) = g.meta.get("filter") {
        let mut parts = Vec::new();
        for k in ["types", "relations"] {
            if let Some(list) = f.get(k).and_then(|v| v.as_array()) {
                let names: Vec<&str> = list.iter().filter_map(|v| v.as_str()).collect();
                parts.push(format!("{k} {}", names.join(", ")));
            }
        }
        for k in ["since", "until"] {
            if let Some(d) = f.get(k).and_then(|v| v.as_str()) {
                parts.push(format!("{k} {d}"));
            }
        }
        if !parts.is_empty() {
            let _ = write!(t, "\n(only {})", parts.join("; "));
        }
    }
    t
}

fn node_line(out: &mut String, indent: &str, n: &Node) {
    let s = style(n.kind());
    let _ = writeln!(
        out,
        "{indent}{} [label={}, shape={}, style=\"{}\", fillcolor=\"{}\", tooltip={}];",
        quote(&n.id),
        quote(n.label()),
        s.shape,
        s.extra,
        s.fill,
        quote(&format!("{} ({})", n.label(), n.kind()))
    );
}

/// The graph as DOT, with a trailing newline.
pub fn to_string(g: &KnowledgeGraph) -> String {
    let mut out = String::new();
    let (edges, shown) = drawn(g);
    let large = shown.len() > LARGE;
    out.push_str("digraph cnkg {\n");
    if large {
        let legend = "red: met; blue: role or affiliation; purple: visited; grey dashed: located in, part of";
        let _ = writeln!(
            out,
            "  graph [layout=sfdp, overlap=prism, overlap_scaling=-3, splines=false, outputorder=edgesfirst, fontname=\"Helvetica\", fontsize=14, labelloc=t, label={}];",
            quote(&format!("{}\n{legend}", title(g)))
        );
    } else {
        let _ = writeln!(
            out,
            "  graph [rankdir=LR, newrank=true, fontname=\"Helvetica\", fontsize=12, nodesep=0.25, ranksep=0.6, labelloc=t, label={}];",
            quote(&title(g))
        );
    }
    out.push_str("  node [fontname=\"Helvetica\", fontsize=10, penwidth=1];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=8, arrowsize=0.6];\n");
    // the entities of one country in one box (dot only; sfdp draws no boxes)
    let mut boxed: BTreeMap<&str, Vec<&Node>> = BTreeMap::new();
    if !large {
        for (id, c) in countries(g) {
            if shown.contains(id) && shown.contains(c) {
                boxed
                    .entry(c)
                    .or_default()
                    .push(g.node(id).expect("a node"));
            }
        }
        boxed.retain(|_, v| v.len() > 1);
    }
    let in_box: BTreeSet<&str> = boxed.values().flatten().map(|n| n.id.as_str()).collect();
    for (c, members) in &boxed {
        let _ = writeln!(out, "  subgraph {} {{", quote(&format!("cluster_{c}")));
        let _ = writeln!(
            out,
            "    label={}; style=\"rounded\"; color=\"#b8b8b8\"; fontsize=11; fontcolor=\"#555555\";",
            quote(label_of(g, c).unwrap_or(c))
        );
        for n in members {
            node_line(&mut out, "    ", n);
        }
        out.push_str("  }\n");
    }
    for n in g.nodes_sorted() {
        if shown.contains(n.id.as_str()) && !in_box.contains(n.id.as_str()) {
            node_line(&mut out, "  ", n);
        }
    }
    // roles of one person in one body read as one edge: "General Secretary, Chairperson"
    let mut titles: BTreeMap<(&str, &str), Vec<&str>> = Default::default();
    for e in edges.iter().filter(|e| is_role(e.relation())) {
        let t = titles
            .entry((e.source.as_str(), e.target.as_str()))
            .or_default();
        let title = e.get_str("title").unwrap_or(e.relation());
        if !t.iter().any(|x| x.eq_ignore_ascii_case(title)) {
            t.push(title);
        }
    }
    let mut done: BTreeSet<(&str, &str)> = BTreeSet::new();
    for e in &edges {
        let rel = e.relation();
        if is_role(rel) && !done.insert((e.source.as_str(), e.target.as_str())) {
            continue;
        }
        let label = match rel {
            "MET" => {
                let date = e.get_str("date").unwrap_or("undated").to_string();
                match e.get_str("place").and_then(|p| label_of(g, p)) {
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
        let text = if large {
            let names = |id: &str| label_of(g, id).unwrap_or(id).to_string();
            format!(
                "tooltip={}",
                quote(&format!(
                    "{} -> {}: {}",
                    names(&e.source),
                    names(&e.target),
                    label.replace('\n', ", ")
                ))
            )
        } else {
            format!("label={}", quote(&label))
        };
        let _ = writeln!(
            out,
            "  {} -> {} [{text}, {}];",
            quote(&e.source),
            quote(&e.target),
            edge_style(rel)
        );
    }
    if large {
        out.push_str("}\n");
        return out;
    }
    // legend: the kinds and edge styles drawn
    let kinds: BTreeSet<&str> = shown
        .iter()
        .filter_map(|id| g.node(id))
        .map(Node::kind)
        .collect();
    let styles = [
        ("MET", "met (date, place)"),
        ("HOLDS_ROLE", "role / affiliation"),
        ("VISITED", "visited"),
        ("LOCATED_IN", "located in, part of"),
    ];
    let drawn_style = |rel: &str| {
        edges.iter().any(|e| {
            let r = e.relation();
            r == rel
                || (rel == "HOLDS_ROLE" && is_role(r))
                || (rel == "LOCATED_IN" && r == "PART_OF")
        })
    };
    out.push_str("  subgraph cluster_legend {\n    label=\"Legend\"; fontsize=10; style=dashed; color=\"#999999\";\n");
    for kind in ["Person", "Organization", "Country", "Place"] {
        if !kinds.contains(kind) {
            continue;
        }
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
    for (i, (rel, text)) in styles.iter().enumerate() {
        if !drawn_style(rel) {
            continue;
        }
        let _ = writeln!(
            out,
            "    \"legend:{i}a\" [label=\"\", shape=point, width=0.05];\n    \"legend:{i}b\" [label=\"\", shape=point, width=0.05];\n    \"legend:{i}a\" -> \"legend:{i}b\" [label={}, {}];",
            quote(text),
            edge_style(rel)
        );
    }
    out.push_str("  }\n}\n");
    out
}
