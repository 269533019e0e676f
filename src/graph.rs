//! The knowledge graph: a petgraph `StableDiGraph` (parallel edges allowed)
//! with an id index, merged from the facts of every document.
//!
//! Node and edge attributes are kept as JSON maps, as NetworkX keeps them, so
//! a graph loaded from JSON writes back the same bytes; typed accessors cover
//! the attributes the exporters and queries read.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::dates::PartialDate;
use crate::extract::{DocFacts, Document, EventFact, Evidence, Extractor};
use crate::facts::DocRecord;
use crate::rules::EntityType;
use crate::text::{name_key, slug};
use crate::FastMap;

/// A node: its id and its attributes (`type`, `label`, `aliases`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Stable id (`person:kim-jong-un`).
    pub id: String,
    /// Every other attribute.
    pub attrs: Map<String, Value>,
}

/// An edge: endpoints, key among parallel edges, attributes (`relation`, `evidence`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Source node id.
    pub source: String,
    /// Target node id.
    pub target: String,
    /// Distinct among parallel edges of the same pair.
    pub key: u64,
    /// Every other attribute.
    pub attrs: Map<String, Value>,
}

fn str_attr<'a>(attrs: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    attrs.get(k).and_then(Value::as_str)
}

impl Node {
    /// `Person`, `Organization`, `Country`, `Place` or `Event`.
    pub fn kind(&self) -> &str {
        str_attr(&self.attrs, "type").unwrap_or("")
    }
    /// Canonical name.
    pub fn label(&self) -> &str {
        str_attr(&self.attrs, "label").unwrap_or(&self.id)
    }

    /// Aliases.
    pub fn aliases(&self) -> Vec<&str> {
        self.attrs
            .get("aliases")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
}

impl Edge {
    /// Relation name.
    pub fn relation(&self) -> &str {
        str_attr(&self.attrs, "relation").unwrap_or("")
    }
    /// A string attribute.
    pub fn get_str(&self, k: &str) -> Option<&str> {
        str_attr(&self.attrs, k)
    }

    /// How many evidence sentences support the edge: `evidence_count` when
    /// a cap left some out, else the length of `evidence`.
    pub fn evidence_count(&self) -> usize {
        self.attrs
            .get("evidence_count")
            .and_then(Value::as_u64)
            .map(|n| n as usize)
            .or_else(|| {
                self.attrs
                    .get("evidence")
                    .and_then(Value::as_array)
                    .map(Vec::len)
            })
            .unwrap_or(0)
    }
}

/// The knowledge graph.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeGraph {
    /// The petgraph graph.
    pub graph: StableDiGraph<Node, Edge>,
    /// Node id -> index.
    pub index: HashMap<String, NodeIndex>,
    /// Graph-level metadata (`generator`, `documents`, `rules`).
    pub meta: Map<String, Value>,
}

impl KnowledgeGraph {
    /// Adds a node (or returns the existing one with that id).
    pub fn add_node(&mut self, node: Node) -> NodeIndex {
        if let Some(&i) = self.index.get(&node.id) {
            return i;
        }
        let id = node.id.clone();
        let i = self.graph.add_node(node);
        self.index.insert(id, i);
        i
    }

    /// Adds an edge between existing nodes; returns false when an endpoint is missing.
    pub fn add_edge(&mut self, edge: Edge) -> bool {
        let (Some(&a), Some(&b)) = (self.index.get(&edge.source), self.index.get(&edge.target))
        else {
            return false;
        };
        self.graph.add_edge(a, b, edge);
        true
    }

    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.index.get(id).map(|&i| &self.graph[i])
    }

    /// Nodes sorted by id.
    pub fn nodes_sorted(&self) -> Vec<&Node> {
        let mut v: Vec<&Node> = self.graph.node_weights().collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    /// Edges sorted by source, target, relation, key.
    pub fn edges_sorted(&self) -> Vec<&Edge> {
        let mut v: Vec<&Edge> = self.graph.edge_weights().collect();
        v.sort_by(|a, b| {
            (&a.source, &a.target, a.relation(), a.key).cmp(&(
                &b.source,
                &b.target,
                b.relation(),
                b.key,
            ))
        });
        v
    }

    /// Counts: (documents, entities, events, edges).
    pub fn summary(&self) -> (usize, usize, usize, usize) {
        let docs = self
            .meta
            .get("documents")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let events = self
            .graph
            .node_weights()
            .filter(|n| n.kind() == "Event")
            .count();
        (
            docs,
            self.graph.node_count() - events,
            events,
            self.graph.edge_count(),
        )
    }

    /// Reads every document (in parallel) and merges the facts.
    pub fn build(x: &Extractor, docs: &[Document]) -> KnowledgeGraph {
        Self::build_traced(x, docs).0
    }

    /// As [`KnowledgeGraph::build`], with each document's trace lines (empty
    /// unless the extractor traces), in document order.
    pub fn build_traced(x: &Extractor, docs: &[Document]) -> (KnowledgeGraph, Vec<String>) {
        let mut b = Builder::new(x);
        for chunk in docs.chunks(CHUNK) {
            b.add(chunk);
        }
        b.finish()
    }
}

/// Documents read at a time by [`KnowledgeGraph::build`].
pub const CHUNK: usize = 512;

/// A build fed documents a chunk at a time: each chunk is read on all
/// cores while the one before it is merged, and merged in document order,
/// so the graph has the same bytes however the documents are chunked and
/// on however many threads. Only the chunk in hand and the graph so far
/// are in memory.
///
/// ```
/// # use std::path::Path;
/// let rules = cnkg::rules::RuleSet::load_dir(Path::new("graph_rules"))?;
/// let x = cnkg::extract::Extractor::new(&rules)?;
/// let docs: Vec<_> = cnkg::synth::documents(cnkg::synth::SEED, 0..20).collect();
/// let mut b = cnkg::graph::Builder::new(&x);
/// for chunk in docs.chunks(7) {
///     b.add(chunk);
/// }
/// let (g, _trace) = b.finish();
/// assert_eq!(
///     cnkg::export::json::to_string(&g),
///     cnkg::export::json::to_string(&cnkg::graph::KnowledgeGraph::build(&x, &docs))
/// );
/// # Ok::<(), cnkg::error::Error>(())
/// ```
pub struct Builder<'a> {
    x: &'a Extractor,
    merger: Merger<'a>,
    /// Facts of the last chunk, not merged yet.
    pending: Vec<DocFacts>,
    trace: Vec<String>,
    docs: usize,
    /// Each document's facts, as merged, when asked for.
    records: Option<Vec<DocRecord>>,
}

impl<'a> Builder<'a> {
    /// An empty build.
    pub fn new(x: &'a Extractor) -> Builder<'a> {
        Builder {
            x,
            merger: Merger::new(x),
            pending: Vec::new(),
            trace: Vec::new(),
            docs: 0,
            records: None,
        }
    }

    /// Keeps each document's facts, for a graph JSON that can be merged
    /// ([`crate::facts`]).
    pub fn keep_facts(mut self) -> Builder<'a> {
        self.records = Some(Vec::new());
        self
    }

    /// Merges facts already read (from a part being merged), in order.
    pub fn add_facts(&mut self, f: DocFacts) {
        for f in std::mem::take(&mut self.pending).into_iter().chain([f]) {
            Self::merge_one(&mut self.merger, &mut self.trace, &mut self.records, f);
        }
        self.docs += 1;
    }

    fn merge_one(
        merger: &mut Merger<'a>,
        trace: &mut Vec<String>,
        records: &mut Option<Vec<DocRecord>>,
        mut f: DocFacts,
    ) {
        trace.append(&mut f.trace);
        if let Some(r) = records {
            r.push(DocRecord::of(&f));
        }
        merger.merge_doc(f);
    }

    /// Reads a chunk of documents (on all cores) and merges the chunk before it.
    pub fn add(&mut self, docs: &[Document]) {
        let x = self.x;
        let pending = std::mem::take(&mut self.pending);
        let merger = &mut self.merger;
        let trace = &mut self.trace;
        let records = &mut self.records;
        let (facts, ()) = rayon::join(
            || docs.par_iter().map(|d| x.extract(d)).collect::<Vec<_>>(),
            || {
                for f in pending {
                    Self::merge_one(merger, trace, records, f);
                }
            },
        );
        self.docs += docs.len();
        self.pending = facts;
    }

