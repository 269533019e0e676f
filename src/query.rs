//! Questions asked of a graph: whom did X meet, how are X and Y connected,
//! what is known about X, and X's neighbourhood.
//!
//! Every answer carries the evidence behind it: the document, the sentence
//! and the rule. [`Query`] indexes names once (labels and aliases, any case,
//! hyphens and spaces ignored) and then answers in microseconds to
//! milliseconds on graphs of a hundred thousand nodes.
//!
//! ```
//! use cnkg::graph::{Edge, KnowledgeGraph, Node};
//! use cnkg::query::Query;
//! use serde_json::json;
//!
//! let mut g = KnowledgeGraph::default();
//! for (id, label) in [("person:kim-jong-un", "Kim Jong Un"), ("person:xi-jinping", "Xi Jinping")] {
//!     let attrs = json!({"type": "Person", "label": label, "aliases": []});
//!     g.add_node(Node { id: id.into(), attrs: attrs.as_object().unwrap().clone() });
//! }
//! let q = Query::new(&g);
//! let kim = q.resolve("KIM JONG-UN", &["Person"]).unwrap();
//! assert_eq!(g.graph[kim].id, "person:kim-jong-un");
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use petgraph::stable_graph::{EdgeIndex, NodeIndex};
use petgraph::visit::{EdgeRef, NodeIndexable};
use petgraph::Direction;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::dates::{DateRange, PartialDate};
use crate::graph::{Edge, KnowledgeGraph, Node};

/// Why a name or a query could not be answered. Each message is one line
/// that says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// No node has that name.
    #[error("no {what} named '{query}' in the graph{}", suggest(.suggestions))]
    Unknown {
        /// What was asked.
        query: String,
        /// "person", "entity", "place" ...
        what: String,
        /// The nearest names.
        suggestions: Vec<String>,
    },
    /// Several nodes share that name.
    #[error("'{query}' is ambiguous: it names {}; give the full name or the id", candidates.join(", "))]
    Ambiguous {
        /// What was asked.
        query: String,
        /// "Label (id)" of each candidate.
        candidates: Vec<String>,
    },
    /// A bad argument.
    #[error("{0}")]
    Invalid(String),
}

fn suggest(s: &[String]) -> String {
    if s.is_empty() {
        "; check the spelling, or list the names with `cnkg show` on a country or `cnkg met`"
            .to_string()
    } else {
        format!("; did you mean {}?", s.join(", or "))
    }
}

/// The lookup key of a name: lower case, letters and digits only, so
/// "Kim Jong-un", "KIM JONG UN" and "kim jong un" are one key.
///
/// ```
/// assert_eq!(cnkg::query::lookup_key("Kim Jong-un"), cnkg::query::lookup_key("KIM JONG UN"));
/// ```
pub fn lookup_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn tokens(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Levenshtein distance over chars, stopping early above `cap`.
fn edit_distance(a: &str, b: &str, cap: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > cap {
        return cap + 1;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > cap {
            return cap + 1;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// A node as answers name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NodeRef {
    /// Node id.
    pub id: String,
    /// Canonical name.
    pub label: String,
    /// Node type.
    #[serde(rename = "type")]
    pub kind: String,
}

impl NodeRef {
    fn of(n: &Node) -> NodeRef {
        NodeRef {
            id: n.id.clone(),
            label: n.label().to_string(),
            kind: n.kind().to_string(),
        }
    }
}

/// A meeting's place: the venue and the places and country that hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceRef {
    /// Node id.
    pub id: String,
    /// Name.
    pub label: String,
    /// Containing places and country, innermost first (`LOCATED_IN`).
    pub within: Vec<NodeRef>,
}

impl PlaceRef {
    /// "Great Hall of the People, Beijing": the venue and the places (not
    /// the country) that contain it.
    pub fn display(&self) -> String {
        let mut s = self.label.clone();
        for w in self.within.iter().filter(|w| w.kind != "Country") {
            s.push_str(", ");
            s.push_str(&w.label);
        }
        s
    }
}

/// One piece of evidence: where a fact was read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EvidenceRef {
    /// Document id.
    pub doc: String,
    /// Byte offset of the sentence in the document.
    pub start: u64,
    /// Byte offset of the sentence's end.
    pub end: u64,
    /// The sentence.
    pub sentence: String,
    /// The rule that fired.
    pub rule: String,
}

fn evidence_of(e: &Edge) -> Vec<EvidenceRef> {
    let Some(list) = e.attrs.get("evidence").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .map(|v| EvidenceRef {
            doc: v.get("doc").and_then(Value::as_str).unwrap_or("").into(),
            start: v.get("start").and_then(Value::as_u64).unwrap_or(0),
            end: v.get("end").and_then(Value::as_u64).unwrap_or(0),
            sentence: v
                .get("sentence")
                .and_then(Value::as_str)
                .unwrap_or("")
                .into(),
            rule: v.get("rule").and_then(Value::as_str).unwrap_or("").into(),
        })
        .collect()
}

/// One meeting occasion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Meeting {
    /// The Event node's id.
    pub event: String,
    /// ISO date as precise as known, or null.
    pub date: Option<String>,
    /// Where, or null.
    pub place: Option<PlaceRef>,
    /// The two sides; with a person asked about, theirs comes first.
    pub sides: [Vec<NodeRef>; 2],
    /// Documents that report it.
    pub documents: Vec<String>,
    /// The sentences behind it.
    pub evidence: Vec<EvidenceRef>,
}

