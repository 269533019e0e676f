//! The examples in `graph_rules/README.md` really work.
//!
//! The README has one example per rule kind: a fenced ```` ```toml ```` block
//! whose first line is `# example: <kind>`, followed by a ```` ```text ````
//! block holding an example article. For each one, this test loads the
//! shipped rules (`graph_rules/*.toml`) plus the example block as an extra
//! file named `example.toml`, reads the article as one document, and checks
//! the outcome listed in [`EXPECTED`]. Each expected outcome is also checked
//! against the shipped rules alone, where it must *not* hold: so the outcome
//! is the example's doing, and every check can fail.

use std::path::PathBuf;

use cnkg::extract::Extractor;
use cnkg::rules::RuleSet;
use serde_json::Value;

mod common;
use common::{graph_json, root};

/// Every kind of rule the README documents.
const KINDS: [&str; 9] = [
    "entity",
    "lexicon",
    "macro",
    "entity_pattern",
    "relation",
    "date",
    "dateline",
    "anniversary",
    "boilerplate",
];

/// What an example must yield in the graph JSON.
#[derive(Debug)]
enum Expect {
    /// A node with this id and `type`.
    Node {
        id: &'static str,
        kind: &'static str,
    },
    /// An edge `source -relation-> target` (either way round for `MET`),
    /// optionally with a string attribute (`date`, `title`, `place`) of this
    /// value and evidence naming this rule id.
    Edge {
        source: &'static str,
        relation: &'static str,
        target: &'static str,
        attr: Option<(&'static str, &'static str)>,
        rule: Option<&'static str>,
    },
    /// The document's date in `graph.documents`.
    DocDate(&'static str),
    /// No evidence sentence of any edge contains this text.
    NoEvidence(&'static str),
}

const fn edge(source: &'static str, relation: &'static str, target: &'static str) -> Expect {
    Expect::Edge {
        source,
        relation,
        target,
        attr: None,
        rule: None,
    }
}

/// The expected outcome of each kind's example.
const EXPECTED: &[(&str, &[Expect])] = &[
    (
        "entity",
        &[
            Expect::Node {
                id: "place:manpo",
                kind: "Place",
            },
            edge("place:manpo", "LOCATED_IN", "country:north-korea"),
        ],
    ),
    (
        "lexicon",
        &[
            Expect::Node {
                id: "person:sin-yong-nam",
                kind: "Person",
            },
            Expect::Edge {
                source: "person:sin-yong-nam",
                relation: "HOLDS_ROLE",
                target: "country:north-korea",
                attr: Some(("title", "head coach")),
                rule: Some("person.sports-role"),
            },
        ],
    ),
    (
        "macro",
        &[Expect::Node {
            id: "person:jo-myong-sik",
            kind: "Person",
        }],
    ),
    (
        "entity_pattern",
        &[
            Expect::Node {
                id: "person:zhou-haicheng",
                kind: "Person",
            },
            Expect::Edge {
                source: "person:zhou-haicheng",
                relation: "HOLDS_ROLE",
                target: "country:china",
                attr: Some(("title", "chargé d'affaires")),
                rule: Some("person.charge-d-affaires"),
            },
        ],
    ),
    (
        "relation",
        &[
            Expect::Edge {
                source: "person:xi-jinping",
                relation: "MET",
                target: "person:kim-jong-un",
                attr: Some(("place", "place:great-hall-of-the-people")),
                rule: Some("meeting.toasted"),
            },
            Expect::Edge {
                source: "person:xi-jinping",
                relation: "MET",
                target: "person:choe-son-hui",
                attr: None,
                rule: Some("meeting.toasted"),
            },
        ],
    ),
    (
        "date",
        &[Expect::Edge {
            source: "person:kim-jong-un",
            relation: "MET",
            target: "person:xi-jinping",
            attr: Some(("date", "2025-09-04")),
            rule: None,
        }],
    ),
    ("dateline", &[Expect::DocDate("2025-10-09")]),
    ("anniversary", &[Expect::DocDate("2025")]),
    ("boilerplate", &[Expect::NoEvidence("meets Xi Jinping")]),
];

/// One example of the README.
#[derive(Debug)]
struct Example {
    kind: String,
    /// 1-based line of its ```` ```toml ```` fence.
    line: usize,
    toml: String,
    text: Option<String>,
}

fn readme() -> String {
    let p = root().join("graph_rules/README.md");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

/// The lines of the fenced block opening at `lines[open]`, and the index of
/// its closing fence.
fn block(lines: &[&str], open: usize) -> (String, usize) {
    let mut body = String::new();
    let mut i = open + 1;
    while i < lines.len() && lines[i].trim_end() != "```" {
        body.push_str(lines[i]);
        body.push('\n');
        i += 1;
    }
    (body, i)
}

fn example_kind(lines: &[&str], i: usize) -> Option<String> {
    if lines[i].trim_end() != "```toml" {
        return None;
    }
    let first = lines.get(i + 1)?.trim();
    first
        .strip_prefix("# example:")
        .map(|k| k.trim().to_string())
}

/// Every `# example: <kind>` toml block and the text block after it (before
/// the next example).
fn parse_examples(md: &str) -> Vec<Example> {
    let lines: Vec<&str> = md.lines().collect();
    let mut out: Vec<Example> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some(kind) = example_kind(&lines, i) {
            let (toml, end) = block(&lines, i);
            out.push(Example {
                kind,
                line: i + 1,
                toml,
                text: None,
            });
            i = end + 1;
            continue;
        }
        if lines[i].trim_end() == "```text" {
            let (text, end) = block(&lines, i);
            if let Some(last) = out.last_mut() {
                if last.text.is_none() {
                    last.text = Some(text);
                }
            }
            i = end + 1;
            continue;
        }
        i += 1;
    }
    out
}

/// The shipped rule files, as `(path, contents)`, sorted by name.
fn shipped_sources() -> Vec<(PathBuf, String)> {
    let dir = root().join("graph_rules");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no rule files in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
            (p, text)
        })
        .collect()
}

