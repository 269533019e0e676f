//! Building at scale: the benchmark command, and the guarantees a fast build
//! keeps (the same bytes on any number of threads, with or without the
//! gates that skip work, and when built in shards and merged).

use std::path::Path;

#[test]
fn bench_reports_throughput_floor_ratio_and_memory() {
    let out = cnkg()
        .args(["bench", "--docs", "60"])
        .output()
        .expect("run cnkg bench");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    for want in [
        "60 documents",
        "floor",
        "MB/s",
        "build",
        "ratio",
        "peak memory",
        "rules",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
}

#[test]
fn bench_writes_the_corpus_it_measures() {
    let dir = tmp();
    let corpus = dir.path().join("corpus");
    cnkg()
        .args(["bench", "--docs", "25", "--write"])
        .arg(&corpus)
        .assert()
        .success();
    let files: Vec<_> = std::fs::read_dir(corpus.join("000"))
        .expect("a folder of articles")
        .collect();
    assert_eq!(files.len(), 25);
    let first = std::fs::read_to_string(corpus.join("000/synth-000000.txt")).expect("article");
    assert_eq!(first, cnkg::synth::document(cnkg::synth::SEED, 0).text);
}

use cnkg::extract::{Document, Extractor};
use cnkg::graph::{Builder, KnowledgeGraph};
use cnkg::rules::RuleSet;

mod common;
use common::{cnkg, root, tmp};

fn extractor() -> Extractor {
    let rules = RuleSet::load_dir(&root().join("graph_rules")).expect("rules");
    Extractor::new(&rules).expect("compile")
}

fn read(dir: &str) -> Vec<Document> {
    cnkg::corpus::read_inputs(&[root().join(dir)]).expect("articles")
}

/// The seeds, the dev set, the fixtures and a slice of the synthetic corpus.
fn corpora() -> Vec<(&'static str, Vec<Document>)> {
    vec![
        ("seeds", read("seeds")),
        ("dev", read("../shared/dev/articles")),
        ("fixtures", read("tests/fixtures/articles")),
        (
            "synthetic",
            cnkg::synth::documents(cnkg::synth::SEED, 0..400).collect(),
        ),
    ]
}

fn json(x: &Extractor, docs: &[Document]) -> String {
    cnkg::export::json::to_string(&KnowledgeGraph::build(x, docs))
}

#[test]
fn gates_change_nothing() {
    let gated = extractor();
    let mut ungated = extractor();
    ungated.set_gated(false);
    assert!(gated.gated() && !ungated.gated());
    for (name, docs) in corpora() {
        assert!(
            json(&gated, &docs) == json(&ungated, &docs),
            "{name}: the gated build differs from the ungated one"
        );
    }
}

#[test]
fn one_thread_and_many_give_the_same_bytes() {
    let x = extractor();
    for (name, docs) in corpora() {
        let on = |n: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .expect("a thread pool")
                .install(|| json(&x, &docs))
        };
        let one = on(1);
        assert!(one == on(4), "{name}: 1 and 4 threads differ");
        assert!(one == on(3), "{name}: 1 and 3 threads differ");
        // and however the documents are chunked
        let mut b = Builder::new(&x);
        for chunk in docs.chunks(3) {
            b.add(chunk);
        }
        let chunked = cnkg::export::json::to_string(&b.finish().0);
        assert!(one == chunked, "{name}: chunks of 3 differ");
    }
}

#[test]
fn cnkg_no_gates_gives_the_same_bytes() {
    let dir = tmp();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    cnkg().args(["build", "-o"]).arg(&a).assert().success();
    cnkg()
        .env("CNKG_NO_GATES", "1")
        .args(["build", "-o"])
        .arg(&b)
        .assert()
        .success();
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap());
}

