//! Arbitrary bytes as an article: the shipped rules extract a graph from
//! them without panicking, every evidence span slices the text to exactly
//! its sentence, the JSON parses and loads back to the same bytes, and the
//! DOT is one well-formed digraph.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cnkg::extract::{Document, Extractor};
use cnkg::graph::KnowledgeGraph;
use libfuzzer_sys::fuzz_target;

fn extractor() -> &'static Extractor {
    static X: OnceLock<Extractor> = OnceLock::new();
    X.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../graph_rules");
        let set = cnkg::rules::RuleSet::load_dir(&dir).expect("shipped rules load");
        Extractor::new(&set).expect("shipped rules compile")
    })
}

/// Checks that DOT text is a sequence of well-formed statements: quoted
/// strings closed on their line with only `\"` and `\\` escapes inside,
/// and the braces balanced.
fn check_dot(dot: &str) {
    assert!(
        dot.starts_with("digraph cnkg {\n") && dot.ends_with("}\n"),
        "{dot}"
    );
    let mut depth = 0i32;
    for line in dot.lines() {
        let mut in_str = false;
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match (in_str, c) {
                (true, '\\') => {
                    let n = chars.next();
                    assert!(n.is_some(), "a backslash ends a line: {line}");
                }
                (true, '"') => in_str = false,
                (true, c) => assert!(c != '\n' && c != '\r', "{line}"),
                (false, '"') => in_str = true,
                (false, '{') => depth += 1,
                (false, '}') => depth -= 1,
                _ => {}
            }
        }
        assert!(!in_str, "a string left open: {line}");
        assert!(depth >= 0, "{dot}");
    }
    assert_eq!(depth, 0, "{dot}");
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let doc = Document {
        id: "fuzz".into(),
        path: "fuzz.txt".into(),
        text: text.clone(),
        ..Default::default()
    };
    let g = KnowledgeGraph::build(extractor(), &[doc]);
    for e in g.edges_sorted() {
        let evs = e.attrs.get("evidence").and_then(|v| v.as_array());
        for ev in evs.into_iter().flatten() {
            let s = ev["start"].as_u64().unwrap() as usize;
            let en = ev["end"].as_u64().unwrap() as usize;
            assert!(s <= en && en <= text.len());
            assert!(text.is_char_boundary(s) && text.is_char_boundary(en));
            assert_eq!(&text[s..en], ev["sentence"].as_str().unwrap());
        }
    }
    let json = cnkg::export::json::to_string(&g);
    serde_json::from_str::<serde_json::Value>(&json).expect("JSON parses");
    let back = cnkg::export::json::from_str(&json, Path::new("fuzz.json")).expect("JSON loads");
    assert_eq!(cnkg::export::json::to_string(&back), json);
    check_dot(&cnkg::export::dot::to_string(&g));
});
