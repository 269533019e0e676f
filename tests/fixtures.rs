//! The fixture articles (`tests/fixtures/articles/`, our own sentences, most of
//! them about officials the gazetteer does not list) against the meetings,
//! decoys and people written down for each in `tests/fixtures/expected.json`.
//!
//! Each article is built alone; the test asserts the exact set of meeting
//! pairs (nothing missed, nothing extra), the date and place of each, that
//! no decoy pair (phone call, plan, letter, same delegation) became a
//! meeting, and that every named person is a node.

use std::collections::{BTreeMap, BTreeSet};

use cnkg::extract::Extractor;
use cnkg::graph::KnowledgeGraph;
use cnkg::rules::RuleSet;
use serde_json::Value;

mod common;
use common::root;

/// Spelling-insensitive key, as the scorer uses: "Pak Myong-ho" == "pak myong ho".
fn key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The date and place of one MET edge.
type DatePlace = (Option<String>, Option<String>);

struct Built {
    graph: KnowledgeGraph,
}

impl Built {
    fn keys(&self, id: &str) -> BTreeSet<String> {
        let n = self.graph.node(id).expect("node");
        let mut k: BTreeSet<String> = n.aliases().iter().map(|a| key(a)).collect();
        k.insert(key(n.label()));
        k
    }

    /// The person node a name stands for.
    fn person(&self, name: &str) -> Option<String> {
        let want = key(name);
        self.graph
            .nodes_sorted()
            .into_iter()
            .filter(|n| n.kind() == "Person")
            .find(|n| self.keys(&n.id).contains(&want))
            .map(|n| n.id.clone())
    }

    /// MET edges by unordered pair of node ids: (date, place) of each.
    fn meetings(&self) -> BTreeMap<(String, String), Vec<DatePlace>> {
        let mut out: BTreeMap<_, Vec<_>> = BTreeMap::new();
        for e in self.graph.edges_sorted() {
            if e.relation() != "MET" {
                continue;
            }
            let pair = if e.source < e.target {
                (e.source.clone(), e.target.clone())
            } else {
                (e.target.clone(), e.source.clone())
            };
            out.entry(pair).or_default().push((
                e.get_str("date").map(str::to_string),
                e.get_str("place").map(str::to_string),
            ));
        }
        out
    }

    /// Every name a place answers to: its own and its containers' (LOCATED_IN).
    fn place_names(&self, id: &str) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        let mut todo = vec![id.to_string()];
        while let Some(p) = todo.pop() {
            if self.graph.node(&p).is_none() || !names.insert(format!("#{p}")) {
                continue;
            }
            names.extend(self.keys(&p));
            for e in self.graph.edges_sorted() {
                if e.source == p && e.relation() == "LOCATED_IN" {
                    todo.push(e.target.clone());
                }
            }
        }
        names
    }
}