    /// Keeps at most this much evidence per edge (default: all of it).
    pub fn evidence(mut self, cap: EvidenceCap) -> Builder<'a> {
        self.merger.cap = cap;
        self
    }

    /// Documents added so far.
    pub fn documents(&self) -> usize {
        self.docs
    }

    /// The graph, and the trace lines in document order.
    pub fn finish(self) -> (KnowledgeGraph, Vec<String>) {
        let (g, trace, _) = self.finish_with_facts();
        (g, trace)
    }

    /// The graph, the trace lines, and each document's facts when kept.
    pub fn finish_with_facts(self) -> (KnowledgeGraph, Vec<String>, Option<Vec<DocRecord>>) {
        let mut sink = GraphSink::default();
        let (trace, records) = self.finish_into(&mut sink);
        (sink.done(), trace, records)
    }

    /// As [`Builder::finish_with_facts`], the graph held compactly for
    /// writing as JSON ([`crate::export::json::write_compact`]): a graph of
    /// a big corpus in a fraction of the memory.
    pub fn finish_compact(self) -> (CompactGraph, Vec<String>, Option<Vec<DocRecord>>) {
        let mut sink = CompactSink::default();
        let (trace, records) = self.finish_into(&mut sink);
        (sink.done(), trace, records)
    }

    fn finish_into(mut self, sink: &mut impl Sink) -> (Vec<String>, Option<Vec<DocRecord>>) {
        for f in std::mem::take(&mut self.pending) {
            Self::merge_one(&mut self.merger, &mut self.trace, &mut self.records, f);
        }
        self.merger.finish_into(sink);
        (self.trace, self.records)
    }
}

/// How many evidence sentences each edge keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EvidenceCap {
    /// Every one (the default): `evidence` lists them all.
    #[default]
    All,
    /// The first N in the order they are written (document, sentence,
    /// offsets, rule); every edge then also carries `evidence_count`, the
    /// number there would be without the cap. `First(0)` keeps none.
    First(usize),
}

impl EvidenceCap {
    /// `all`, `none` or a number.
    ///
    /// ```
    /// use cnkg::graph::EvidenceCap;
    /// assert_eq!(EvidenceCap::parse("all"), Ok(EvidenceCap::All));
    /// assert_eq!(EvidenceCap::parse("none"), Ok(EvidenceCap::First(0)));
    /// assert_eq!(EvidenceCap::parse("3"), Ok(EvidenceCap::First(3)));
    /// assert!(EvidenceCap::parse("some").is_err());
    /// ```
    ///
    /// # Errors
    /// A message naming the accepted values.
    pub fn parse(s: &str) -> Result<EvidenceCap, String> {
        match s.trim().to_lowercase().as_str() {
            "all" => Ok(EvidenceCap::All),
            "none" => Ok(EvidenceCap::First(0)),
            n => n.parse().map(EvidenceCap::First).map_err(|_| {
                format!("--evidence: '{s}' is not all, none or a number of sentences")
            }),
        }
    }

    fn limit(self) -> Option<usize> {
        match self {
            EvidenceCap::All => None,
            EvidenceCap::First(n) => Some(n),
        }
    }

    /// The evidence attributes of an edge supported by `count` sentences,
    /// `evs` (in [`Evidence`] order, each as the sink holds it) those of
    /// them still held.
    pub(crate) fn of<T>(self, evs: impl IntoIterator<Item = T>, count: usize) -> EdgeEvidence<T> {
        let limit = self.limit();
        EdgeEvidence {
            sentences: evs.into_iter().take(limit.unwrap_or(usize::MAX)).collect(),
            count: limit.map(|_| count),
        }
    }
}

/// An edge's `evidence` (the sentences kept, in [`Evidence`] order, each as
/// a sink holds it: [`Sink::Evidence`]) and, under a cap, `evidence_count`.
pub(crate) struct EdgeEvidence<T> {
    sentences: Vec<T>,
    count: Option<usize>,
}

/// One sentence of an edge's `evidence`, as the graph JSON writes it,
/// borrowed from where it is held. The fields are declared in key order,
/// the order a `serde_json` map (a `BTreeMap`) gives them, so the object
/// has the same bytes whether it is written straight from here or from a
/// map loaded from JSON. Sentences sort as [`Evidence`] does.
#[derive(Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct EvidenceJson<'a> {
    doc: &'a str,
    end: usize,
    rule: &'a str,
    sentence: &'a str,
    start: usize,
}

impl EvidenceJson<'_> {
    /// The fields in [`Evidence`] order.
    fn key(&self) -> (&str, &str, usize, usize, &str) {
        (self.doc, self.sentence, self.start, self.end, self.rule)
    }
}

impl Ord for EvidenceJson<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for EvidenceJson<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<'a> From<&'a Evidence> for EvidenceJson<'a> {
    fn from(e: &'a Evidence) -> EvidenceJson<'a> {
        EvidenceJson {
            doc: &e.doc,
            end: e.end,
            rule: &e.rule,
            sentence: &e.sentence,
            start: e.start,
        }
    }
}

/// One evidence sentence as compact JSON, the object [`EvidenceJson`]
/// serialises to, written once however many edges it supports (an event's
/// sentence backs its `MET`, `PARTICIPATED_IN`, `HELD_IN` and `REPORTED`
/// edges alike) and shared by them. The byte range of each value is kept,
/// so the graph JSON is written from the pieces without escaping the
/// sentence again or scanning it for its closing quote.
#[derive(Debug, PartialEq, Eq)]
pub struct EvidenceText {
    text: Box<str>,
    /// The byte range in `text` of each value, in the order of
    /// [`EvidenceText::KEYS`].
    values: [(u32, u32); 5],
}

impl EvidenceText {
    /// The object's keys, in the order `serde_json` writes them.
    pub const KEYS: [&'static str; 5] = ["doc", "end", "rule", "sentence", "start"];

    fn new(e: &EvidenceJson) -> EvidenceText {
        let mut out = Vec::with_capacity(e.doc.len() + e.rule.len() + e.sentence.len() + 64);
        let json = crate::export::json::string;
        let number = |n: usize| {
            move |out: &mut Vec<u8>| serde_json::to_writer(out, &n).expect("numbers serialise")
        };
        let values = [
            member(&mut out, Self::KEYS[0], |out| json(e.doc, out)),
            member(&mut out, Self::KEYS[1], number(e.end)),
            member(&mut out, Self::KEYS[2], |out| json(e.rule, out)),
            member(&mut out, Self::KEYS[3], |out| json(e.sentence, out)),
            member(&mut out, Self::KEYS[4], number(e.start)),
        ];
        out.push(b'}');
        EvidenceText {
            text: String::from_utf8(out)
                .expect("serde_json writes UTF-8")
                .into_boxed_str(),
            values,
        }
    }

    /// The whole object: `{"doc":…,"end":…,"rule":…,"sentence":…,"start":…}`.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Each key and its value as compact JSON, in key order.
    pub fn members(&self) -> impl Iterator<Item = (&'static str, &str)> {
        Self::KEYS
            .into_iter()
            .zip(self.values)
            .map(|(k, (start, end))| (k, &self.text[start as usize..end as usize]))
    }
}

/// Appends `"key":value` to the compact object being written in `out`
/// (opening it, or following the member before with a comma), the value
/// as `value` writes it; gives the byte range of the value.
fn member(out: &mut Vec<u8>, key: &str, value: impl FnOnce(&mut Vec<u8>)) -> (u32, u32) {
    out.push(if out.is_empty() { b'{' } else { b',' });
    crate::export::json::string(key, out);
    out.push(b':');
    let start = out.len();
    value(out);
    let offset = |i: usize| u32::try_from(i).expect("a sentence under 4 GB");
    (offset(start), offset(out.len()))
}

/// The evidence of a plain edge as merged so far: with a cap, only the
/// first sentences are kept, and the count of them all.
#[derive(Debug, Default)]
struct Bag {
    kept: BTreeSet<Evidence>,
    count: usize,
}

impl Bag {
    /// Adds one document's evidence (no two documents share any).
    fn add_doc(&mut self, evs: BTreeSet<Evidence>, cap: EvidenceCap) {
        self.count += evs.len();
        self.kept.extend(evs);
        if let Some(n) = cap.limit() {
            while self.kept.len() > n {
                self.kept.pop_last();
            }
        }
    }
}

#[derive(Default)]
struct GEntity {
    kind: Option<EntityType>,
    label: String,
    known: Option<usize>,
    aliases: BTreeSet<String>,
    mentions: usize,
    /// The documents mentioning it, as [`Docs`] indices, ascending.
    documents: Vec<u32>,
}

/// Document ids and rule ids, each stored once; evidence refers to them by
/// number.
#[derive(Default)]
struct Names {
    ids: Vec<String>,
    by: FastMap<String, u32>,
}

impl Names {
    /// The number of `s`, and whether it was seen before.
    fn intern(&mut self, s: &str) -> (u32, bool) {
        if let Some(&i) = self.by.get(s) {
            return (i, true);
        }
        let i = u32::try_from(self.ids.len()).expect("fewer than 2^32 names");
        self.ids.push(s.to_string());
        self.by.insert(s.to_string(), i);
        (i, false)
    }