fn rule_count(set: &RuleSet, kind: &str) -> usize {
    match kind {
        "entity" => set.entities.len(),
        "lexicon" => set.lexicons.len(),
        "macro" => set.macros.len(),
        "entity_pattern" => set.entity_patterns.len(),
        "relation" => set.relations.len(),
        "date" => set.dates.len(),
        "dateline" => set.datelines.len(),
        "anniversary" => set.anniversaries.len(),
        "boilerplate" => set.boilerplate.len(),
        other => panic!("unknown rule kind {other}"),
    }
}

fn load(extra: Option<&str>) -> Result<RuleSet, String> {
    let mut sources = shipped_sources();
    if let Some(toml) = extra {
        sources.push((PathBuf::from("example.toml"), toml.to_string()));
    }
    RuleSet::from_sources(&sources).map_err(|e| e.to_string())
}

fn extractor(rules: &RuleSet) -> Extractor {
    Extractor::new(rules).expect("validated rules compile")
}

fn items<'a>(g: &'a Value, key: &str) -> &'a [Value] {
    g[key]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_else(|| panic!("graph JSON has a \"{key}\" list"))
}

fn evidence(e: &Value) -> &[Value] {
    e["evidence"].as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// Whether `g` shows what `x` expects; the error says what it shows instead.
fn check(g: &Value, x: &Expect) -> Result<(), String> {
    match x {
        Expect::Node { id, kind } => match items(g, "nodes").iter().find(|n| n["id"] == *id) {
            Some(n) if n["type"] == *kind => Ok(()),
            Some(n) => Err(format!("node {id} has type {}, not {kind}", n["type"])),
            None => Err(format!("no node {id}")),
        },
        Expect::Edge {
            source,
            relation,
            target,
            attr,
            rule,
        } => {
            let ends = |e: &Value| {
                (e["source"] == *source && e["target"] == *target)
                    || (*relation == "MET" && e["source"] == *target && e["target"] == *source)
            };
            let cands: Vec<&Value> = items(g, "edges")
                .iter()
                .filter(|e| e["relation"] == *relation && ends(e))
                .collect();
            if cands.is_empty() {
                return Err(format!("no {relation} edge {source} -> {target}"));
            }
            let fits = |e: &&Value| {
                attr.is_none_or(|(k, v)| e[k] == v)
                    && rule.is_none_or(|r| evidence(e).iter().any(|ev| ev["rule"] == r))
            };
            if cands.iter().any(fits) {
                return Ok(());
            }
            let seen: Vec<String> = cands
                .iter()
                .map(|e| {
                    let rules: Vec<&Value> = evidence(e).iter().map(|ev| &ev["rule"]).collect();
                    let shown = attr.map_or(String::new(), |(k, _)| format!("{k} = {}, ", e[k]));
                    format!("{shown}rules {rules:?}")
                })
                .collect();
            Err(format!(
                "{relation} edge {source} -> {target} wants {attr:?} and rule {rule:?}, has: {}",
                seen.join("; ")
            ))
        }
        Expect::DocDate(date) => {
            let docs = g["graph"]["documents"]
                .as_array()
                .expect("graph.documents is a list");
            match docs.as_slice() {
                [d] if d["date"] == *date => Ok(()),
                [d] => Err(format!("document date is {}, not {date}", d["date"])),
                _ => Err(format!("{} documents, not 1", docs.len())),
            }
        }
        Expect::NoEvidence(text) => {
            let hits: Vec<String> = items(g, "edges")
                .iter()
                .flat_map(|e| evidence(e).iter().map(move |ev| (e, ev)))
                .filter(|(_, ev)| ev["sentence"].as_str().is_some_and(|s| s.contains(text)))
                .map(|(e, ev)| format!("{} ({})", e["relation"], ev["rule"]))
                .collect();
            if hits.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{text:?} is quoted as evidence of {}",
                    hits.join(", ")
                ))
            }
        }
    }
}

