//! Cheap gates in front of the rules' regexes, computed from the regexes
//! themselves.
//!
//! For every pattern, [`required_literals`] reads its syntax tree and finds
//! a set of literal strings such that every match of the pattern contains
//! one of them (for `\b(?P<weekday>Monday|Tuesday|...)\b`, the weekdays;
//! for `{Person:a} ... held talks with {Person:b}`, the longest literal
//! the pattern cannot do without). One Aho-Corasick automaton holds the
//! literals of a whole family of rules; a text in which none of a rule's
//! literals occurs cannot match the rule, so the rule is not run there.
//!
//! The gate only ever skips a regex that would have found nothing, so the
//! output is the same with gates on or off (`CNKG_NO_GATES=1` turns them
//! off, and the tests compare both). Since the literals come from the
//! patterns, an edited rule is gated by what it now says.

use std::collections::BTreeSet;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind};

/// At most this many strings in a set of exact strings.
const MAX_EXACT: usize = 256;
/// At most this many strings in an alternation's union.
const MAX_UNION: usize = 4096;
/// Characters in a class small enough to spell out.
const MAX_CLASS: usize = 16;
/// A gate literal shorter than this is no gate at all.
const MIN_LEN: usize = 2;

type Set = BTreeSet<Vec<u8>>;

#[derive(Debug, Clone, Default)]
struct Lits {
    /// Every string the node can match (ASCII-lowercased), when few.
    exact: Option<Set>,
    /// Strings one of which every match of the node contains.
    req: Option<Set>,
}

fn lower(b: &[u8]) -> Vec<u8> {
    b.to_ascii_lowercase()
}

/// How good a requirement is: longer shortest string first, then fewer strings.
fn score(s: &Set) -> (usize, std::cmp::Reverse<usize>) {
    let min = s.iter().map(Vec::len).min().unwrap_or(0);
    (min.min(8), std::cmp::Reverse(s.len()))
}

