//! Cutting a graph down to what a diagram or a table should show:
//! `--types`, `--relations`, `--since` and `--until`.
//!
//! The rules, in order:
//! 1. `--types` keeps the nodes of those types (`Person`, `Organization`,
//!    `Country`, `Place`, `Event`, matched without regard to case).
//! 2. `--relations` keeps the edges of those relations (`MET`, `HOLDS_ROLE`,
//!    ..., matched without regard to case; `-` stands for `_`).
//! 3. `--since`/`--until` keep the Event nodes and the dated edges (those
//!    with a `date` field: `MET`, `VISITED`) inside the window, compared at
//!    the precision both dates know; undated events and edges fall outside a
//!    window. Undated facts such as roles are not touched by the window.
//! 4. An edge whose endpoint is gone goes too.
//! 5. With `--relations`, `--since` or `--until`, a node left without any
//!    edge goes too: `--relations MET` shows the people who met, not every
//!    organisation. `--types` alone keeps every node of those types.
//!
//! The filtered graph's metadata records the filter in `graph.filter`, with
//! the labels of dropped nodes that kept items still name (a meeting's
//! `place`) in `graph.filter.referenced`, so exporters can still print
//! "met 2019-06, Pyongyang".

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::dates::{DateRange, PartialDate};
use crate::graph::{KnowledgeGraph, Node};

/// The node types every graph may have.
pub const TYPES: &[&str] = &["Country", "Event", "Organization", "Person", "Place"];

/// The relations cnkg's own rules and merge make; a graph may add others.
pub const RELATIONS: &[&str] = &[
    "AFFILIATED_WITH",
    "HELD_IN",
    "HOLDS_ROLE",
    "LOCATED_IN",
    "MEMBER_OF",
    "MET",
    "PARTICIPATED_IN",
    "PART_OF",
    "REPORTED",
    "VISITED",
];

/// A checked filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Node types to keep (`None`: all).
    pub types: Option<BTreeSet<String>>,
    /// Relations to keep (`None`: all).
    pub relations: Option<BTreeSet<String>>,
    /// The date window for events and dated edges.
    pub window: DateRange,
}

fn canon_relation(s: &str) -> String {
    s.trim().to_ascii_uppercase().replace(['-', ' '], "_")
}

/// Resolves flag values against the valid names, without regard to case.
fn resolve(
    values: &[String],
    valid: &BTreeSet<String>,
    what: &str,
    flag: &str,
    canon: impl Fn(&str) -> String,
) -> Result<Option<BTreeSet<String>>, String> {
    let values: Vec<&str> = values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        return Ok(None);
    }
    let mut out = BTreeSet::new();
    for v in values {
        let c = canon(v);
        match valid.iter().find(|k| canon(k) == c) {
            Some(k) => {
                out.insert(k.clone());
            }
            None => {
                let list: Vec<&str> = valid.iter().map(String::as_str).collect();
                return Err(format!(
                    "unknown {what} '{v}' in {flag}; valid {what}s: {}",
                    list.join(", ")
                ));
            }
        }
    }
    Ok(Some(out))
}

impl Filter {
    /// Checks the flag values against graph `g`: types against [`TYPES`]
    /// and the types `g` has, relations against [`RELATIONS`] and the
    /// relations `g` has. Values may be comma-separated.
    ///
    /// # Errors
    /// A one-line message naming the bad value and listing the valid ones,
    /// or naming a bad date.
    pub fn new(
        g: &KnowledgeGraph,
        types: &[String],
        relations: &[String],
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<Filter, String> {
        let mut valid_types: BTreeSet<String> = TYPES.iter().map(|s| s.to_string()).collect();
        valid_types.extend(
            g.graph
                .node_weights()
                .map(|n| n.kind().to_string())
                .filter(|k| !k.is_empty()),
        );
        let mut valid_rels: BTreeSet<String> = RELATIONS.iter().map(|s| s.to_string()).collect();
        valid_rels.extend(
            g.graph
                .edge_weights()
                .map(|e| e.relation().to_string())
                .filter(|r| !r.is_empty()),
        );
        let type_key = |s: &str| {
            let l = s.trim().to_lowercase();
            if l == "organisation" {
                "organization".to_string()
            } else {
                l
            }
        };
        Ok(Filter {
            types: resolve(types, &valid_types, "type", "--types", type_key)?,
            relations: resolve(
                relations,
                &valid_rels,
                "relation",
                "--relations",
                canon_relation,
            )?,
            window: DateRange::parse(since, until)?,
        })
    }

    /// True when the filter keeps everything.
    pub fn is_empty(&self) -> bool {
        self.types.is_none() && self.relations.is_none() && self.window.is_open()
    }

    /// A one-line account of the filter: `types Person, Country; relations MET; since 2019`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
        if let Some(t) = &self.types {
            parts.push(format!("types {}", list(t)));
        }
        if let Some(r) = &self.relations {
            parts.push(format!("relations {}", list(r)));
        }
        if let Some(s) = self.window.since {
            parts.push(format!("since {s}"));
        }
        if let Some(u) = self.window.until {
            parts.push(format!("until {u}"));
        }
        parts.join("; ")
    }

