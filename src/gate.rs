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
//! A run of literals goes on past a part of the pattern that is not one
//! but starts and ends with one of a few characters: `\d{1,2}(?:st|th)`
//! needs a digit followed by "st" or "th". In a rule as written, `\d` is
//! every digit Unicode has, too many to spell out; in its ASCII copy
//! ([`crate::pattern`]) it is ten. So each family of rules has two gates:
//! one for any text, and one that holds for text that is all ASCII, in
//! which a rule the first leaves always open is gated by the literals of
//! its ASCII copy ([`Gate::pair`]).
//!
//! The gate only ever skips a regex that would have found nothing, so the
//! output is the same with gates on or off (`CNKG_NO_GATES=1` turns them
//! off, and the tests compare both). Since the literals come from the
//! patterns, an edited rule is gated by what it now says.

use std::collections::BTreeSet;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use rayon::prelude::*;
use regex_syntax::hir::{Class, Hir, HirKind};

/// At most this many strings in a set of exact strings.
const MAX_EXACT: usize = 256;
/// At most this many strings in an alternation's union.
const MAX_UNION: usize = 4096;
/// Characters in a class small enough to spell out.
const MAX_CLASS: usize = 16;
/// A gate literal shorter than this is no gate at all.
const MIN_LEN: usize = 2;
/// At most this many requirements per pattern.
const MAX_CLAUSES: usize = 6;
/// Characters in a class small enough to stand as a requirement of its own
/// (the Unicode digits, for one).
const MAX_CLASS_REQ: usize = 1024;

type Set = BTreeSet<Vec<u8>>;

#[derive(Debug, Clone, Default)]
struct Lits {
    /// Every string the node can match (ASCII-lowercased), when few.
    exact: Option<Set>,
    /// Sets of strings, each such that every match of the node contains one
    /// of its strings: all of them hold at once.
    reqs: Vec<Set>,
    /// The characters every match starts with one of, when few and the
    /// node cannot match the empty string.
    first: Option<Set>,
    /// The characters every match ends with one of, likewise.
    last: Option<Set>,
    /// Strings every match starts with one of, when few: the whole words
    /// of a lexicon written as a trie (`c(?:hief(?:\s+of\s+staff)?|eo)`)
    /// though the node has no exact strings. An empty string in it is a
    /// match that starts with nothing known.
    prefix: Option<Set>,
}

/// The first (or last) character of each string, when none is empty.
fn ends(e: &Set, last: bool) -> Option<Set> {
    let mut out = Set::new();
    for x in e {
        let t = std::str::from_utf8(x).ok()?;
        let c = if last {
            t.chars().next_back()?
        } else {
            t.chars().next()?
        };
        out.insert(c.to_string().into_bytes());
    }
    (!out.is_empty() && out.len() <= MAX_EXACT).then_some(out)
}

/// Whether a set holds a placeholder mark.
fn marked(s: &Set) -> bool {
    s.iter().any(|x| x.contains(&1) || x.contains(&2))
}

/// Whether a set holds only single spaces (as ASCII `\s` has them).
fn space(s: &Set) -> bool {
    s.iter()
        .all(|c| matches!(c[..], [b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C]))
}

/// The strings of `acc` followed by those of `e`; when they would be too
/// many, the last characters of `acc` followed by `e`.
fn step(acc: &Set, e: &Set) -> Option<Set> {
    cross(acc, e).or_else(|| cross(&ends(acc, true)?, e))
}

/// `a` and `b` united, when both are known.
fn union(a: Option<Set>, b: Option<&Set>) -> Option<Set> {
    let (mut a, b) = (a?, b?);
    a.extend(b.iter().cloned());
    (a.len() <= MAX_EXACT).then_some(a)
}

fn lower(b: &[u8]) -> Vec<u8> {
    b.to_ascii_lowercase()
}

/// How good a requirement is: a placeholder mark (rare in text) first,
/// then a longer shortest string, then fewer strings.
fn score(s: &Set) -> (bool, usize, std::cmp::Reverse<usize>) {
    let min = s.iter().map(Vec::len).min().unwrap_or(0);
    let marked = s.iter().all(|x| x.contains(&1u8));
    (marked, min.min(8), std::cmp::Reverse(s.len()))
}

fn best(reqs: &[Set]) -> Option<&Set> {
    reqs.iter().max_by_key(|s| score(s))
}

/// A requirement from an exact set: only when it cannot match the empty string.
fn req_of_exact(e: &Set) -> Option<Set> {
    (!e.is_empty() && !e.contains(&Vec::new())).then(|| e.clone())
}

