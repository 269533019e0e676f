//! Properties over arbitrary text: extraction never panics, every evidence
//! span slices the document to exactly its sentence, and the JSON written
//! parses and loads back to the same bytes.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cnkg::extract::{Document, Extractor};
use cnkg::graph::KnowledgeGraph;
use proptest::prelude::*;

fn extractor() -> &'static Extractor {
    static X: OnceLock<Extractor> = OnceLock::new();
    X.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("graph_rules");
        Extractor::new(&cnkg::rules::RuleSet::load_dir(&dir).unwrap()).unwrap()
    })
}

/// Words that steer the rules, mixed with arbitrary characters.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Kim Jong Un".to_string()),
        Just("Chinese President Xi Jinping".to_string()),
        Just("North Korean Vice Foreign Minister Pak Myong-ho".to_string()),
        Just("met with".to_string()),
        Just("held talks with".to_string()),
        Just("was received by".to_string()),
        Just("Present at the talks were".to_string()),
        Just("delegation led by".to_string()),
        Just("the delegation".to_string()),
        Just("he".to_string()),
        Just("on Friday (January 26)".to_string()),
        Just("in Beijing".to_string()),
        Just("at the Great Hall of the People".to_string()),
        Just("Pyongyang, May 24 (KCNA) --".to_string()),
        Just("2024-01-27 14:49:00\n".to_string()),
        Just(", ".to_string()),
        Just(". ".to_string()),
        Just("; and ".to_string()),
        Just("\u{2019}s ".to_string()),
        Just("\u{1}P0\u{2}".to_string()),
        "\\PC{0,12}",
        any::<char>().prop_map(|c| c.to_string()),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(token(), 0..40).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn extraction_never_panics_and_evidence_slices_the_sentence(t in text()) {
        let doc = Document { id: "p".into(), path: "p.txt".into(), text: t.clone(), ..Default::default() };
        let g = KnowledgeGraph::build(extractor(), &[doc]);
        for e in g.edges_sorted() {
            for ev in e.attrs.get("evidence").and_then(|v| v.as_array()).into_iter().flatten() {
                let (s, en) = (ev["start"].as_u64().unwrap() as usize, ev["end"].as_u64().unwrap() as usize);
                prop_assert!(t.is_char_boundary(s) && t.is_char_boundary(en) && s <= en);
                prop_assert_eq!(&t[s..en], ev["sentence"].as_str().unwrap());
            }
        }
        let json = cnkg::export::json::to_string(&g);
        let back = cnkg::export::json::from_str(&json, Path::new("p.json")).unwrap();
        prop_assert_eq!(cnkg::export::json::to_string(&back), json);
        let dot = cnkg::export::dot::to_string(&g);
        let framed = dot.starts_with("digraph cnkg {") && dot.ends_with("}\n");
        prop_assert!(framed, "DOT is one digraph: {}", dot);
    }
}
