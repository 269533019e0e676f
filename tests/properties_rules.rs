//! Properties over arbitrary rule files and inputs: loading rules either
//! succeeds or reports issues (one line each, with file and line), never
//! panics; rules that load compile, and extraction with them never panics
//! and keeps its evidence spans exact; the DOT written is accepted by
//! Graphviz; reading arbitrary JSON Lines bytes never panics and accounts
//! for every record.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use cnkg::error::Error;
use cnkg::extract::{Document, Extractor};
use cnkg::graph::KnowledgeGraph;
use cnkg::rules::RuleSet;
use proptest::prelude::*;
use proptest::strategy::ValueTree;

fn lexicon() -> &'static (PathBuf, String) {
    static L: OnceLock<(PathBuf, String)> = OnceLock::new();
    L.get_or_init(|| {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("graph_rules/lexicon.toml");
        (p.clone(), std::fs::read_to_string(&p).unwrap())
    })
}

/// Names: plausible ones, and arbitrary text with odd letters (case changes
/// that change length, combining marks, control characters).
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Choe Son Hui".to_string()),
        Just("Wang Yi".to_string()),
        Just("Pyongyang".to_string()),
        Just("DPRK".to_string()),
        Just("İlham Şahin".to_string()),
        Just("Straße Ⅻ".to_string()),
        Just("ǅemal Ǉubić".to_string()),
        Just("e\u{301}mile".to_string()),
        Just("K".to_string()),
        Just("a-b".to_string()),
        Just("\u{1}P0\u{2}".to_string()),
        "[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8}){0,2}",
        "\\PC{0,10}",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
    ]
}

