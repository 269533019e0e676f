//! Query speed on a generated graph of 100,000 nodes and 500,000 edges:
//! loading its JSON (MB/s), indexing names, `met` for one person, a
//! shortest path, and a name lookup.
//!
//! `cargo bench --bench query`

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Map, Value};

use cnkg::graph::{Edge, KnowledgeGraph, Node};

// as in the binary
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use cnkg::query::{MeetingFilter, PathOptions, Query};

const PEOPLE: usize = 60_000;
const ORGS: usize = 8_000;
const COUNTRIES: usize = 200;
const PLACES: usize = 11_800;
const EVENTS: usize = 20_000;
const EDGES: usize = 500_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
    fn below(&mut self, n: usize) -> usize {
        self.next() % n
    }
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().expect("object").clone()
}

fn evidence(r: &mut Rng, rule: &str) -> Value {
    let doc = r.below(50_000);
    let start = r.below(5_000);
    json!([{
        "doc": format!("doc-{doc:05}"),
        "sentence": format!("Officials of both sides held talks in the capital on matters of common interest, report {doc}."),
        "start": start,
        "end": start + 96,
        "rule": rule,
    }])
}

/// A deterministic graph shaped like a big corpus's: people meeting at
/// events, holding roles in organisations and countries, places in countries.
fn generate() -> KnowledgeGraph {
    let mut r = Rng(2024);
    let mut g = KnowledgeGraph::default();
    let node = |id: String, kind: &str, label: String| Node {
        id,
        attrs: obj(json!({
            "type": kind, "label": label, "aliases": [], "mentions": 3,
            "documents": ["doc-00001", "doc-00002"],
        })),
    };
    for i in 0..PEOPLE {
        g.add_node(node(
            format!("person:p{i:05}"),
            "Person",
            format!("Person {i:05}"),
        ));
    }
    for i in 0..ORGS {
        g.add_node(node(
            format!("org:o{i:04}"),
            "Organization",
            format!("Ministry {i:04}"),
        ));
    }
    for i in 0..COUNTRIES {
        g.add_node(node(
            format!("country:c{i:03}"),
            "Country",
            format!("Country {i:03}"),
        ));
    }
    for i in 0..PLACES {
        g.add_node(node(
            format!("place:l{i:05}"),
            "Place",
            format!("City {i:05}"),
        ));
    }
    let mut edges = 0;
    let mut add = |g: &mut KnowledgeGraph, s: String, t: String, key: u64, attrs: Value| {
        let ok = g.add_edge(Edge {
            source: s,
            target: t,
            key,
            attrs: obj(attrs),
        });
        assert!(ok);
        edges += 1;
        edges
    };
    for i in 0..PLACES {
        let c = r.below(COUNTRIES);
        add(
            &mut g,
            format!("place:l{i:05}"),
            format!("country:c{c:03}"),
            0,
            json!({"relation": "LOCATED_IN", "evidence": []}),
        );
    }
    // events: two sides of one to three people, MET between the sides
    let mut e = 0;
    while e < EVENTS {
        let date = format!(
            "{}-{:02}-{:02}",
            2000 + r.below(26),
            1 + r.below(12),
            1 + r.below(28)
        );
        let place = format!("place:l{:05}", r.below(PLACES));
        let id = format!("event:e{e:05}");
        let mut ev = node(id.clone(), "Event", format!("meeting {e}"));
        ev.attrs.insert("kind".into(), json!("meeting"));
        ev.attrs.insert("date".into(), json!(date));
        ev.attrs.insert("place".into(), json!(place));
        g.add_node(ev);
        add(
            &mut g,
            id.clone(),
            place.clone(),
            0,
            json!({"relation": "HELD_IN", "evidence": evidence(&mut r, "meeting.met")}),
        );
        let sides: Vec<Vec<usize>> = (0..2)
            .map(|_| (0..1 + r.below(3)).map(|_| r.below(PEOPLE)).collect())
            .collect();
        for (s, side) in sides.iter().enumerate() {
            for p in side {
                add(
                    &mut g,
                    format!("person:p{p:05}"),
                    id.clone(),
                    0,
                    json!({"relation": "PARTICIPATED_IN", "role": "principal", "side": s + 1,
                           "evidence": evidence(&mut r, "meeting.met")}),
                );
            }
        }
        for a in &sides[0] {
            for b in &sides[1] {
                add(
                    &mut g,
                    format!("person:p{a:05}"),
                    format!("person:p{b:05}"),
                    e as u64,
                    json!({"relation": "MET", "event": id, "date": date, "place": place,
                           "evidence": evidence(&mut r, "meeting.held-talks")}),
                );
            }
        }
        e += 1;
    }
    // roles and affiliations fill the rest
    let mut k = 0u64;
    while g.graph.edge_count() < EDGES {
        let p = r.below(PEOPLE);
        let (target, rel) = match r.below(4) {
            0 => (format!("country:c{:03}", r.below(COUNTRIES)), "HOLDS_ROLE"),
            1 => (format!("place:l{:05}", r.below(PLACES)), "VISITED"),
            2 => (format!("org:o{:04}", r.below(ORGS)), "AFFILIATED_WITH"),
            _ => (format!("org:o{:04}", r.below(ORGS)), "HOLDS_ROLE"),
        };
        k += 1;
        add(
            &mut g,
            format!("person:p{p:05}"),
            target,
            k,
            json!({"relation": rel, "title": "Vice Minister",
                   "evidence": evidence(&mut r, "person.title-name")}),
        );
    }
    let mut meta = Map::new();
    meta.insert(
        "generator".into(),
        json!({"name": "cnkg", "version": "bench"}),
    );
    meta.insert("documents".into(), json!([]));
    g.meta = meta;
    g
}

