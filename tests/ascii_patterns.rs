//! Every rule of `graph_rules/`, run as its ASCII copy over ASCII text, finds
//! the same matches with the same groups as the rule as written.

mod common;

use cnkg::pattern::Pattern;
use cnkg::rules::RuleSet;
use common::{files, root};

type Found = Vec<Vec<Option<(usize, usize)>>>;

fn found(re: &regex::Regex, text: &str) -> Found {
    re.captures_iter(text)
        .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())
        .collect()
}

/// The seeds, the fixtures and 300 synthetic articles, normalised, each
/// also with its capitalised word pairs masked as the extractor masks
/// known names (`\u{1}P0\u{2}`), since person and relation rules read
/// masked sentences.
fn texts() -> Vec<String> {
    let mut raw: Vec<String> = files("seeds", "txt")
        .into_iter()
        .chain(files("tests/fixtures/articles", "txt"))
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .collect();
    raw.extend((0..300).map(|i| cnkg::synth::document(7, i).text));
    let pair = regex::Regex::new(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+").unwrap();
    let mut out = Vec::new();
    for t in raw {
        let n = cnkg::text::Normalized::new(&t).text;
        let mut k = 0;
        let masked = pair
            .replace_all(&n, |_: &regex::Captures| {
                k += 1;
                format!("\u{1}{}{}\u{2}", ["P", "O", "C", "L"][k % 4], k)
            })
            .into_owned();
        out.push(n);
        out.push(masked);
    }
    out
}

#[test]
fn every_rule_matches_alike_as_written_and_as_its_ascii_copy() {
    let set = RuleSet::load_dir(&root().join("graph_rules")).expect("rules load");
    let c = set.compile().expect("rules compile");
    let mut rules: Vec<(&str, &Pattern)> = Vec::new();
    rules.extend(c.entity_patterns.iter().map(|r| (r.id.as_str(), &r.re)));
    for r in &c.relations {
        rules.push((&r.id, &r.re));
        if let Some(u) = &r.unless {
            rules.push((&r.id, u));
        }
    }
    rules.extend(c.dates.iter().map(|r| (r.id.as_str(), &r.re)));
    rules.extend(c.datelines.iter().map(|r| (r.id.as_str(), &r.re)));
    rules.extend(c.anniversaries.iter().map(|r| (r.id.as_str(), &r.re)));
    let texts = texts();
    let ascii: Vec<&String> = texts.iter().filter(|t| t.is_ascii()).collect();
    assert!(ascii.len() > 600, "{} ASCII texts", ascii.len());
    // the copies are cut down: no Unicode class is left in the busy rules
    let cut = rules
        .iter()
        .filter(|(_, p)| p.ascii_str() != p.as_str())
        .count();
    assert!(
        cut * 2 > rules.len(),
        "{cut} of {} rules have a copy",
        rules.len()
    );
    let mut matches = 0;
    for (id, p) in &rules {
        for t in &ascii {
            let a = found(p.on(t), t);
            assert_eq!(a, found(p.full(), t), "rule {id} on {t:?}");
            matches += a.len();
        }
    }
    assert!(matches > 10_000, "only {matches} matches compared");
}