/// Patterns: pieces of the rule language, regex syntax and arbitrary text.
fn pattern() -> impl Strategy<Value = String> {
    let good = prop_oneof![
        Just("{Person:a} met (?:with )?{Person:b}".to_string()),
        Just("{Person:a} held talks with {Person:b}".to_string()),
        Just("{Person+:attendees} attended".to_string()),
        Just("{Person:a} visited {Location:place}".to_string()),
        Just("{Entity:a} (?:and|with) {Entity:b}".to_string()),
        Just("(?P<name>[A-Z]\\w+ [A-Z]\\w+), the chief".to_string()),
        Just("(?P<month>[A-Z][a-z]+) (?P<day>\\d{1,2}), (?P<year>\\d{4})".to_string()),
        Just("(?P<nth>\\d+)th anniversary".to_string()),
        Just("^LEAVE A REPLY$".to_string()),
    ];
    let piece = prop_oneof![
        Just("{Person:a}".to_string()),
        Just("{Person:b}".to_string()),
        Just("{Person+:attendees}".to_string()),
        Just("{Place:place}".to_string()),
        Just("{Date:date}".to_string()),
        Just("{Entity*:x}".to_string()),
        Just("{Persn:a}".to_string()),
        Just("{Persn}".to_string()),
        Just("{MEET}".to_string()),
        Just("{NOPE}".to_string()),
        Just("{OPEN}".to_string()),
        Just(" met ".to_string()),
        Just(" (?:held talks|met) with ".to_string()),
        Just("(?P<name>[A-Z]\\w+)".to_string()),
        Just("(?P<nth>\\d+)th".to_string()),
        Just("(?P<year>\\d{4})".to_string()),
        Just("(?P<month>[A-Z][a-z]+) (?P<day>\\d{1,2})".to_string()),
        Just("\\b".to_string()),
        Just("\\d*".to_string()),
        Just(".*".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("[".to_string()),
        Just("\\".to_string()),
        Just("{2,3}".to_string()),
        Just("(?i)".to_string()),
        Just("\\p{Lu}".to_string()),
        Just("a{1000}{1000}".to_string()),
        "\\PC{0,6}",
    ];
    prop_oneof![
        2 => good,
        1 => prop::collection::vec(piece, 0..6).prop_map(|v| v.concat()),
    ]
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// One rule of a random kind, as TOML text; fields may be missing, of the
/// wrong type or unknown.
fn rule() -> impl Strategy<Value = String> {
    let kind = prop_oneof![
        4 => Just("entity"),
        1 => Just("entity_pattern"),
        3 => Just("relation"),
        1 => Just("date"),
        1 => Just("dateline"),
        1 => Just("boilerplate"),
        1 => Just("anniversary"),
        1 => Just("lexicon"),
        1 => Just("macro"),
        1 => Just("nonsense"),
    ];
    let ty = prop_oneof![
        6 => Just("Person"),
        2 => Just("Organization"),
        1 => Just("Country"),
        2 => Just("Place"),
        1 => Just("Persn"),
    ];
    let rel_kind = prop_oneof![
        Just("meeting"),
        Just("visit"),
        Just("attendance"),
        Just("party")
    ];
    (
        kind,
        "[a-z]{1,3}",
        ty,
        name(),
        prop::collection::vec(name(), 0..3),
        pattern(),
        rel_kind,
        0u8..40,
        prop::option::of(pattern()),
    )
        .prop_map(
            |(kind, id, ty, name, aliases, pat, rel_kind, twist, unless)| {
                let mut t = format!("[[{kind}]]\n");
                let id_line = match twist {
                    0 => "id = 7\n".to_string(),
                    _ => format!("id = {}\n", quote(&id)),
                };
                match kind {
                    "entity" => {
                        t += &id_line;
                        t += &format!("type = {}\nname = {}\n", quote(ty), quote(&name));
                        if twist == 1 {
                            t += &format!("aliases = {}\n", quote(&name));
                        } else {
                            let a: Vec<String> = aliases.iter().map(|a| quote(a)).collect();
                            t += &format!("aliases = [{}]\n", a.join(", "));
                        }
                        if twist == 2 {
                            t += "demonyms = [\"Kimish\"]\n";
                        }
                        if twist == 3 {
                            t += "country = \"nowhere\"\n";
                        }
                        if twist == 4 {
                            t += "roles = [{ title = \"Leader\", since = \"20x\" }]\n";
                        }
                    }
                    "entity_pattern" => {
                        t += &id_line;
                        t += &format!("type = {}\npattern = {}\n", quote(ty), quote(&pat));
                        if twist == 5 {
                            t += "absorb = \"yes\"\n";
                        }
                    }
                    "relation" => {
                        t += &id_line;
                        if twist == 6 {
                            t += "relation = \"MET_AGAIN\"\n";
                        } else {
                            t += &format!("kind = {}\n", quote(rel_kind));
                        }
                        t += &format!("pattern = {}\n", quote(&pat));
                        if let Some(u) = unless {
                            t += &format!("unless = {}\n", quote(&u));
                        }
                    }
                    "anniversary" => {
                        t += &id_line;
                        t += &format!("pattern = {}\n", quote(&pat));
                        t += if twist == 1 {
                            "year = \"1950\"\n"
                        } else {
                            "year = 1950\n"
                        };
                    }
                    "lexicon" => {
                        t += &format!("name = {}\n", quote(&id.to_uppercase()));
                        let w: Vec<String> = std::iter::once(&name)
                            .chain(&aliases)
                            .map(|a| quote(a))
                            .collect();
                        t += &format!("words = [{}]\n", w.join(", "));
                    }
                    "macro" => {
                        t += &format!(
                            "name = {}\npattern = {}\n",
                            quote(&id.to_uppercase()),
                            quote(&pat)
                        );
                    }
                    _ => {
                        t += &id_line;
                        t += &format!("pattern = {}\n", quote(&pat));
                    }
                }
                if twist == 7 {
                    t += "colour = \"red\"\n";
                }
                t
            },
        )
}

/// Rules that make a meeting out of "Xi Jinping met with Kim Jong Un", so
/// that extraction with the generated rules has something to find.
const BASE: &str = r#"[[entity]]
id = "base-xi"
type = "Person"
name = "Xi Jinping"

[[entity]]
id = "base-kim"
type = "Person"
name = "Kim Jong Un"

[[relation]]
id = "base-met"
kind = "meeting"
pattern = '{Person:a} met (?:with )?{Person:b}'
"#;

fn rule_file() -> impl Strategy<Value = String> {
    (any::<bool>(), prop::collection::vec(rule(), 0..6)).prop_map(|(base, v)| {
        let rules = v.join("\n");
        if base {
            format!("{BASE}\n{rules}")
        } else {
            rules
        }
    })
}

fn text_with(names: &[String]) -> impl Strategy<Value = String> {
    let names = names.to_vec();
    let words = prop_oneof![
        Just(" met with ".to_string()),
        Just(" held talks with ".to_string()),
        Just(" and ".to_string()),
        Just(" in Beijing on Friday (January 26). ".to_string()),
        Just(". ".to_string()),
        Just("\n".to_string()),
        "\\PC{0,8}",
    ];
    let n = names.len().max(1);
    prop::collection::vec((0..n, words), 0..16).prop_map(move |v| {
        v.into_iter()
            .map(|(i, w)| format!("{}{w}", names.get(i).map_or("", |s| s.as_str())))
            .collect()
    })
}

/// Every issue is one line naming the rule file, and a line within it.
fn check_issues(issues: &[cnkg::error::RuleIssue]) -> Result<(), TestCaseError> {
    prop_assert!(!issues.is_empty());
    for i in issues {
        let s = i.to_string();
        prop_assert!(!s.contains('\n'), "one line: {:?}", s);
        prop_assert!(
            i.file.as_os_str() == "fuzz.toml" || i.file == lexicon().0,
            "{}",
            s
        );
        prop_assert!(i.line.is_some(), "a line: {}", s);
    }
    Ok(())
}

fn check_graph(g: &KnowledgeGraph, text: &str) -> Result<(), TestCaseError> {
    for e in g.edges_sorted() {
        let evs = e.attrs.get("evidence").and_then(|v| v.as_array());
        for ev in evs.into_iter().flatten() {
            let s = ev["start"].as_u64().unwrap() as usize;
            let en = ev["end"].as_u64().unwrap() as usize;
            prop_assert!(s <= en && en <= text.len());
            prop_assert!(text.is_char_boundary(s) && text.is_char_boundary(en));
            prop_assert_eq!(&text[s..en], ev["sentence"].as_str().unwrap());
        }
    }
    let json = cnkg::export::json::to_string(g);
    let back = cnkg::export::json::from_str(&json, Path::new("p.json"));
    prop_assert!(back.is_ok(), "JSON loads back: {:?}", back.err());
    prop_assert_eq!(cnkg::export::json::to_string(&back.unwrap()), json);
    Ok(())
}

/// Runs Graphviz on `dot`; its complaints, if any.
fn graphviz_complaints(dot: &str) -> Option<String> {
    let mut child = Command::new("dot")
        .arg("-Tcanon")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("Graphviz `dot` is required for this test: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (!out.status.success() || !err.is_empty()).then_some(err)
}

/// The names declared in a rule file's `name =`, `aliases` and `words`.
fn declared_names(src: &str) -> Vec<String> {
    let Ok(v) = src.parse::<toml::Table>() else {
        return vec![];
    };
    let mut out = Vec::new();
    for (_, list) in v {
        for item in list.as_array().into_iter().flatten() {
            for key in ["name", "aliases", "words"] {
                match item.get(key) {
                    Some(toml::Value::String(s)) => out.push(s.clone()),
                    Some(toml::Value::Array(a)) => {
                        out.extend(a.iter().filter_map(|x| x.as_str().map(str::to_string)))
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    /// Generated rule files load or give issues; rules that load extract
    /// from text made of their own names without panicking, with exact
    /// evidence and a JSON that loads back.
    #[test]
    fn arbitrary_rules_load_or_report_and_never_panic(
        src in rule_file(),
        seed in any::<u64>(),
    ) {
        let sources = vec![lexicon().clone(), (PathBuf::from("fuzz.toml"), src.clone())];
        match RuleSet::from_sources(&sources) {
            Ok(set) => {
                let x = Extractor::new(&set);
                prop_assert!(x.is_ok(), "validated rules compile: {:?}", x.err());
                let x = x.unwrap();
                let names = declared_names(&src);
                let mut runner = proptest::test_runner::TestRunner::new_with_rng(
                    ProptestConfig::default(),
                    proptest::test_runner::TestRng::from_seed(
                        proptest::test_runner::RngAlgorithm::ChaCha,
                        &{
                            let mut b = [0u8; 32];
                            b[..8].copy_from_slice(&seed.to_le_bytes());
                            b
                        },
                    ),
                );
                for _ in 0..4 {
                    let text = text_with(&names).new_tree(&mut runner).unwrap().current();
                    let doc = Document { id: "p".into(), path: "p.txt".into(), text: text.clone(), ..Default::default() };
                    let g = KnowledgeGraph::build(&x, &[doc]);
                    check_graph(&g, &text)?;
                }
            }
            Err(Error::Rules(issues)) => check_issues(&issues)?,
            Err(e) => prop_assert!(false, "not a rule error: {}", e),
        }
    }

    /// Any text at all as a rule file: issues or rules, never a panic.
    #[test]
    fn arbitrary_text_as_a_rule_file_never_panics(src in "\\PC{0,200}|(\\[\\[entity\\]\\]\n|id = |\"|'|\\[|\\]|=|\n|[a-z]{1,6}|\\{|\\}|,){0,40}") {
        let sources = vec![(PathBuf::from("fuzz.toml"), src)];
        match RuleSet::from_sources(&sources) {
            Ok(set) => { prop_assert!(Extractor::new(&set).is_ok()); }
            Err(Error::Rules(issues)) => check_issues(&issues)?,
            Err(e) => prop_assert!(false, "not a rule error: {}", e),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    /// The DOT of graphs whose names come from arbitrary rules is accepted
    /// by Graphviz without a warning.
    #[test]
    fn graphviz_accepts_the_dot_of_graphs_with_arbitrary_names(
        names in prop::collection::vec(name(), 1..5),
        title in name(),
    ) {
        let mut src = String::new();
        for (i, n) in names.iter().enumerate() {
            let ty = ["Person", "Organization", "Place", "Country"][i % 4];
            src += &format!("[[entity]]\nid = \"e{i}\"\ntype = \"{ty}\"\nname = {}\n\n", quote(n));
        }
        src += "[[relation]]\nid = \"met\"\nkind = \"meeting\"\npattern = '{Person:a} met {Person:b}'\n\n";
        src += "[[relation]]\nid = \"odd\"\nrelation = \"ODD_LINK\"\npattern = '{Entity:a} (?:and|with) {Entity:b}'\n";
        let Ok(set) = RuleSet::from_sources(&[(PathBuf::from("g.toml"), src)]) else {
            return Ok(());
        };
        let x = Extractor::new(&set).unwrap();
        let mut text = String::new();
        for a in &names {
            for b in &names {
                text += &format!("{a} met {b} in {title}. {a} and {b}. {title}, the chief of {a} and {b}.\n");
            }
        }
        let doc = Document { id: "p".into(), path: "p.txt".into(), text: text.clone(), ..Default::default() };
        let g = KnowledgeGraph::build(&x, &[doc]);
        check_graph(&g, &text)?;
        let dot = cnkg::export::dot::to_string(&g);
        if let Some(err) = graphviz_complaints(&dot) {
            prop_assert!(false, "Graphviz: {}\n{}", err, dot);
        }
    }

    /// Arbitrary bytes as a JSON Lines file: every non-blank line is read
    /// or skipped, never a panic.
    #[test]
    fn arbitrary_json_lines_are_read_or_skipped(
        lines in prop::collection::vec(prop_oneof![
            Just(r#"{"id":"a","date":"2024-01-26","text":"Kim Jong Un met Xi Jinping."}"#.to_string()),
            Just(r#"{"text":"x","date":"2024-13"}"#.to_string()),
            Just(r#"{"id":null,"text":"Kim"}"#.to_string()),
            Just("{".to_string()),
            Just("".to_string()),
            "\\PC{0,30}",
            "[{}\\[\\]\":,a-z0-9 ]{0,30}",
        ], 0..12),
        raw in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.jsonl");
        let mut bytes = lines.join("\n").into_bytes();
        bytes.extend_from_slice(&raw);
        std::fs::write(&p, &bytes).unwrap();
        let opts = cnkg::corpus::ReadOptions { max_doc_bytes: 40, strict: false };
        let c = cnkg::corpus::read_inputs_with(&[p], &opts).unwrap();
        let records = bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .count();
        let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
        if utf16 || bytes.iter().take(8192).any(|&b| b == 0) {
            prop_assert_eq!(c.skipped.len(), 1, "a binary file is one skip");
        } else if records == 0 {
            prop_assert_eq!(c.skipped.len(), 1, "an empty file is one skip");
        } else {
            prop_assert_eq!(c.documents.len() + c.skipped.len(), records);
        }
        for s in &c.skipped {
            prop_assert!(!s.to_string().contains('\n'));
        }
    }
}
