//! What each document gave, written beside the graph so that graphs built
//! from disjoint shards of a corpus merge into exactly the graph one build
//! over all of them gives.
//!
//! A graph does not hold enough to be merged with another: whether two
//! reports are one meeting depends on the order in which the build met
//! them, document by document. So `cnkg build --facts` adds a `facts` list
//! to the graph JSON, one record per document in build order (its id,
//! path, title, date, entities, events and edges, each edge with its
//! evidence), and `cnkg merge` replays the records of every part, in the
//! order the parts are given, through the same merge as a build.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::dates::PartialDate;
use crate::error::{Error, Result};
use crate::extract::{DocEntity, DocFacts, DocMeta, EdgeFact, EventFact, Evidence};
use crate::rules::EntityType;

/// One document's facts, as written in a graph JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocRecord {
    /// Document id.
    pub id: String,
    /// Its path.
    pub path: String,
    /// Title, where found.
    pub title: Option<String>,
    /// Publication date, where found.
    pub date: Option<String>,
    /// Its entities; events and edges refer to them by position.
    pub entities: Vec<EntityRecord>,
    /// Its meetings.
    pub events: Vec<EventRecord>,
    /// Its other edges.
    pub edges: Vec<EdgeRecord>,
}

/// An entity as one document knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityRecord {
    /// `Person`, `Organization`, `Country` or `Place`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Label.
    pub label: String,
    /// Position of the known entity in the rules' gazetteer.
    pub known: Option<usize>,
    /// Spellings seen.
    pub spellings: Vec<String>,
    /// Mentions.
    pub mentions: usize,
}

/// A sentence supporting a fact (the document is the record's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceRecord {
    /// The sentence as written.
    pub sentence: String,
    /// Its byte offsets in the document.
    pub start: usize,
    /// End offset.
    pub end: usize,
    /// The rule that fired.
    pub rule: String,
}

/// A meeting as one document reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// `meeting`.
    pub kind: String,
    /// Principals of each side.
    pub sides: [Vec<usize>; 2],
    /// Attendees of each side.
    pub attendees: [Vec<usize>; 2],
    /// Date.
    pub date: Option<String>,
    /// Place.
    pub place: Option<usize>,
    /// Each sentence and the pairs it supports.
    pub support: Vec<(EvidenceRecord, Vec<(usize, usize)>)>,
    /// Organisations that reported it.
    pub reporters: Vec<usize>,
}

/// Any other edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeRecord {
    /// Source entity.
    pub source: usize,
    /// Target entity.
    pub target: usize,
    /// Relation.
    pub relation: String,
    /// Title.
    pub title: Option<String>,
    /// Date.
    pub date: Option<String>,
    /// The sentence.
    pub evidence: EvidenceRecord,
}

fn ev_record(e: &Evidence) -> EvidenceRecord {
    EvidenceRecord {
        sentence: e.sentence.clone(),
        start: e.start,
        end: e.end,
        rule: e.rule.clone(),
    }
}