    fn get(&self, i: u32) -> &str {
        &self.ids[i as usize]
    }
}

/// Which sentence supports an event: document, offsets and rule, by number.
/// The sentence itself follows from the document and the offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct EvId {
    doc: u32,
    start: usize,
    end: usize,
    rule: u32,
}

/// One distinct sentence supporting an event, and the pairs of people it
/// supports. Its text is kept only while it may still be among the first
/// sentences (by [`Evidence`] order) of an edge the event makes: with an
/// evidence cap, the others are counted but not kept.
struct Sup {
    id: EvId,
    pairs: Vec<(usize, usize)>,
    sentence: Option<Box<str>>,
}

/// The edges of an event that a supporting sentence counts for: every edge
/// of the event (`HELD_IN`, `REPORTED`), `MET` of a pair, `PARTICIPATED_IN`
/// of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum BagKey {
    All,
    Pair(usize, usize),
    Person(usize),
}

impl Sup {
    fn bags(&self) -> BTreeSet<BagKey> {
        let mut b = BTreeSet::from([BagKey::All]);
        for &(a, c) in &self.pairs {
            if a != c {
                b.insert(BagKey::Pair(a.min(c), a.max(c)));
            }
            b.insert(BagKey::Person(a));
            b.insert(BagKey::Person(c));
        }
        b
    }
}

struct GEvent {
    kind: String,
    sides: [BTreeSet<usize>; 2],
    attendees: [BTreeSet<usize>; 2],
    date: Option<PartialDate>,
    place: Option<usize>,
    /// The distinct supporting sentences, in the order first seen.
    support: Vec<Sup>,
    /// Supporting sentences, counting repeats.
    mentions: usize,
    /// Supporting sentences holding their text.
    held: usize,
    /// Prune when `held` reaches this.
    mark: usize,
    reporters: BTreeSet<usize>,
}

impl GEvent {
    /// Adds supporting sentences, merging those already there (a sentence
    /// is there twice only from one document: `tail` says only the last
    /// document's sentences need be searched).
    fn add_support(&mut self, more: Vec<Sup>, tail: bool) {
        for s in more {
            self.mentions += 1;
            let mut found = None;
            for (i, x) in self.support.iter().enumerate().rev() {
                if tail && x.id.doc != s.id.doc {
                    break;
                }
                if x.id == s.id {
                    found = Some(i);
                    break;
                }
            }
            match found {
                Some(i) => {
                    let x = &mut self.support[i];
                    x.pairs.extend(s.pairs);
                    if x.sentence.is_none() && s.sentence.is_some() {
                        x.sentence = s.sentence;
                        self.held += 1;
                    }
                }
                None => {
                    self.held += usize::from(s.sentence.is_some());
                    self.support.push(s);
                }
            }
        }
    }

    /// With a cap of `n` sentences per edge, drops the text of every
    /// sentence that can no longer be among the first `n` of any edge of the
    /// event: more sentences only push it further back.
    fn prune(&mut self, n: usize, docs: &Names, rules: &Names) {
        let mut order: Vec<usize> = (0..self.support.len())
            .filter(|&i| self.support[i].sentence.is_some())
            .collect();
        let key = |i: &usize| {
            let s = &self.support[*i];
            (
                docs.get(s.id.doc),
                s.sentence.as_deref().unwrap_or(""),
                s.id.start,
                s.id.end,
                rules.get(s.id.rule),
            )
        };
        order.sort_by(|a, b| key(a).cmp(&key(b)));
        let mut seen: FastMap<BagKey, usize> = FastMap::default();
        let mut drop = Vec::new();
        for i in order {
            let bags = self.support[i].bags();
            let keep = bags.iter().any(|b| seen.get(b).copied().unwrap_or(0) < n);
            for b in bags {
                *seen.entry(b).or_default() += 1;
            }
            if !keep {
                drop.push(i);
            }
        }
        for i in drop {
            self.support[i].sentence = None;
            self.held -= 1;
        }
    }
}

/// (source, target, relation, title, date) of a plain edge.
type EdgeKey = (usize, usize, String, Option<String>, Option<String>);

struct Merger<'a> {
    x: &'a Extractor,
    ents: Vec<GEntity>,
    by_known: FastMap<usize, usize>,
    by_key: FastMap<(EntityType, String), usize>,
    events: Vec<GEvent>,
    /// Events by each pair of people on their two sides (ascending, no
    /// repeats): two events can only be one occasion when they share such a pair.
    by_pair: FastMap<(usize, usize), Vec<usize>>,
    /// Events absorbed by another in the last pass.
    gone: Vec<bool>,
    edges: BTreeMap<EdgeKey, Bag>,
    documents: Vec<DocOut>,
    /// Document ids (of documents and of evidence), by number.
    doc_ids: Names,
    /// Rule ids of event evidence, by number.
    rule_ids: Names,
    /// Whether two documents had one id: a sentence repeated in an event may
    /// then come from any earlier document, not only the last one.
    repeated: bool,
    cap: EvidenceCap,
}

/// A document as the graph's `documents` lists it.
struct DocOut {
    id: u32,
    path: String,
    title: Option<String>,
    date: Option<PartialDate>,
}

impl<'a> Merger<'a> {
    fn new(x: &'a Extractor) -> Merger<'a> {
        Merger {
            x,
            ents: Vec::new(),
            by_known: FastMap::default(),
            by_key: FastMap::default(),
            events: Vec::new(),
            by_pair: FastMap::default(),
            gone: Vec::new(),
            edges: BTreeMap::new(),
            documents: Vec::new(),
            doc_ids: Names::default(),
            rule_ids: Names::default(),
            repeated: false,
            cap: EvidenceCap::All,
        }
    }

    /// Each pair of a participant of side 1 and one of side 2, unordered.
    fn cross_pairs(e: &GEvent) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        for &a in e.sides[0].iter().chain(&e.attendees[0]) {
            for &b in e.sides[1].iter().chain(&e.attendees[1]) {
                v.push((a.min(b), a.max(b)));
            }
        }
        v
    }

    /// Records event `gi` under each of its cross pairs.
    fn index_event(&mut self, gi: usize) {
        for pair in Self::cross_pairs(&self.events[gi]) {
            let list = self.by_pair.entry(pair).or_default();
            if list.last() != Some(&gi) && !list.contains(&gi) {
                let at = list.partition_point(|&x| x < gi);
                list.insert(at, gi);
            }
        }
    }

