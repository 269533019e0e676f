//! Arbitrary bytes as a rule file, next to the shipped lexicons and macros:
//! loading either succeeds or reports issues, never panics; rules that load
//! compile, and extraction with them never panics.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use cnkg::error::Error;
use cnkg::extract::{Document, Extractor};
use cnkg::graph::KnowledgeGraph;
use cnkg::rules::RuleSet;
use libfuzzer_sys::fuzz_target;

fn lexicon() -> &'static (PathBuf, String) {
    static L: OnceLock<(PathBuf, String)> = OnceLock::new();
    L.get_or_init(|| {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../graph_rules/lexicon.toml");
        let s = std::fs::read_to_string(&p).expect("read lexicon.toml");
        (PathBuf::from("lexicon.toml"), s)
    })
}

const TEXT: &str = "PYONGYANG, May 24 (KCNA) -- Chinese President Xi Jinping met with Kim Jong Un \
in Beijing on Friday (January 26), and held talks with North Korean Foreign Minister Choe Son Hui. \
Present at the talks were Wang Yi and Pak Myong-ho. He visited the Great Hall of the People.\n\
LEAVE A REPLY\n";

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let sources = vec![
        lexicon().clone(),
        (PathBuf::from("fuzz.toml"), src.to_string()),
    ];
    match RuleSet::from_sources(&sources) {
        Ok(set) => {
            let x = Extractor::new(&set).expect("validated rules compile");
            let doc = Document {
                id: "t".into(),
                path: "t.txt".into(),
                text: TEXT.into(),
                ..Default::default()
            };
            let g = KnowledgeGraph::build(&x, &[doc]);
            let _ = cnkg::export::json::to_string(&g);
        }
        Err(Error::Rules(issues)) => {
            assert!(!issues.is_empty());
            for i in &issues {
                let line = i.to_string();
                assert!(!line.contains('\n'), "one line per issue: {line:?}");
            }
        }
        Err(e) => panic!("rules give rule issues, not {e}"),
    }
});