/// Filters for [`Query::meetings`].
#[derive(Debug, Clone, Default)]
pub struct MeetingFilter {
    /// Meetings of this person.
    pub person: Option<NodeIndex>,
    /// ... with this person (met across the table).
    pub with: Option<NodeIndex>,
    /// Date window.
    pub dates: DateRange,
    /// Held at this place or anywhere inside it.
    pub place: Option<NodeIndex>,
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Where the step starts.
    pub from: NodeRef,
    /// Where it ends.
    pub to: NodeRef,
    /// The edge's relation.
    pub relation: String,
    /// `forward` when the edge points from `from` to `to`, else `backward`.
    pub direction: &'static str,
    /// The edge's key among parallel edges.
    pub key: u64,
    /// The edge's date, if any.
    pub date: Option<String>,
    /// The edge's place (node id), if any.
    pub place: Option<String>,
    /// The edge's title (roles), if any.
    pub title: Option<String>,
    /// How many sentences support the edge.
    pub evidence_count: usize,
    /// The first of them.
    pub evidence: Option<EvidenceRef>,
}

/// A path: its steps in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathAnswer {
    /// Number of steps.
    pub hops: usize,
    /// The steps.
    pub steps: Vec<Step>,
}

/// Options for [`Query::paths`].
#[derive(Debug, Clone)]
pub struct PathOptions {
    /// Longest path searched, in hops (at least 1).
    pub max_hops: usize,
    /// Every simple path up to `max_hops` (shortest first), not only the shortest.
    pub all: bool,
    /// At most this many paths.
    pub limit: usize,
    /// Only edges with these relations (empty: all).
    pub relations: BTreeSet<String>,
}

impl PathOptions {
    /// Checks the numbers a user gave.
    ///
    /// # Errors
    /// [`QueryError::Invalid`] for `max_hops` 0 or `limit` 0.
    pub fn validate(&self) -> Result<(), QueryError> {
        if self.max_hops == 0 {
            return Err(QueryError::Invalid(
                "--max-hops must be 1 or more (the number of edges a path may take)".into(),
            ));
        }
        if self.limit == 0 {
            return Err(QueryError::Invalid(
                "--limit must be 1 or more (the number of paths to list)".into(),
            ));
        }
        Ok(())
    }
}

impl Default for PathOptions {
    fn default() -> Self {
        PathOptions {
            max_hops: 6,
            all: false,
            limit: 10,
            relations: BTreeSet::new(),
        }
    }
}

/// Relations shown first, and preferred when a path may take several edges.
fn relation_rank(r: &str) -> u8 {
    match r {
        "MET" => 0,
        "PARTICIPATED_IN" => 1,
        "HOLDS_ROLE" => 2,
        "MEMBER_OF" => 3,
        "AFFILIATED_WITH" => 4,
        "VISITED" => 5,
        "HELD_IN" => 6,
        "LOCATED_IN" => 7,
        _ => 8,
    }
}

/// Role-like relations: a person's titles and affiliations.
pub const ROLE_RELATIONS: [&str; 3] = ["HOLDS_ROLE", "MEMBER_OF", "AFFILIATED_WITH"];

/// Indexed queries over one graph.
pub struct Query<'g> {
    g: &'g KnowledgeGraph,
    names: HashMap<String, Vec<NodeIndex>>,
}