    /// Events sharing a cross pair with `e`, ascending: the only ones
    /// [`Merger::orientation`] can pair it with (either way round, both
    /// sides of each must meet).
    fn sharing(&self, e: &GEvent) -> Vec<usize> {
        let mut v: Vec<usize> = Self::cross_pairs(e)
            .iter()
            .filter_map(|p| self.by_pair.get(p))
            .flatten()
            .copied()
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    fn known_entity(&mut self, k: usize) -> usize {
        if let Some(&g) = self.by_known.get(&k) {
            return g;
        }
        let ke = &self.x.known[k];
        self.ents.push(GEntity {
            kind: Some(ke.kind),
            label: ke.name.clone(),
            known: Some(k),
            aliases: ke.aliases.iter().cloned().collect(),
            ..Default::default()
        });
        let g = self.ents.len() - 1;
        self.by_known.insert(k, g);
        g
    }

    fn global(&mut self, kind: EntityType, label: &str, known: Option<usize>) -> usize {
        if let Some(k) = known.or_else(|| {
            self.x
                .lookup(label)
                .filter(|&k| self.x.known[k].kind == kind)
        }) {
            return self.known_entity(k);
        }
        let key = (kind, name_key(label));
        if let Some(&g) = self.by_key.get(&key) {
            if label.len() > self.ents[g].label.len() {
                let old = std::mem::replace(&mut self.ents[g].label, label.to_string());
                self.ents[g].aliases.insert(old);
            }
            return g;
        }
        self.ents.push(GEntity {
            kind: Some(kind),
            label: label.to_string(),
            ..Default::default()
        });
        let g = self.ents.len() - 1;
        self.by_key.insert(key, g);
        g
    }

    fn known_ancestors(&self, k: usize) -> Vec<usize> {
        let mut out = vec![];
        let mut cur = self.x.known[k].located_in.or(self.x.known[k].country);
        while let Some(p) = cur {
            if out.contains(&p) || out.len() > 16 {
                break;
            }
            out.push(p);
            cur = self.x.known[p].located_in.or(self.x.known[p].country);
        }
        out
    }

    /// Places are compatible when equal, unknown, or one contains the other.
    fn places_compatible(&self, a: Option<usize>, b: Option<usize>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => {
                if a == b {
                    return true;
                }
                let (ka, kb) = (self.ents[a].known, self.ents[b].known);
                match (ka, kb) {
                    (Some(ka), Some(kb)) => {
                        self.known_ancestors(ka).contains(&kb)
                            || self.known_ancestors(kb).contains(&ka)
                    }
                    _ => false,
                }
            }
            _ => true,
        }
    }

    fn more_specific(&self, a: Option<usize>, b: Option<usize>) -> Option<usize> {
        match (a, b) {
            (Some(a), Some(b)) => {
                let (ka, kb) = (self.ents[a].known, self.ents[b].known);
                match (ka, kb) {
                    (Some(ka), Some(kb)) if self.known_ancestors(kb).contains(&ka) => Some(b),
                    _ => Some(a),
                }
            }
            (a, b) => a.or(b),
        }
    }

    /// Which orientation of `e` shares a cross pair with `g`: Some(false) as is, Some(true) swapped.
    fn orientation(g: &GEvent, e: &GEvent) -> Option<bool> {
        let all = |s: usize, ev: &GEvent| -> BTreeSet<usize> {
            ev.sides[s].union(&ev.attendees[s]).copied().collect()
        };
        let (g0, g1, e0, e1) = (all(0, g), all(1, g), all(0, e), all(1, e));
        let straight = (!g0.is_disjoint(&e0) && !g1.is_disjoint(&e1))
            && g0.is_disjoint(&e1)
            && g1.is_disjoint(&e0);
        let swapped = (!g0.is_disjoint(&e1) && !g1.is_disjoint(&e0))
            && g0.is_disjoint(&e0)
            && g1.is_disjoint(&e1);
        if straight {
            Some(false)
        } else if swapped {
            Some(true)
        } else {
            None
        }
    }

    fn absorb(&mut self, gi: usize, mut e: GEvent, swap: bool, tail: bool) {
        if swap {
            e.sides.swap(0, 1);
            e.attendees.swap(0, 1);
        }
        let place = self.more_specific(self.events[gi].place, e.place);
        let g = &mut self.events[gi];
        for s in 0..2 {
            g.sides[s].extend(e.sides[s].iter().copied());
            g.attendees[s].extend(e.attendees[s].iter().copied());
            let principals = g.sides[s].clone();
            g.attendees[s].retain(|x| !principals.contains(x));
        }
        g.date = match (g.date, e.date) {
            (Some(a), Some(b)) if b.precision() > a.precision() => Some(b),
            (a, b) => a.or(b),
        };
        g.place = place;
        // the sentences, each counted as often as it was seen
        let repeats = e.mentions - e.support.len();
        g.add_support(e.support, tail);
        g.mentions += repeats;
        g.reporters.extend(e.reporters);
        self.prune(gi);
    }

    /// Prunes the evidence of event `gi` when it has doubled since the last
    /// prune (see [`GEvent::prune`]).
    fn prune(&mut self, gi: usize) {
        let Some(n) = self.cap.limit() else { return };
        let e = &mut self.events[gi];
        if e.held >= e.mark {
            e.prune(n, &self.doc_ids, &self.rule_ids);
            e.mark = (2 * e.held).max(32);
        }
    }

    fn add_event(&mut self, e: GEvent) {
        for gi in self.sharing(&e) {
            let g = &self.events[gi];
            if g.kind != e.kind {
                continue;
            }
            let dates_ok = match (g.date, e.date) {
                (Some(a), Some(b)) => a.compatible(&b),
                (None, None) => true,
                _ => false,
            };
            if !dates_ok || !self.places_compatible(g.place, e.place) {
                continue;
            }
            if let Some(swap) = Self::orientation(g, &e) {
                let tail = !self.repeated;
                self.absorb(gi, e, swap, tail);
                self.index_event(gi);
                return;
            }
        }
        self.events.push(e);
        self.gone.push(false);
        self.index_event(self.events.len() - 1);
        self.prune(self.events.len() - 1);
    }

    /// Merges one document's facts; documents must come in order.
    fn merge_doc(&mut self, f: DocFacts) {
        {
            let (doc_no, seen) = self.doc_ids.intern(&f.meta.id);
            self.repeated |= seen;
            self.documents.push(DocOut {
                id: doc_no,
                path: f.meta.path,
                title: f.meta.title,
                date: f.meta.date,
            });
            let map: Vec<usize> = f
                .entities
                .iter()
                .map(|e| self.global(e.kind, &e.label, e.known))
                .collect();
            for (i, e) in f.entities.iter().enumerate() {
                let g = &mut self.ents[map[i]];
                g.mentions += e.mentions;
                if e.mentions > 0 {
                    if let Err(at) = g.documents.binary_search(&doc_no) {
                        g.documents.insert(at, doc_no);
                    }
                }
                g.aliases.extend(e.spellings.iter().cloned());
            }
            for ev in f.events {
                let EventFact {
                    kind,
                    sides,
                    attendees,
                    date,
                    place,
                    support,
                    reporters,
                } = ev;
                let m =
                    |s: &BTreeSet<usize>| s.iter().map(|&i| map[i]).collect::<BTreeSet<usize>>();
                let support: Vec<Sup> = support
                    .into_iter()
                    .map(|(e, pairs)| {
                        let doc = if e.doc == self.doc_ids.get(doc_no) {
                            doc_no
                        } else {
                            self.doc_ids.intern(&e.doc).0
                        };
                        Sup {
                            id: EvId {
                                doc,
                                start: e.start,
                                end: e.end,
                                rule: self.rule_ids.intern(&e.rule).0,
                            },
                            pairs: pairs.into_iter().map(|(a, b)| (map[a], map[b])).collect(),
                            sentence: Some(e.sentence.into_boxed_str()),
                        }
                    })
                    .collect();
                let mut e = GEvent {
                    kind,
                    sides: [m(&sides[0]), m(&sides[1])],
                    attendees: [m(&attendees[0]), m(&attendees[1])],
                    date,
                    place: place.map(|p| map[p]),
                    support: Vec::new(),
                    mentions: 0,
                    held: 0,
                    mark: 32,
                    reporters: m(&reporters),
                };
                e.add_support(support, !self.repeated);
                self.add_event(e);
            }
            // this document's evidence of each edge, then into the graph's
            let mut mine: BTreeMap<EdgeKey, BTreeSet<Evidence>> = BTreeMap::new();
            for e in f.edges {
                let key = (
                    map[e.source],
                    map[e.target],
                    e.relation,
                    e.title,
                    e.date.map(|d| d.to_string()),
                );
                mine.entry(key).or_default().insert(e.evidence);
            }
            for (key, evs) in mine {
                self.edges.entry(key).or_default().add_doc(evs, self.cap);
            }
        }
    }