#[test]
fn every_rule_kind_has_one_example_with_an_article() {
    let examples = parse_examples(&readme());
    for kind in KINDS {
        let found: Vec<&Example> = examples.iter().filter(|e| e.kind == kind).collect();
        assert_eq!(
            found.len(),
            1,
            "graph_rules/README.md: want one ```toml block starting `# example: {kind}`, found {}",
            found.len()
        );
        let text = found[0].text.as_deref().unwrap_or("");
        assert!(
            !text.trim().is_empty(),
            "graph_rules/README.md:{}: the {kind} example has no ```text block after it",
            found[0].line
        );
        assert!(
            EXPECTED.iter().any(|(k, xs)| *k == kind && !xs.is_empty()),
            "this test lists no expected outcome for the {kind} example"
        );
    }
    for e in &examples {
        assert!(
            KINDS.contains(&e.kind.as_str()),
            "graph_rules/README.md:{}: `# example: {}` is not a rule kind",
            e.line,
            e.kind
        );
    }
}

#[test]
fn the_parser_finds_blocks_and_their_articles() {
    let md = "x\n```toml\n# example: date\n[[date]]\n```\n\n```text\nOne.\nTwo.\n```\n```toml\n# example: dateline\n```\n";
    let ex = parse_examples(md);
    assert_eq!(ex.len(), 2);
    assert_eq!(ex[0].kind, "date");
    assert_eq!(ex[0].line, 2);
    assert_eq!(ex[0].toml, "# example: date\n[[date]]\n");
    assert_eq!(ex[0].text.as_deref(), Some("One.\nTwo.\n"));
    assert_eq!(ex[1].kind, "dateline");
    assert_eq!(
        ex[1].text, None,
        "a text block belongs to the example before it"
    );
}

/// What is wrong with one example, if anything.
fn problems_of(ex: &Example, shipped: &RuleSet, shipped_x: &Extractor) -> Vec<String> {
    let at = format!("graph_rules/README.md:{} ({} example)", ex.line, ex.kind);
    let Some(text) = ex.text.as_deref() else {
        return vec![format!("{at}: no ```text block")];
    };
    let Some((_, expected)) = EXPECTED.iter().find(|(k, _)| *k == ex.kind) else {
        return vec![format!("{at}: no expected outcome in this test")];
    };
    let rules = match load(Some(&ex.toml)) {
        Ok(r) => r,
        Err(e) => return vec![format!("{at}: the rules do not load with it:\n{e}")],
    };
    let mut problems = Vec::new();
    if rule_count(&rules, &ex.kind) <= rule_count(shipped, &ex.kind) {
        problems.push(format!("{at}: the block adds no [[{}]] rule", ex.kind));
    }
    let with = graph_json(&extractor(&rules), text);
    let without = graph_json(shipped_x, text);
    for x in expected.iter() {
        if let Err(why) = check(&with, x) {
            problems.push(format!("{at}: {x:?} does not hold: {why}"));
        }
        if check(&without, x).is_ok() {
            problems.push(format!(
                "{at}: {x:?} holds even without the example, so it shows nothing"
            ));
        }
    }
    problems
}

#[test]
fn readme_examples_yield_what_they_promise() {
    let examples = parse_examples(&readme());
    assert!(!examples.is_empty(), "no examples in graph_rules/README.md");
    let shipped = load(None).unwrap_or_else(|e| panic!("the shipped rules do not load:\n{e}"));
    let shipped_x = extractor(&shipped);
    let problems: Vec<String> = std::thread::scope(|s| {
        let runs: Vec<_> = examples
            .iter()
            .map(|ex| s.spawn(|| problems_of(ex, &shipped, &shipped_x)))
            .collect();
        runs.into_iter()
            .flat_map(|r| r.join().expect("an example run panicked"))
            .collect()
    });
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
}
