//! NetworkX node-link JSON (`shared/spec/graph-json.md`): write and read back.
//!
//! Nodes come sorted by id, edges by source, target, relation and key; node
//! objects start with `id`, edge objects with `source`, `target`, `key` and
//! `relation`, the other attributes follow in key order. Reading a file and
//! writing it again gives the same bytes.

use std::path::Path;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::facts::DocRecord;
use crate::graph::{CompactGraph, Edge, KnowledgeGraph, Node};

struct NodeOut<'a>(&'a Node);
struct EdgeOut<'a>(&'a Edge);

impl Serialize for NodeOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.attrs.len() + 1))?;
        m.serialize_entry("id", &self.0.id)?;
        for (k, v) in &self.0.attrs {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for EdgeOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = s.serialize_map(Some(e.attrs.len() + 3))?;
        m.serialize_entry("source", &e.source)?;
        m.serialize_entry("target", &e.target)?;
        m.serialize_entry("key", &e.key)?;
        if let Some(r) = e.attrs.get("relation") {
            m.serialize_entry("relation", r)?;
        }
        for (k, v) in e.attrs.iter().filter(|(k, _)| k.as_str() != "relation") {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The whole document: the graph's metadata, nodes and edges (and each
/// document's facts), however they are held.
struct Whole<'a, M, N, E> {
    meta: M,
    nodes: N,
    edges: E,
    facts: Option<&'a [DocRecord]>,
}

impl<M: Serialize, N: Serialize, E: Serialize> Serialize for Whole<'_, M, N, E> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(5 + self.facts.is_some() as usize))?;
        m.serialize_entry("directed", &true)?;
        m.serialize_entry("multigraph", &true)?;
        m.serialize_entry("graph", &self.meta)?;
        m.serialize_entry("nodes", &self.nodes)?;
        m.serialize_entry("edges", &self.edges)?;
        if let Some(f) = self.facts {
            m.serialize_entry("facts", f)?;
        }
        m.end()
    }
}

#[allow(clippy::type_complexity)]
fn graph_out<'a>(
    g: &'a KnowledgeGraph,
    facts: Option<&'a [DocRecord]>,
) -> Whole<'a, &'a Map<String, Value>, Vec<NodeOut<'a>>, Vec<EdgeOut<'a>>> {
    Whole {
        meta: &g.meta,
        nodes: g.nodes_sorted().into_iter().map(NodeOut).collect(),
        edges: g.edges_sorted().into_iter().map(EdgeOut).collect(),
        facts,
    }
}

/// The graph as pretty JSON with a trailing newline.
pub fn to_string(g: &KnowledgeGraph) -> String {
    let mut s =
        serde_json::to_string_pretty(&graph_out(g, None)).expect("JSON values always serialise");
    s.push('\n');
    s
}

/// As [`to_string`], with each document's facts after the edges
/// (`cnkg build --facts`), so that `cnkg merge` can combine it with others.
pub fn to_string_with_facts(g: &KnowledgeGraph, facts: &[DocRecord]) -> String {
    let mut s = serde_json::to_string_pretty(&graph_out(g, Some(facts)))
        .expect("JSON values always serialise");
    s.push('\n');
    s
}

/// Writes the graph as [`to_string`] (or, with facts,
/// [`to_string_with_facts`]) would, without holding the text in memory.
///
/// # Errors
/// Those of `w`.
pub fn write(
    g: &KnowledgeGraph,
    facts: Option<&[DocRecord]>,
    mut w: impl std::io::Write,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut w, &graph_out(g, facts)).map_err(std::io::Error::from)?;
    w.write_all(b"\n")
}

/// A list serialised one item at a time, each item's JSON text parsed back
/// only as it is written.
struct Nodes<'a>(&'a [(String, Box<str>)]);
struct Edges<'a>(&'a [(String, String, u64, Box<str>)]);
struct Docs<'a>(&'a [Box<str>]);

impl Serialize for Nodes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(CompactNode))
    }
}

impl Serialize for Edges<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(CompactEdge))
    }
}

impl Serialize for Docs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|d| CompactDoc(d)))
    }
}

fn parsed<E: serde::ser::Error>(text: &str) -> std::result::Result<Map<String, Value>, E> {
    serde_json::from_str(text).map_err(E::custom)
}

struct CompactNode<'a>(&'a (String, Box<str>));

impl Serialize for CompactNode<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let node = Node {
            id: self.0 .0.clone(),
            attrs: parsed(&self.0 .1)?,
        };
        NodeOut(&node).serialize(s)
    }
}

struct CompactEdge<'a>(&'a (String, String, u64, Box<str>));

impl Serialize for CompactEdge<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let (source, target, key, attrs) = self.0;
        let edge = Edge {
            source: source.clone(),
            target: target.clone(),
            key: *key,
            attrs: parsed(attrs)?,
        };
        EdgeOut(&edge).serialize(s)
    }
}