    /// The graph of every document merged, into `sink`.
    fn finish_into(mut self, sink: &mut impl Sink) {
        // an undated occasion joins the one dated occasion of the same pair at a
        // compatible known place; one with neither date nor place joins the only
        // other occasion of that pair (an absorbed one is gone, the order of the
        // rest kept)
        for i in 0..self.events.len() {
            if self.gone[i] {
                continue;
            }
            let placed = self.events[i].place.is_some();
            if self.events[i].date.is_none() {
                let cands: Vec<(usize, bool)> = self
                    .sharing(&self.events[i])
                    .into_iter()
                    .filter(|&j| {
                        j != i
                            && !self.gone[j]
                            && (!placed || self.events[j].date.is_some())
                            && (!placed || self.events[j].place.is_some())
                            && self.events[j].kind == self.events[i].kind
                    })
                    .filter(|&j| self.places_compatible(self.events[j].place, self.events[i].place))
                    .filter_map(|j| {
                        Self::orientation(&self.events[j], &self.events[i]).map(|s| (j, s))
                    })
                    .collect();
                if let [(j, swap)] = cands[..] {
                    let e = std::mem::replace(
                        &mut self.events[i],
                        GEvent {
                            kind: String::new(),
                            sides: Default::default(),
                            attendees: Default::default(),
                            date: None,
                            place: None,
                            support: Vec::new(),
                            mentions: 0,
                            held: 0,
                            mark: 0,
                            reporters: BTreeSet::new(),
                        },
                    );
                    self.gone[i] = true;
                    self.absorb(j, e, swap, false);
                    self.index_event(j);
                }
            }
        }
        let gone = std::mem::take(&mut self.gone);
        let events = std::mem::take(&mut self.events);
        self.events = events
            .into_iter()
            .zip(gone)
            .filter_map(|(e, g)| (!g).then_some(e))
            .collect();
        let documents = std::mem::take(&mut self.documents);
        self.emit(documents, sink);
    }

    fn node_id(&self, g: usize, used: &mut BTreeMap<String, usize>) -> String {
        let e = &self.ents[g];
        let base = match e.known {
            Some(k) => self.x.known[k].node_id.clone(),
            None => format!(
                "{}:{}",
                e.kind.unwrap_or(EntityType::Organization).id_prefix(),
                slug(&e.label)
            ),
        };
        unique(base, used)
    }

    /// An event's node id, before it is made unique: kind, date, place and
    /// up to three principals.
    fn event_id(&self, e: &GEvent, ids: &[Option<String>]) -> String {
        let principals: Vec<String> = {
            let mut v: Vec<String> = e
                .sides
                .iter()
                .flatten()
                .filter_map(|&g| ids[g].clone())
                .map(|id| id.split_once(':').map(|x| x.1.to_string()).unwrap_or(id))
                .collect();
            v.sort();
            v.truncate(3);
            v
        };
        let date = e.date.map(|d| d.to_string());
        let city = e.place.and_then(|p| {
            // the city, for a readable id: a venue's ("Great Hall of the
            // People") container, when that is a place
            if self.ents[p].label.split_whitespace().count() < 3 {
                return None;
            }
            let k = self.ents[p].known?;
            let parent = self.x.known[k].located_in?;
            (self.x.known[parent].kind == EntityType::Place)
                .then(|| slug(&self.x.known[parent].name))
        });
        let place_slug = city.or_else(|| e.place.map(|p| slug(&self.ents[p].label)));
        let mut parts = vec![
            e.kind.clone(),
            date.clone().unwrap_or_else(|| "undated".into()),
        ];
        if let Some(p) = &place_slug {
            parts.push(p.clone());
        }
        parts.extend(principals);
        format!("event:{}", parts.join("-"))
    }

