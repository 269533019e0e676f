//! Big gazetteers: `*.tsv` tables beside the TOML rule files, and the two
//! ways of finding names (the Aho-Corasick automaton and the name index),
//! which must find the same names and build the same graph.

use std::path::{Path, PathBuf};

use cnkg::extract::Extractor;
use cnkg::names::{MatcherKind, NameMatch};
use cnkg::rules::RuleSet;

mod common;
use common::{cnkg, files, graph_json, root};

/// The shipped rule files, sorted, as `(path, contents)`.
fn shipped() -> Vec<(PathBuf, String)> {
    files("graph_rules", "toml")
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read rule file");
            (p, text)
        })
        .collect()
}

/// The shipped rules plus `extra` files.
fn rules_with(extra: &[(&str, &str)]) -> Result<RuleSet, String> {
    let mut sources = shipped();
    for (name, text) in extra {
        sources.push((PathBuf::from(name), text.to_string()));
    }
    RuleSet::from_sources(&sources).map_err(|e| e.to_string())
}

/// Extractors over `rules`, one per matcher.
fn both(rules: &RuleSet) -> (Extractor, Extractor) {
    let mut a = Extractor::new(rules).expect("compile");
    let mut b = Extractor::new(rules).expect("compile");
    a.set_name_matcher(MatcherKind::Automaton)
        .expect("automaton");
    b.set_name_matcher(MatcherKind::Index).expect("index");
    assert_eq!(a.name_matcher(), MatcherKind::Automaton);
    assert_eq!(b.name_matcher(), MatcherKind::Index);
    (a, b)
}

const TABLE: &str = "# places of the north, one a line\n\
id\ttype\tname\taliases\tcountry\tlocated_in\n\
\n\
kanggye\tPlace\tKanggye\tKanggye City\tnorth-korea\tnorth-korea\n";

#[test]
fn an_entity_of_a_table_is_found_in_a_sentence() {
    let text = "Chinese engineers arrived in Kanggye City on Tuesday to inspect a power plant.";
    let set = rules_with(&[("zz-north.tsv", TABLE)]).expect("valid rules");
    let k = set
        .entities
        .iter()
        .find(|e| e.rule.id == "kanggye")
        .expect("the table's entity");
    assert_eq!(k.rule.aliases, ["Kanggye City"]);
    assert_eq!(k.rule.country.as_deref(), Some("north-korea"));
    assert_eq!(
        (k.origin.file.as_path(), k.origin.line),
        (Path::new("zz-north.tsv"), 4)
    );
    let (a, b) = both(&set);
    for x in [&a, &b] {
        let g = graph_json(x, text);
        let nodes = g["nodes"].as_array().expect("nodes");
        let node = nodes
            .iter()
            .find(|n| n["id"] == "place:kanggye")
            .unwrap_or_else(|| panic!("place:kanggye in {nodes:?}"));
        assert_eq!(node["type"], "Place");
        assert_eq!(node["label"], "Kanggye");
        let located = g["edges"]
            .as_array()
            .or_else(|| g["links"].as_array())
            .expect("edges")
            .iter()
            .any(|e| {
                e["source"] == "place:kanggye"
                    && e["target"] == "country:north-korea"
                    && e["relation"] == "LOCATED_IN"
            });
        assert!(located, "no LOCATED_IN edge from the table's located_in");
    }
    // the shipped rules alone do not know it
    let alone = Extractor::new(&rules_with(&[]).expect("valid")).expect("compile");
    let g = graph_json(&alone, text);
    assert!(!g["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .any(|n| n["id"] == "place:kanggye"));
}

#[test]
fn a_table_hashes_into_the_rules_hash() {
    let a = rules_with(&[("zz-north.tsv", TABLE)]).expect("valid");
    let b = rules_with(&[("zz-north.tsv", &TABLE.replace("Kanggye City", "Kanggye-si"))])
        .expect("valid");
    let c = rules_with(&[]).expect("valid");
    assert_ne!(a.hash, b.hash);
    assert_ne!(a.hash, c.hash);
}

#[test]
fn bad_lines_of_a_table_are_reported_with_file_line_and_fix() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).expect("mkdir");
    std::fs::write(
        rules.join("a.toml"),
        "[[entity]]\nid = \"north-korea\"\ntype = \"Country\"\nname = \"North Korea\"\n",
    )
    .expect("write");
    std::fs::write(
        rules.join("b.tsv"),
        "# comment\n\
         id\ttype\tname\taliases\tcountry\n\
         kanggye\tPlace\tKanggye\tKanggye City\tnorth-korea\n\
         manpo\tPlace\tManpo\n\
         hyesan\tPlaec\tHyesan\t\tnorth-korea\n\
         musan\tPlace\tMusan\tKanggye City|Musan County\t\n\
         sinuiju\tPlace\tSinuiju\t\tnowhere\n\
         north-korea\tCountry\tDPRK\t\t\n\
         rason\tPlace\tRason\tRason City|\t\n",
    )
    .expect("write");
    let out = cnkg()
        .args(["rules", "check"])
        .arg(&rules)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let t = rules.display().to_string();
    let want = format!(
        "error: 6 errors in rule files:\n\
         \x20 {t}/b.tsv:4: rule 'manpo': 3 cells, the header has 5: separate cells with one tab each, and leave a cell empty for none\n\
         \x20 {t}/b.tsv:5: rule 'hyesan': unknown entity type 'Plaec': use Person, Organization, Country or Place\n\
         \x20 {t}/b.tsv:6: rule 'musan': alias 'Kanggye City' is also claimed by entity 'kanggye'; keep it on one entity\n\
         \x20 {t}/b.tsv:7: rule 'sinuiju': country = 'nowhere' names no entity; define it or fix the id\n\
         \x20 {t}/b.tsv:8: rule 'north-korea': duplicate id: already used at {t}/a.toml:1; give each rule its own id\n\
         \x20 {t}/b.tsv:9: rule 'rason': empty alias\n"
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), want);
}