struct CompactDoc<'a>(&'a str);

impl Serialize for CompactDoc<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        Value::Object(parsed(self.0)?).serialize(s)
    }
}

/// The graph metadata with `documents` among its keys, in key order.
struct CompactMeta<'a>(&'a CompactGraph);

impl Serialize for CompactMeta<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let g = self.0;
        let docs = Docs(&g.documents);
        let mut m = s.serialize_map(Some(g.meta.len() + 1))?;
        let mut written = false;
        for (k, v) in &g.meta {
            if !written && k.as_str() > "documents" {
                m.serialize_entry("documents", &docs)?;
                written = true;
            }
            m.serialize_entry(k, v)?;
        }
        if !written {
            m.serialize_entry("documents", &docs)?;
        }
        m.end()
    }
}

/// Writes a [`CompactGraph`] (with `facts`, as [`write`] does): the same
/// bytes as [`write`] gives for the [`KnowledgeGraph`] of the same build.
///
/// # Errors
/// Those of `w`.
pub fn write_compact(
    g: &CompactGraph,
    facts: Option<&[DocRecord]>,
    mut w: impl std::io::Write,
) -> std::io::Result<()> {
    let whole = Whole {
        meta: CompactMeta(g),
        nodes: Nodes(&g.nodes),
        edges: Edges(&g.edges),
        facts,
    };
    serde_json::to_writer_pretty(&mut w, &whole).map_err(std::io::Error::from)?;
    w.write_all(b"\n")
}

fn bad(path: &Path, message: impl Into<String>) -> Error {
    Error::BadGraph {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Parses a graph written by [`to_string`].
///
/// # Errors
/// [`Error::BadGraph`] naming what is missing or malformed.
pub fn from_str(text: &str, path: &Path) -> Result<KnowledgeGraph> {
    let v: Value = serde_json::from_str(text).map_err(|e| {
        bad(
            path,
            format!(
                "invalid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    let Value::Object(mut top) = v else {
        return Err(bad(path, "the top level is not an object"));
    };
    let generator = top
        .get("graph")
        .and_then(|g| g.get("generator"))
        .and_then(|g| g.get("name"))
        .and_then(Value::as_str);
    if generator != Some("cnkg") {
        return Err(bad(
            path,
            "graph.generator.name is not \"cnkg\"; build one with `cnkg build -o graph.json`",
        ));
    }
    let mut g = KnowledgeGraph::default();
    if let Some(Value::Object(meta)) = top.remove("graph") {
        g.meta = meta;
    }
    let Some(Value::Array(nodes)) = top.remove("nodes") else {
        return Err(bad(path, "no \"nodes\" list"));
    };
    for (i, n) in nodes.into_iter().enumerate() {
        let Value::Object(mut attrs) = n else {
            return Err(bad(path, format!("node {i} is not an object")));
        };
        let Some(Value::String(id)) = attrs.remove("id") else {
            return Err(bad(path, format!("node {i} has no string \"id\"")));
        };
        g.add_node(Node { id, attrs });
    }
    let Some(Value::Array(edges)) = top.remove("edges").or_else(|| top.remove("links")) else {
        return Err(bad(path, "no \"edges\" list"));
    };
    for (i, e) in edges.into_iter().enumerate() {
        let Value::Object(mut attrs) = e else {
            return Err(bad(path, format!("edge {i} is not an object")));
        };
        let mut take = |k: &str| match attrs.remove(k) {
            Some(Value::String(s)) => Ok(s),
            _ => Err(bad(path, format!("edge {i} has no string \"{k}\""))),
        };
        let source = take("source")?;
        let target = take("target")?;
        let key = attrs.remove("key").and_then(|k| k.as_u64()).unwrap_or(0);
        let (Some(&a), Some(&b)) = (g.index.get(&source), g.index.get(&target)) else {
            return Err(bad(
                path,
                format!("edge {i} joins {source} and {target}, but one of them is not a node"),
            ));
        };
        g.graph.add_edge(
            a,
            b,
            Edge {
                source,
                target,
                key,
                attrs,
            },
        );
    }
    Ok(g)
}

/// Reads a graph JSON file.
///
/// # Errors
/// [`Error::MissingInput`], [`Error::Read`] or [`Error::BadGraph`].
pub fn load(path: &Path) -> Result<KnowledgeGraph> {
    from_str(&read_text(path)?, path)
}

/// The whole of a graph file.
///
/// # Errors
/// [`Error::MissingInput`] when there is no such file, [`Error::Read`] when
/// it cannot be read.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    if !path.exists() {
        return Err(Error::MissingInput(path.to_path_buf()));
    }
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}