fn better(a: Option<Set>, b: Option<Set>) -> Option<Set> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if score(&b) > score(&a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// A requirement from an exact set: only when it cannot match the empty string.
fn req_of_exact(e: &Set) -> Option<Set> {
    (!e.is_empty() && !e.contains(&Vec::new())).then(|| e.clone())
}

fn cross(a: &Set, b: &Set) -> Option<Set> {
    if a.len().saturating_mul(b.len()) > MAX_EXACT {
        return None;
    }
    let mut out = Set::new();
    for x in a {
        for y in b {
            let mut s = x.clone();
            s.extend_from_slice(y);
            out.insert(s);
        }
    }
    Some(out)
}

fn class_set(c: &Class) -> Option<Set> {
    let mut out = Set::new();
    match c {
        Class::Unicode(u) => {
            let mut n = 0usize;
            for r in u.ranges() {
                n += (r.end() as usize) - (r.start() as usize) + 1;
                if n > MAX_CLASS {
                    return None;
                }
                for ch in r.start()..=r.end() {
                    let mut buf = [0u8; 4];
                    out.insert(lower(ch.encode_utf8(&mut buf).as_bytes()));
                }
            }
        }
        Class::Bytes(b) => {
            let mut n = 0usize;
            for r in b.ranges() {
                n += (r.end() as usize) - (r.start() as usize) + 1;
                if n > MAX_CLASS {
                    return None;
                }
                for byte in r.start()..=r.end() {
                    out.insert(vec![byte.to_ascii_lowercase()]);
                }
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

fn lits(h: &Hir) -> Lits {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Lits {
            exact: Some(Set::from([Vec::new()])),
            req: None,
        },
        HirKind::Literal(l) => {
            let s = Set::from([lower(&l.0)]);
            Lits {
                req: req_of_exact(&s),
                exact: Some(s),
            }
        }
        HirKind::Class(c) => {
            let exact = class_set(c);
            Lits {
                req: exact.as_ref().and_then(req_of_exact),
                exact,
            }
        }
        HirKind::Capture(c) => lits(&c.sub),
        HirKind::Repetition(r) => {
            let sub = lits(&r.sub);
            match (r.min, r.max) {
                (_, Some(0)) => Lits {
                    exact: Some(Set::from([Vec::new()])),
                    req: None,
                },
                (0, Some(1)) => Lits {
                    exact: sub.exact.map(|mut e| {
                        e.insert(Vec::new());
                        e
                    }),
                    req: None,
                },
                (0, _) => Lits::default(),
                (1, Some(1)) => sub,
                _ => Lits {
                    exact: None,
                    req: sub.req,
                },
            }
        }
        HirKind::Concat(xs) => {
            let parts: Vec<Lits> = xs.iter().map(lits).collect();
            // every string of the whole
            let mut exact = Some(Set::from([Vec::new()]));
            for p in &parts {
                exact = match (&exact, &p.exact) {
                    (Some(a), Some(b)) => cross(a, b),
                    _ => None,
                };
            }
            // the best requirement: a part's own, or the strings of a run of exact parts
            let mut req = None;
            for p in &parts {
                req = better(req, p.req.clone());
            }
            for i in 0..parts.len() {
                let mut acc = Set::from([Vec::new()]);
                for p in &parts[i..] {
                    let Some(e) = &p.exact else { break };
                    match cross(&acc, e) {
                        Some(next) => acc = next,
                        None => break,
                    }
                    req = better(req, req_of_exact(&acc));
                }
            }
            if let Some(e) = &exact {
                req = better(req, req_of_exact(e));
            }
            Lits { exact, req }
        }
        HirKind::Alternation(xs) => {
            let parts: Vec<Lits> = xs.iter().map(lits).collect();
            let mut exact = Some(Set::new());
            let mut req = Some(Set::new());
            for p in parts {
                exact = match (exact, p.exact) {
                    (Some(mut a), Some(b)) if a.len() + b.len() <= MAX_UNION => {
                        a.extend(b);
                        Some(a)
                    }
                    _ => None,
                };
                let mine = better(p.req, None);
                req = match (req, mine) {
                    (Some(mut a), Some(b)) if a.len() + b.len() <= MAX_UNION => {
                        a.extend(b);
                        Some(a)
                    }
                    _ => None,
                };
            }
            if let Some(e) = &exact {
                req = better(req, req_of_exact(e));
            }
            Lits { exact, req }
        }
    }
}

/// Literal strings (ASCII letters in lower case) one of which every match
/// of `pattern` contains, matched without regard to ASCII case; `None` when
/// the pattern offers no useful set (or does not parse).
///
/// ```
/// let l = cnkg::gate::required_literals(r"\b(?P<weekday>Monday|Tuesday)\b").unwrap();
/// assert_eq!(l, ["monday", "tuesday"]);
/// let l = cnkg::gate::required_literals(r"(?i:held)\s+talks\s+with").unwrap();
/// assert_eq!(l, ["talks"]);
/// assert_eq!(cnkg::gate::required_literals(r"\p{Lu}\w+"), None);
/// ```
pub fn required_literals(pattern: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    let req = lits(&hir).req?;
    if req.iter().any(|s| s.len() < MIN_LEN) {
        return None;
    }
    Some(
        req.into_iter()
            .map(|s| String::from_utf8_lossy(&s).into_owned())
            .collect(),
    )
}

/// Whether gates are off for this process (`CNKG_NO_GATES=1`): every rule
/// then runs on every text, as a check that the gates change nothing.
pub fn disabled() -> bool {
    std::env::var_os("CNKG_NO_GATES").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The gate of a family of rules: which of them may match a text.
#[derive(Debug, Clone)]
pub struct Gate {
    ac: Option<AhoCorasick>,
    /// Rules each literal opens.
    opens: Vec<Vec<u32>>,
    /// Rules with no literal: always open.
    always: Vec<u32>,
    rules: usize,
    off: bool,
}

/// Which rules of a gate are open for a text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Open(Vec<bool>);

impl Open {
    /// Whether rule `i` may match.
    #[inline]
    pub fn get(&self, i: usize) -> bool {
        self.0.get(i).copied().unwrap_or(true)
    }
    /// Whether any rule may match.
    pub fn any(&self) -> bool {
        self.0.iter().any(|&b| b)
    }
}

impl Gate {
    /// A gate for `patterns` (rule `i` is `patterns[i]`).
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Gate {
        let mut lits: Vec<String> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        let mut opens: Vec<Vec<u32>> = Vec::new();
        let mut always = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            match required_literals(p.as_ref()) {
                Some(ls) => {
                    for l in ls {
                        let k = *index.entry(l.clone()).or_insert_with(|| {
                            lits.push(l);
                            opens.push(Vec::new());
                            lits.len() - 1
                        });
                        opens[k].push(i as u32);
                    }
                }
                None => always.push(i as u32),
            }
        }
        let ac = (!lits.is_empty())
            .then(|| {
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .ascii_case_insensitive(true)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&lits)
                    .or_else(|_| {
                        AhoCorasickBuilder::new()
                            .match_kind(MatchKind::Standard)
                            .ascii_case_insensitive(true)
                            .build(&lits)
                    })
                    .ok()
            })
            .flatten();
        if ac.is_none() {
            // no automaton: every rule always runs
            always = (0..patterns.len() as u32).collect();
        }
        Gate {
            ac,
            opens,
            always,
            rules: patterns.len(),
            off: disabled(),
        }
    }

    /// Turns the gate off (every rule always open) or back on.
    pub fn set_off(&mut self, off: bool) {
        self.off = off;
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules
    }

    /// Whether the gate has no rules.
    pub fn is_empty(&self) -> bool {
        self.rules == 0
    }

    /// Every rule open.
    pub fn all_open(&self) -> Open {
        Open(vec![true; self.rules])
    }

    fn start(&self, out: &mut Open) {
        out.0.clear();
        out.0.resize(self.rules, self.off);
        for &r in &self.always {
            out.0[r as usize] = true;
        }
    }

    /// The rules that may match somewhere in `text`.
    pub fn scan(&self, text: &str, out: &mut Open) {
        self.start(out);
        if self.off {
            return;
        }
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(text) {
                for &r in &self.opens[m.pattern().as_usize()] {
                    out.0[r as usize] = true;
                }
            }
        }
    }

    /// Every literal occurrence in `text`: (start, end, literal), by end.
    pub fn hits(&self, text: &str) -> Vec<(u32, u32, u32)> {
        let mut v = Vec::new();
        if self.off {
            return v;
        }
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(text) {
                v.push((m.start() as u32, m.end() as u32, m.pattern().as_u32()));
            }
        }
        v
    }

    /// The rules that may match in `text[from..to]`, given [`Gate::hits`] of the whole text.
    pub fn open_in(&self, hits: &[(u32, u32, u32)], from: usize, to: usize, out: &mut Open) {
        self.start(out);
        if self.off {
            return;
        }
        // hits come in order of their end
        let lo = hits.partition_point(|h| (h.1 as usize) <= from);
        for h in &hits[lo..] {
            if h.1 as usize > to {
                break;
            }
            if h.0 as usize >= from {
                for &r in &self.opens[h.2 as usize] {
                    out.0[r as usize] = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(p: &str) -> Option<Vec<String>> {
        required_literals(p)
    }

    #[test]
    fn literals_every_match_needs() {
        assert_eq!(
            req(r"\b(?P<ago_days>today|yesterday|(?:\d+|two|three) days ago)\b").unwrap(),
            [" days ago", "today", "yesterday"]
        );
        assert_eq!(req(r"(?i:Deputy|Vice)\s+x").unwrap(), ["deputy", "vice"]);
        // a placeholder is a literal too
        assert_eq!(req(r"\x01[P]\d+\x02\s+said").unwrap(), ["said"]);
        assert_eq!(req(r"\x01[PO]\d+\x02").unwrap(), ["\u{1}o", "\u{1}p"]);
        // an optional part requires nothing
        assert_eq!(req(r"(?:said)?\p{Lu}+"), None);
        // an alternative without a literal spoils the set
        assert_eq!(req(r"said|\p{Lu}\p{Ll}+"), None);
        // one-letter literals are no gate
        assert_eq!(req(r"a\p{Lu}"), None);
    }

    #[test]
    fn gate_opens_rules_whose_literals_occur() {
        let g = Gate::new(&[r"\bMonday\b", r"talks\s+with", r"\p{Lu}+"]);
        let mut o = Open::default();
        g.scan("They held TALKS with him.", &mut o);
        assert!(!o.get(0) && o.get(1) && o.get(2));
        g.scan("on monday", &mut o);
        assert!(o.get(0) && !o.get(1) && o.get(2));
        let text = "on Monday. talks with";
        let hits = g.hits(text);
        g.open_in(&hits, 0, 10, &mut o);
        assert!(o.get(0) && !o.get(1));
        g.open_in(&hits, 11, text.len(), &mut o);
        assert!(!o.get(0) && o.get(1));
    }
}
