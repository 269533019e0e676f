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
use crate::graph::{
    CompactEdge, CompactGraph, Edge, EdgeMembers, EvidenceText, KnowledgeGraph, Node,
};

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

/// Items of a list written by one batch: each batch is made on all cores,
/// then written in order, so only one batch's text is in memory at a time.
const BATCH: usize = 4096;

/// A line break and the indentation of `depth` (two spaces a level), as
/// `serde_json`'s pretty printer writes them: one copy from [`BREAK`] when
/// it is deep enough, as it is for every line of a graph.
fn newline(out: &mut Vec<u8>, depth: usize) {
    match BREAK.get(..1 + 2 * depth) {
        Some(line) => out.extend_from_slice(line),
        None => {
            out.push(b'\n');
            out.resize(out.len() + 2 * depth, b' ');
        }
    }
}

/// A line break and the indentation of the deepest line of a graph and more.
const BREAK: &[u8; 33] = b"\n                                ";

/// Where the JSON string opened by the quote at `open` closes, escapes
/// skipped. Strings (evidence sentences above all) are most of a graph's
/// text, so they are skipped a quote or backslash at a time, not a byte at a
/// time.
fn closing_quote(b: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    loop {
        i += memchr::memchr2(b'"', b'\\', &b[i..]).expect("a JSON string closes");
        if b[i] == b'"' {
            return i;
        }
        i += 2;
    }
}

/// Appends `compact` (JSON as `serde_json` writes it compactly, with no
/// whitespace between tokens) as `serde_json`'s pretty printer writes it at
/// nesting depth `depth`: the same bytes, without parsing it into values
/// and writing them again.
fn pretty(compact: &str, depth: usize, out: &mut Vec<u8>) {
    let b = compact.as_bytes();
    let mut depth = depth;
    let mut run = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => i = closing_quote(b, i) + 1,
            b'{' | b'[' => {
                // an empty one stays as it is: `{}`, `[]`
                if matches!(b.get(i + 1), Some(b'}' | b']')) {
                    i += 2;
                    continue;
                }
                out.extend_from_slice(&b[run..=i]);
                depth += 1;
                newline(out, depth);
                i += 1;
                run = i;
            }
            b'}' | b']' => {
                out.extend_from_slice(&b[run..i]);
                depth -= 1;
                newline(out, depth);
                out.push(b[i]);
                i += 1;
                run = i;
            }
            b',' => {
                out.extend_from_slice(&b[run..=i]);
                newline(out, depth);
                i += 1;
                run = i;
            }
            b':' => {
                out.extend_from_slice(&b[run..=i]);
                out.push(b' ');
                i += 1;
                run = i;
            }
            _ => i += 1,
        }
    }
    out.extend_from_slice(&b[run..]);
}

/// Appends `s` as a JSON string, as `serde_json` writes it. A string with
/// nothing to escape (no quote, backslash or control character: nearly
/// every id and sentence) is copied whole; the check runs over the whole
/// string without stopping early, so the compiler does it a vector at a
/// time.
pub(crate) fn string(s: &str, out: &mut Vec<u8>) {
    let plain = s.bytes().fold(true, |plain, b| {
        plain & (b >= 0x20) & (b != b'"') & (b != b'\\')
    });
    if plain {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(out, s).expect("strings always serialise");
    }
}

/// Appends the rest of an object whose first members are already written,
/// at `depth` (the object's own): `members`, each a run of members as
/// written compactly (`"key":value,…`; an empty run adds nothing), then the
/// closing brace.
fn object_end(members: &[&str], depth: usize, out: &mut Vec<u8>) {
    for run in members.iter().filter(|r| !r.is_empty()) {
        out.push(b',');
        newline(out, depth + 1);
        pretty(run, depth + 1, out);
    }
    newline(out, depth);
    out.push(b'}');
}

/// Appends a node as `{"id": …, <attributes>}`, at `depth`.
fn node_json((id, attrs): &(String, Box<str>), depth: usize, out: &mut Vec<u8>) {
    out.push(b'{');
    newline(out, depth + 1);
    out.extend_from_slice(b"\"id\": ");
    string(id, out);
    object_end(&[&attrs[1..attrs.len() - 1]], depth, out);
}