impl<'g> Query<'g> {
    /// Indexes every label and alias of the graph's nodes.
    pub fn new(g: &'g KnowledgeGraph) -> Query<'g> {
        let mut names: HashMap<String, Vec<NodeIndex>> = HashMap::new();
        for i in g.graph.node_indices() {
            let n = &g.graph[i];
            if n.kind() == "Event" {
                continue;
            }
            for name in std::iter::once(n.label()).chain(n.aliases()) {
                let k = lookup_key(name);
                if k.is_empty() {
                    continue;
                }
                let v = names.entry(k).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
        for v in names.values_mut() {
            v.sort_by(|a, b| g.graph[*a].id.cmp(&g.graph[*b].id));
        }
        Query { g, names }
    }

    /// The graph asked.
    pub fn graph(&self) -> &'g KnowledgeGraph {
        self.g
    }

    fn node(&self, i: NodeIndex) -> &'g Node {
        &self.g.graph[i]
    }

    /// Finds the one node a user means by `name`: an id, a label or an
    /// alias in any case with hyphens and spaces ignored, or else the only
    /// node whose name holds those words ("Xi" for Xi Jinping). `types`
    /// limits the candidates (empty: any type but events).
    ///
    /// # Errors
    /// [`QueryError::Ambiguous`] with the candidates, or
    /// [`QueryError::Unknown`] with the nearest names.
    pub fn resolve(&self, name: &str, types: &[&str]) -> Result<NodeIndex, QueryError> {
        let ok = |i: &NodeIndex| {
            let k = self.node(*i).kind();
            if types.is_empty() {
                k != "Event"
            } else {
                types.contains(&k)
            }
        };
        if let Some(&i) = self.g.index.get(name.trim()) {
            if ok(&i) || (types.is_empty() && self.node(i).kind() == "Event") {
                return Ok(i);
            }
        }
        let key = lookup_key(name);
        let exact: Vec<NodeIndex> = self
            .names
            .get(&key)
            .map(|v| v.iter().copied().filter(ok).collect())
            .unwrap_or_default();
        let found = if exact.is_empty() {
            self.by_words(name, &ok)
        } else {
            exact
        };
        match found.len() {
            1 => Ok(found[0]),
            0 => Err(QueryError::Unknown {
                query: name.to_string(),
                what: what(types),
                suggestions: self.nearest(&key, &ok),
            }),
            _ => Err(QueryError::Ambiguous {
                query: name.to_string(),
                candidates: found
                    .iter()
                    .map(|&i| format!("{} ({})", self.node(i).label(), self.node(i).id))
                    .collect(),
            }),
        }
    }

    /// Nodes one of whose names holds the query's words, in order.
    fn by_words(&self, name: &str, ok: &dyn Fn(&NodeIndex) -> bool) -> Vec<NodeIndex> {
        let q = tokens(name);
        if q.is_empty() {
            return Vec::new();
        }
        let mut out: Vec<NodeIndex> = Vec::new();
        for i in self.g.graph.node_indices().filter(|i| ok(i)) {
            let n = self.node(i);
            let hit = std::iter::once(n.label())
                .chain(n.aliases())
                .any(|s| tokens(s).windows(q.len()).any(|w| w == q.as_slice()));
            if hit {
                out.push(i);
            }
        }
        out.sort_by(|a, b| self.node(*a).id.cmp(&self.node(*b).id));
        out
    }

    /// The names nearest to `key`, for "did you mean".
    fn nearest(&self, key: &str, ok: &dyn Fn(&NodeIndex) -> bool) -> Vec<String> {
        let len = key.chars().count();
        if len < 3 {
            return Vec::new();
        }
        let cap = len / 4 + 1;
        let mut best: BTreeMap<(usize, String), ()> = BTreeMap::new();
        for (k, nodes) in &self.names {
            let d = edit_distance(key, k, cap);
            if d > cap {
                continue;
            }
            for i in nodes.iter().filter(|i| ok(i)) {
                best.insert((d, self.node(*i).label().to_string()), ());
            }
        }
        let mut out: Vec<String> = Vec::new();
        for (_, label) in best.into_keys() {
            if !out.contains(&label) {
                out.push(label);
            }
            if out.len() == 3 {
                break;
            }
        }
        out
    }

    fn edges_of(&self, i: NodeIndex) -> impl Iterator<Item = (EdgeIndex, NodeIndex, bool)> + '_ {
        let out = self
            .g
            .graph
            .edges_directed(i, Direction::Outgoing)
            .map(|e| (e.id(), e.target(), true));
        let inc = self
            .g
            .graph
            .edges_directed(i, Direction::Incoming)
            .map(|e| (e.id(), e.source(), false));
        out.chain(inc)
    }

    /// The place and every place or country holding it, innermost first.
    pub fn place_ref(&self, id: &str) -> Option<PlaceRef> {
        let &i = self.g.index.get(id)?;
        let mut within = Vec::new();
        let mut seen = BTreeSet::from([i]);
        let mut cur = i;
        loop {
            let next = self
                .g
                .graph
                .edges_directed(cur, Direction::Outgoing)
                .filter(|e| e.weight().relation() == "LOCATED_IN")
                .map(|e| e.target())
                .min_by(|a, b| self.node(*a).id.cmp(&self.node(*b).id));
            match next {
                Some(n) if seen.insert(n) => {
                    within.push(NodeRef::of(self.node(n)));
                    cur = n;
                }
                _ => break,
            }
        }
        let n = self.node(i);
        Some(PlaceRef {
            id: n.id.clone(),
            label: n.label().to_string(),
            within,
        })
    }

    fn within_place(&self, place: Option<&str>, target: NodeIndex) -> bool {
        let Some(p) = place else { return false };
        let tid = &self.node(target).id;
        p == tid
            || self
                .place_ref(p)
                .is_some_and(|r| r.within.iter().any(|w| &w.id == tid))
    }

    /// Every meeting that passes the filter, by date (undated last), then
    /// place and event id.
    pub fn meetings(&self, f: &MeetingFilter) -> Vec<Meeting> {
        // the MET edges of each occasion
        let mut by_event: BTreeMap<String, Vec<EdgeIndex>> = BTreeMap::new();
        let anchor = f.person.or(f.with);
        match anchor {
            Some(p) => {
                let events: BTreeSet<String> = self
                    .edges_of(p)
                    .filter_map(|(e, _, _)| {
                        let w = &self.g.graph[e];
                        (w.relation() == "MET").then(|| event_key(w))
                    })
                    .collect();
                for ev in events {
                    by_event.insert(ev.clone(), self.event_met_edges(&ev, p));
                }
            }
            None => {
                for e in self.g.graph.edge_indices() {
                    let w = &self.g.graph[e];
                    if w.relation() == "MET" {
                        by_event.entry(event_key(w)).or_default().push(e);
                    }
                }
            }
        }
        let mut out = Vec::new();
        for (ev, edges) in by_event {
            let first = &self.g.graph[edges[0]];
            let date = first.get_str("date").map(str::to_string);
            let pd = date.as_deref().and_then(PartialDate::parse);
            if !f.dates.contains(pd.as_ref()) {
                continue;
            }
            let place = first.get_str("place");
            if let Some(p) = f.place {
                if !self.within_place(place, p) {
                    continue;
                }
            }
            if let (Some(a), Some(b)) = (f.person, f.with) {
                let met = edges.iter().any(|&e| {
                    let (x, y) = self.g.graph.edge_endpoints(e).expect("edge exists");
                    (x == a && y == b) || (x == b && y == a)
                });
                if !met {
                    continue;
                }
            }
            out.push(self.meeting(&ev, &edges, anchor));
        }
        out.sort_by(|a, b| {
            let da = a.date.as_deref().and_then(PartialDate::parse);
            let db = b.date.as_deref().and_then(PartialDate::parse);
            (
                da.is_none(),
                da,
                a.place.as_ref().map(|p| &p.label),
                &a.event,
            )
                .cmp(&(
                    db.is_none(),
                    db,
                    b.place.as_ref().map(|p| &p.label),
                    &b.event,
                ))
        });
        out
    }