    /// The sentences of event `e` still held, in [`Evidence`] order (equal
    /// ones once), each made once for the sink however many edges it
    /// supports; and for each supporting sentence, its place among them
    /// (none when its text is no longer held).
    fn held_evidence<S: Sink>(&self, e: &GEvent) -> (Vec<S::Evidence>, Vec<Option<usize>>) {
        let mut order: Vec<(EvidenceJson, usize)> = e
            .support
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let sentence = s.sentence.as_deref()?;
                let json = EvidenceJson {
                    doc: self.doc_ids.get(s.id.doc),
                    end: s.id.end,
                    rule: self.rule_ids.get(s.id.rule),
                    sentence,
                    start: s.id.start,
                };
                Some((json, i))
            })
            .collect();
        order.sort_unstable();
        let mut held = Vec::with_capacity(order.len());
        let mut place_of = vec![None; e.support.len()];
        let mut last = None;
        for (json, i) in order {
            if last != Some(json) {
                held.push(S::evidence(&json));
                last = Some(json);
            }
            place_of[i] = Some(held.len() - 1);
        }
        (held, place_of)
    }

    /// An event's node attributes and its edges (MET, PARTICIPATED_IN,
    /// HELD_IN, REPORTED).
    fn event_out<S: Sink>(&self, e: &GEvent, id: &str, ids: &[Option<String>]) -> EventOut<S> {
        let date = e.date.map(|d| d.to_string());
        let place_id = e.place.and_then(|p| ids[p].clone());
        let id_of = |g: usize| ids[g].clone();
        let mut edges = Vec::new();
        let docs: BTreeSet<&str> = e
            .support
            .iter()
            .map(|s| self.doc_ids.get(s.id.doc))
            .collect();
        let names: Vec<String> = e
            .sides
            .iter()
            .map(|s| {
                s.iter()
                    .map(|&g| self.ents[g].label.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect();
        let mut label = format!("{}: {} \u{2013} {}", e.kind, names[0], names[1]);
        if let Some(d) = &date {
            label.push_str(&format!(", {d}"));
        }
        if let Some(p) = e.place {
            label.push_str(&format!(", {}", self.ents[p].label));
        }
        let mut attrs = Map::new();
        attrs.insert("type".into(), json!("Event"));
        attrs.insert("label".into(), json!(label));
        attrs.insert("aliases".into(), json!([]));
        attrs.insert("mentions".into(), json!(e.mentions));
        attrs.insert("documents".into(), json!(docs));
        attrs.insert("kind".into(), json!(e.kind));
        attrs.insert("date".into(), json!(date));
        attrs.insert("place".into(), json!(place_id));
        // each sentence still held (with a cap, those that may be among an
        // edge's first), made once for the sink; each edge's sentences are
        // their places among them, and how many support it
        let (held, place_of) = self.held_evidence::<S>(e);
        let sentences = |mut at: Vec<usize>, count: usize| {
            at.sort_unstable();
            at.dedup();
            self.cap.of(at.into_iter().map(|i| held[i].clone()), count)
        };
        type Evs = (Vec<usize>, usize);
        // MET per pair of counterparts
        let mut pairs: BTreeMap<(&str, &str), Evs> = BTreeMap::new();
        for (sup, at) in e.support.iter().zip(&place_of) {
            let mut keys = BTreeSet::new();
            for &(a, b) in &sup.pairs {
                let (Some(ia), Some(ib)) = (ids[a].as_deref(), ids[b].as_deref()) else {
                    continue;
                };
                if ia == ib {
                    continue;
                }
                keys.insert(if ia < ib { (ia, ib) } else { (ib, ia) });
            }
            for key in keys {
                let bag = pairs.entry(key).or_default();
                bag.1 += 1;
                bag.0.extend(*at);
            }
        }
        let mut part: BTreeMap<&str, (Evs, &str, usize)> = BTreeMap::new();
        for s in 0..2 {
            for (set, role) in [(&e.sides[s], "principal"), (&e.attendees[s], "attendee")] {
                for &g in set {
                    let Some(pid) = ids[g].as_deref() else {
                        continue;
                    };
                    let mut evs: Evs = Default::default();
                    for (sup, at) in e.support.iter().zip(&place_of) {
                        if sup.pairs.iter().any(|&(a, b)| a == g || b == g) {
                            evs.1 += 1;
                            evs.0.extend(*at);
                        }
                    }
                    part.insert(pid, (evs, role, s));
                }
            }
        }
        for ((a, b), (evs, count)) in pairs {
            let mut m = Map::new();
            m.insert("event".into(), json!(id));
            m.insert("date".into(), json!(date));
            m.insert("place".into(), json!(place_id));
            edges.push((
                a.to_string(),
                b.to_string(),
                S::attrs("MET", m, sentences(evs, count)),
            ));
        }
        for (pid, ((evs, count), role, side)) in part {
            let mut m = Map::new();
            m.insert("role".into(), json!(role));
            m.insert("side".into(), json!(side + 1));
            let attrs = S::attrs("PARTICIPATED_IN", m, sentences(evs, count));
            edges.push((pid.to_string(), id.to_string(), attrs));
        }
        // every sentence held, for the edges of the whole event
        let count = e.support.len();
        let all = || self.cap.of(held.iter().cloned(), count);
        if let Some(p) = &place_id {
            let attrs = S::attrs("HELD_IN", Map::new(), all());
            edges.push((id.to_string(), p.clone(), attrs));
        }
        for &r in &e.reporters {
            if let Some(rid) = id_of(r) {
                let attrs = S::attrs("REPORTED", Map::new(), all());
                edges.push((rid, id.to_string(), attrs));
            }
        }
        (attrs, edges)
    }

    /// Hands every node, edge and document of the graph to `sink`.
    fn emit<S: Sink>(mut self, documents: Vec<DocOut>, sink: &mut S) {
        // places used by events and their containers, so LOCATED_IN chains are whole
        let mut needed: BTreeSet<usize> = BTreeSet::new();
        for e in &self.events {
            if let Some(p) = e.place {
                needed.insert(p);
            }
        }
        for g in 0..self.ents.len() {
            if self.ents[g].mentions > 0 && matches!(self.ents[g].kind, Some(EntityType::Place)) {
                needed.insert(g);
            }
        }
        for g in needed.clone() {
            if let Some(k) = self.ents[g].known {
                for a in self.known_ancestors(k) {
                    let ga = self.known_entity(a);
                    needed.insert(ga);
                }
            }
        }
        let mut used = BTreeMap::new();
        let mut ids: Vec<Option<String>> = vec![None; self.ents.len()];
        let mut order: Vec<usize> = (0..self.ents.len()).collect();
        order.sort_by_cached_key(|&g| (self.ents[g].known.is_none(), self.ents[g].label.clone()));
        let referenced: BTreeSet<usize> = self
            .edges
            .keys()
            .flat_map(|k| [k.0, k.1])
            .chain(self.events.iter().flat_map(|e| {
                e.sides
                    .iter()
                    .chain(&e.attendees)
                    .flatten()
                    .copied()
                    .chain(e.place)
                    .chain(e.reporters.iter().copied())
            }))
            .collect();
        for g in order {
            if self.ents[g].mentions == 0 && !needed.contains(&g) && !referenced.contains(&g) {
                continue;
            }
            let id = self.node_id(g, &mut used);
            ids[g] = Some(id.clone());
            let e = &self.ents[g];
            let mut attrs = Map::new();
            attrs.insert(
                "type".into(),
                json!(e.kind.unwrap_or(EntityType::Organization).as_str()),
            );
            attrs.insert("label".into(), json!(e.label));
            // every other spelling, seen or declared (sorted: a BTreeSet)
            let aliases: Vec<&String> = e.aliases.iter().filter(|a| *a != &e.label).collect();
            attrs.insert("aliases".into(), json!(aliases));
            attrs.insert("mentions".into(), json!(e.mentions));
            let mut docs: Vec<&str> = e.documents.iter().map(|&d| self.doc_ids.get(d)).collect();
            docs.sort_unstable();
            attrs.insert("documents".into(), json!(docs));
            attrs.insert(
                "source".into(),
                json!(if e.known.is_some() {
                    "gazetteer"
                } else {
                    "pattern"
                }),
            );
            sink.node(id, attrs);
        }
        let id_of = |g: usize| ids[g].clone();
        // LOCATED_IN from the gazetteer
        for g in 0..self.ents.len() {
            let (Some(src), Some(k)) = (id_of(g), self.ents[g].known) else {
                continue;
            };
            if self.ents[g].kind != Some(EntityType::Place) {
                continue;
            }
            if let Some(p) = self.x.known[k].located_in.or(self.x.known[k].country) {
                if let Some(&gp) = self.by_known.get(&p) {
                    if let Some(dst) = id_of(gp) {
                        let mut a = Map::new();
                        a.insert(
                            "rule".into(),
                            json!(format!("gazetteer:{}", self.x.known[k].node_id)),
                        );
                        let none = self.cap.of([], 0);
                        sink.edge(src, dst, S::attrs("LOCATED_IN", a, none));
                    }
                }
            }
        }
        // events: their ids in order, then each batch's nodes and edges made
        // on all cores and handed to the sink in order
        let mut events = std::mem::take(&mut self.events);
        events.sort_by_cached_key(|e| {
            (
                e.date.map(|d| d.to_string()),
                e.support
                    .first()
                    .map(|s| (self.doc_ids.get(s.id.doc).to_string(), s.id.start)),
            )
        });
        let event_ids: Vec<String> = events
            .iter()
            .map(|e| unique(self.event_id(e, &ids), &mut used))
            .collect();
        for (batch, batch_ids) in events
            .chunks(EVENT_BATCH)
            .zip(event_ids.chunks(EVENT_BATCH))
        {
            let made: Vec<EventOut<S>> = batch
                .par_iter()
                .zip(batch_ids)
                .map(|(e, id)| self.event_out::<S>(e, id, &ids))
                .collect();
            for ((node, edges), id) in made.into_iter().zip(batch_ids) {
                sink.node(id.clone(), node);
                for (a, b, m) in edges {
                    sink.edge(a, b, m);
                }
            }
        }
        // the other edges, a batch at a time on all cores
        let mut plain = std::mem::take(&mut self.edges).into_iter();
        loop {
            let batch: Vec<(EdgeKey, Bag)> = plain.by_ref().take(EDGE_BATCH).collect();
            if batch.is_empty() {
                break;
            }
            let made: Vec<Option<MadeEdge<S>>> = batch
                .par_iter()
                .map(|((s, t, rel, title, date), bag)| {
                    let (Some(a), Some(b)) = (id_of(*s), id_of(*t)) else {
                        return None;
                    };
                    if a == b {
                        return None;
                    }
                    let mut m = Map::new();
                    if let Some(t) = title {
                        m.insert("title".into(), json!(t));
                    }
                    if rel == "VISITED" {
                        m.insert("date".into(), json!(date));
                    }
                    let evs = bag.kept.iter().map(|e| S::evidence(&e.into()));
                    Some((a, b, S::attrs(rel, m, self.cap.of(evs, bag.count))))
                })
                .collect();
            for (a, b, m) in made.into_iter().flatten() {
                sink.edge(a, b, m);
            }
        }
        sink.meta(
            "generator",
            json!({"name": "cnkg", "version": env!("CARGO_PKG_VERSION")}),
        );
        for d in documents {
            sink.document(json!({
                "id": self.doc_ids.get(d.id),
                "path": d.path,
                "title": d.title,
                "date": d.date.map(|d| d.to_string()),
            }));
        }
        sink.meta(
            "rules",
            json!({
                "files": self.x.rule_files.iter().map(|p| p.display().to_string().replace('\\', "/")).collect::<Vec<_>>(),
                "hash": self.x.rules_hash,
            }),
        );
    }
}

/// Where [`Merger::emit`] puts the graph: nodes, edges (in any order; the
/// sink sorts them and numbers parallel edges), documents and metadata.
trait Sink {
    /// One evidence sentence as the sink holds it: made once however many
    /// edges it supports, and cloned into each.
    type Evidence: Clone + Send;
    /// An edge's attributes as the sink holds them.
    type Attrs: Send;
    /// An evidence sentence. Called (on all cores) as edges are made.
    fn evidence(e: &EvidenceJson) -> Self::Evidence;
    /// An edge's attributes: its `relation`, the others but evidence in
    /// `m`, and its evidence. Called (on all cores) as edges are made.
    fn attrs(
        relation: &str,
        m: Map<String, Value>,
        evidence: EdgeEvidence<Self::Evidence>,
    ) -> Self::Attrs;
    fn node(&mut self, id: String, attrs: Map<String, Value>);
    fn edge(&mut self, source: String, target: String, attrs: Self::Attrs);
    fn document(&mut self, doc: Value);
    fn meta(&mut self, key: &str, value: Value);
}

/// An edge as made: source, target, relation, attributes.
type RawEdge<T> = (String, String, Box<str>, T);

/// Sorts edges by source, target and relation, ties by their attributes
/// (`tie` gives them serialised, and is asked once per edge of a tie), and
/// numbers the edges of each (source, target) pair in that order: the order
/// [`KnowledgeGraph::edges_sorted`] gives them back in.
fn number_edges<T, K: Ord>(edges: &mut [RawEdge<T>], tie: impl Fn(&T) -> K) -> Vec<u64> {
    edges.sort_by(|x, y| (&x.0, &x.1, &x.2).cmp(&(&y.0, &y.1, &y.2)));
    let mut i = 0;
    while i < edges.len() {
        let mut j = i + 1;
        while j < edges.len()
            && edges[i].0 == edges[j].0
            && edges[i].1 == edges[j].1
            && edges[i].2 == edges[j].2
        {
            j += 1;
        }
        if j - i > 1 {
            edges[i..j].sort_by_cached_key(|e| tie(&e.3));
        }
        i = j;
    }
    let mut keys = Vec::with_capacity(edges.len());
    let mut at = 0;
    for i in 0..edges.len() {
        if i > 0 && (edges[i].0 != edges[i - 1].0 || edges[i].1 != edges[i - 1].1) {
            at = 0;
        }
        keys.push(at);
        at += 1;
    }
    keys
}

/// Builds a [`KnowledgeGraph`].
#[derive(Default)]
struct GraphSink {
    kg: KnowledgeGraph,
    edges: Vec<RawEdge<Map<String, Value>>>,
    documents: Vec<Value>,
}

impl Sink for GraphSink {
    /// The relation, for sorting, and the attributes (`relation` among them).
    type Attrs = (Box<str>, Map<String, Value>);
    /// The sentence's object.
    type Evidence = Value;
    fn evidence(e: &EvidenceJson) -> Value {
        serde_json::to_value(e).expect("evidence always serialises")
    }
    fn attrs(
        relation: &str,
        mut m: Map<String, Value>,
        evidence: EdgeEvidence<Value>,
    ) -> Self::Attrs {
        m.insert("relation".into(), json!(relation));
        m.insert("evidence".into(), Value::Array(evidence.sentences));
        if let Some(n) = evidence.count {
            m.insert("evidence_count".into(), json!(n));
        }
        (relation.into(), m)
    }
    fn node(&mut self, id: String, attrs: Map<String, Value>) {
        self.kg.add_node(Node { id, attrs });
    }
    fn edge(&mut self, source: String, target: String, (relation, attrs): Self::Attrs) {
        self.edges.push((source, target, relation, attrs));
    }
    fn document(&mut self, doc: Value) {
        self.documents.push(doc);
    }
    fn meta(&mut self, key: &str, value: Value) {
        self.kg.meta.insert(key.into(), value);
    }
}

impl GraphSink {
    fn done(mut self) -> KnowledgeGraph {
        let keys = number_edges(&mut self.edges, |m| serde_json::to_string(m).ok());
        for ((source, target, _, attrs), key) in self.edges.into_iter().zip(keys) {
            self.kg.add_edge(Edge {
                source,
                target,
                key,
                attrs,
            });
        }
        self.kg
            .meta
            .insert("documents".into(), Value::Array(self.documents));
        self.kg
    }
}

/// The finished graph held compactly for writing as JSON: each node's and
/// each edge's attributes serialised (a few hundred bytes where a
/// [`KnowledgeGraph`] spends a few kilobytes on maps), in the order the JSON
/// lists them. `cnkg build` writes its JSON from this; the bytes are those
/// of the [`KnowledgeGraph`] the same build gives.
#[derive(Debug, Default)]
pub struct CompactGraph {
    /// (id, attributes as JSON), sorted by id.
    pub nodes: Vec<(String, Box<str>)>,
    /// In the order of [`KnowledgeGraph::edges_sorted`].
    pub edges: Vec<CompactEdge>,
    /// Each document's object, as JSON.
    pub documents: Vec<Box<str>>,
    /// The other graph metadata (`generator`, `rules`).
    pub meta: Map<String, Value>,
    /// Event nodes.
    pub events: usize,
}

/// An edge of a [`CompactGraph`].
#[derive(Debug)]
pub struct CompactEdge {
    /// Source node id.
    pub source: String,
    /// Target node id.
    pub target: String,
    /// Distinct among parallel edges of the same pair.
    pub key: u64,
    /// Every other attribute.
    pub attrs: EdgeJson,
}

/// An edge's attributes as compact JSON, as `serde_json` writes them from
/// the edge's map (keys in order, `relation` among them), held so that the
/// graph JSON can list `relation` first without parsing the rest.
///
/// The members are made straight from the edge's parts: an edge's
/// evidence, a list of sentences that can run to megabytes, is never built
/// as JSON values, and each sentence is written once, shared by every edge
/// it supports ([`EvidenceText`]).
#[derive(Debug)]
pub struct EdgeJson {
    /// The members but `evidence`, compact (`"key":value` separated by
    /// commas), in key order.
    members: Box<str>,
    /// Byte range of the `"relation":…` member in `members`.
    relation: (u32, u32),
    /// Where `evidence` stands among the members: the byte offset in
    /// `members` of the first member after it.
    evidence_at: u32,
    /// The evidence sentences, in [`Evidence`] order.
    evidence: Box<[Arc<EvidenceText>]>,
}

/// A run of an edge's members, as [`EdgeJson::runs`] gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeMembers<'a> {
    /// Members as compact JSON (`"key":value` separated by commas); may be
    /// empty.
    Compact(&'a str),
    /// The `evidence` member: its sentences.
    Evidence(&'a [Arc<EvidenceText>]),
}

/// A value of an edge attribute, as [`EdgeJson::new`] writes it.
enum AttrValue<'a> {
    Json(&'a Value),
    Str(&'a str),
    Count(usize),
}

impl AttrValue<'_> {
    /// Appends the value as `serde_json` writes it.
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            AttrValue::Str(s) => crate::export::json::string(s, out),
            AttrValue::Json(Value::String(s)) => crate::export::json::string(s, out),
            AttrValue::Json(v) => serde_json::to_writer(out, v).expect("values always serialise"),
            AttrValue::Count(n) => serde_json::to_writer(out, n).expect("numbers serialise"),
        }
    }
}

impl EdgeJson {
    /// The attributes [`GraphSink::attrs`] makes a map of, written as
    /// `serde_json` writes that map.
    pub(crate) fn new(
        relation: &str,
        m: &Map<String, Value>,
        evidence: EdgeEvidence<Arc<EvidenceText>>,
    ) -> EdgeJson {
        let mut members: Vec<(&str, AttrValue)> = m
            .iter()
            .map(|(k, v)| (k.as_str(), AttrValue::Json(v)))
            .collect();
        members.push(("relation", AttrValue::Str(relation)));
        if let Some(n) = evidence.count {
            members.push(("evidence_count", AttrValue::Count(n)));
        }
        members.sort_by_key(|(k, _)| *k);
        let mut out = Vec::new();
        let mut at = (0, 0);
        let mut evidence_at = None;
        for (i, (k, v)) in members.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let start = out.len();
            if evidence_at.is_none() && *k > "evidence" {
                evidence_at = Some(start);
            }
            crate::export::json::string(k, &mut out);
            out.push(b':');
            v.write(&mut out);
            if *k == "relation" {
                at = (start, out.len());
            }
        }
        let evidence_at = evidence_at.unwrap_or(out.len());
        let offset = |i: usize| u32::try_from(i).expect("an edge's attributes under 4 GB");
        EdgeJson {
            members: String::from_utf8(out)
                .expect("serde_json writes UTF-8")
                .into_boxed_str(),
            relation: (offset(at.0), offset(at.1)),
            evidence_at: offset(evidence_at),
            evidence: evidence.sentences.into_boxed_slice(),
        }
    }

    /// The compact members before `evidence` and those after it.
    fn around_evidence(&self) -> (&str, &str) {
        let (t, at) = (&*self.members, self.evidence_at as usize);
        // a member after another follows its comma
        (&t[..at.saturating_sub(1)], &t[at..])
    }

    /// The whole object: `{"date":…,"evidence":[…],"relation":"MET",…}`.
    pub fn text(&self) -> String {
        let (before, after) = self.around_evidence();
        let mut out = String::with_capacity(
            self.members.len()
                + self
                    .evidence
                    .iter()
                    .map(|e| e.text().len() + 1)
                    .sum::<usize>()
                + 16,
        );
        out.push('{');
        if !before.is_empty() {
            out.push_str(before);
            out.push(',');
        }
        out.push_str("\"evidence\":[");
        for (i, e) in self.evidence.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(e.text());
        }
        out.push(']');
        if !after.is_empty() {
            out.push(',');
            out.push_str(after);
        }
        out.push('}');
        out
    }

    /// The members in the order the graph JSON lists them: `"relation":…`,
    /// then the others in key order: those before `evidence`, `evidence`,
    /// those between it and `relation`, those after `relation` (`evidence`
    /// always sorts before `relation`).
    pub fn runs(&self) -> [EdgeMembers<'_>; 5] {
        let (start, end) = (self.relation.0 as usize, self.relation.1 as usize);
        let (t, at) = (&*self.members, self.evidence_at as usize);
        let before = self.around_evidence().0;
        let between = if start > at { &t[at..start - 1] } else { "" };
        let after = if end < t.len() { &t[end + 1..] } else { "" };
        [
            EdgeMembers::Compact(&t[start..end]),
            EdgeMembers::Compact(before),
            EdgeMembers::Evidence(&self.evidence),
            EdgeMembers::Compact(between),
            EdgeMembers::Compact(after),
        ]
    }
}