/// The strongest few requirements, without repeats.
fn prune(mut reqs: Vec<Set>) -> Vec<Set> {
    reqs.sort_by_key(|s| std::cmp::Reverse(score(s)));
    let mut out: Vec<Set> = Vec::new();
    for r in reqs {
        if out.len() == MAX_CLAUSES {
            break;
        }
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
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
    class_chars(c, MAX_CLASS)
}

fn class_chars(c: &Class, max: usize) -> Option<Set> {
    /// Spelled classes by a hash of their ranges: (unicode, max, ranges,
    /// spelling).
    type Spelled = crate::FastMap<u64, Vec<(bool, usize, Vec<(u32, u32)>, Option<Set>)>>;
    thread_local! {
        // the same classes (`\d`, `\p{Lu}`) come back in pattern after pattern
        static MEMO: std::cell::RefCell<Spelled> = Default::default();
    }
    let (unicode, ranges): (bool, Vec<(u32, u32)>) = match c {
        Class::Unicode(u) => (
            true,
            u.ranges()
                .iter()
                .map(|r| (r.start() as u32, r.end() as u32))
                .collect(),
        ),
        Class::Bytes(b) => (
            false,
            b.ranges()
                .iter()
                .map(|r| (r.start() as u32, r.end() as u32))
                .collect(),
        ),
    };
    // a class of Unicode has hundreds of ranges: a fast hash of them
    let key = {
        use std::hash::BuildHasher;
        foldhash::fast::FixedState::default().hash_one((unicode, max, &ranges))
    };
    let same = |e: &&(bool, usize, Vec<(u32, u32)>, Option<Set>)| {
        e.0 == unicode && e.1 == max && e.2 == ranges
    };
    if let Some(hit) = MEMO.with(|m| {
        m.borrow()
            .get(&key)
            .and_then(|v| v.iter().find(same).map(|e| e.3.clone()))
    }) {
        return hit;
    }
    let out = spell_class(c, max);
    MEMO.with(|m| {
        m.borrow_mut()
            .entry(key)
            .or_default()
            .push((unicode, max, ranges, out.clone()))
    });
    out
}

fn spell_class(c: &Class, max: usize) -> Option<Set> {
    let mut out = Set::new();
    match c {
        Class::Unicode(u) => {
            let mut n = 0usize;
            for r in u.ranges() {
                n += (r.end() as usize) - (r.start() as usize) + 1;
                if n > max {
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
                if n > max {
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

/// A prefix set that also holds the empty string: the node may match
/// nothing.
fn or_empty(p: Option<Set>) -> Option<Set> {
    p.map(|mut p| {
        p.insert(Vec::new());
        p
    })
}

/// The strings every match of a concatenation starts with one of: those of
/// its leading parts with exact strings, then what the next part starts
/// with. Cut short where the strings would be too many, which keeps them
/// true.
fn concat_prefix(parts: &[Lits]) -> Option<Set> {
    let mut acc = Set::from([Vec::new()]);
    for p in parts {
        if let Some(e) = &p.exact {
            match cross(&acc, e) {
                Some(next) => acc = next,
                None => break,
            }
            continue;
        }
        // a placeholder mark gates well alone
        if !marked(&acc) {
            if let Some(next) = p.prefix.as_ref().and_then(|pp| cross(&acc, pp)) {
                acc = next;
            }
        }
        break;
    }
    Some(acc)
}

/// The analysis of big alternations and concatenations met before: a
/// lexicon or a list of names written into rules as a macro (`{TITLE}`,
/// `{Country}`), or a phrase built of them, comes back in pattern after
/// pattern, each time the same tree.
#[derive(Default)]
struct Memo(crate::FastMap<u64, Vec<(Hir, Lits)>>);

/// Alternations and concatenations of at least this many parts are kept
/// in a [`Memo`].
const MEMO_BRANCHES: usize = 4;

/// A hash of what `h` says of itself and of its branches, without walking
/// its tree: equal trees hash alike, and different trees seldom do (the
/// memo compares the trees themselves).
fn shape(h: &Hir, state: &mut impl std::hash::Hasher) {
    use std::hash::Hash;
    let one = |h: &Hir, state: &mut _| {
        let p = h.properties();
        (
            std::mem::discriminant(h.kind()),
            p.minimum_len(),
            p.maximum_len(),
            p.explicit_captures_len(),
            p.look_set().bits,
            p.is_literal(),
            p.is_alternation_literal(),
        )
            .hash(state);
    };
    one(h, state);
    if let HirKind::Concat(xs) | HirKind::Alternation(xs) = h.kind() {
        xs.len().hash(state);
        for x in xs {
            one(x, state);
        }
    }
}

/// What every match of `h` needs and starts with (see [`Lits`]): from
/// `memo` when `h` is a big alternation or concatenation analysed before
/// (the same tree, not only the same hash).
fn lits(h: &Hir, memo: &mut Memo) -> Lits {
    if !matches!(h.kind(), HirKind::Alternation(xs) | HirKind::Concat(xs) if xs.len() >= MEMO_BRANCHES)
    {
        return lits_of(h, memo);
    }
    use std::hash::BuildHasher;
    let key = {
        let mut state = foldhash::fast::FixedState::default().build_hasher();
        shape(h, &mut state);
        std::hash::Hasher::finish(&state)
    };
    if let Some((_, l)) = memo
        .0
        .get(&key)
        .and_then(|v| v.iter().find(|(t, _)| t == h))
    {
        return l.clone();
    }
    let l = lits_of(h, memo);
    memo.0.entry(key).or_default().push((h.clone(), l.clone()));
    l
}

/// [`lits`] of `h`, worked out from its parts.
fn lits_of(h: &Hir, memo: &mut Memo) -> Lits {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Lits {
            exact: Some(Set::from([Vec::new()])),
            prefix: Some(Set::from([Vec::new()])),
            ..Lits::default()
        },
        HirKind::Literal(l) => {
            let s = Set::from([lower(&l.0)]);
            Lits {
                reqs: req_of_exact(&s).into_iter().collect(),
                first: ends(&s, false),
                last: ends(&s, true),
                prefix: Some(s.clone()),
                exact: Some(s),
            }
        }
        HirKind::Class(c) => {
            let exact = class_set(c);
            let req = match &exact {
                Some(e) => req_of_exact(e),
                None => class_chars(c, MAX_CLASS_REQ),
            };
            Lits {
                reqs: req.into_iter().collect(),
                first: exact.clone(),
                last: exact.clone(),
                prefix: exact.clone(),
                exact,
            }
        }
        HirKind::Capture(c) => lits(&c.sub, memo),
        HirKind::Repetition(r) => {
            let sub = lits(&r.sub, memo);
            match (r.min, r.max) {
                (_, Some(0)) => Lits {
                    exact: Some(Set::from([Vec::new()])),
                    prefix: Some(Set::from([Vec::new()])),
                    ..Lits::default()
                },
                (0, Some(1)) => Lits {
                    exact: sub.exact.map(|mut e| {
                        e.insert(Vec::new());
                        e
                    }),
                    prefix: or_empty(sub.prefix),
                    ..Lits::default()
                },
                (0, _) => Lits {
                    prefix: or_empty(sub.prefix),
                    ..Lits::default()
                },
                (1, Some(1)) => sub,
                _ => Lits {
                    exact: None,
                    reqs: sub.reqs,
                    first: sub.first,
                    last: sub.last,
                    prefix: sub.prefix,
                },
            }
        }
        HirKind::Concat(xs) => {
            let parts: Vec<Lits> = xs.iter().map(|x| lits(x, memo)).collect();
            // every string of the whole
            let mut exact = Some(Set::from([Vec::new()]));
            for p in &parts {
                exact = match (&exact, &p.exact) {
                    (Some(a), Some(b)) => cross(a, b),
                    _ => None,
                };
            }
            // every part's requirements hold, and those of the strings of
            // each run of parts with exact strings (the best run from each
            // start). A run goes on past a part that is not exact but starts
            // and ends with few characters (`\d{1,2}`, `\s+`): the strings so
            // far followed by its first character, then its last character
            // followed by what comes next. A run grown too big goes on from
            // the last character of its strings.
            let mut reqs: Vec<Set> = parts.iter().flat_map(|p| p.reqs.clone()).collect();
            for i in 0..parts.len() {
                let mut acc = Set::from([Vec::new()]);
                let mut top: Option<Set> = None;
                let mut keep = |r: Option<&Set>| {
                    if let Some(r) = r.filter(|r| !r.is_empty() && !r.contains(&Vec::new())) {
                        if top.as_ref().is_none_or(|t| score(r) > score(t)) {
                            top = Some(r.clone());
                        }
                    }
                };
                // placeholder marks gate well alone: a run through them
                // past a part that is not exact only adds literals
                let mut bridged = false;
                for p in &parts[i..] {
                    if let Some(e) = &p.exact {
                        if bridged && marked(e) {
                            break;
                        }
                        match step(&acc, e) {
                            Some(next) => acc = next,
                            None => break,
                        }
                        keep(Some(&acc));
                        // no longer string scores higher
                        if acc.iter().all(|a| a.len() >= 8) {
                            break;
                        }
                        continue;
                    }
                    if marked(&acc) {
                        break;
                    }
                    // the strings so far, then those the part starts with
                    // (not spaces, which make it no rarer; see below)
                    if let Some(pp) = p
                        .prefix
                        .as_ref()
                        .filter(|pp| !pp.contains(&Vec::new()) && !space(pp))
                    {
                        keep(step(&acc, pp).as_ref());
                    }
                    let (Some(f), Some(l)) = (&p.first, &p.last) else {
                        break;
                    };
                    // a space after a long word makes it no rarer, only more
                    // literals to look for; after a short one ("Mr", "Dr")
                    // it does, since the word is no longer part of another
                    if space(f) {
                        let mut out = Set::new();
                        for a in &acc {
                            if a.len() < 3 {
                                out.extend(f.iter().map(|c| [&a[..], c].concat()));
                            } else {
                                out.insert(a.clone());
                            }
                        }
                        if out.len() <= MAX_EXACT {
                            keep(Some(&out));
                        }
                        break;
                    }
                    if space(l) {
                        keep(step(&acc, f).as_ref());
                        break;
                    }
                    keep(step(&acc, f).as_ref());
                    acc = l.clone();
                    bridged = true;
                }
                reqs.extend(top);
            }
            if let Some(e) = &exact {
                reqs.extend(req_of_exact(e));
            }
            let prefix = concat_prefix(&parts);
            reqs.extend(prefix.as_ref().and_then(req_of_exact));
            // the first part that cannot match the empty string starts every
            // match, when all before it match only the empty string
            let edge = |it: &mut dyn Iterator<Item = &Lits>, last: bool| {
                for p in it {
                    match &p.exact {
                        Some(e) if e.len() == 1 && e.contains(&Vec::new()) => continue,
                        Some(e) if e.contains(&Vec::new()) => return None,
                        _ => {
                            return if last {
                                p.last.clone()
                            } else {
                                p.first.clone()
                            }
                        }
                    }
                }
                None
            };
            let first = edge(&mut parts.iter(), false);
            let last = edge(&mut parts.iter().rev(), true);
            Lits {
                exact,
                reqs: prune(reqs),
                first,
                last,
                prefix,
            }
        }
        HirKind::Alternation(xs) => {
            let parts: Vec<Lits> = xs.iter().map(|x| lits(x, memo)).collect();
            let mut first = Some(Set::new());
            let mut last = Some(Set::new());
            for p in &parts {
                first = union(first, p.first.as_ref());
                last = union(last, p.last.as_ref());
            }
            let mut exact = Some(Set::new());
            let mut prefix = Some(Set::new());
            for p in &parts {
                prefix = match (prefix, &p.prefix) {
                    (Some(mut a), Some(b)) if a.len() + b.len() <= MAX_UNION => {
                        a.extend(b.iter().cloned());
                        Some(a)
                    }
                    _ => None,
                };
            }
            // one of the alternatives' best requirements
            let mut union = Some(Set::new());
            for p in parts {
                union = match (union, best(&p.reqs)) {
                    (Some(mut a), Some(b)) if a.len() + b.len() <= MAX_UNION => {
                        a.extend(b.iter().cloned());
                        Some(a)
                    }
                    _ => None,
                };
                exact = match (exact, p.exact) {
                    (Some(mut a), Some(b)) if a.len() + b.len() <= MAX_UNION => {
                        a.extend(b);
                        Some(a)
                    }
                    _ => None,
                };
            }
            let mut reqs: Vec<Set> = union.into_iter().collect();
            if let Some(e) = &exact {
                reqs.extend(req_of_exact(e));
            }
            reqs.extend(prefix.as_ref().and_then(req_of_exact));
            Lits {
                exact,
                reqs: prune(reqs),
                first,
                last,
                prefix,
            }
        }
    }
}

fn parse(pattern: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()
}

fn clauses(pattern: &str) -> Vec<Set> {
    parse(pattern).map_or_else(Vec::new, |h| clauses_of(&h, &mut Memo::default()))
}

/// The clauses of `hir`'s ASCII copy ([`crate::pattern`]): what its
/// matches need in text that is all ASCII. A class cut to its ASCII members
/// is small enough to spell out (`\d` is ten digits), so more is known.
fn ascii_clauses(hir: &Hir, memo: &mut Memo) -> Vec<Set> {
    clauses_of(&crate::pattern::ascii_hir(hir), memo)
}

fn clauses_of(hir: &Hir, memo: &mut Memo) -> Vec<Set> {
    lits(hir, memo)
        .reqs
        .into_iter()
        .filter(|r| r.iter().all(|s| usable(s)))
        .collect()
}

/// Whether every match of `pattern` starts at the start of a line (the
/// pattern begins with `(?m)^`): then only line starts need be tried.
///
/// ```
/// assert!(cnkg::gate::starts_lines(r"(?m)^\s*\d{4}-\d\d"));
/// assert!(!cnkg::gate::starts_lines(r"(?m)\d{4}$"));
/// assert!(!cnkg::gate::starts_lines(r"(?m)^\d{4}|\d{2}"));
/// ```
pub fn starts_lines(pattern: &str) -> bool {
    use regex_syntax::hir::Look;
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .is_ok_and(|h| h.properties().look_set_prefix().contains(Look::StartLF))
}

/// A string worth looking for: two bytes or more, or one that is rare in
/// running text (a digit, a placeholder mark).
fn usable(s: &[u8]) -> bool {
    s.len() >= MIN_LEN || matches!(s, [b'0'..=b'9' | 1 | 2])
}

/// A literal of nearly every sentence of English: a letter pair ("th",
/// "in"), a lone digit, or a function word ("the", "and", " of ", "in ").
/// A rarer pair standing as a word ("mr ", "dr ") is not.
/// Placeholder marks (`\x01p`) and two-digit numbers ("19", "20") are rare
/// enough to gate by.
fn common(l: &str) -> bool {
    const WORDS: [&str; 12] = [
        "the", "and", "of", "for", "that", "was", "are", "his", "her", "has", "its", "from",
    ];
    // the words of two letters that are in nearly every text
    const PAIRS: [&str; 26] = [
        "am", "an", "as", "at", "be", "by", "do", "go", "he", "if", "in", "is", "it", "me", "my",
        "no", "of", "on", "or", "so", "to", "up", "us", "we", "ok", "oh",
    ];
    let w = l.trim();
    let marked = l.starts_with('\u{1}');
    let number = w.len() >= 2 && w.bytes().all(|b| b.is_ascii_digit());
    // a rarer pair standing as a word ("mr ", unlike "mr" in "Hammrick")
    let word = w.len() == 2 && l.len() > 2 && !PAIRS.contains(&w);
    (!marked && !number && !word && w.len() < 3) || WORDS.contains(&w)
}

/// A rule's clauses as strings, each a set of literals.
type Clauses = Vec<Vec<String>>;

/// The clauses worth gating by: a requirement met in nearly every sentence
/// shuts nothing out, and its every occurrence costs a hit.
fn kept(cs: Vec<Set>) -> Clauses {
    // a clause with a common string in it is no gate, and implies nothing
    // that stays
    let cs: Vec<Set> = cs
        .iter()
        .map(minimal)
        .filter(|c| !strings(c).iter().any(|l| common(l)))
        .collect();
    let subs: Vec<Substrings> = cs.iter().map(Substrings::of).collect();
    // each string of clause `a` holds one of clause `b`'s: a text with one
    // of `a`'s has one of `b`'s
    let implies = |a: usize, b: usize| cs[a].iter().all(|x| subs[b].in_(x));
    let mut out: Clauses = Vec::new();
    for (i, c) in cs.iter().enumerate() {
        // a clause another implies shuts out nothing more
        let implied = (0..cs.len()).any(|j| j != i && implies(j, i) && (!implies(i, j) || j < i));
        if !implied {
            out.push(strings(c));
        }
    }
    out
}

/// A set without the strings that hold another of its strings: a text
/// with "chief " in it has "chief" in it.
fn minimal(s: &Set) -> Set {
    // no character's UTF-8 holds another's
    if s.iter()
        .all(|x| std::str::from_utf8(x).is_ok_and(|t| t.chars().count() == 1))
    {
        return s.clone();
    }
    let mut by_len: Vec<&Vec<u8>> = s.iter().collect();
    by_len.sort_by_key(|x| x.len());
    let mut kept = Substrings::default();
    let mut out = Set::new();
    for x in by_len {
        if !kept.in_(x) {
            kept.add(x);
            out.insert(x.clone());
        }
    }
    out
}

/// Strings looked for inside others: by length, each window of a string
/// is one lookup.
#[derive(Default)]
struct Substrings<'a> {
    set: crate::FastSet<&'a [u8]>,
    lens: BTreeSet<usize>,
}

impl<'a> Substrings<'a> {
    fn of(s: &'a Set) -> Self {
        let mut out = Substrings::default();
        s.iter().for_each(|x| out.add(x));
        out
    }

    fn add(&mut self, x: &'a [u8]) {
        self.lens.insert(x.len());
        self.set.insert(x);
    }

    /// Whether `hay` holds one of the strings.
    fn in_(&self, hay: &[u8]) -> bool {
        self.lens
            .iter()
            .take_while(|&&l| l <= hay.len())
            .any(|&l| l == 0 || hay.windows(l).any(|w| self.set.contains(w)))
    }
}

fn strings(s: &Set) -> Vec<String> {
    s.iter()
        .map(|x| String::from_utf8_lossy(x).into_owned())
        .collect()
}

/// Literal strings (ASCII letters in lower case) one of which every match
/// of `pattern` contains, matched without regard to ASCII case: the best of
/// [`required_clauses`], or `None` when the pattern offers no useful set.
///
/// ```
/// let l = cnkg::gate::required_literals(r"\b(?P<weekday>Monday|Tuesday)\b").unwrap();
/// assert_eq!(l, ["monday", "tuesday"]);
/// let l = cnkg::gate::required_literals(r"(?i:held)\s+talks\s+with").unwrap();
/// assert_eq!(l, ["talks"]);
/// assert_eq!(cnkg::gate::required_literals(r"\p{Lu}\w+"), None);
/// ```
pub fn required_literals(pattern: &str) -> Option<Vec<String>> {
    clauses(pattern).first().map(strings)
}

/// Every set of literals the matches of `pattern` need, strongest first:
/// each match contains a string of each set.
///
/// ```
/// let c = cnkg::gate::required_clauses(r"(?P<month>May|June)\s+(?P<year>(?:19|20)\d\d)");
/// assert_eq!(c[..2], [vec!["june", "may"], vec!["19", "20"]]);
/// // and a digit (any of Unicode's), for each `\d`
/// assert!(c[2].contains(&"7".to_string()));
/// ```
pub fn required_clauses(pattern: &str) -> Vec<Vec<String>> {
    clauses(pattern).iter().map(strings).collect()
}

/// [`required_clauses`] for text that is all ASCII: those of the pattern's
/// ASCII copy, in which `\d` is ten digits, few enough to spell out.
///
/// ```
/// let p = r"\bon\s+the\s+(?P<day>\d{1,2})(?:st|nd|rd|th)\b";
/// // in any text: "the", "on", the suffixes, and a digit: all common
/// assert!(!cnkg::gate::required_clauses(p).iter().any(|c| c.contains(&"1st".to_string())));
/// // in ASCII text: also a digit followed by a suffix, which is rare
/// let c = cnkg::gate::required_ascii_clauses(p);
/// let ordinal = c.iter().find(|c| c.contains(&"1st".to_string())).unwrap();
/// assert_eq!(ordinal.len(), 40);
/// assert!(ordinal.iter().all(|l| l.len() == 3));
/// ```
pub fn required_ascii_clauses(pattern: &str) -> Vec<Vec<String>> {
    parse(pattern).map_or_else(Vec::new, |h| {
        ascii_clauses(&h, &mut Memo::default())
            .iter()
            .map(strings)
            .collect()
    })
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
    /// (rule, requirement) each literal satisfies.
    opens: Vec<Vec<(u32, u8)>>,
    /// Bits of every requirement of each rule (0: always open).
    full: Vec<u8>,
    off: bool,
}

/// Which rules of a gate are open for a text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Open {
    /// Requirements met so far, per rule.
    met: Vec<u8>,
    open: Vec<bool>,
    /// Literals met in this scan (a literal met again changes nothing).
    seen: Vec<bool>,
    touched: Vec<u32>,
}

impl Open {
    /// Whether rule `i` may match.
    #[inline]
    pub fn get(&self, i: usize) -> bool {
        self.open.get(i).copied().unwrap_or(true)
    }
    /// Whether any rule may match.
    pub fn any(&self) -> bool {
        self.open.iter().any(|&b| b)
    }
    /// Which rules are open, kept apart from the scratch space of a scan.
    pub fn kept(&self) -> Open {
        Open {
            open: self.open.clone(),
            ..Open::default()
        }
    }
    /// Opens the rules `other` opens, and no others.
    pub fn set_from(&mut self, other: &Open) {
        self.open.clear();
        self.open.extend_from_slice(&other.open);
    }
}

impl Gate {
    /// A gate for `patterns` (rule `i` is `patterns[i]`).
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Gate {
        let mut memo: std::collections::HashMap<&str, Clauses> = Default::default();
        let mut trees = Memo::default();
        Gate::of(
            patterns
                .iter()
                .map(|p| {
                    let p = p.as_ref();
                    memo.entry(p)
                        .or_insert_with(|| {
                            parse(p).map_or_else(Vec::new, |h| kept(clauses_of(&h, &mut trees)))
                        })
                        .clone()
                })
                .collect(),
        )
    }

    /// Gates for `patterns`: one for any text, and one that holds for text
    /// that is all ASCII only. In the second, a rule the first must leave
    /// always open (its literals are all common) is gated by the literals
    /// of its ASCII copy, which shut out more: in ASCII text
    /// `\d{1,2}(?:st|th)` needs one of ten digits followed by a suffix
    /// ("3rd"); in any text the digit may be any of hundreds.
    pub fn pair<S: AsRef<str> + Sync>(patterns: &[S]) -> (Gate, Gate) {
        // each distinct pattern read once, on all cores
        let mut distinct: Vec<&str> = patterns.iter().map(AsRef::as_ref).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let read: std::collections::HashMap<&str, (Clauses, Clauses)> = distinct
            .into_par_iter()
            .map_init(Memo::default, |memo, p| {
                let Some(h) = parse(p) else {
                    return (p, Default::default());
                };
                let f = kept(clauses_of(&h, memo));
                let a = if f.is_empty() {
                    kept(ascii_clauses(&h, memo))
                } else {
                    f.clone()
                };
                (p, (f, a))
            })
            .collect();
        let (full, ascii) = patterns.iter().map(|p| read[p.as_ref()].clone()).unzip();
        (Gate::of(full), Gate::of(ascii))
    }

    /// The gate of rules with these clauses (rule `i` needs a literal of
    /// each of `clauses[i]`).
    fn of(clauses: Vec<Vec<Vec<String>>>) -> Gate {
        let mut lits: Vec<String> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        let mut opens: Vec<Vec<(u32, u8)>> = Vec::new();
        let mut full = Vec::with_capacity(clauses.len());
        for (i, cs) in clauses.into_iter().enumerate() {
            full.push(((1u16 << cs.len()) - 1) as u8);
            for (c, ls) in cs.into_iter().enumerate() {
                for l in ls {
                    let k = *index.entry(l.clone()).or_insert_with(|| {
                        lits.push(l);
                        opens.push(Vec::new());
                        lits.len() - 1
                    });
                    opens[k].push((i as u32, c as u8));
                }
            }
        }
        let build = |kind| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(true)
                .kind(kind)
                .build(&lits)
        };
        let ac = if lits.is_empty() {
            None
        } else {
            build(Some(AhoCorasickKind::DFA))
                .or_else(|_| build(None))
                .ok()
        };
        if ac.is_none() {
            // no automaton: every rule always runs
            full.iter_mut().for_each(|f| *f = 0);
        }
        Gate {
            ac,
            opens,
            full,
            off: disabled(),
        }
    }

    /// Turns the gate off (every rule always open) or back on.
    pub fn set_off(&mut self, off: bool) {
        self.off = off;
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.full.len()
    }

    /// Whether the gate has no rules.
    pub fn is_empty(&self) -> bool {
        self.full.is_empty()
    }

    /// Every rule open.
    pub fn all_open(&self) -> Open {
        Open {
            open: vec![true; self.len()],
            ..Open::default()
        }
    }

    #[inline]
    fn meet(&self, lit: usize, out: &mut Open) {
        if out.seen[lit] {
            return;
        }
        out.seen[lit] = true;
        out.touched.push(lit as u32);
        for &(r, c) in &self.opens[lit] {
            out.met[r as usize] |= 1 << c;
        }
    }

    fn start(&self, out: &mut Open) {
        out.met.clear();
        out.met.resize(self.len(), 0);
        out.open.clear();
        for &l in &out.touched {
            out.seen[l as usize] = false;
        }
        out.touched.clear();
        if out.seen.len() != self.opens.len() {
            out.seen.clear();
            out.seen.resize(self.opens.len(), false);
        }
    }

    fn end(&self, out: &mut Open) {
        if self.off {
            out.open.resize(self.len(), true);
            return;
        }
        out.open
            .extend(out.met.iter().zip(&self.full).map(|(m, f)| m & f == *f));
    }

    /// The rules that may match somewhere in `text`.
    pub fn scan(&self, text: &str, out: &mut Open) {
        self.start(out);
        if let (Some(ac), false) = (&self.ac, self.off) {
            for m in ac.find_overlapping_iter(text) {
                self.meet(m.pattern().as_usize(), out);
            }
        }
        self.end(out);
    }

    /// Every literal occurrence in `text`: (start, end, literal), by end.
    pub fn hits(&self, text: &str) -> Vec<(u32, u32, u32)> {
        let mut v = Vec::new();
        if let (Some(ac), false) = (&self.ac, self.off) {
            for m in ac.find_overlapping_iter(text) {
                v.push((m.start() as u32, m.end() as u32, m.pattern().as_u32()));
            }
        }
        v
    }

    /// The rules that may match in `text[from..to]`, given [`Gate::hits`] of the whole text.
    pub fn open_in(&self, hits: &[(u32, u32, u32)], from: usize, to: usize, out: &mut Open) {
        self.start(out);
        if !self.off {
            // hits come in order of their end
            let lo = hits.partition_point(|h| (h.1 as usize) <= from);
            for h in &hits[lo..] {
                if h.1 as usize > to {
                    break;
                }
                if h.0 as usize >= from {
                    self.meet(h.2 as usize, out);
                }
            }
        }
        self.end(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The memo of trees met before changes no clause: the rules' patterns
    /// read in turn with one memo (their macros met again and again) give
    /// what each read alone gives, in any text and in ASCII text.
    #[test]
    fn a_tree_met_before_gives_the_clauses_it_gave_then() {
        let rules = crate::rules::RuleSet::load_dir(std::path::Path::new("graph_rules"))
            .expect("the project's rules load");
        let c = rules.compile().expect("and compile");
        let patterns: Vec<&str> = c
            .entity_patterns
            .iter()
            .map(|r| r.re.as_str())
            .chain(c.relations.iter().map(|r| r.re.as_str()))
            .chain(c.dates.iter().map(|r| r.re.as_str()))
            .chain(c.datelines.iter().map(|r| r.re.as_str()))
            .collect();
        assert!(patterns.len() > 50, "{}", patterns.len());
        let mut shared = Memo::default();
        let mut gated = 0;
        for p in &patterns {
            let h = parse(p).expect("a rule parses");
            let alone = clauses_of(&h, &mut Memo::default());
            assert_eq!(clauses_of(&h, &mut shared), alone, "{p}");
            let alone = ascii_clauses(&h, &mut Memo::default());
            assert_eq!(ascii_clauses(&h, &mut shared), alone, "{p}");
            gated += usize::from(!alone.is_empty());
        }
        // the memo was used, and the clauses are not all empty
        assert!(shared.0.values().map(Vec::len).sum::<usize>() > 20);
        assert!(gated > patterns.len() / 2, "{gated}");
    }

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
        assert_eq!(req(r"\x01[P]\d+\x02\s+said").unwrap(), ["\u{1}p"]);
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

    #[test]
    fn common_words_gate_nothing() {
        // "in"/"at" and "the" are in nearly every sentence: only "beijing" gates
        let g = Gate::new(&[
            r"\b(?:in|at)\s+Beijing",
            r"\bthe\s+\p{Lu}\w+",
            r"(?:19|20)\d\d",
        ]);
        let mut o = Open::default();
        g.scan("Talks in Pyongyang", &mut o);
        assert!(!o.get(0) && o.get(1) && !o.get(2));
        g.scan("Beijing, 2019", &mut o);
        assert!(o.get(0) && o.get(1) && o.get(2));
        let text = "in the capital in 2019";
        let spans: Vec<(u32, u32)> = g.hits(text).iter().map(|h| (h.0, h.1)).collect();
        assert_eq!(
            spans,
            [(18, 20), (20, 22)],
            "only the year's digits are hits"
        );
    }

    #[test]
    fn a_lexicon_written_as_a_trie_gates_by_its_whole_words() {
        // no branch has exact strings ("chief" may go on with spaces), yet
        // every match starts with one of the words
        let trie = r"(?i:c(?:hief(?:\s+of\s+staff)?|eo|o(?:mmander(?:\s+general)?|lonel))|vice\s+(?:premier|minister)|head)\s+\p{Lu}\w+";
        assert_eq!(
            req(trie).unwrap(),
            ["ceo", "chief", "colonel", "commander", "head", "vice"]
        );
        // the words of an optional part are no requirement
        assert_eq!(req(r"(?:c(?:hief\s+of|eo))?\p{Lu}+"), None);
        let g = Gate::new(&[trie]);
        let mut o = Open::default();
        // parts of the words ("eo", "ief") no longer open it
        g.scan("People seeking a brief word", &mut o);
        assert!(!o.get(0));
        g.scan("the Chief of Staff Ri", &mut o);
        assert!(o.get(0));
    }

    #[test]
    fn a_clause_another_implies_is_not_looked_for() {
        let cs = |sets: &[&[&str]]| -> Vec<Set> {
            sets.iter()
                .map(|s| s.iter().map(|x| x.as_bytes().to_vec()).collect())
                .collect()
        };
        // "chief " holds "chief"; each of the second set holds one of the first
        let k = kept(cs(&[
            &["chief", "chief ", "head"],
            &["chief of", "headman"],
        ]));
        assert_eq!(k, [vec!["chief of", "headman"]]);
        // two clauses that imply each other: the first is kept
        let k = kept(cs(&[&["envoy"], &["envoy", "envoys"]]));
        assert_eq!(k, [vec!["envoy"]]);
        // a clause left out as common ("from") takes none with it
        let k = kept(cs(&[&["from"], &["rom"]]));
        assert_eq!(k, [vec!["rom"]]);
    }

    fn clauses_with(pattern: &str, lit: &str) -> Vec<Vec<String>> {
        required_ascii_clauses(pattern)
            .into_iter()
            .filter(|c| c.iter().any(|l| l == lit))
            .collect()
    }

    #[test]
    fn runs_of_literals_go_on_past_a_part_with_few_first_and_last_characters() {
        // a digit repeated, then a suffix: the last digit and the suffix
        let c = clauses_with(r"\b(?P<n>\d+)(?:th|st)\s+anniversary", "9th");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].len(), 20);
        // on both sides of it
        let c = clauses_with(r"No\.\s?\d+-[A-Z]", "0-");
        assert_eq!(c.len(), 1, "{c:?}");
        // not past spaces (no rarer, only more literals), nor off a
        // placeholder mark (rare enough alone)
        let c = required_ascii_clauses(r"\x01P\d+\x02\s+(?:met|visited)\s+\x01P\d+\x02");
        assert!(c.iter().flatten().all(|l| !l.ends_with(' ')), "{c:?}");
        assert!(
            c.iter()
                .flatten()
                .all(|l| l == "\u{1}p" || !l.contains('\u{1}')),
            "{c:?}"
        );
        // as written, `\d` is hundreds of digits: no run goes past it
        let full = required_clauses(r"\b(?P<n>\d+)(?:th|st)\s+anniversary");
        assert!(full
            .iter()
            .flatten()
            .all(|l| l.len() != 3 || !l.ends_with("th")));
    }

    #[test]
    fn the_ascii_gate_shuts_out_more_and_opens_for_the_same_matches() {
        let pats = [
            r"\bon\s+the\s+(?P<day>\d{1,2})(?:st|nd|rd|th)\b",
            r"(?P<year>(?:19|20)\d{2})",
            r"(?:Mr|Dr|Mrs\.|Madame)\s+(?P<name>\p{Lu}\w+)",
        ];
        let (full, ascii) = Gate::pair(&pats);
        let mut o = Open::default();
        let text = "He spoke on the radio about the 2019 talks in Hammrick.";
        full.scan(text, &mut o);
        assert!(o.get(0) && o.get(1) && o.get(2));
        ascii.scan(text, &mut o);
        assert!(!o.get(0) && o.get(1) && !o.get(2));
        let text = "They met Dr Kim on the 3rd of May.";
        ascii.scan(text, &mut o);
        assert!(o.get(0) && !o.get(1) && o.get(2));
        // whatever the ASCII gate shuts out cannot match
        for text in [
            "on the 21st",
            "ON THE 2ND",
            "on  the 10th",
            "1999",
            "20 19",
            "on the 1 st",
            "Mr\tLee",
            "Mrs. Ri",
            "hamMr Kim",
            "Dr\nRoh",
        ] {
            ascii.scan(text, &mut o);
            for (i, p) in pats.iter().enumerate() {
                let m = regex::Regex::new(p).unwrap().is_match(text);
                assert!(o.get(i) || !m, "{p} on {text}");
            }
        }
    }

    #[test]
    fn every_requirement_must_be_met() {
        let g = Gate::new(&[r"\b(?P<month>May|June)\s+(?P<year>(?:19|20)\d\d)\b"]);
        let mut o = Open::default();
        g.scan("in May they met", &mut o);
        assert!(!o.get(0));
        g.scan("in May 2019", &mut o);
        assert!(o.get(0));
        let mut off = g.clone();
        off.set_off(true);
        off.scan("nothing", &mut o);
        assert!(o.get(0));
    }
}