#[test]
fn evidence_cap_keeps_the_first_sentences_and_counts_them_all() {
    use cnkg::graph::EvidenceCap;
    use serde_json::Value;
    let x = extractor();
    let docs = read("seeds");
    let full: Value = serde_json::from_str(&json(&x, &docs)).expect("JSON");
    type Key = (String, String, String, String);
    let key = |e: &Value| -> Key {
        let s = |k: &str| e.get(k).map(|v| v.to_string()).unwrap_or_default();
        (
            s("source"),
            s("target"),
            s("relation"),
            format!("{}{}{}{}", s("title"), s("date"), s("event"), s("role")),
        )
    };
    let by_key = |g: &Value| -> std::collections::BTreeMap<Key, Value> {
        g["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (key(e), e.clone()))
            .collect()
    };
    let all = by_key(&full);
    for n in [0, 1, 2] {
        let mut b = Builder::new(&x).evidence(EvidenceCap::First(n));
        b.add(&docs);
        let capped: Value =
            serde_json::from_str(&cnkg::export::json::to_string(&b.finish().0)).expect("JSON");
        let capped = by_key(&capped);
        assert_eq!(capped.len(), all.len());
        for (k, e) in &capped {
            let whole = all[k]["evidence"].as_array().unwrap();
            let kept = e["evidence"].as_array().unwrap();
            assert_eq!(
                e["evidence_count"].as_u64().unwrap() as usize,
                whole.len(),
                "{k:?}"
            );
            assert_eq!(kept[..], whole[..whole.len().min(n)], "{k:?}");
        }
    }
}

/// `cnkg build` writes its JSON from the compact graph: the same bytes as
/// the full graph, with every evidence cap and with each document's facts.
#[test]
fn the_compact_graph_writes_the_bytes_of_the_full_one() {
    use cnkg::graph::EvidenceCap;
    let x = extractor();
    for (name, docs) in corpora() {
        for cap in [
            EvidenceCap::All,
            EvidenceCap::First(1),
            EvidenceCap::First(0),
        ] {
            let builder = || {
                let mut b = Builder::new(&x).evidence(cap).keep_facts();
                for chunk in docs.chunks(64) {
                    b.add(chunk);
                }
                b
            };
            let (full, _, facts) = builder().finish_with_facts();
            let (compact, _, compact_facts) = builder().finish_compact();
            assert_eq!(compact.summary(), full.summary(), "{name} {cap:?}");
            assert!(compact.edges.len() > 10, "{name}: too few edges to tell");
            let mut a = Vec::new();
            let mut b = Vec::new();
            cnkg::export::json::write(&full, None, &mut a).unwrap();
            cnkg::export::json::write_compact(&compact, None, &mut b).unwrap();
            assert!(
                a == b,
                "{name} {cap:?}: the compact graph writes other bytes"
            );
            let (mut a, mut b) = (Vec::new(), Vec::new());
            cnkg::export::json::write(&full, facts.as_deref(), &mut a).unwrap();
            cnkg::export::json::write_compact(&compact, compact_facts.as_deref(), &mut b).unwrap();
            assert!(a == b, "{name} {cap:?}: with facts, other bytes");
        }
    }
}

/// `cnkg build ARGS -o dir/name` and the bytes written.
fn build_cli(dir: &Path, name: &str, args: &[&str]) -> Vec<u8> {
    let out = dir.join(name);
    cnkg()
        .arg("build")
        .args(args)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    std::fs::read(out).expect("written")
}

#[test]
fn shards_merged_equal_one_build_byte_for_byte() {
    let dir = tmp();
    let d = dir.path();
    let shards = ["seeds", "tests/fixtures/articles", "../shared/dev/articles"];
    for cap in ["all", "1", "none"] {
        let mut parts = Vec::new();
        for (i, s) in shards.iter().enumerate() {
            let name = format!("part-{i}.json");
            build_cli(d, &name, &[s, "--facts", "--evidence", cap]);
            parts.push(d.join(name));
        }
        let one = build_cli(
            d,
            "one.json",
            &[shards[0], shards[1], shards[2], "--evidence", cap],
        );
        let all = d.join("all.json");
        cnkg()
            .arg("merge")
            .args(&parts)
            .args(["--evidence", cap, "-o"])
            .arg(&all)
            .assert()
            .success();
        assert!(
            std::fs::read(&all).unwrap() == one,
            "evidence {cap}: the merge differs from the one build"
        );
    }
}

#[test]
fn synthetic_shards_merge_in_process() {
    let x = extractor();
    let docs: Vec<Document> = cnkg::synth::documents(cnkg::synth::SEED, 0..240).collect();
    let one = json(&x, &docs);
    let mut merged = Builder::new(&x);
    for shard in docs.chunks(50) {
        let mut b = Builder::new(&x).keep_facts();
        b.add(shard);
        let (_, _, records) = b.finish_with_facts();
        // through the JSON and back, as `cnkg merge` reads a part
        let text = serde_json::to_string(&records.expect("facts")).expect("JSON");
        let back: Vec<cnkg::facts::DocRecord> = serde_json::from_str(&text).expect("JSON");
        for r in back {
            merged.add_facts(r.into_facts(x.known.len()).expect("facts fit"));
        }
    }
    assert!(cnkg::export::json::to_string(&merged.finish().0) == one);
}

#[test]
fn merge_refuses_parts_without_facts_or_sharing_documents() {
    let dir = tmp();
    let d = dir.path();
    build_cli(d, "plain.json", &["seeds"]);
    build_cli(d, "p.json", &["seeds", "--facts"]);
    let out = cnkg()
        .arg("merge")
        .arg(d.join("plain.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--facts"));
    let out = cnkg()
        .arg("merge")
        .arg(d.join("p.json"))
        .arg(d.join("p.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("in both"));
}

#[test]
fn no_progress_bar_when_standard_error_is_not_a_terminal() {
    let dir = tmp();
    let corpus = dir.path().join("corpus");
    cnkg()
        .args(["bench", "--docs", "1200", "--write"])
        .arg(&corpus)
        .assert()
        .success();
    for quiet in [false, true] {
        let mut cmd = cnkg();
        cmd.arg("build")
            .arg(&corpus)
            .arg("-o")
            .arg(dir.path().join("g.json"));
        if quiet {
            cmd.arg("--quiet");
        }
        let out = cmd.output().expect("run cnkg build");
        assert!(out.status.success());
        let err = String::from_utf8(out.stderr).expect("UTF-8");
        assert_eq!(err.lines().count(), 1, "{err:?}");
        assert!(err.starts_with("cnkg: 1200 documents"), "{err:?}");
        assert!(!err.contains('\r') && !err.contains('\u{1b}'), "{err:?}");
    }
}