    fn keeps_node(&self, n: &Node) -> bool {
        if let Some(t) = &self.types {
            if !t.contains(n.kind()) {
                return false;
            }
        }
        n.kind() != "Event" || self.window.contains(date_of(n.attrs.get("date")).as_ref())
    }

    /// The graph cut down by the filter (see the module docs). An empty
    /// filter gives an unchanged copy.
    pub fn apply(&self, g: &KnowledgeGraph) -> KnowledgeGraph {
        if self.is_empty() {
            return g.clone();
        }
        let nodes: BTreeSet<&str> = g
            .graph
            .node_weights()
            .filter(|n| self.keeps_node(n))
            .map(|n| n.id.as_str())
            .collect();
        let edges: Vec<_> = g
            .edges_sorted()
            .into_iter()
            .filter(|e| {
                self.relations
                    .as_ref()
                    .is_none_or(|r| r.contains(e.relation()))
            })
            .filter(|e| nodes.contains(e.source.as_str()) && nodes.contains(e.target.as_str()))
            .filter(|e| match e.attrs.get("date") {
                Some(d) => self.window.contains(date_of(Some(d)).as_ref()),
                None => true,
            })
            .collect();
        let prune = self.relations.is_some() || !self.window.is_open();
        let linked: BTreeSet<&str> = edges
            .iter()
            .flat_map(|e| [e.source.as_str(), e.target.as_str()])
            .collect();
        let mut out = KnowledgeGraph {
            meta: g.meta.clone(),
            ..Default::default()
        };
        for n in g.nodes_sorted() {
            if nodes.contains(n.id.as_str()) && (!prune || linked.contains(n.id.as_str())) {
                out.add_node(n.clone());
            }
        }
        for e in &edges {
            out.add_edge((*e).clone());
        }
        // labels of dropped nodes that kept items still name ("place", "event")
        let mut referenced: BTreeMap<String, Value> = g
            .meta
            .get("filter")
            .and_then(|f| f.get("referenced"))
            .and_then(Value::as_object)
            .map(|m| m.clone().into_iter().collect())
            .unwrap_or_default();
        let kept_attrs = out
            .graph
            .node_weights()
            .map(|n| &n.attrs)
            .chain(out.graph.edge_weights().map(|e| &e.attrs));
        for attrs in kept_attrs {
            for v in attrs.values() {
                if let Some(id) = v.as_str() {
                    if out.node(id).is_none() {
                        if let Some(n) = g.node(id) {
                            referenced.insert(id.to_string(), Value::from(n.label()));
                        }
                    }
                }
            }
        }
        let names = |s: &Option<BTreeSet<String>>| match s {
            Some(s) => json!(s),
            None => Value::Null,
        };
        out.meta.insert(
            "filter".into(),
            json!({
                "types": names(&self.types),
                "relations": names(&self.relations),
                "since": self.window.since.map(|d| d.to_string()),
                "until": self.window.until.map(|d| d.to_string()),
                "referenced": referenced,
            }),
        );
        out
    }
}