/// Builds a [`CompactGraph`].
#[derive(Default)]
struct CompactSink {
    graph: CompactGraph,
    edges: Vec<RawEdge<EdgeJson>>,
    ids: std::collections::HashSet<String>,
}

/// An edge as [`Merger::emit`] makes it for a sink `S`: source, target,
/// attributes.
type MadeEdge<S> = (String, String, <S as Sink>::Attrs);

/// An event's node attributes and its edges.
type EventOut<S> = (Map<String, Value>, Vec<MadeEdge<S>>);

/// Events made at a time (on all cores) by [`Merger::emit`].
const EVENT_BATCH: usize = 1024;

/// Plain edges made at a time (on all cores) by [`Merger::emit`].
const EDGE_BATCH: usize = 2048;

fn compact(v: &impl serde::Serialize) -> Box<str> {
    serde_json::to_string(v)
        .expect("JSON values always serialise")
        .into_boxed_str()
}

impl Sink for CompactSink {
    /// The relation, for sorting, and the attributes.
    type Attrs = (Box<str>, EdgeJson);
    /// The sentence as JSON text, shared by the edges it supports.
    type Evidence = Arc<EvidenceText>;
    fn evidence(e: &EvidenceJson) -> Arc<EvidenceText> {
        Arc::new(EvidenceText::new(e))
    }
    fn attrs(
        relation: &str,
        m: Map<String, Value>,
        evidence: EdgeEvidence<Self::Evidence>,
    ) -> Self::Attrs {
        (relation.into(), EdgeJson::new(relation, &m, evidence))
    }
    fn node(&mut self, id: String, attrs: Map<String, Value>) {
        if self.ids.insert(id.clone()) {
            let g = &mut self.graph;
            g.events += usize::from(str_attr(&attrs, "type") == Some("Event"));
            g.nodes.push((id, compact(&attrs)));
        }
    }
    fn edge(&mut self, source: String, target: String, (relation, attrs): Self::Attrs) {
        self.edges.push((source, target, relation, attrs));
    }
    fn document(&mut self, doc: Value) {
        self.graph.documents.push(compact(&doc));
    }
    fn meta(&mut self, key: &str, value: Value) {
        self.graph.meta.insert(key.into(), value);
    }
}