/// Appends an edge as `{"source": …, "target": …, "key": …, "relation": …,
/// <other attributes>}`, at `depth`.
fn edge_json(e: &CompactEdge, depth: usize, out: &mut Vec<u8>) {
    out.push(b'{');
    newline(out, depth + 1);
    out.extend_from_slice(b"\"source\": ");
    string(&e.source, out);
    out.push(b',');
    newline(out, depth + 1);
    out.extend_from_slice(b"\"target\": ");
    string(&e.target, out);
    out.push(b',');
    newline(out, depth + 1);
    out.extend_from_slice(b"\"key\": ");
    serde_json::to_writer(&mut *out, &e.key).expect("numbers serialise");
    for run in e.attrs.runs() {
        match run {
            EdgeMembers::Compact("") => {}
            EdgeMembers::Compact(run) => {
                out.push(b',');
                newline(out, depth + 1);
                pretty(run, depth + 1, out);
            }
            EdgeMembers::Evidence(list) => {
                out.push(b',');
                newline(out, depth + 1);
                out.extend_from_slice(b"\"evidence\": ");
                evidence_json(list, depth + 1, out);
            }
        }
    }
    newline(out, depth);
    out.push(b'}');
}

/// Appends an edge's evidence list, at `depth` (the list's own): each
/// sentence's object laid out from its values, already JSON, so the
/// sentence is copied, not scanned.
fn evidence_json(list: &[std::sync::Arc<EvidenceText>], depth: usize, out: &mut Vec<u8>) {
    if list.is_empty() {
        out.extend_from_slice(b"[]");
        return;
    }
    out.push(b'[');
    for (i, e) in list.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        newline(out, depth + 1);
        out.push(b'{');
        for (j, (key, value)) in e.members().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            newline(out, depth + 2);
            out.push(b'"');
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\": ");
            out.extend_from_slice(value.as_bytes());
        }
        newline(out, depth + 1);
        out.push(b'}');
    }
    newline(out, depth);
    out.push(b']');
}

/// Writes `items` as a pretty JSON list at `depth` (the list's own), each
/// item appended by `json` at the depth of the list's items, a batch at a
/// time on all cores.
fn write_list<T: Sync>(
    w: &mut impl std::io::Write,
    items: &[T],
    depth: usize,
    json: impl Fn(&T, usize, &mut Vec<u8>) + Sync,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    if items.is_empty() {
        return w.write_all(b"[]");
    }
    w.write_all(b"[")?;
    for (n, batch) in items.chunks(BATCH).enumerate() {
        let parts: Vec<Vec<u8>> = batch
            .par_chunks(64)
            .enumerate()
            .map(|(p, part)| {
                let mut out = Vec::new();
                for (k, item) in part.iter().enumerate() {
                    if n + p + k > 0 {
                        out.push(b',');
                    }
                    newline(&mut out, depth + 1);
                    json(item, depth + 1, &mut out);
                }
                out
            })
            .collect();
        for p in parts {
            w.write_all(&p)?;
        }
    }
    let mut end = Vec::new();
    newline(&mut end, depth);
    end.push(b']');
    w.write_all(&end)
}