#[test]
fn a_bad_header_is_one_error_on_its_line() {
    let cases = [
        (
            "id\ttype\tname\talias\n",
            "t.tsv:1: unknown column 'alias' in the header: columns are id, type, name, aliases, demonyms, country, located_in, separated by tabs",
        ),
        (
            "\n# no type\nid\tname\n",
            "t.tsv:3: no column 'type' in the header: a gazetteer table needs id, type and name",
        ),
        (
            "id\ttype\tname\tname\n",
            "t.tsv:1: column 'name' named twice in the header",
        ),
    ];
    for (table, want) in cases {
        let err = rules_with(&[("t.tsv", table)]).expect_err("a bad header");
        assert_eq!(err, want);
    }
}

/// Every name of `x` found in `s`, by both extractors, must agree.
fn same(a: &Extractor, b: &Extractor, s: &str) -> usize {
    let (x, y): (Vec<NameMatch>, Vec<NameMatch>) = (a.name_matches(s), b.name_matches(s));
    assert!(x == y, "the matchers differ on {s:?}:\n{x:?}\n{y:?}");
    x.len()
}

fn seed_texts() -> Vec<String> {
    files("seeds", "txt")
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .collect()
}

#[test]
fn both_matchers_find_the_same_names_in_the_seeds() {
    let (a, b) = both(&rules_with(&[]).expect("valid"));
    let mut found = 0;
    for text in seed_texts() {
        found += same(&a, &b, &text);
        for line in text.lines() {
            same(&a, &b, line);
        }
    }
    assert!(found > 100, "only {found} names in the seeds");
}

/// Text made of the generated gazetteer's names, whole, cut short, run
/// into words, in other cases and with other punctuation.
fn mangled(names: &[String], seed: u64) -> Vec<String> {
    let mut r = cnkg::synth::Rng::new(seed);
    let seps = [
        " ", " ", " ", ", ", "-", "", "'s ", ". ", " (", ") ", "\u{e9}", "  ",
    ];
    let mut out = Vec::new();
    for _ in 0..2000 {
        let mut s = String::new();
        for _ in 0..r.range(1, 6) {
            let n = &names[r.below(names.len())];
            let mut piece: String = match r.below(6) {
                0 => n.to_uppercase(),
                1 => n.to_lowercase(),
                2 => n.replace('-', " "),
                3 => n
                    .split(' ')
                    .take(r.range(1, 3))
                    .collect::<Vec<_>>()
                    .join(" "),
                4 => format!("{n}s"),
                _ => n.clone(),
            };
            if r.chance(10) {
                piece.insert(0, 'x');
            }
            s.push_str(&piece);
            s.push_str(seps[r.below(seps.len())]);
        }
        out.push(s);
    }
    out
}

#[test]
fn both_matchers_find_the_same_names_with_a_generated_gazetteer() {
    let table = cnkg::bench::gazetteer_tsv(3000, 7);
    let set = rules_with(&[("zz-generated.tsv", &table)]).expect("valid");
    let (a, b) = both(&set);
    let names: Vec<String> = set
        .entities
        .iter()
        .flat_map(|e| std::iter::once(e.rule.name.clone()).chain(e.rule.aliases.clone()))
        .collect();
    let mut found = 0;
    for s in mangled(&names, 11) {
        found += same(&a, &b, &s);
    }
    assert!(found > 2000, "only {found} names in the generated text");
    for doc in cnkg::synth::documents(cnkg::synth::SEED, 0..200) {
        same(&a, &b, &doc.text);
    }
    for text in seed_texts() {
        same(&a, &b, &text);
    }
}

#[test]
fn both_matchers_build_the_same_bytes() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).expect("mkdir");
    for (p, text) in shipped() {
        std::fs::write(rules.join(p.file_name().expect("name")), text).expect("copy");
    }
    std::fs::write(
        rules.join("zz-generated.tsv"),
        cnkg::bench::gazetteer_tsv(1000, 3),
    )
    .expect("write");
    for folder in [root().join("graph_rules"), rules] {
        let mut outs = Vec::new();
        for kind in ["automaton", "index"] {
            let out = cnkg()
                .env("CNKG_NAME_MATCHER", kind)
                .args(["build", "seeds", "--quiet", "--rules"])
                .arg(&folder)
                .output()
                .expect("run");
            assert!(out.status.success(), "{out:?}");
            outs.push(out.stdout);
        }
        assert!(
            outs[0] == outs[1],
            "{}: the graphs differ",
            folder.display()
        );
        assert!(outs[0].len() > 10_000);
    }
}
