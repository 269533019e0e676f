//! Inputs the fuzz targets (`fuzz/`) once failed on, run through the same
//! checks: every file of `tests/fixtures/fuzz/rules/` as a rule file, every
//! file of `tests/fixtures/fuzz/extract/` as an article.

use std::path::{Path, PathBuf};

use cnkg::error::Error;
use cnkg::extract::{Document, Extractor};
use cnkg::graph::KnowledgeGraph;
use cnkg::rules::RuleSet;

mod common;
use common::root;

fn inputs(kind: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = root().join("tests/fixtures/fuzz").join(kind);
    let mut v: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .map(|p| {
                    let b = std::fs::read(&p).unwrap();
                    (p, b)
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn rule_files_the_fuzzer_found_give_one_line_issues() {
    let lexicon = root().join("graph_rules/lexicon.toml");
    let lex = (lexicon.clone(), std::fs::read_to_string(&lexicon).unwrap());
    for (path, bytes) in inputs("rules") {
        let Ok(src) = String::from_utf8(bytes) else {
            continue;
        };
        let sources = vec![lex.clone(), (PathBuf::from("fuzz.toml"), src)];
        match RuleSet::from_sources(&sources) {
            Ok(set) => {
                Extractor::new(&set).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
            Err(Error::Rules(issues)) => {
                for i in &issues {
                    let line = i.to_string();
                    assert!(!line.contains('\n'), "{}: {line:?}", path.display());
                }
            }
            Err(e) => panic!("{}: not a rule error: {e}", path.display()),
        }
    }
}

#[test]
fn articles_the_fuzzer_found_keep_evidence_exact() {
    let dir = root().join("graph_rules");
    let x = Extractor::new(&RuleSet::load_dir(&dir).unwrap()).unwrap();
    for (path, bytes) in inputs("extract") {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let doc = Document {
            id: "fuzz".into(),
            path: "fuzz.txt".into(),
            text: text.clone(),
            ..Default::default()
        };
        let g = KnowledgeGraph::build(&x, &[doc]);
        for e in g.edges_sorted() {
            let evs = e.attrs.get("evidence").and_then(|v| v.as_array());
            for ev in evs.into_iter().flatten() {
                let s = ev["start"].as_u64().unwrap() as usize;
                let en = ev["end"].as_u64().unwrap() as usize;
                assert!(text.is_char_boundary(s) && text.is_char_boundary(en));
                assert_eq!(
                    &text[s..en],
                    ev["sentence"].as_str().unwrap(),
                    "{}",
                    path.display()
                );
            }
        }
        let json = cnkg::export::json::to_string(&g);
        let back = cnkg::export::json::from_str(&json, Path::new("f.json")).unwrap();
        assert_eq!(
            cnkg::export::json::to_string(&back),
            json,
            "{}",
            path.display()
        );
    }
}