/// Writes a [`CompactGraph`] (with `facts`, as [`write`] does): the same
/// bytes as [`write`] gives for the [`KnowledgeGraph`] of the same build.
/// Each item is held as compact JSON and indented as it is written, a batch
/// at a time on all cores.
///
/// # Errors
/// Those of `w`.
pub fn write_compact(
    g: &CompactGraph,
    facts: Option<&[DocRecord]>,
    mut w: impl std::io::Write,
) -> std::io::Result<()> {
    let w = &mut w;
    w.write_all(b"{\n  \"directed\": true,\n  \"multigraph\": true,\n  \"graph\": {")?;
    // the metadata in key order, `documents` among it
    let mut first = true;
    let mut entry = |w: &mut _, key: &str| -> std::io::Result<()> {
        let mut out = Vec::new();
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
        newline(&mut out, 2);
        string(key, &mut out);
        out.extend_from_slice(b": ");
        std::io::Write::write_all(w, &out)
    };
    let mut docs_written = false;
    for (k, v) in &g.meta {
        if !docs_written && k.as_str() > "documents" {
            entry(w, "documents")?;
            write_list(w, &g.documents, 2, |d, depth, out| pretty(d, depth, out))?;
            docs_written = true;
        }
        entry(w, k)?;
        let mut out = Vec::new();
        pretty(&serde_json::to_string(v)?, 2, &mut out);
        w.write_all(&out)?;
    }
    if !docs_written {
        entry(w, "documents")?;
        write_list(w, &g.documents, 2, |d, depth, out| pretty(d, depth, out))?;
    }
    w.write_all(b"\n  },\n  \"nodes\": ")?;
    write_list(w, &g.nodes, 1, node_json)?;
    w.write_all(b",\n  \"edges\": ")?;
    write_list(w, &g.edges, 1, edge_json)?;
    if let Some(f) = facts {
        w.write_all(b",\n  \"facts\": ")?;
        write_list(w, f, 1, |r, depth, out| {
            pretty(
                &serde_json::to_string(r).expect("facts always serialise"),
                depth,
                out,
            );
        })?;
    }
    w.write_all(b"\n}\n")
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tricky() -> Vec<Value> {
        vec![
            json!({}),
            json!([]),
            json!({"a": [], "b": {}, "c": [[], {}], "d": null}),
            json!({"quote \" and \\ and {[,:]}": "value: {\"x\": [1, 2]}, \\\" \n\t\u{1}"}),
            json!({"evidence": [{"doc": "d1", "sentence": "Kim, Xi: met.", "start": 3, "end": 17}], "n": -1.5e-7, "t": true}),
            json!(["Kim Jong Un", 1, 2.5, false, null, {"k": ["\u{2013}", "\u{1F600}"]}]),
            json!("a string alone"),
            json!(42),
        ]
    }

    /// A string is written as `serde_json` writes it, whatever it holds.
    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut all: String = (0..=0x7f_u8).map(char::from).collect();
        all.push_str("\u{2013} \u{1F600} Zo\u{eb}");
        for s in [
            "",
            "plain",
            "a \"quoted\" word",
            "back\\slash",
            "tab\tnew\nline\u{1f}",
            &all,
        ] {
            let mut got = Vec::new();
            string(s, &mut got);
            assert_eq!(
                String::from_utf8(got).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }

    /// Re-indenting compact JSON gives what `serde_json` writes pretty, at
    /// the top and nested deeper (each line then indented two spaces a level).
    #[test]
    fn compact_json_is_indented_as_serde_json_writes_it() {
        for v in tricky() {
            let compact = serde_json::to_string(&v).unwrap();
            let want = serde_json::to_string_pretty(&v).unwrap();
            let mut got = Vec::new();
            pretty(&compact, 0, &mut got);
            assert_eq!(String::from_utf8(got).unwrap(), want);
            let mut got = Vec::new();
            pretty(&compact, 2, &mut got);
            assert_eq!(
                String::from_utf8(got).unwrap(),
                want.replace('\n', "\n    "),
                "{compact}"
            );
        }
    }

    /// An edge starts with source, target, key and relation; a node with
    /// its id; the other attributes follow in key order.
    #[test]
    fn items_are_written_with_their_leading_fields_first() {
        use crate::graph::{EdgeJson, EvidenceCap};
        let at = |item: &dyn Fn(&mut Vec<u8>)| {
            let mut out = Vec::new();
            item(&mut out);
            String::from_utf8(out).unwrap()
        };
        let m = json!({"date": null, "title": "x"});
        let attrs = EdgeJson::new(
            "MET",
            m.as_object().unwrap(),
            EvidenceCap::First(3).of([], 2),
        );
        let edge = CompactEdge {
            source: "person:a".into(),
            target: "person:\"b\"".into(),
            key: 3,
            attrs,
        };
        assert_eq!(
            at(&|out| edge_json(&edge, 0, out)),
            "{\n  \"source\": \"person:a\",\n  \"target\": \"person:\\\"b\\\"\",\n  \"key\": 3,\n  \
             \"relation\": \"MET\",\n  \"date\": null,\n  \"evidence\": [],\n  \
             \"evidence_count\": 2,\n  \"title\": \"x\"\n}"
        );
        let node = ("place:x".to_string(), "{}".to_string().into_boxed_str());
        assert_eq!(
            at(&|out| node_json(&node, 0, out)),
            "{\n  \"id\": \"place:x\"\n}"
        );
        let node = (
            "place:x".to_string(),
            r#"{"a":[1]}"#.to_string().into_boxed_str(),
        );
        assert_eq!(
            at(&|out| node_json(&node, 1, out)),
            "{\n    \"id\": \"place:x\",\n    \"a\": [\n      1\n    ]\n  }"
        );
    }
}