impl CompactSink {
    fn done(mut self) -> CompactGraph {
        let mut g = self.graph;
        g.nodes.sort_by(|a, b| a.0.cmp(&b.0));
        let keys = number_edges(&mut self.edges, EdgeJson::text);
        // an edge whose end is not a node is left out, as `add_edge` leaves it
        let ids = &self.ids;
        g.edges = self
            .edges
            .into_iter()
            .zip(keys)
            .filter(|(e, _)| ids.contains(&e.0) && ids.contains(&e.1))
            .map(|((source, target, _, attrs), key)| CompactEdge {
                source,
                target,
                key,
                attrs,
            })
            .collect();
        g
    }
}

impl CompactGraph {
    /// Counts: (documents, entities, events, edges), as
    /// [`KnowledgeGraph::summary`] gives them.
    pub fn summary(&self) -> (usize, usize, usize, usize) {
        (
            self.documents.len(),
            self.nodes.len() - self.events,
            self.events,
            self.edges.len(),
        )
    }
}

fn unique(base: String, used: &mut BTreeMap<String, usize>) -> String {
    let n = used.entry(base.clone()).or_insert(0);
    *n += 1;
    if *n == 1 {
        base
    } else {
        format!("{base}-{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An edge's JSON text is what `serde_json` writes from the map a
    /// [`GraphSink`] makes of the same attributes, whatever keys sort
    /// around `relation` and the evidence, and its runs list `relation`
    /// first, then the others in key order.
    #[test]
    fn edge_json_is_the_serialised_map_of_the_same_attributes() {
        let ev = |doc: &str, sentence: &str, start| Evidence {
            doc: doc.into(),
            sentence: sentence.into(),
            start,
            end: start + 9,
            rule: "rel:\"q\"".into(),
        };
        let evs = BTreeSet::from([
            ev("d2", "Kim \"met\" Xi,\n\tin {Beijing}: [1]", 0),
            ev("d1", "\u{2013} \u{1F600} \\ \u{1}", 40),
        ]);
        let maps = [
            json!({}),
            json!({"a": 1, "evidence_a": [], "place": null, "title": "T\"", "zz": {"k": "v"}}),
            json!({"relation_x": "r", "date": "2018-03"}),
        ];
        for relation in ["MET", "A\"B\\C", ""] {
            for m in &maps {
                let m = m.as_object().unwrap();
                for cap in [
                    EvidenceCap::All,
                    EvidenceCap::First(1),
                    EvidenceCap::First(0),
                ] {
                    let json = evs.iter().map(EvidenceJson::from);
                    let texts = json.clone().map(|e| CompactSink::evidence(&e));
                    let attrs = EdgeJson::new(relation, m, cap.of(texts, 7));
                    let values = json.map(|e| GraphSink::evidence(&e));
                    let (rel_key, mut map) =
                        GraphSink::attrs(relation, m.clone(), cap.of(values, 7));
                    assert_eq!(&*rel_key, relation);
                    assert_eq!(attrs.text(), serde_json::to_string(&map).unwrap());
                    // the runs: `relation`, then the others in key order
                    let runs: Vec<String> = attrs
                        .runs()
                        .into_iter()
                        .map(|r| match r {
                            EdgeMembers::Compact(run) => run.to_string(),
                            EdgeMembers::Evidence(list) => {
                                let list: Vec<&str> = list.iter().map(|e| e.text()).collect();
                                format!("\"evidence\":[{}]", list.join(","))
                            }
                        })
                        .filter(|r| !r.is_empty())
                        .collect();
                    assert_eq!(runs[0], format!("\"relation\":{}", json!(relation)));
                    map.remove("relation");
                    let others = serde_json::to_string(&map).unwrap();
                    assert_eq!(runs[1..].join(","), others[1..others.len() - 1]);
                }
            }
        }
    }
}