fn date_of(v: Option<&Value>) -> Option<PartialDate> {
    v.and_then(Value::as_str).and_then(PartialDate::parse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Edge;
    use serde_json::Map;

    fn node(id: &str, kind: &str, extra: Value) -> Node {
        let mut attrs = Map::new();
        attrs.insert("type".into(), kind.into());
        attrs.insert("label".into(), id.split(':').nth(1).unwrap().into());
        if let Value::Object(m) = extra {
            attrs.extend(m);
        }
        Node {
            id: id.into(),
            attrs,
        }
    }

    fn edge(s: &str, t: &str, rel: &str, extra: Value) -> Edge {
        let mut attrs = Map::new();
        attrs.insert("relation".into(), rel.into());
        if let Value::Object(m) = extra {
            attrs.extend(m);
        }
        Edge {
            source: s.into(),
            target: t.into(),
            key: 0,
            attrs,
        }
    }

    /// Two meetings (2019-06 in Pyongyang, 2024-01-26 undated place), a role,
    /// a place in a country.
    fn small() -> KnowledgeGraph {
        let mut g = KnowledgeGraph::default();
        for n in [
            node("person:a", "Person", json!({})),
            node("person:b", "Person", json!({})),
            node("person:c", "Person", json!({})),
            node("org:party", "Organization", json!({})),
            node("country:k", "Country", json!({})),
            node("place:p", "Place", json!({})),
            node(
                "event:m1",
                "Event",
                json!({"date": "2019-06", "place": "place:p"}),
            ),
            node("event:m2", "Event", json!({"date": "2024-01-26"})),
        ] {
            g.add_node(n);
        }
        for e in [
            edge(
                "person:a",
                "person:b",
                "MET",
                json!({"date": "2019-06", "place": "place:p", "event": "event:m1"}),
            ),
            edge(
                "person:a",
                "person:c",
                "MET",
                json!({"date": "2024-01-26", "place": null, "event": "event:m2"}),
            ),
            edge("person:a", "event:m1", "PARTICIPATED_IN", json!({})),
            edge("person:b", "event:m1", "PARTICIPATED_IN", json!({})),
            edge("person:a", "event:m2", "PARTICIPATED_IN", json!({})),
            edge("person:c", "event:m2", "PARTICIPATED_IN", json!({})),
            edge("event:m1", "place:p", "HELD_IN", json!({})),
            edge(
                "person:a",
                "org:party",
                "HOLDS_ROLE",
                json!({"title": "chair"}),
            ),
            edge("place:p", "country:k", "LOCATED_IN", json!({})),
        ] {
            assert!(g.add_edge(e));
        }
        g
    }

    fn ids(g: &KnowledgeGraph) -> Vec<&str> {
        g.nodes_sorted()
            .into_iter()
            .map(|n| n.id.as_str())
            .collect()
    }

    fn rels(g: &KnowledgeGraph) -> Vec<String> {
        let mut v: Vec<String> = g
            .edges_sorted()
            .into_iter()
            .map(|e| format!("{} {} {}", e.source, e.relation(), e.target))
            .collect();
        v.sort();
        v
    }

    fn f(types: &[&str], rels: &[&str], since: Option<&str>, until: Option<&str>) -> Filter {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        Filter::new(&small(), &s(types), &s(rels), since, until).unwrap()
    }

    #[test]
    fn empty_filter_keeps_everything_and_adds_no_metadata() {
        let g = small();
        let out = f(&[], &[], None, None).apply(&g);
        assert_eq!(ids(&out), ids(&g));
        assert_eq!(rels(&out), rels(&g));
        assert!(!out.meta.contains_key("filter"));
    }

    #[test]
    fn types_keep_every_node_of_those_types_and_edges_among_them() {
        let out = f(&["person", "COUNTRY"], &[], None, None).apply(&small());
        assert_eq!(ids(&out), ["country:k", "person:a", "person:b", "person:c"]);
        assert_eq!(
            rels(&out),
            ["person:a MET person:b", "person:a MET person:c"]
        );
        // the place of a kept meeting is remembered by label
        assert_eq!(crate::export::label_of(&out, "place:p"), Some("p"));
    }

    #[test]
    fn relations_drop_nodes_left_without_edges() {
        let out = f(&[], &["met"], None, None).apply(&small());
        assert_eq!(ids(&out), ["person:a", "person:b", "person:c"]);
        assert_eq!(out.meta["filter"]["relations"], json!(["MET"]));
        assert_eq!(
            out.meta["filter"]["referenced"],
            json!({"event:m1": "m1", "event:m2": "m2", "place:p": "p"})
        );
    }

    #[test]
    fn window_keeps_events_and_dated_edges_inside_it() {
        let out = f(&[], &[], Some("2019"), Some("2019-12")).apply(&small());
        assert_eq!(
            rels(&out),
            [
                "event:m1 HELD_IN place:p",
                "person:a HOLDS_ROLE org:party",
                "person:a MET person:b",
                "person:a PARTICIPATED_IN event:m1",
                "person:b PARTICIPATED_IN event:m1",
                "place:p LOCATED_IN country:k",
            ]
        );
        assert_eq!(
            ids(&out),
            [
                "country:k",
                "event:m1",
                "org:party",
                "person:a",
                "person:b",
                "place:p"
            ]
        );
        let out = f(&["Person"], &["MET"], Some("2024-01"), None).apply(&small());
        assert_eq!(rels(&out), ["person:a MET person:c"]);
        assert_eq!(ids(&out), ["person:a", "person:c"]);
    }

    #[test]
    fn unknown_names_are_one_line_errors_listing_the_valid_ones() {
        let e = Filter::new(&small(), &["Persn".into()], &[], None, None).unwrap_err();
        assert_eq!(
            e,
            "unknown type 'Persn' in --types; valid types: Country, Event, Organization, Person, Place"
        );
        let e = Filter::new(&small(), &[], &["MEET".into()], None, None).unwrap_err();
        assert!(
            e.starts_with("unknown relation 'MEET' in --relations; valid relations: AFFILIATED_WITH, HELD_IN,"),
            "{e}"
        );
        assert!(!e.contains('\n'));
        let e = Filter::new(&small(), &[], &[], Some("June"), None).unwrap_err();
        assert!(e.starts_with("bad date for --since: 'June'"), "{e}");
    }

    #[test]
    fn comma_lists_and_spellings() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let flt = Filter::new(
            &small(),
            &s(&["person,organisation"]),
            &s(&["holds-role", "met"]),
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            flt.describe(),
            "types Organization, Person; relations HOLDS_ROLE, MET"
        );
    }
}