    /// The MET edges of one occasion, found from a person who was there.
    fn event_met_edges(&self, ev: &str, person: NodeIndex) -> Vec<EdgeIndex> {
        let mut people = vec![person];
        if let Some(&e) = self.g.index.get(ev) {
            people.extend(
                self.g
                    .graph
                    .edges_directed(e, Direction::Incoming)
                    .filter(|x| x.weight().relation() == "PARTICIPATED_IN")
                    .map(|x| x.source()),
            );
        }
        let mut edges = BTreeSet::new();
        for p in people {
            for (e, _, _) in self.edges_of(p) {
                let w = &self.g.graph[e];
                if w.relation() == "MET" && event_key(w) == ev {
                    edges.insert(e);
                }
            }
        }
        edges.into_iter().collect()
    }

    fn meeting(&self, ev: &str, edges: &[EdgeIndex], anchor: Option<NodeIndex>) -> Meeting {
        let first = &self.g.graph[edges[0]];
        // two sides by colouring the MET pairs, starting from the person asked
        // about, or else from a person the rules put on side 1
        let mut adj: BTreeMap<NodeIndex, Vec<NodeIndex>> = BTreeMap::new();
        for &e in edges {
            let (a, b) = self.g.graph.edge_endpoints(e).expect("edge exists");
            adj.entry(a).or_default().push(b);
            adj.entry(b).or_default().push(a);
        }
        let side_attr = |p: NodeIndex| -> Option<u64> {
            let &evn = self.g.index.get(ev)?;
            self.g
                .graph
                .edges_connecting(p, evn)
                .find(|x| x.weight().relation() == "PARTICIPATED_IN")
                .and_then(|x| x.weight().attrs.get("side").and_then(Value::as_u64))
        };
        let mut order: Vec<NodeIndex> = adj.keys().copied().collect();
        order.sort_by(|a, b| {
            let ka = (
                Some(*a) != anchor,
                side_attr(*a) != Some(1),
                &self.node(*a).id,
            );
            let kb = (
                Some(*b) != anchor,
                side_attr(*b) != Some(1),
                &self.node(*b).id,
            );
            ka.cmp(&kb)
        });
        let mut colour: BTreeMap<NodeIndex, usize> = BTreeMap::new();
        for start in order {
            if colour.contains_key(&start) {
                continue;
            }
            colour.insert(start, 0);
            let mut queue = VecDeque::from([start]);
            while let Some(x) = queue.pop_front() {
                let c = colour[&x];
                for &y in &adj[&x] {
                    if let std::collections::btree_map::Entry::Vacant(v) = colour.entry(y) {
                        v.insert(1 - c);
                        queue.push_back(y);
                    }
                }
            }
        }
        let mut sides: [Vec<NodeRef>; 2] = [Vec::new(), Vec::new()];
        for (p, c) in colour {
            sides[c].push(NodeRef::of(self.node(p)));
        }
        // the person asked about first, then by name
        for s in &mut sides {
            s.sort_by(|a, b| {
                let ka = (anchor.map(|i| &self.node(i).id) != Some(&a.id), &a.label);
                let kb = (anchor.map(|i| &self.node(i).id) != Some(&b.id), &b.label);
                ka.cmp(&kb)
            });
        }
        let mut evidence: BTreeSet<EvidenceRef> = BTreeSet::new();
        for &e in edges {
            evidence.extend(evidence_of(&self.g.graph[e]));
        }
        let documents: Vec<String> = match self.g.node(ev) {
            Some(n) => n
                .attrs
                .get("documents")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            None => evidence
                .iter()
                .map(|e| e.doc.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        };
        Meeting {
            event: ev.to_string(),
            date: first.get_str("date").map(str::to_string),
            place: first.get_str("place").and_then(|p| self.place_ref(p)),
            sides,
            documents,
            evidence: evidence.into_iter().collect(),
        }
    }

    fn usable(&self, e: EdgeIndex, relations: &BTreeSet<String>) -> bool {
        relations.is_empty() || relations.contains(self.g.graph[e].relation())
    }

    /// The preferred edge between neighbours: by relation, then key.
    fn edge_order(&self, e: EdgeIndex) -> (u8, &str, u64) {
        let w = &self.g.graph[e];
        (relation_rank(w.relation()), w.relation(), w.key)
    }

    /// The best edge from `x` to a neighbour `y` with `pick(y)`, chosen the
    /// same way on every graph holding the same nodes and edges.
    fn best_step(
        &self,
        x: NodeIndex,
        relations: &BTreeSet<String>,
        pick: impl Fn(NodeIndex) -> bool,
    ) -> Option<(EdgeIndex, NodeIndex, bool)> {
        self.edges_of(x)
            .filter(|&(e, y, _)| y != x && self.usable(e, relations) && pick(y))
            .min_by(|a, b| {
                (self.edge_order(a.0), &self.node(a.1).id, !a.2).cmp(&(
                    self.edge_order(b.0),
                    &self.node(b.1).id,
                    !b.2,
                ))
            })
    }

    /// The shortest path from `from` to `to` (bidirectional breadth-first
    /// search), or with `all` every simple path up to `max_hops`, shortest
    /// first, at most `limit`.
    ///
    /// # Errors
    /// [`QueryError::Invalid`] for `max_hops` 0 or `limit` 0.
    pub fn paths(
        &self,
        from: NodeIndex,
        to: NodeIndex,
        opt: &PathOptions,
    ) -> Result<Vec<PathAnswer>, QueryError> {
        opt.validate()?;
        if from == to {
            return Err(QueryError::Invalid(format!(
                "'{}' is both ends of the path; give two different entities",
                self.node(from).label()
            )));
        }
        let nodes = if opt.all {
            self.all_paths(from, to, opt)
        } else {
            self.shortest(from, to, opt).into_iter().collect()
        };
        Ok(nodes.into_iter().map(|p| self.answer(&p, opt)).collect())
    }

    fn shortest(
        &self,
        from: NodeIndex,
        to: NodeIndex,
        opt: &PathOptions,
    ) -> Option<Vec<NodeIndex>> {
        let n = self.g.graph.node_bound();
        let mut dist = [vec![u32::MAX; n], vec![u32::MAX; n]];
        dist[0][from.index()] = 0;
        dist[1][to.index()] = 0;
        let mut frontier = [vec![from], vec![to]];
        let mut depth = [0u32, 0u32];
        let mut meet: Vec<NodeIndex> = Vec::new();
        while meet.is_empty() && (depth[0] + depth[1]) < opt.max_hops as u32 {
            // expand the smaller frontier by one whole level
            let s = usize::from(frontier[1].len() < frontier[0].len());
            if frontier[s].is_empty() {
                return None;
            }
            let mut next = Vec::new();
            for &x in &frontier[s] {
                for (e, y, _) in self.edges_of(x) {
                    if dist[s][y.index()] != u32::MAX || !self.usable(e, &opt.relations) {
                        continue;
                    }
                    dist[s][y.index()] = depth[s] + 1;
                    next.push(y);
                    if dist[1 - s][y.index()] != u32::MAX {
                        meet.push(y);
                    }
                }
            }
            depth[s] += 1;
            frontier[s] = next;
        }
        let total = |m: &NodeIndex| dist[0][m.index()] + dist[1][m.index()];
        let m = *meet
            .iter()
            .min_by(|a, b| (total(a), &self.node(**a).id).cmp(&(total(b), &self.node(**b).id)))?;
        // walk back to each end along the distances
        let mut left = vec![m];
        let mut cur = m;
        while cur != from {
            let d = dist[0][cur.index()];
            let (_, y, _) = self.best_step(cur, &opt.relations, |y| dist[0][y.index()] == d - 1)?;
            left.push(y);
            cur = y;
        }
        left.reverse();
        let mut cur = m;
        while cur != to {
            let d = dist[1][cur.index()];
            let (_, y, _) = self.best_step(cur, &opt.relations, |y| dist[1][y.index()] == d - 1)?;
            left.push(y);
            cur = y;
        }
        Some(left)
    }

    fn all_paths(&self, from: NodeIndex, to: NodeIndex, opt: &PathOptions) -> Vec<Vec<NodeIndex>> {
        // distances to `to`, for pruning
        let n = self.g.graph.node_bound();
        let mut dist = vec![u32::MAX; n];
        dist[to.index()] = 0;
        let mut queue = VecDeque::from([to]);
        while let Some(x) = queue.pop_front() {
            let d = dist[x.index()];
            if d as usize >= opt.max_hops {
                continue;
            }
            for (e, y, _) in self.edges_of(x) {
                if dist[y.index()] == u32::MAX && self.usable(e, &opt.relations) {
                    dist[y.index()] = d + 1;
                    queue.push_back(y);
                }
            }
        }
        let mut out = Vec::new();
        if dist[from.index()] == u32::MAX {
            return out;
        }
        // neighbours in a fixed order, one per node
        let neighbours = |x: NodeIndex| -> Vec<NodeIndex> {
            let mut v: Vec<NodeIndex> = self
                .edges_of(x)
                .filter(|&(e, y, _)| y != x && self.usable(e, &opt.relations))
                .map(|(_, y, _)| y)
                .filter(|y| dist[y.index()] != u32::MAX)
                .collect();
            v.sort_by(|a, b| self.node(*a).id.cmp(&self.node(*b).id));
            v.dedup();
            v
        };
        for len in dist[from.index()] as usize..=opt.max_hops {
            let mut path = vec![from];
            let mut stack: Vec<(Vec<NodeIndex>, usize)> = vec![(neighbours(from), 0)];
            while let Some((cands, pos)) = stack.last_mut() {
                if out.len() >= opt.limit {
                    return out;
                }
                let Some(&y) = cands.get(*pos) else {
                    stack.pop();
                    path.pop();
                    continue;
                };
                *pos += 1;
                let used = path.len(); // hops after taking y
                if path.contains(&y) || used + dist[y.index()] as usize > len {
                    continue;
                }
                if y == to {
                    if used == len {
                        let mut p = path.clone();
                        p.push(y);
                        out.push(p);
                    }
                    continue;
                }
                path.push(y);
                stack.push((neighbours(y), 0));
            }
        }
        out
    }

    fn answer(&self, nodes: &[NodeIndex], opt: &PathOptions) -> PathAnswer {
        let steps = nodes
            .windows(2)
            .map(|w| {
                let (e, _, forward) = self
                    .best_step(w[0], &opt.relations, |y| y == w[1])
                    .expect("consecutive path nodes are joined");
                let edge = &self.g.graph[e];
                let ev = evidence_of(edge);
                Step {
                    from: NodeRef::of(self.node(w[0])),
                    to: NodeRef::of(self.node(w[1])),
                    relation: edge.relation().to_string(),
                    direction: if forward { "forward" } else { "backward" },
                    key: edge.key,
                    date: edge.get_str("date").map(str::to_string),
                    place: edge.get_str("place").map(str::to_string),
                    title: edge.get_str("title").map(str::to_string),
                    evidence_count: edge.evidence_count(),
                    evidence: ev.into_iter().min(),
                }
            })
            .collect::<Vec<_>>();
        PathAnswer {
            hops: steps.len(),
            steps,
        }
    }

    /// Everything known about one node.
    pub fn profile(&self, i: NodeIndex) -> Profile {
        let n = self.node(i);
        let mut roles = Vec::new();
        let mut members = Vec::new();
        let mut contains = Vec::new();
        let mut relations = Vec::new();
        let mut participants = Vec::new();
        let mut edges: Vec<(EdgeIndex, NodeIndex, bool)> = self.edges_of(i).collect();
        edges.sort_by(|a, b| {
            let (ea, eb) = (&self.g.graph[a.0], &self.g.graph[b.0]);
            (
                relation_rank(ea.relation()),
                ea.relation(),
                &self.node(a.1).id,
                !a.2,
                ea.key,
            )
                .cmp(&(
                    relation_rank(eb.relation()),
                    eb.relation(),
                    &self.node(b.1).id,
                    !b.2,
                    eb.key,
                ))
        });
        for (e, other, forward) in edges {
            let w = &self.g.graph[e];
            let rel = w.relation();
            if rel == "MET" {
                continue;
            }
            let link = Link {
                relation: rel.to_string(),
                direction: if forward { "forward" } else { "backward" },
                other: NodeRef::of(self.node(other)),
                title: w.get_str("title").map(str::to_string),
                date: w.get_str("date").map(str::to_string),
                evidence_count: w.evidence_count(),
            };
            if ROLE_RELATIONS.contains(&rel) {
                if forward {
                    roles.push(link);
                } else {
                    members.push(link);
                }
            } else if rel == "LOCATED_IN" && !forward {
                contains.push(link);
            } else if rel == "PARTICIPATED_IN" && !forward {
                participants.push(link);
            } else if rel == "PARTICIPATED_IN" && n.kind() == "Person" {
                // shown as meetings
                continue;
            } else {
                relations.push(link);
            }
        }
        let meetings = if n.kind() == "Person" {
            self.meetings(&MeetingFilter {
                person: Some(i),
                ..MeetingFilter::default()
            })
        } else {
            Vec::new()
        };
        let doc_meta: BTreeMap<&str, &Value> = self
            .g
            .meta
            .get("documents")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|d| Some((d.get("id")?.as_str()?, d)))
                    .collect()
            })
            .unwrap_or_default();
        let documents = n
            .attrs
            .get("documents")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|id| {
                        let m = doc_meta.get(id);
                        let field = |k: &str| {
                            m.and_then(|d| d.get(k))
                                .and_then(Value::as_str)
                                .map(str::to_string)
                        };
                        DocRef {
                            id: id.to_string(),
                            date: field("date"),
                            title: field("title"),
                            path: field("path"),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut attributes = n.attrs.clone();
        for k in ["type", "label", "aliases", "documents", "mentions"] {
            attributes.remove(k);
        }
        Profile {
            id: n.id.clone(),
            kind: n.kind().to_string(),
            label: n.label().to_string(),
            aliases: n.aliases().into_iter().map(String::from).collect(),
            mentions: n.attrs.get("mentions").and_then(Value::as_u64).unwrap_or(0),
            attributes,
            roles,
            members,
            meetings,
            participants,
            contains,
            relations,
            documents,
        }
    }

    /// The ego network: every node within `depth` hops of `center` (edges
    /// taken either way) and every edge among them, as a graph of its own.
    pub fn neighbourhood(&self, center: NodeIndex, depth: usize) -> (KnowledgeGraph, Vec<Ring>) {
        let mut dist: HashMap<NodeIndex, (usize, Option<EdgeIndex>)> =
            HashMap::from([(center, (0, None))]);
        let mut queue = VecDeque::from([center]);
        while let Some(x) = queue.pop_front() {
            let d = dist[&x].0;
            if d >= depth {
                continue;
            }
            let mut next: Vec<(EdgeIndex, NodeIndex, bool)> = self.edges_of(x).collect();
            next.sort_by(|a, b| {
                (&self.node(a.1).id, self.edge_order(a.0))
                    .cmp(&(&self.node(b.1).id, self.edge_order(b.0)))
            });
            for (e, y, _) in next {
                if let std::collections::hash_map::Entry::Vacant(v) = dist.entry(y) {
                    v.insert((d + 1, Some(e)));
                    queue.push_back(y);
                }
            }
        }
        let mut sub = KnowledgeGraph {
            meta: self.g.meta.clone(),
            ..KnowledgeGraph::default()
        };
        let mut members: Vec<NodeIndex> = dist.keys().copied().collect();
        members.sort_by(|a, b| self.node(*a).id.cmp(&self.node(*b).id));
        for &m in &members {
            sub.add_node(self.node(m).clone());
        }
        let mut edges: Vec<&Edge> = Vec::new();
        for &m in &members {
            for e in self.g.graph.edges_directed(m, Direction::Outgoing) {
                if dist.contains_key(&e.target()) {
                    edges.push(e.weight());
                }
            }
        }
        edges.sort_by(|a, b| {
            (&a.source, &a.target, a.relation(), a.key).cmp(&(
                &b.source,
                &b.target,
                b.relation(),
                b.key,
            ))
        });
        for e in edges {
            sub.add_edge(e.clone());
        }
        let mut rings: Vec<Ring> = members
            .iter()
            .map(|&m| {
                let (d, via) = dist[&m];
                Ring {
                    node: NodeRef::of(self.node(m)),
                    distance: d,
                    via: via.map(|e| {
                        let w = &self.g.graph[e];
                        let (a, b) = self.g.graph.edge_endpoints(e).expect("edge exists");
                        let parent = if a == m { b } else { a };
                        Via {
                            relation: w.relation().to_string(),
                            direction: if a == parent { "forward" } else { "backward" },
                            from: NodeRef::of(self.node(parent)),
                            title: w.get_str("title").map(str::to_string),
                            date: w.get_str("date").map(str::to_string),
                        }
                    }),
                }
            })
            .collect();
        rings.sort_by(|a, b| {
            (a.distance, &a.node.kind, &a.node.label, &a.node.id).cmp(&(
                b.distance,
                &b.node.kind,
                &b.node.label,
                &b.node.id,
            ))
        });
        (sub, rings)
    }
}