fn date_string(d: Option<PartialDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

impl DocRecord {
    /// The record of a document's facts.
    pub fn of(f: &DocFacts) -> DocRecord {
        DocRecord {
            id: f.meta.id.clone(),
            path: f.meta.path.clone(),
            title: f.meta.title.clone(),
            date: date_string(f.meta.date),
            entities: f
                .entities
                .iter()
                .map(|e| EntityRecord {
                    kind: e.kind.as_str().to_string(),
                    label: e.label.clone(),
                    known: e.known,
                    spellings: e.spellings.iter().cloned().collect(),
                    mentions: e.mentions,
                })
                .collect(),
            events: f
                .events
                .iter()
                .map(|e| EventRecord {
                    kind: e.kind.clone(),
                    sides: e.sides.clone().map(|s| s.into_iter().collect()),
                    attendees: e.attendees.clone().map(|s| s.into_iter().collect()),
                    date: date_string(e.date),
                    place: e.place,
                    support: e
                        .support
                        .iter()
                        .map(|(ev, pairs)| (ev_record(ev), pairs.clone()))
                        .collect(),
                    reporters: e.reporters.iter().copied().collect(),
                })
                .collect(),
            edges: f
                .edges
                .iter()
                .map(|e| EdgeRecord {
                    source: e.source,
                    target: e.target,
                    relation: e.relation.clone(),
                    title: e.title.clone(),
                    date: date_string(e.date),
                    evidence: ev_record(&e.evidence),
                })
                .collect(),
        }
    }

    /// The facts again, checked against `known` entities of the rules.
    ///
    /// # Errors
    /// A message naming what does not fit: an unknown type, a bad date, a
    /// reference past the entities.
    pub fn into_facts(self, known: usize) -> std::result::Result<DocFacts, String> {
        let id = self.id;
        let n = self.entities.len();
        let bad = |what: String| format!("document {id}: {what}");
        let date = |d: Option<String>| -> std::result::Result<Option<PartialDate>, String> {
            d.map(|s| PartialDate::parse(&s).ok_or_else(|| bad(format!("bad date '{s}'"))))
                .transpose()
        };
        let ent = |i: usize| -> std::result::Result<usize, String> {
            if i < n {
                Ok(i)
            } else {
                Err(bad(format!("entity {i} of {n}")))
            }
        };
        let ev = |e: EvidenceRecord| Evidence {
            doc: id.clone(),
            sentence: e.sentence,
            start: e.start,
            end: e.end,
            rule: e.rule,
        };
        let set = |v: Vec<usize>| -> std::result::Result<BTreeSet<usize>, String> {
            v.into_iter().map(ent).collect()
        };
        let mut entities = Vec::with_capacity(n);
        for e in self.entities {
            let kind =
                EntityType::parse(&e.kind).ok_or_else(|| bad(format!("type '{}'", e.kind)))?;
            if e.known.is_some_and(|k| k >= known) {
                return Err(bad(format!(
                    "known entity {} of {known}: built with other rules",
                    e.known.unwrap_or(0)
                )));
            }
            entities.push(DocEntity {
                kind,
                label: e.label,
                known: e.known,
                spellings: e.spellings.into_iter().collect(),
                mentions: e.mentions,
                country: None,
            });
        }
        let mut events = Vec::new();
        for e in self.events {
            let [s0, s1] = e.sides;
            let [a0, a1] = e.attendees;
            let mut support = Vec::new();
            for (x, pairs) in e.support {
                let pairs = pairs
                    .into_iter()
                    .map(|(a, b)| Ok((ent(a)?, ent(b)?)))
                    .collect::<std::result::Result<Vec<_>, String>>()?;
                support.push((ev(x), pairs));
            }
            events.push(EventFact {
                kind: e.kind,
                sides: [set(s0)?, set(s1)?],
                attendees: [set(a0)?, set(a1)?],
                date: date(e.date)?,
                place: e.place.map(ent).transpose()?,
                support,
                reporters: set(e.reporters)?,
            });
        }
        let mut edges = Vec::new();
        for e in self.edges {
            edges.push(EdgeFact {
                source: ent(e.source)?,
                target: ent(e.target)?,
                relation: e.relation,
                title: e.title,
                date: date(e.date)?,
                evidence: ev(e.evidence),
            });
        }
        Ok(DocFacts {
            meta: DocMeta {
                id: id.clone(),
                path: self.path,
                title: self.title,
                date: date(self.date)?,
            },
            entities,
            events,
            edges,
            trace: Vec::new(),
        })
    }
}

/// A graph JSON read for merging: its metadata and its facts.
#[derive(Debug, Deserialize)]
pub struct Part {
    /// `graph`: generator, documents, rules.
    pub graph: Map<String, Value>,
    /// `facts`, when it was built with them.
    #[serde(default)]
    pub facts: Option<Vec<DocRecord>>,
}

/// Reads a graph JSON written with `--facts` (its nodes and edges are skipped).
///
/// # Errors
/// [`Error::MissingInput`], [`Error::Read`], or [`Error::BadGraph`] when it
/// is not a cnkg graph or has no facts.
pub fn read_part(path: &Path) -> Result<Part> {
    let bad = |message: String| Error::BadGraph {
        path: path.to_path_buf(),
        message,
    };
    let text = crate::export::json::read_text(path)?;
    let part: Part = serde_json::from_str(&text).map_err(|e| {
        bad(format!(
            "invalid JSON at line {} column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let generator = part
        .graph
        .get("generator")
        .and_then(|g| g.get("name"))
        .and_then(Value::as_str);
    if generator != Some("cnkg") {
        return Err(bad(
            "graph.generator.name is not \"cnkg\"; build one with `cnkg build --facts -o part.json`"
                .into(),
        ));
    }
    if part.facts.is_none() {
        return Err(bad(
            "no \"facts\": it was built without --facts; build it again with `cnkg build --facts`, which a merge needs"
                .into(),
        ));
    }
    Ok(part)
}

/// The hash of the rules a part was built with.
pub fn rules_hash(part: &Part) -> Option<&str> {
    part.graph
        .get("rules")
        .and_then(|r| r.get("hash"))
        .and_then(Value::as_str)
}