fn pair(a: &str, b: &str) -> (String, String) {
    if a < b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

fn check_article(x: &Extractor, stem: &str, expected: &Value) -> Vec<String> {
    let path = root()
        .join("tests/fixtures/articles")
        .join(format!("{stem}.txt"));
    let doc = cnkg::corpus::read_file(&path).expect("fixture reads");
    let built = Built {
        graph: KnowledgeGraph::build(x, &[doc]),
    };
    let mut problems = Vec::new();
    let found = built.meetings();
    let mut wanted = BTreeSet::new();
    for m in expected["meetings"].as_array().expect("meetings list") {
        let (a, b) = (m["a"].as_str().unwrap(), m["b"].as_str().unwrap());
        let (Some(ia), Some(ib)) = (built.person(a), built.person(b)) else {
            problems.push(format!("{stem}: no person node for {a} or {b}"));
            continue;
        };
        let p = pair(&ia, &ib);
        wanted.insert(p.clone());
        let Some(edges) = found.get(&p) else {
            problems.push(format!("{stem}: missed meeting {a} - {b}"));
            continue;
        };
        if let Some(date) = m["date"].as_str() {
            if !edges
                .iter()
                .any(|(d, _)| d.as_deref().is_some_and(|d| d.starts_with(date)))
            {
                problems.push(format!("{stem}: {a} - {b}: date {date}, got {edges:?}"));
            }
        }
        if let Some(place) = m["place"].as_str() {
            let ok = edges.iter().any(|(_, p)| {
                p.as_deref()
                    .is_some_and(|p| built.place_names(p).contains(&key(place)))
            });
            if !ok {
                problems.push(format!("{stem}: {a} - {b}: place {place}, got {edges:?}"));
            }
        }
    }
    for p in found.keys() {
        if !wanted.contains(p) {
            problems.push(format!("{stem}: extra meeting {} - {}", p.0, p.1));
        }
    }
    for m in expected["not_meetings"]
        .as_array()
        .expect("not_meetings list")
    {
        let (a, b) = (m["a"].as_str().unwrap(), m["b"].as_str().unwrap());
        if let (Some(ia), Some(ib)) = (built.person(a), built.person(b)) {
            if found.contains_key(&pair(&ia, &ib)) {
                problems.push(format!(
                    "{stem}: decoy became a meeting: {a} - {b} ({})",
                    m["why"]
                ));
            }
        }
    }
    for p in expected["people"].as_array().expect("people list") {
        let name = p.as_str().unwrap();
        if built.person(name).is_none() {
            problems.push(format!("{stem}: person not found: {name}"));
        }
    }
    problems
}

fn expected() -> BTreeMap<String, Value> {
    let text = std::fs::read_to_string(root().join("tests/fixtures/expected.json"))
        .expect("expected.json");
    serde_json::from_str(&text).expect("expected.json parses")
}

fn extractor() -> Extractor {
    let rules = RuleSet::load_dir(&root().join("graph_rules")).expect("shipped rules load");
    Extractor::new(&rules).expect("shipped rules compile")
}

#[test]
fn fixture_articles_give_exactly_the_expected_meetings_dates_and_places() {
    let x = extractor();
    let exp = expected();
    assert!(
        exp.len() >= 12,
        "at least 12 fixture articles, found {}",
        exp.len()
    );
    let mut problems = Vec::new();
    for (stem, e) in &exp {
        problems.extend(check_article(&x, stem, e));
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn fixtures_mostly_name_people_the_gazetteer_does_not_know() {
    let x = extractor();
    let exp = expected();
    let with_unknown = exp
        .values()
        .filter(|e| {
            e["people"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| x.lookup(p.as_str().unwrap()).is_none())
        })
        .count();
    assert!(
        with_unknown * 2 >= exp.len(),
        "{with_unknown} of {} articles name an unknown person",
        exp.len()
    );
    // and every article file has its expectations
    let files = std::fs::read_dir(root().join("tests/fixtures/articles"))
        .unwrap()
        .count();
    assert_eq!(files, exp.len(), "one expectation entry per article");
}

#[test]
fn decoy_only_article_gives_no_meeting() {
    let x = extractor();
    let exp = expected();
    let decoys: Vec<&String> = exp
        .iter()
        .filter(|(_, e)| e["meetings"].as_array().unwrap().is_empty())
        .map(|(k, _)| k)
        .collect();
    assert!(!decoys.is_empty(), "the fixtures hold a decoy-only article");
    for stem in decoys {
        let doc = cnkg::corpus::read_file(
            &root()
                .join("tests/fixtures/articles")
                .join(format!("{stem}.txt")),
        )
        .unwrap();
        let g = KnowledgeGraph::build(&x, &[doc]);
        let met = g
            .edges_sorted()
            .into_iter()
            .filter(|e| e.relation() == "MET")
            .count();
        assert_eq!(met, 0, "{stem}: a decoy-only article gives no MET edge");
    }
}