fn what(types: &[&str]) -> String {
    match types {
        ["Person"] => "person".into(),
        ["Place", "Country"] | ["Country", "Place"] => "place".into(),
        [] => "entity".into(),
        t => t.join(" or ").to_lowercase(),
    }
}

fn event_key(e: &Edge) -> String {
    match e.get_str("event") {
        Some(ev) => ev.to_string(),
        None => format!(
            "meeting:{}:{}",
            e.get_str("date").unwrap_or("undated"),
            e.get_str("place").unwrap_or("")
        ),
    }
}

/// An edge seen from one end, for [`Profile`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// Relation.
    pub relation: String,
    /// `forward` when the edge leaves the profiled node.
    pub direction: &'static str,
    /// The node at the other end.
    pub other: NodeRef,
    /// Title, for roles.
    pub title: Option<String>,
    /// Date, when the edge has one.
    pub date: Option<String>,
    /// Supporting sentences.
    pub evidence_count: usize,
}

/// A document, as profiles list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocRef {
    /// Document id.
    pub id: String,
    /// Its date, when known.
    pub date: Option<String>,
    /// Its title, when known.
    pub title: Option<String>,
    /// Where it was read from.
    pub path: Option<String>,
}

/// Everything the graph holds about one node (`cnkg show`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// Node id.
    pub id: String,
    /// Type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Canonical name.
    pub label: String,
    /// Other names.
    pub aliases: Vec<String>,
    /// Mentions across the corpus.
    pub mentions: u64,
    /// The node's other attributes (`source`, `kind`, `date`, `place`, ...).
    pub attributes: Map<String, Value>,
    /// Titles held and affiliations (edges leaving the node).
    pub roles: Vec<Link>,
    /// People holding titles in it or affiliated with it (edges arriving).
    pub members: Vec<Link>,
    /// Meetings (people only).
    pub meetings: Vec<Meeting>,
    /// Who took part (events only).
    pub participants: Vec<Link>,
    /// Places inside it.
    pub contains: Vec<Link>,
    /// Every other relation.
    pub relations: Vec<Link>,
    /// Documents that mention it.
    pub documents: Vec<DocRef>,
}