fn bench(c: &mut Criterion) {
    let g = generate();
    assert_eq!(g.graph.node_count(), 100_000);
    assert_eq!(g.graph.edge_count(), EDGES);
    let text = cnkg::export::json::to_string(&g);
    let path = Path::new("bench-graph.json");
    let loaded = cnkg::export::json::from_str(&text, path).expect("the graph loads");
    assert_eq!(cnkg::export::json::to_string(&loaded), text);

    let mut load = c.benchmark_group("load");
    load.sample_size(10);
    load.throughput(Throughput::Bytes(text.len() as u64));
    load.bench_function("graph_json_100k_nodes_500k_edges", |b| {
        // freeing the graph is not part of loading it
        b.iter_with_large_drop(|| {
            cnkg::export::json::from_str(black_box(&text), path).expect("loads")
        })
    });
    load.finish();

    let mut index = c.benchmark_group("index");
    index.sample_size(10);
    index.bench_function("query_new", |b| b.iter(|| Query::new(black_box(&loaded))));
    index.finish();

    let q = Query::new(&loaded);
    // a person with several meetings, and pairs of people for paths
    let busy = (0..PEOPLE)
        .map(|i| format!("person:p{i:05}"))
        .max_by_key(|id| {
            q.graph()
                .graph
                .edges(q.graph().index[id])
                .filter(|e| e.weight().relation() == "MET")
                .count()
        })
        .expect("people");
    let person = q.resolve(&busy, &["Person"]).expect("resolves");
    let met = q.meetings(&MeetingFilter {
        person: Some(person),
        ..MeetingFilter::default()
    });
    eprintln!("met: {busy} has {} meetings", met.len());
    c.bench_function("met_one_person", |b| {
        b.iter(|| {
            q.meetings(black_box(&MeetingFilter {
                person: Some(person),
                ..MeetingFilter::default()
            }))
        })
    });
    let pairs: Vec<_> = (0..16)
        .map(|i| {
            (
                q.resolve(&format!("Person {:05}", i * 3_001), &["Person"])
                    .expect("resolves"),
                q.resolve(&format!("Person {:05}", 59_999 - i * 2_003), &["Person"])
                    .expect("resolves"),
            )
        })
        .collect();
    let opt = PathOptions::default();
    let hops: Vec<usize> = pairs
        .iter()
        .map(|&(a, b)| {
            q.paths(a, b, &opt)
                .expect("valid")
                .first()
                .map_or(0, |p| p.hops)
        })
        .collect();
    eprintln!("path: hops of the 16 pairs {hops:?}");
    let mut i = 0;
    c.bench_function("shortest_path", |b| {
        b.iter(|| {
            let (a, t) = pairs[i % pairs.len()];
            i += 1;
            q.paths(black_box(a), black_box(t), &opt).expect("valid")
        })
    });
    c.bench_function("resolve_name", |b| {
        b.iter(|| {
            q.resolve(black_box("person 31415"), &["Person"])
                .expect("found")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