/// How a node in an ego network was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Via {
    /// The relation of the edge that reached it.
    pub relation: String,
    /// `forward` when the edge points from `from` to this node.
    pub direction: &'static str,
    /// The node it was reached from.
    pub from: NodeRef,
    /// The edge's title, if any.
    pub title: Option<String>,
    /// The edge's date, if any.
    pub date: Option<String>,
}

/// A node of an ego network and its distance from the centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ring {
    /// The node.
    pub node: NodeRef,
    /// Hops from the centre.
    pub distance: usize,
    /// The edge that first reached it (none for the centre).
    pub via: Option<Via>,
}

/// Turns any serialisable answer into pretty JSON with a trailing newline.
pub fn to_json<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("answers always serialise");
    s.push('\n');
    s
}

/// `{"query": ..., key: value}` for the JSON outputs.
pub fn envelope(query: Value, key: &str, value: Value) -> Value {
    let mut m = Map::new();
    m.insert("query".into(), query);
    m.insert(key.into(), value);
    json!(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, kind: &str, label: &str, aliases: &[&str]) -> Node {
        let attrs = json!({"type": kind, "label": label, "aliases": aliases});
        Node {
            id: id.into(),
            attrs: attrs.as_object().expect("object").clone(),
        }
    }

    fn edge(s: &str, t: &str, rel: &str, key: u64) -> Edge {
        let attrs = json!({"relation": rel, "evidence": []});
        Edge {
            source: s.into(),
            target: t.into(),
            key,
            attrs: attrs.as_object().expect("object").clone(),
        }
    }

    /// A random graph from a fixed seed: `n` people, `m` edges.
    fn random(n: usize, m: usize, seed: u64, reverse: bool) -> KnowledgeGraph {
        let mut x = seed;
        let mut next = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as usize
        };
        let mut nodes: Vec<Node> = (0..n)
            .map(|i| node(&format!("person:p{i}"), "Person", &format!("P {i}"), &[]))
            .collect();
        let mut edges: Vec<Edge> = (0..m)
            .map(|k| {
                let rel = ["MET", "HOLDS_ROLE", "VISITED"][next() % 3];
                edge(
                    &format!("person:p{}", next() % n),
                    &format!("person:p{}", next() % n),
                    rel,
                    k as u64,
                )
            })
            .collect();
        if reverse {
            nodes.reverse();
            edges.reverse();
        }
        let mut g = KnowledgeGraph::default();
        for v in nodes {
            g.add_node(v);
        }
        for e in edges {
            g.add_edge(e);
        }
        g
    }

    fn bfs_hops(g: &KnowledgeGraph, a: NodeIndex, b: NodeIndex) -> Option<usize> {
        let mut dist = HashMap::from([(a, 0usize)]);
        let mut q = VecDeque::from([a]);
        while let Some(x) = q.pop_front() {
            if x == b {
                return Some(dist[&x]);
            }
            for y in g.graph.neighbors_undirected(x) {
                if !dist.contains_key(&y) {
                    dist.insert(y, dist[&x] + 1);
                    q.push_back(y);
                }
            }
        }
        None
    }

    #[test]
    fn bidirectional_search_finds_shortest_paths() {
        for seed in 1..6 {
            let g = random(300, 420, seed, false);
            let q = Query::new(&g);
            let opt = PathOptions {
                max_hops: 50,
                ..PathOptions::default()
            };
            for k in 0..40 {
                let a = g.index[&format!("person:p{}", (k * 7) % 300)];
                let b = g.index[&format!("person:p{}", (k * 13 + 5) % 300)];
                if a == b {
                    continue;
                }
                let got = q.paths(a, b, &opt).unwrap();
                assert_eq!(
                    got.first().map(|p| p.hops),
                    bfs_hops(&g, a, b),
                    "seed {seed} pair {k}"
                );
            }
        }
    }

    #[test]
    fn answers_do_not_depend_on_insertion_order() {
        let g1 = random(200, 500, 9, false);
        let g2 = random(200, 500, 9, true);
        let (q1, q2) = (Query::new(&g1), Query::new(&g2));
        let all = PathOptions {
            all: true,
            max_hops: 4,
            limit: 20,
            ..PathOptions::default()
        };
        for k in 0..20 {
            let (a, b) = (format!("person:p{k}"), format!("person:p{}", 199 - k));
            for opt in [&PathOptions::default(), &all] {
                let p1 = q1.paths(g1.index[&a], g1.index[&b], opt).unwrap();
                let p2 = q2.paths(g2.index[&a], g2.index[&b], opt).unwrap();
                assert_eq!(p1, p2, "{a} {b}");
            }
            let n1 = q1.neighbourhood(g1.index[&a], 2);
            let n2 = q2.neighbourhood(g2.index[&a], 2);
            assert_eq!(n1.1, n2.1);
            assert_eq!(n1.0.nodes_sorted(), n2.0.nodes_sorted());
            assert_eq!(n1.0.edges_sorted(), n2.0.edges_sorted());
        }
    }

    #[test]
    fn all_paths_are_simple_distinct_and_sorted() {
        let g = random(60, 150, 3, false);
        let q = Query::new(&g);
        let opt = PathOptions {
            all: true,
            max_hops: 5,
            limit: 50,
            ..PathOptions::default()
        };
        let ps = q
            .paths(g.index["person:p1"], g.index["person:p2"], &opt)
            .unwrap();
        assert!(!ps.is_empty());
        let mut seen = BTreeSet::new();
        for w in ps.windows(2) {
            assert!(w[0].hops <= w[1].hops);
        }
        for p in &ps {
            let nodes: Vec<&str> = std::iter::once(p.steps[0].from.id.as_str())
                .chain(p.steps.iter().map(|s| s.to.id.as_str()))
                .collect();
            let distinct: BTreeSet<&&str> = nodes.iter().collect();
            assert_eq!(distinct.len(), nodes.len(), "not simple: {nodes:?}");
            assert!(seen.insert(nodes.clone()), "twice: {nodes:?}");
            assert!(p.hops <= 5);
        }
    }

    #[test]
    fn lookup_forgives_case_hyphens_and_spaces_but_not_ambiguity() {
        let mut g = KnowledgeGraph::default();
        g.add_node(node(
            "person:kim-jong-un",
            "Person",
            "Kim Jong Un",
            &["Kim Jong-un"],
        ));
        g.add_node(node("person:kim-yo-jong", "Person", "Kim Yo Jong", &[]));
        g.add_node(node("country:china", "Country", "China", &["PRC"]));
        let q = Query::new(&g);
        for name in [
            "kim jong-un",
            "KIM JONG UN",
            "Kim-Jong-Un",
            " kim  jong un ",
        ] {
            assert_eq!(
                g.graph[q.resolve(name, &["Person"]).unwrap()].id,
                "person:kim-jong-un"
            );
        }
        assert_eq!(g.graph[q.resolve("prc", &[]).unwrap()].id, "country:china");
        assert_eq!(
            g.graph[q.resolve("Yo Jong", &[]).unwrap()].id,
            "person:kim-yo-jong"
        );
        assert!(matches!(
            q.resolve("Kim", &["Person"]),
            Err(QueryError::Ambiguous { candidates, .. }) if candidates.len() == 2
        ));
        // a country is not a person
        assert!(matches!(
            q.resolve("China", &["Person"]),
            Err(QueryError::Unknown { .. })
        ));
        assert_eq!(
            q.resolve("Kim Jong Um", &["Person"])
                .unwrap_err()
                .to_string(),
            "no person named 'Kim Jong Um' in the graph; did you mean Kim Jong Un?"
        );
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting", 5), 3);
        assert_eq!(edit_distance("abc", "abc", 1), 0);
        assert_eq!(edit_distance("abcdef", "x", 2), 3);
    }
}
