//! Extraction: mentions (gazetteer names, entity patterns, dates, short-name
//! coreference), then facts (events, roles, visits, reports), each carrying
//! its evidence and the id of the rule that made it.
//!
//! Each sentence is seen three times:
//! 1. names of the gazetteer (one Aho-Corasick automaton), date expressions
//!    and organisation patterns become mentions;
//! 2. person patterns run over the sentence with those mentions masked as
//!    typed placeholders (`{Country} {TITLE} {NAME}`), finding unknown people
//!    with their titles and affiliations;
//! 3. once the document's people are known, their full and short names are
//!    found everywhere, and relation rules run over the sentence with every
//!    mention (and its title or apposition) masked, so that
//!    `{Person:a} held talks with {Person:b}` reads as written.

use std::collections::BTreeSet;

use crate::FastMap;
use std::path::PathBuf;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};

use crate::dates::{resolve, DateContext, DateGroups, DateParts, PartialDate};
use crate::error::Result;
use crate::gate::{Gate, Open};
use crate::names::{MatcherKind, NameMatch, NameMatcher};
use crate::pattern::Pattern;
use crate::rules::{Compiled, EntityType, RuleSet, CLOSE, OPEN};
use crate::text::{name_key, single_spaced, split_sentences, Normalized, Span};

/// A known entity, as the gazetteer declares it.
#[derive(Debug, Clone)]
pub struct KnownEntity {
    /// Node id (`person:kim-jong-un`).
    pub node_id: String,
    /// Type.
    pub kind: EntityType,
    /// Canonical name.
    pub name: String,
    /// Declared aliases.
    pub aliases: Vec<String>,
    /// Home country (index into the known entities).
    pub country: Option<usize>,
    /// Containing place (index).
    pub located_in: Option<usize>,
    /// Titles of declared roles, lower case.
    pub titles: Vec<String>,
}

#[derive(Debug, Clone)]
struct GazPattern {
    entity: usize,
    text: String,
    acronym: bool,
}

/// The gate of every regex the extractor runs, in three families: those
/// run over a whole document (datelines, anniversaries, the year, dates),
/// over a plain sentence (dates, organisation and place patterns, then the
/// references: title, pronoun, object pronoun, delegation) and over a
/// masked sentence (person patterns, then relation rules). One scan of a
/// document finds the literals of all of them; a masked sentence with
/// mentions in it is scanned again.
#[derive(Debug)]
struct Gates {
    all: Gate,
    /// The same rules' gate for text that is all ASCII ([`Gate::pair`]).
    ascii: Gate,
    doc_anniversaries: usize,
    doc_year: usize,
    doc_dates: usize,
    sent: usize,
    sent_orgs: usize,
    sent_refs: usize,
    masked: usize,
    masked_relations: usize,
}

const REF_TITLE: usize = 0;
const REF_PRONOUN: usize = 1;
const REF_OBJECT: usize = 2;
const REF_DELEGATION: usize = 3;

impl Gates {
    /// The gate for `text`.
    fn on(&self, text: &str) -> &Gate {
        if text.is_ascii() {
            &self.ascii
        } else {
            &self.all
        }
    }

    fn new(c: &Compiled, refs: [&str; 4], year: &str) -> Gates {
        let mut all: Vec<&str> = c.datelines.iter().map(|r| r.re.as_str()).collect();
        let doc_anniversaries = all.len();
        all.extend(c.anniversaries.iter().map(|r| r.re.as_str()));
        let doc_year = all.len();
        all.push(year);
        let doc_dates = all.len();
        all.extend(c.dates.iter().map(|r| r.re.as_str()));
        let sent = all.len();
        all.extend(c.dates.iter().map(|r| r.re.as_str()));
        let sent_orgs = all.len();
        all.extend(
            c.entity_patterns
                .iter()
                .filter(|r| r.kind != EntityType::Person)
                .map(|r| r.re.as_str()),
        );
        let sent_refs = all.len();
        all.extend(refs);
        let masked = all.len();
        all.extend(
            c.entity_patterns
                .iter()
                .filter(|r| r.kind == EntityType::Person)
                .map(|r| r.re.as_str()),
        );
        let masked_relations = all.len();
        all.extend(c.relations.iter().map(|r| r.re.as_str()));
        let (all, ascii) = Gate::pair(&all);
        Gates {
            all,
            ascii,
            doc_anniversaries,
            doc_year,
            doc_dates,
            sent,
            sent_orgs,
            sent_refs,
            masked,
            masked_relations,
        }
    }
}

/// The rules, compiled and ready to extract.
#[derive(Debug)]
pub struct Extractor {
    /// Known entities.
    pub known: Vec<KnownEntity>,
    known_by_key: FastMap<String, usize>,
    gaz: NameMatcher,
    gaz_patterns: Vec<GazPattern>,
    compiled: Compiled,
    not_name: BTreeSet<String>,
    title_words: BTreeSet<String>,
    delegation_ref: Pattern,
    title_ref: Option<Pattern>,
    pronoun: regex::Regex,
    object_pronoun: regex::Regex,
    year_re: regex::Regex,
    /// Surnames of known people, with the person when only one bears it.
    known_short: FastMap<String, Option<usize>>,
    /// The surnames of `known_short` borne by one known person, sorted, and
    /// their automaton (built once, searched beside each document's own).
    unique_short: Vec<String>,
    unique_short_ac: Option<AhoCorasick>,
    surname_first: BTreeSet<String>,
    family_first_countries: BTreeSet<String>,
    member_titles: Vec<Phrase>,
    not_role: BTreeSet<String>,
    affiliate_titles: Vec<Phrase>,
    /// Gates in front of the regexes (see [`crate::gate`]).
    gates: Gates,
    /// Whether work that cannot change the result is skipped: the gates,
    /// and a second run of person patterns over a sentence that has not
    /// changed since the first found nothing in it.
    gated: bool,
    /// Hash of the rules.
    pub rules_hash: String,
    /// For each dateline rule, whether its matches start lines: it is then
    /// tried only at line starts, by an anchored search.
    dateline_starts_lines: Vec<bool>,
    /// For each date rule, where its parts are among its groups.
    date_groups: Vec<DateGroups>,
    /// Record, for each sentence with a person, the sentence as relation
    /// rules see it and the rules that fired or were vetoed.
    pub trace: bool,
    /// Rule files.
    pub rule_files: Vec<PathBuf>,
}

/// A document to read.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// Id (the file stem).
    pub id: String,
    /// Where it came from.
    pub path: String,
    /// The text as read.
    pub text: String,
    /// Title given with the text (a JSON Lines `title`); else the first
    /// line of three words or more is taken.
    pub title: Option<String>,
    /// Date given with the text (a JSON Lines `date`); it stands for the
    /// dateline, so no dateline rule is tried.
    pub date: Option<PartialDate>,
}

/// What one document is known by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocMeta {
    /// Id.
    pub id: String,
    /// Path.
    pub path: String,
    /// Title, where found.
    pub title: Option<String>,
    /// Publication date, where found.
    pub date: Option<PartialDate>,
}

/// One sentence supporting a fact.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Evidence {
    /// Document id.
    pub doc: String,
    /// The sentence as written in the document.
    pub sentence: String,
    /// Byte offset of the sentence in the document.
    pub start: usize,
    /// Byte offset of its end.
    pub end: usize,
    /// The rule that fired.
    pub rule: String,
}

/// An entity as one document knows it.
#[derive(Debug, Clone)]
pub struct DocEntity {
    /// Type.
    pub kind: EntityType,
    /// Label (canonical name for known entities, else the fullest spelling).
    pub label: String,
    /// The known entity, if any.
    pub known: Option<usize>,
    /// Spellings seen.
    pub spellings: BTreeSet<String>,
    /// Number of mentions.
    pub mentions: usize,
    /// Home country (doc entity index), from the text.
    pub country: Option<usize>,
}

/// People on the two sides of a meeting and what supports each pair.
#[derive(Debug, Clone)]
pub struct EventFact {
    /// `meeting`, ...
    pub kind: String,
    /// Principals of each side (doc entity indexes).
    pub sides: [BTreeSet<usize>; 2],
    /// Attendees of each side.
    pub attendees: [BTreeSet<usize>; 2],
    /// Date.
    pub date: Option<PartialDate>,
    /// Place (doc entity index).
    pub place: Option<usize>,
    /// Evidence and the pairs it supports.
    pub support: Vec<(Evidence, Vec<(usize, usize)>)>,
    /// Organisations that reported it.
    pub reporters: BTreeSet<usize>,
}

/// A plain edge between two doc entities.
#[derive(Debug, Clone)]
pub struct EdgeFact {
    /// Source.
    pub source: usize,
    /// Target.
    pub target: usize,
    /// UPPER_SNAKE_CASE relation.
    pub relation: String,
    /// Title, for role edges.
    pub title: Option<String>,
    /// Date, for visits.
    pub date: Option<PartialDate>,
    /// Evidence.
    pub evidence: Evidence,
}

/// Everything read from one document.
#[derive(Debug, Clone)]
pub struct DocFacts {
    /// The document.
    pub meta: DocMeta,
    /// Its entities.
    pub entities: Vec<DocEntity>,
    /// Its events.
    pub events: Vec<EventFact>,
    /// Its other edges.
    pub edges: Vec<EdgeFact>,
    /// What the relation rules saw and did (when the extractor traces).
    pub trace: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Entity(usize),
    Date(Option<PartialDate>),
}

#[derive(Debug, Clone)]
struct Mention {
    start: usize,
    end: usize,
    ext: (usize, usize),
    target: Target,
    /// A pronoun or title standing for a person: a slot, not a mention of the name.
    reference: bool,
}

impl Mention {
    /// A mention whose extent is its own span.
    fn new(start: usize, end: usize, target: Target, reference: bool) -> Mention {
        Mention {
            start,
            end,
            ext: (start, end),
            target,
            reference,
        }
    }

    fn letter(&self, ents: &[DocEntity]) -> char {
        match self.target {
            Target::Entity(i) => ents[i].kind.letter(),
            Target::Date(_) => 'D',
        }
    }
}

struct Masked {
    text: String,
    /// (masked offset, norm offset) at the start of each literal run
    /// (masked offset, norm offset, length) of each literal run
    runs: Vec<(usize, usize, usize)>,
}

impl Masked {
    fn build(norm: &str, span: Span, mentions: &[Mention], ents: &[DocEntity]) -> Masked {
        let mut order: Vec<usize> = (0..mentions.len()).collect();
        order.sort_by_key(|&i| (mentions[i].ext.0, std::cmp::Reverse(mentions[i].ext.1)));
        let mut text = String::with_capacity(span.end - span.start + 8 * mentions.len());
        let mut runs = Vec::with_capacity(mentions.len() + 1);
        let mut pos = span.start;
        for i in order {
            let m = &mentions[i];
            if m.ext.0 < pos || m.ext.1 > span.end {
                continue; // inside an earlier extent
            }
            runs.push((text.len(), pos, m.ext.0 - pos));
            text.push_str(&norm[pos..m.ext.0]);
            text.push(OPEN);
            text.push(m.letter(ents));
            push_decimal(&mut text, i);
            text.push(CLOSE);
            pos = m.ext.1;
        }
        runs.push((text.len(), pos, span.end - pos));
        text.push_str(&norm[pos..span.end]);
        Masked { text, runs }
    }

    fn to_norm(&self, masked: usize) -> usize {
        let k = self
            .runs
            .partition_point(|r| r.0 <= masked)
            .saturating_sub(1);
        // inside a placeholder: the start of the mention's extent
        let (ms, ns, len) = self.runs[k];
        ns + masked.saturating_sub(ms).min(len)
    }

    /// Mention indexes of the placeholders in `s`.
    fn placeholders(s: &str) -> Vec<usize> {
        let mut out = Vec::new();
        let mut rest = s;
        while let Some(i) = rest.find(OPEN) {
            let after = &rest[i + OPEN.len_utf8() + 1..];
            let Some(j) = after.find(CLOSE) else { break };
            if let Ok(n) = after[..j].parse() {
                out.push(n);
            }
            rest = &after[j..];
        }
        out
    }
}

/// Writes `n` in decimal digits, as `write!(s, "{n}")` would, without the
/// formatting machinery: a placeholder is written for every mention of
/// every sentence, up to three times.
fn push_decimal(s: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.push_str(std::str::from_utf8(&digits[at..]).expect("ASCII digits"));
}

fn variants(name: &str, person: bool) -> Vec<String> {
    let mut v = vec![name.to_string()];
    if name.contains('-') {
        v.push(name.replace('-', " "));
    }
    if person {
        let toks: Vec<&str> = name.split(' ').collect();
        if toks.len() == 3 && !name.contains('-') {
            v.push(format!("{} {}-{}", toks[0], toks[1], toks[2]));
            v.push(format!("{} {}{}", toks[0], toks[1], toks[2].to_lowercase()));
        }
    }
    v
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// How many days before a report dated `doc` a fact dated `date` happened,
/// when both are known to the day.
fn days_before(date: Option<PartialDate>, doc: Option<PartialDate>) -> Option<i64> {
    Some(doc?.days()? - date?.days()?)
}

/// True when a fact dated `date` is the news of a report dated `doc`: the
/// same day or the day before (or either date unknown).
fn news_of_the_day(date: Option<PartialDate>, doc: Option<PartialDate>) -> bool {
    days_before(date, doc).is_none_or(|n| (0..=1).contains(&n))
}

/// True when a fact dated `date` is news of the few days before a report
/// dated `doc` (both to the day).
fn recent_news(date: PartialDate, doc: Option<PartialDate>) -> bool {
    days_before(Some(date), doc).is_some_and(|n| (0..=3).contains(&n))
}

fn bounded(text: &str, s: usize, e: usize) -> bool {
    let before = text[..s].chars().next_back();
    let after = text[e..].chars().next();
    !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
}

/// The matcher of `kind` over the gazetteer's spellings.
fn build_names(patterns: &[GazPattern], kind: MatcherKind) -> Result<NameMatcher> {
    let texts: Vec<&str> = patterns.iter().map(|p| p.text.as_str()).collect();
    NameMatcher::new(&texts, kind).map_err(|e| {
        crate::error::Error::Rules(vec![crate::error::RuleIssue {
            file: PathBuf::from("graph_rules"),
            line: None,
            rule: None,
            message: format!("cannot build the name automaton: {e}"),
        }])
    })
}

fn lexicon_tokens(c: &Compiled, names: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for n in names {
        if let Some(ws) = c.lexicon_words.get(*n) {
            for w in ws {
                for t in w.split_whitespace() {
                    out.insert(t.trim_end_matches('.').to_string());
                }
            }
        }
    }
    out
}

impl Extractor {
    /// Compiles a validated rule set.
    ///
    /// # Errors
    /// When a pattern does not compile or the automaton cannot be built.
    pub fn new(rules: &RuleSet) -> Result<Extractor> {
        let compiled = rules.compile()?;
        let not_name = lexicon_tokens(
            &compiled,
            &[
                "NOT_NAME",
                "TITLE_HEAD",
                "TITLE_MOD",
                "MONTH_FULL",
                "WEEKDAY",
                "HONORIFIC",
            ],
        );
        let surname_first = lexicon_tokens(&compiled, &["SURNAME_FIRST"]);
        let family_first_countries = compiled
            .lexicon_words
            .get("FAMILY_NAME_FIRST_COUNTRY")
            .cloned()
            .unwrap_or_default();
        let title_ref = || {
            compiled.lexicon_words.get("TITLE_REF").and_then(|ws| {
                let mut ws: Vec<String> = ws
                    .iter()
                    .map(|w| regex::escape(w).replace(' ', r"\s+"))
                    .collect();
                ws.sort_by_key(|w| std::cmp::Reverse(w.len()));
                Pattern::new(&format!(
                    r"\b[Tt]he\s+(?P<adj>(?:[\p{{L}}'-]+\s+){{0,2}}?)(?P<head>(?i:{}))\b",
                    ws.join("|")
                ))
                .ok()
            })
        };
        let title_words = lexicon_tokens(&compiled, &["TITLE_HEAD", "HONORIFIC"]);
        let phrases = |name: &str| {
            compiled
                .lexicon_words
                .get(name)
                .cloned()
                .unwrap_or_default()
        };
        let member_titles: Vec<Phrase> = phrases("MEMBER_TITLE")
            .iter()
            .map(|p| Phrase::new(p))
            .collect();
        let not_role: BTreeSet<String> = compiled
            .lexicon_words
            .get("NOT_ROLE")
            .cloned()
            .unwrap_or_default();
        let affiliate_titles: Vec<Phrase> = phrases("AFFILIATE_TITLE")
            .iter()
            .map(|p| Phrase::new(p))
            .collect();
        let pronoun = regex::Regex::new(r"\b(?:he|she|He|She)\b").expect("valid regex");
        let object_pronoun = regex::Regex::new(
                r"\b(?:met|met with|meets|received|receives|welcomed|hosted|greeted|called on|saw off|held talks with|sat down with|talks with|meeting with|(?:discussed|discusses|exchanged views)\b[^.;!?]{0,100}?\bwith)\s+(him|her)\b",
            )
            .expect("valid regex");
        let year_re = regex::Regex::new(r"\b(?:19[5-9]\d|20\d\d)\b").expect("valid regex");
        let delegation_ref = || {
            Pattern::new(
                r"\b(?:the|The|this|This|his|her|their)\s+(?:[\p{L}'-]+\s+){0,4}?delegation(?:'s)?\b",
            )
            .expect("valid regex")
        };
        // the two costliest of these on one core each
        let (title_ref, delegation_ref) = rayon::join(title_ref, delegation_ref);
        let date_groups = compiled
            .dates
            .iter()
            .map(|r| DateGroups::of(r.re.groups()))
            .collect();
        let dateline_starts_lines: Vec<bool> = compiled
            .datelines
            .iter()
            .map(|r| crate::gate::starts_lines(r.re.as_str()))
            .collect();
        let idx: FastMap<&str, usize> = rules
            .entities
            .iter()
            .enumerate()
            .map(|(i, e)| (e.rule.id.as_str(), i))
            .collect();
        // the spellings of the names and their matcher
        let names = || -> Result<_> {
            let mut gaz_patterns = Vec::with_capacity(rules.entities.len() * 3);
            for (i, e) in rules.entities.iter().enumerate() {
                let r = &e.rule;
                let kind = EntityType::parse(&r.kind).unwrap_or(EntityType::Organization);
                let first = gaz_patterns.len();
                for n in std::iter::once(&r.name)
                    .chain(&r.aliases)
                    .chain(&r.demonyms)
                {
                    let acronym = !n.chars().any(|c| c.is_lowercase());
                    for v in variants(n, kind == EntityType::Person) {
                        // once per entity, case aside
                        let same = |p: &GazPattern| {
                            if p.text.is_ascii() && v.is_ascii() {
                                p.text.eq_ignore_ascii_case(&v)
                            } else {
                                p.text.to_lowercase() == v.to_lowercase()
                            }
                        };
                        if !gaz_patterns[first..].iter().any(same) {
                            gaz_patterns.push(GazPattern {
                                entity: i,
                                text: v,
                                acronym,
                            });
                        }
                    }
                }
            }
            // a DFA, the fastest to search, while the names are few enough to
            // build one quickly; past that a hash index of names
            let gaz = build_names(&gaz_patterns, MatcherKind::for_names(gaz_patterns.len()))?;
            Ok((gaz_patterns, gaz))
        };
        // the entities, and the surnames borne by one known person
        let people = || {
            let known: Vec<KnownEntity> = rules
                .entities
                .iter()
                .map(|e| {
                    let r = &e.rule;
                    let kind = EntityType::parse(&r.kind).unwrap_or(EntityType::Organization);
                    KnownEntity {
                        node_id: format!("{}:{}", kind.id_prefix(), r.id),
                        kind,
                        name: r.name.clone(),
                        aliases: r.aliases.clone(),
                        country: r.country.as_deref().and_then(|c| idx.get(c).copied()),
                        located_in: r.located_in.as_deref().and_then(|c| idx.get(c).copied()),
                        titles: r.roles.iter().map(|t| t.title.to_lowercase()).collect(),
                    }
                })
                .collect();
            let mut known_short: FastMap<String, Option<usize>> = FastMap::default();
            for (i, k) in known.iter().enumerate() {
                if k.kind != EntityType::Person {
                    continue;
                }
                let mut mine = BTreeSet::new();
                for n in std::iter::once(&k.name).chain(&k.aliases) {
                    if let Some(sf) = surname_of(n, &surname_first) {
                        mine.insert(sf);
                    }
                }
                for sf in mine {
                    known_short
                        .entry(sf)
                        .and_modify(|v| *v = None)
                        .or_insert(Some(i));
                }
            }
            let mut unique_short: Vec<String> = known_short
                .iter()
                .filter(|(_, k)| k.is_some())
                .map(|(s, _)| s.clone())
                .collect();
            unique_short.sort();
            // past the size of a DFA, the automaton that is quickest to build
            let unique_short_ac = AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .kind(
                    (unique_short.len() > crate::names::DFA_NAMES)
                        .then_some(aho_corasick::AhoCorasickKind::NoncontiguousNFA),
                )
                .build(&unique_short)
                .ok()
                .filter(|_| !unique_short.is_empty());
            (known, known_short, unique_short, unique_short_ac)
        };
        // each name's key
        let keys = || {
            let mut known_by_key =
                FastMap::with_capacity_and_hasher(rules.entities.len() * 3, Default::default());
            for (i, e) in rules.entities.iter().enumerate() {
                let r = &e.rule;
                for n in std::iter::once(&r.name)
                    .chain(&r.aliases)
                    .chain(&r.demonyms)
                {
                    known_by_key.entry(name_key(n)).or_insert(i);
                }
            }
            known_by_key
        };
        // the gates on one core, the gazetteer on the other (each takes a
        // good part of a second for 100,000 entities), as work frees them
        let (gates, (names, (people, known_by_key))) = rayon::join(
            || {
                Gates::new(
                    &compiled,
                    [
                        title_ref.as_ref().map_or("", |r| r.as_str()),
                        pronoun.as_str(),
                        object_pronoun.as_str(),
                        delegation_ref.as_str(),
                    ],
                    year_re.as_str(),
                )
            },
            || rayon::join(names, || rayon::join(people, keys)),
        );
        let (gaz_patterns, gaz) = names?;
        let (known, known_short, unique_short, unique_short_ac) = people;
        Ok(Extractor {
            known,
            known_by_key,
            gaz,
            gaz_patterns,
            compiled,
            not_name,
            title_words,
            title_ref,
            pronoun,
            object_pronoun,
            year_re,
            delegation_ref,
            gated: !crate::gate::disabled(),
            gates,
            known_short,
            unique_short,
            unique_short_ac,
            surname_first,
            family_first_countries,
            member_titles,
            not_role,
            affiliate_titles,
            rules_hash: rules.hash.clone(),
            dateline_starts_lines,
            date_groups,
            trace: false,
            rule_files: rules.files.clone(),
        })
    }

    /// Skips work that cannot change the result (the default), or does it
    /// all: every regex over every text, every pass over every sentence.
    /// Both give the same facts; the ungated way is there to prove it.
    pub fn set_gated(&mut self, on: bool) {
        self.gated = on;
        self.gates.all.set_off(!on);
        self.gates.ascii.set_off(!on);
    }

    /// Whether work that cannot change the result is skipped.
    pub fn gated(&self) -> bool {
        self.gated
    }

    /// Finds the gazetteer's names with a matcher of `kind` (by default it
    /// follows the number of names, see [`crate::names`]). Both kinds find
    /// the same names; forcing one is there to prove it.
    ///
    /// # Errors
    /// When the automaton cannot be built.
    pub fn set_name_matcher(&mut self, kind: MatcherKind) -> Result<()> {
        if self.gaz.kind() != kind {
            self.gaz = build_names(&self.gaz_patterns, kind)?;
        }
        Ok(())
    }

    /// The kind of matcher the gazetteer's names are found with.
    pub fn name_matcher(&self) -> MatcherKind {
        self.gaz.kind()
    }

    /// The gazetteer's names in `s` standing as whole words, as the first
    /// step of extraction finds them (before its case checks).
    pub fn name_matches(&self, s: &str) -> Vec<NameMatch> {
        self.gaz.whole_words(s)
    }

    /// The known entity a name stands for, if any.
    pub fn lookup(&self, name: &str) -> Option<usize> {
        self.known_by_key.get(&name_key(name)).copied()
    }

    fn is_boilerplate(&self, line: &str) -> bool {
        let line = line.trim();
        self.compiled.boilerplate.on(line).is_match(line)
    }

    /// The publication date of a text: the first full date a dateline rule
    /// finds; else a year from an anniversary ("80th anniversary of ...")
    /// with the month of the first dated mention.
    pub fn document_date(&self, norm: &str) -> Option<PartialDate> {
        let mut open = Open::default();
        self.gates.on(norm).scan(norm, &mut open);
        self.document_date_in(norm, &open)
    }

    /// [`Extractor::document_date`], with the gate of `norm` open.
    fn document_date_in(&self, norm: &str, open: &Open) -> Option<PartialDate> {
        let mut best: Option<(usize, PartialDate)> = None;
        let mut partial: Option<(usize, u8, u8)> = None;
        let g = &self.gates;
        // line starts, for the datelines that match only there
        let mut starts: Option<Vec<usize>> = None;
        for (i, r) in self.compiled.datelines.iter().enumerate() {
            if !open.get(i) {
                continue;
            }
            let anchored = self.dateline_starts_lines[i]
                .then(|| r.re.anchored(norm))
                .flatten();
            let caps: Vec<regex::Captures> = match anchored {
                None => r.re.on(norm).captures_iter(norm).collect(),
                Some(a) => {
                    let starts = starts.get_or_insert_with(|| {
                        std::iter::once(0)
                            .chain(norm.match_indices('\n').map(|(k, _)| k + 1))
                            .filter(|&k| k < norm.len())
                            .collect()
                    });
                    // as captures_iter would: each match from where the last ended
                    let mut out = Vec::new();
                    let mut done = 0;
                    for &at in starts.iter() {
                        if at < done {
                            continue;
                        }
                        // when the lazy DFA cannot tell, the search from here does
                        if a.matches_at(norm, at) == Some(false) {
                            continue;
                        }
                        if let Some(c) = r.re.on(norm).captures_at(norm, at) {
                            let m = c.get(0).expect("match");
                            if m.start() != at {
                                continue;
                            }
                            done = m.end().max(m.start() + 1);
                            out.push(c);
                        }
                    }
                    out
                }
            };
            for c in caps {
                let parts = DateParts {
                    year: r.re.group(&c, "year").map(|m| m.as_str()),
                    month: r.re.group(&c, "month").map(|m| m.as_str()),
                    day: r.re.group(&c, "day").map(|m| m.as_str()),
                    ..Default::default()
                };
                if parts.year.is_none() {
                    // "BEIJING, Nov. 21 (Xinhua) --": the year comes from elsewhere
                    if let (Some(m), Some(d)) = (
                        parts.month.and_then(crate::dates::month_number),
                        parts.day.and_then(|d| d.parse::<u8>().ok()),
                    ) {
                        let at = c.get(0).map_or(0, |m| m.start());
                        if partial.is_none_or(|(p, _, _)| at < p) {
                            partial = Some((at, m, d));
                        }
                    }
                    continue;
                }
                if let Some(d) = resolve(&parts, &DateContext::default()) {
                    let at = c.get(0).map_or(0, |m| m.start());
                    let better = match best {
                        None => true,
                        Some((pos, bd)) => {
                            d.precision() > bd.precision()
                                || (d.precision() == bd.precision() && at < pos)
                        }
                    };
                    if better {
                        best = Some((at, d));
                    }
                }
            }
        }
        if let Some((_, d)) = best {
            if d.day.is_some() {
                // a wire dateline ("Pyongyang, September 18 (KCNA)") a day or two
                // before a page timestamp names the day of the news
                if let Some((_, m, day)) = partial {
                    if let Some(w) = PartialDate::ymd(d.year, m, day) {
                        if let (Some(a), Some(b)) = (w.days(), d.days()) {
                            if a <= b && b - a <= 7 {
                                return Some(w);
                            }
                        }
                    }
                }
                return Some(d);
            }
        }
        let mut year = best.map(|(_, d)| d.year);
        if year.is_none() {
            for (i, a) in self.compiled.anniversaries.iter().enumerate() {
                if !open.get(g.doc_anniversaries + i) {
                    continue;
                }
                if let Some(c) = a.re.on(norm).captures(norm) {
                    if let Some(n) =
                        a.re.group(&c, "nth")
                            .and_then(|m| m.as_str().parse::<i32>().ok())
                    {
                        year = Some(a.year + n);
                        break;
                    }
                }
            }
        }
        if let Some((_, m, d)) = partial {
            // the latest year the text names stands for the dateline's year
            let y = year.or_else(|| {
                if !open.get(g.doc_year) {
                    return None;
                }
                self.year_re
                    .find_iter(norm)
                    .filter_map(|m| m.as_str().parse::<i32>().ok())
                    .max()
            });
            if let Some(full) = y.and_then(|y| PartialDate::ymd(y, m, d)) {
                return Some(full);
            }
        }
        let year = year?;
        // the month of the first explicit month-day expression
        let ctx = DateContext {
            reference: Some(PartialDate::year(year)),
            ..Default::default()
        };
        let mut first: Option<(usize, PartialDate)> = None;
        for (i, r) in self.compiled.dates.iter().enumerate() {
            if !open.get(g.doc_dates + i) {
                continue;
            }
            for c in r.re.on(norm).captures_iter(norm) {
                let group = |name| r.re.group(&c, name);
                if group("month").is_none() || group("day").is_none() || group("year").is_some() {
                    continue;
                }
                let parts = DateParts {
                    month: group("month").map(|m| m.as_str()),
                    day: group("day").map(|m| m.as_str()),
                    ..Default::default()
                };
                if let Some(d) = resolve(&parts, &ctx) {
                    let at = c.get(0).map_or(0, |m| m.start());
                    if first.is_none_or(|(p, _)| at < p) {
                        first = Some((at, d));
                    }
                }
            }
        }
        Some(match first {
            Some((_, d)) => PartialDate::month(d.year, d.month.unwrap_or(1)),
            None => PartialDate::year(year),
        })
    }

    /// Reads one document.
    pub fn extract(&self, doc: &Document) -> DocFacts {
        DocRun::new(self, doc).run()
    }
}

/// A name found by coreference: (start, end, pattern, is a short form).
type ShortHit = (usize, usize, usize, bool);

struct DocRun<'a> {
    x: &'a Extractor,
    doc: &'a Document,
    norm: Normalized,
    ents: Vec<DocEntity>,
    /// The entity of each gazetteer entry met in the document.
    known_index: FastMap<usize, usize>,
    /// The entity of each other name, by type and [`name_key`].
    ent_index: FastMap<(EntityType, String), usize>,
    sentences: Vec<(Span, Vec<Mention>)>,
    roles: Vec<EdgeFact>,
    date: Option<PartialDate>,
    /// (position, person) of each delegation leader named so far
    leaders: Vec<(usize, usize)>,
    trace: Vec<String>,
    /// Literals of the sentence gate found in the normalised text.
    sent_hits: Vec<(u32, u32, u32)>,
    /// The rules open in each sentence (from `sent_hits`), worked out once.
    sent_open: Vec<Open>,
    /// Sentences given mentions since person patterns first ran over them.
    changed: Vec<bool>,
    /// Gate scratch space, reused from sentence to sentence.
    scratch: Open,
    /// The gate for this document's text (all ASCII or not).
    gate: &'a Gate,
}

impl<'a> DocRun<'a> {
    fn new(x: &'a Extractor, doc: &'a Document) -> DocRun<'a> {
        let norm = Normalized::new(&doc.text);
        DocRun {
            x,
            doc,
            gate: x.gates.on(&norm.text),
            norm,
            ents: Vec::new(),
            known_index: FastMap::default(),
            ent_index: FastMap::default(),
            sentences: Vec::new(),
            roles: Vec::new(),
            date: None,
            leaders: Vec::new(),
            trace: Vec::new(),
            sent_hits: Vec::new(),
            sent_open: Vec::new(),
            changed: Vec::new(),
            scratch: Open::default(),
        }
    }

    fn intern(&mut self, kind: EntityType, spelling: &str, known: Option<usize>) -> usize {
        let (ents, x) = (&mut self.ents, self.x);
        let add = || {
            ents.push(DocEntity {
                kind: known.map_or(kind, |k| x.known[k].kind),
                label: known.map_or_else(|| spelling.to_string(), |k| x.known[k].name.clone()),
                known,
                spellings: BTreeSet::new(),
                mentions: 0,
                country: None,
            });
            ents.len() - 1
        };
        let id = match known {
            Some(k) => *self.known_index.entry(k).or_insert_with(add),
            None => *self
                .ent_index
                .entry((kind, name_key(spelling)))
                .or_insert_with(add),
        };
        let e = &mut self.ents[id];
        if !e.spellings.contains(spelling) {
            e.spellings.insert(spelling.to_string());
        }
        if known.is_none() && spelling.len() > e.label.len() {
            e.label = spelling.to_string();
        }
        id
    }

    fn evidence(&self, span: Span, rule: &str) -> Evidence {
        let (s, e) = self.norm.span_to_orig(span.start, span.end);
        Evidence {
            doc: self.doc.id.clone(),
            sentence: self.doc.text[s..e].to_string(),
            start: s,
            end: e,
            rule: rule.to_string(),
        }
    }

    fn run(mut self) -> DocFacts {
        let norm_text = self.norm.text.clone();
        self.sent_hits = self.gate.hits(&norm_text);
        let mut open = Open::default();
        self.gate
            .open_in(&self.sent_hits, 0, norm_text.len(), &mut open);
        self.date = self
            .doc
            .date
            .or_else(|| self.x.document_date_in(&norm_text, &open));
        let mut title = self.doc.title.clone();
        // sentences of the lines that are not page furniture
        let mut spans = Vec::new();
        let mut pos = 0;
        for line in norm_text.split_inclusive('\n') {
            let (s, e) = (pos, pos + line.len());
            pos = e;
            let t = line.trim();
            if t.is_empty() || self.x.is_boilerplate(t) {
                continue;
            }
            if title.is_none() && t.split_whitespace().count() >= 3 {
                title = Some(t.chars().take(200).collect::<String>());
            }
            spans.extend(split_sentences(&norm_text, s, e));
        }
        let mut ctx = DateContext {
            reference: self.date,
            ..Default::default()
        };
        for span in spans {
            let mentions = self.stage_a(&norm_text, span, &mut ctx);
            self.sentences.push((span, mentions));
        }
        self.changed = vec![false; self.sentences.len()];
        let found: Vec<bool> = (0..self.sentences.len())
            .map(|k| self.stage_b(&norm_text, k))
            .collect();
        self.coreference(&norm_text);
        self.delegation_references(&norm_text);
        self.references(&norm_text);
        // titles before names found by coreference ("President Xi"); a
        // sentence in which person patterns found nothing and that has
        // gained no mention since would give nothing again
        for (k, found) in found.into_iter().enumerate() {
            if found || self.changed[k] || !self.x.gated {
                self.stage_b(&norm_text, k);
            }
        }
        let (events, mut edges) = self.relations(&norm_text);
        edges.append(&mut self.roles);
        for (_, ms) in &self.sentences {
            for m in ms {
                if let (Target::Entity(i), false) = (m.target, m.reference) {
                    self.ents[i].mentions += 1;
                }
            }
        }
        DocFacts {
            meta: DocMeta {
                id: self.doc.id.clone(),
                path: self.doc.path.clone(),
                title,
                date: self.date,
            },
            entities: self.ents,
            events,
            edges,
            trace: self.trace,
        }
    }

    /// Gazetteer names, dates and organisation patterns.
    fn stage_a(&mut self, norm: &str, span: Span, ctx: &mut DateContext) -> Vec<Mention> {
        let s = &norm[span.start..span.end];
        let g = &self.x.gates;
        let mut open = std::mem::take(&mut self.scratch);
        self.gate
            .open_in(&self.sent_hits, span.start, span.end, &mut open);
        self.sent_open.push(open.kept());
        let mut cands: Vec<Mention> = Vec::new();
        for m in self.x.gaz.whole_words(s) {
            let p = &self.x.gaz_patterns[m.pattern()];
            let got = &s[m.start()..m.end()];
            let first_upper = got
                .chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || !c.is_alphabetic());
            if !first_upper || (p.acronym && got != p.text) {
                continue;
            }
            let e = self.intern(self.x.known[p.entity].kind, got, Some(p.entity));
            let (a, b) = (span.start + m.start(), span.start + m.end());
            cands.push(Mention::new(a, b, Target::Entity(e), false));
        }
        let mut dates: Vec<Mention> = Vec::new();
        // "the same day" and "the next day", by where they start: they count
        // from the last full date before them, in this sentence too
        let mut relative: Vec<((usize, usize), DateParts)> = Vec::new();
        for (i, r) in self.x.compiled.dates.iter().enumerate() {
            if !open.get(g.sent + i) {
                continue;
            }
            for c in r.re.on(s).captures_iter(s) {
                let m = c.get(0).expect("match");
                let parts = self.x.date_groups[i].parts(&c);
                // "on the 7th Party Congress": a name, not a day
                if parts.day.is_some()
                    && parts.month.is_none()
                    && s[m.end()..]
                        .strip_prefix(' ')
                        .and_then(|r| r.chars().next())
                        .is_some_and(char::is_uppercase)
                {
                    continue;
                }
                let d = resolve(&parts, ctx);
                let (a, b) = (span.start + m.start(), span.start + m.end());
                if parts.rel_day.is_some() {
                    relative.push(((a, b), parts));
                }
                dates.push(Mention::new(a, b, Target::Date(d), false));
            }
        }
        let mut kept = select(dates);
        if !relative.is_empty() {
            let mut here = *ctx;
            for m in kept.iter_mut() {
                if let Some((_, p)) = relative.iter().find(|(at, _)| *at == (m.start, m.end)) {
                    m.target = Target::Date(resolve(p, &here));
                }
                if let Target::Date(Some(d)) = m.target {
                    if d.day.is_some() {
                        here.last_full = Some(d);
                    }
                }
            }
        }
        for m in &kept {
            if let Target::Date(Some(d)) = m.target {
                ctx.last_year = Some(d.year);
                if d.day.is_some() {
                    ctx.last_full = Some(d);
                }
                if let Some(mo) = d.month {
                    ctx.last_month = Some((d.year, mo));
                }
            }
        }
        cands.retain(|c| !kept.iter().any(|d| overlaps(c.ext, d.ext)));
        let known_cands = cands.clone();
        let mut from_pattern: Vec<(usize, usize, String)> = Vec::new();
        for (j, r) in self
            .x
            .compiled
            .entity_patterns
            .iter()
            .filter(|r| r.kind != EntityType::Person)
            .enumerate()
        {
            if !open.get(g.sent_orgs + j) {
                continue;
            }
            for c in r.re.on(s).captures_iter(s) {
                let Some(n) = r.re.group(&c, "name") else {
                    continue;
                };
                let mut off = n.start();
                let mut name = n.as_str();
                for art in ["The ", "A ", "An "] {
                    if let Some(rest) = name.strip_prefix(art) {
                        off += art.len();
                        name = rest;
                    }
                }
                // "North Korea's State Affairs Commission": the owner is not part of the name
                while let Some(i) = name.find("'s ") {
                    if self.x.lookup(&name[..i]).is_none() {
                        break;
                    }
                    off += i + 3;
                    name = &name[i + 3..];
                }
                let mut trimmed = name.trim_end();
                if r.kind == EntityType::Organization && trimmed.split_whitespace().count() < 2 {
                    continue;
                }
                // "Political Bureau" + " of the " + a known body: one name
                if r.kind == EntityType::Organization && self.x.lookup(trimmed).is_none() {
                    let end = off + trimmed.len();
                    let tail = [" of the ", " of "]
                        .iter()
                        .find(|t| s[end..].starts_with(**t));
                    if let Some(t) = tail {
                        let at = span.start + end + t.len();
                        let body = known_cands.iter().find(|k| {
                            k.start == at && matches!(k.target, Target::Entity(e) if matches!(self.ents[e].kind, EntityType::Organization | EntityType::Country))
                        });
                        if let Some(k) = body {
                            trimmed = &s[off..k.end - span.start];
                        }
                    }
                }
                let known = self.x.lookup(trimmed);
                if known.is_some_and(|k| self.x.known[k].kind != r.kind) {
                    continue;
                }
                let e = self.intern(r.kind, trimmed, known);
                let (a, b) = (span.start + off, span.start + off + trimmed.len());
                if known.is_none() && r.kind == EntityType::Organization {
                    from_pattern.push((a, b, r.id.clone()));
                }
                cands.push(Mention::new(a, b, Target::Entity(e), false));
            }
        }
        self.scratch = open;
        let chosen = select(cands);
        // new organisations holding known ones: PART_OF
        for m in &chosen {
            let Some((_, _, rule)) = from_pattern
                .iter()
                .find(|(a, b, _)| *a == m.start && *b == m.end)
            else {
                continue;
            };
            let Target::Entity(e) = m.target else {
                continue;
            };
            for inner in known_cands
                .iter()
                .filter(|k| k.start >= m.start && k.end <= m.end)
            {
                if let Target::Entity(i) = inner.target {
                    if self.ents[i].kind == EntityType::Organization && i != e {
                        let ev = self.evidence(span, rule);
                        self.roles.push(EdgeFact {
                            source: e,
                            target: i,
                            relation: "PART_OF".into(),
                            title: None,
                            date: None,
                            evidence: ev,
                        });
                    }
                }
            }
        }
        kept.extend(chosen);
        kept.sort_by_key(|m| m.start);
        kept
    }

    fn clean_name(&self, raw: &str) -> Option<String> {
        let mut toks: Vec<&str> = raw.split_whitespace().collect();
        if let Some(last) = toks.last_mut() {
            *last = last.trim_end_matches("'s").trim_end_matches('\'');
        }
        let is_stop = |t: &str| {
            self.x
                .not_name
                .contains(&t.trim_end_matches('.').to_lowercase())
        };
        // "No Kwang Chol": a family name that is also a common word stays
        let surname_led = toks.len() >= 3 && self.x.surname_first.contains(&toks[0].to_lowercase());
        while !surname_led && toks.first().is_some_and(|t| is_stop(t)) {
            toks.remove(0);
        }
        // "Moon Jae In": a short last syllable of a Korean-order name is part of it
        let syllable = |toks: &[&str]| {
            toks.len() == 3
                && self.x.surname_first.contains(&toks[0].to_lowercase())
                && toks[2].len() <= 3
                && toks[2].chars().next().is_some_and(char::is_uppercase)
        };
        while toks.last().is_some_and(|t| is_stop(t)) && !syllable(&toks) {
            toks.pop();
        }
        let inner = &toks[surname_led as usize..toks.len() - syllable(&toks) as usize];
        if toks.len() < 2 || toks.len() > 5 || inner.iter().any(|t| is_stop(t)) {
            return None;
        }
        // an all-capitals word ("KCNA") is not part of a name; a middle initial ("M.") is
        let initial = |t: &str| t.len() == 2 && t.ends_with('.');
        if toks.iter().any(|t| {
            !initial(t)
                && t.chars()
                    .filter(|c| c.is_alphabetic())
                    .all(|c| c.is_uppercase())
        }) {
            return None;
        }
        if toks.windows(2).any(|w| w[0] == w[1]) {
            return None; // "Hu Hu": a headline cut short
        }
        let name = toks.join(" ");
        if let Some(k) = self.x.lookup(&name) {
            if self.x.known[k].kind != EntityType::Person {
                return None;
            }
        }
        // a token that is itself a known place or country, written as such, is not part
        // of a name ("Beijing"; but "Un" is not "UN")
        if toks.iter().any(|t| {
            self.x.lookup(t).is_some_and(|k| {
                let e = &self.x.known[k];
                e.kind != EntityType::Person && (e.name == *t || e.aliases.iter().any(|a| a == t))
            })
        }) {
            return None;
        }
        Some(name)
    }

    /// Person patterns over the sentence with stage-A mentions masked;
    /// whether any pattern found a name.
    fn stage_b(&mut self, norm: &str, k: usize) -> bool {
        let span = self.sentences[k].0;
        let headline = is_headline(&norm[span.start..span.end]);
        let masked = Masked::build(norm, span, &self.sentences[k].1, &self.ents);
        struct Found {
            name: (usize, usize),
            ext: (usize, usize),
            target: Target,
            title: Option<String>,
            affil: Vec<usize>,
            country: Option<usize>,
            rule: String,
            delegation: bool,
        }
        let mut found: Vec<Found> = Vec::new();
        // a sentence without mentions is its own masked text: its literals are known
        let g = &self.x.gates;
        let mut open = std::mem::take(&mut self.scratch);
        if self.sentences[k].1.is_empty() {
            open.set_from(&self.sent_open[k]);
        } else {
            self.gate.scan(&masked.text, &mut open);
        }
        for (j, r) in self
            .x
            .compiled
            .entity_patterns
            .iter()
            .filter(|r| r.kind == EntityType::Person)
            .enumerate()
        {
            if !open.get(g.masked + j) {
                continue;
            }
            for c in r.re.on(&masked.text).captures_iter(&masked.text) {
                let whole = c.get(0).expect("match");
                let Some(n) = r.re.group(&c, "name") else {
                    continue;
                };
                let ns = masked.to_norm(n.start());
                let ne = masked.to_norm(n.end());
                let phs = Masked::placeholders(n.as_str());
                let (target, name_span) = if let [i] = phs[..] {
                    let m = &self.sentences[k].1[i];
                    match m.target {
                        Target::Entity(e) if self.ents[e].kind == EntityType::Person => {
                            (m.target, (m.start, m.end))
                        }
                        _ => continue,
                    }
                } else if phs.is_empty() {
                    if headline {
                        continue;
                    }
                    let Some(clean) = self.clean_name(&norm[ns..ne]) else {
                        continue;
                    };
                    let off = norm[ns..ne]
                        .find(&clean[..clean.find(' ').unwrap_or(clean.len())])
                        .unwrap_or(0);
                    let s0 = ns + off;
                    // "Kurt M. Campbell" is also "Kurt Campbell"
                    let plain: Vec<&str> = clean
                        .split(' ')
                        .filter(|t| !(t.len() == 2 && t.ends_with('.')))
                        .collect();
                    let plain = plain.join(" ");
                    let known = self.x.lookup(&clean).or_else(|| self.x.lookup(&plain));
                    let e = self.intern(EntityType::Person, &clean, known);
                    if plain != clean {
                        self.ents[e].spellings.insert(plain);
                    }
                    (Target::Entity(e), (s0, s0 + clean.len()))
                } else {
                    continue;
                };
                let title = r.re.group(&c, "title").map(|t| {
                    let t = t.as_str();
                    let mut s = strip_placeholders(t, &self.sentences[k].1, &self.ents);
                    for art in ["the ", "a ", "an ", "The ", "A ", "An "] {
                        if let Some(x) = s.strip_prefix(art) {
                            s = x.to_string();
                        }
                    }
                    s
                });
                let mut affil = Vec::new();
                let mut country = None;
                for g in ["org", "country"] {
                    if let Some(m) = r.re.group(&c, g) {
                        for i in Masked::placeholders(m.as_str()) {
                            if let Target::Entity(e) = self.sentences[k].1[i].target {
                                if self.ents[e].kind == EntityType::Country && country.is_none() {
                                    country = Some(e);
                                }
                                affil.push(e);
                            }
                        }
                    }
                }
                let ext = if r.absorb {
                    (
                        masked.to_norm(whole.start()).min(name_span.0),
                        masked.to_norm(whole.end()).max(name_span.1),
                    )
                } else {
                    name_span
                };
                found.push(Found {
                    name: name_span,
                    ext,
                    target,
                    title,
                    affil,
                    country,
                    rule: r.id.clone(),
                    delegation: r.delegation,
                });
            }
        }
        self.scratch = open;
        let found_any = !found.is_empty();
        // accept in rule order; the same name found twice merges its extents
        let mut accepted: Vec<Found> = Vec::new();
        for f in found {
            if let Some(i) = accepted.iter().position(|a| a.name == f.name) {
                let a = &accepted[i];
                let union = (a.ext.0.min(f.ext.0), a.ext.1.max(f.ext.1));
                // a longer reading of the same name, unless it runs into another person's
                let clash = accepted
                    .iter()
                    .enumerate()
                    .any(|(j, o)| j != i && overlaps(o.ext, union));
                if f.ext.0 <= a.ext.1 && a.ext.0 <= f.ext.1 && !clash {
                    accepted[i].ext = union;
                } else if clash {
                    continue;
                }
                accepted[i].delegation |= f.delegation;
                let ev = self.evidence(span, &f.rule);
                self.add_role(f.target, f.title.as_deref(), &f.affil, f.country, ev);
                continue;
            }
            if accepted.iter().any(|a| overlaps(a.ext, f.ext)) {
                continue;
            }
            let ev = self.evidence(span, &f.rule);
            self.add_role(f.target, f.title.as_deref(), &f.affil, f.country, ev);
            accepted.push(f);
        }
        for a in &accepted {
            if let (true, Target::Entity(e)) = (a.delegation, a.target) {
                if !self.leaders.contains(&(a.name.0, e)) {
                    self.leaders.push((a.name.0, e));
                }
            }
        }
        let mentions = &mut self.sentences[k].1;
        for a in accepted {
            if let Some(m) = mentions
                .iter_mut()
                .find(|m| m.start == a.name.0 && m.end == a.name.1)
            {
                // an apposition already read is not read again past its end
                let right = if m.ext.1 > m.end {
                    m.ext.1
                } else {
                    m.ext.1.max(a.ext.1)
                };
                m.ext = (m.ext.0.min(a.ext.0), right);
            } else {
                mentions.retain(|m| !(m.start < a.name.1 && a.name.0 < m.end));
                mentions.push(Mention {
                    start: a.name.0,
                    end: a.name.1,
                    ext: a.ext,
                    target: a.target,
                    reference: false,
                });
            }
        }
        mentions.sort_by_key(|m| m.start);
        found_any
    }

    fn add_role(
        &mut self,
        person: Target,
        title: Option<&str>,
        affil: &[usize],
        country: Option<usize>,
        ev: Evidence,
    ) {
        let Target::Entity(p) = person else { return };
        if let Some(c) = country {
            if self.ents[p].country.is_none() {
                self.ents[p].country = Some(c);
            }
        }
        // the organisation's own country, when the gazetteer knows it
        if self.ents[p].country.is_none() {
            let parents: Vec<usize> = affil
                .iter()
                .flat_map(|&a| {
                    self.roles
                        .iter()
                        .filter(move |r| r.relation == "PART_OF" && r.source == a)
                        .map(|r| r.target)
                })
                .collect();
            for &a in affil.iter().chain(&parents) {
                if let Some(k) = self.ents[a].known {
                    if let Some(c) = self.x.known[k].country {
                        let name = self.x.known[c].name.clone();
                        let ce = self.intern(EntityType::Country, &name, Some(c));
                        self.ents[p].country = Some(ce);
                        break;
                    }
                }
            }
        }
        let Some(title) = title
            .map(str::trim)
            .filter(|t| !t.is_empty() && !self.x.not_role.contains(&t.to_lowercase()))
        else {
            return;
        };
        let home = self.ents[p]
            .known
            .and_then(|k| self.x.known[k].country)
            .map(|c| {
                let name = self.x.known[c].name.clone();
                self.intern(EntityType::Country, &name, Some(c))
            });
        let named = affil
            .iter()
            .copied()
            .find(|&a| self.ents[a].kind == EntityType::Organization)
            .or(country)
            .or_else(|| affil.first().copied());
        // whole words of the title: "member of the Political Bureau"
        let padded = padded_words(title);
        // " {p} " in `padded`, without writing it out for each title word
        let words: Vec<&str> = padded.split_whitespace().collect();
        let has = |set: &[Phrase]| set.iter().any(|p| p.in_title(&padded, &words));
        let relation = if has(&self.x.member_titles) {
            "MEMBER_OF"
        } else if has(&self.x.affiliate_titles) {
            "AFFILIATED_WITH"
        } else {
            "HOLDS_ROLE"
        };
        // an office with no body named ("Wang Yi, the Minister of Foreign Affairs") is held
        // in the person's own country; a researcher's or a member's body must be named
        let Some(target) = named.or(home.filter(|_| relation == "HOLDS_ROLE")) else {
            return;
        };
        // a body inside a known one ("Political Bureau of the Workers' Party of Korea"):
        // the role is in both
        let parents: Vec<usize> = self
            .roles
            .iter()
            .filter(|r| r.relation == "PART_OF" && r.source == target)
            .map(|r| r.target)
            .collect();
        let title = single_spaced(title);
        for t in std::iter::once(target).chain(parents) {
            self.roles.push(EdgeFact {
                source: p,
                target: t,
                relation: relation.into(),
                title: Some(title.clone()),
                date: None,
                evidence: ev.clone(),
            });
        }
    }

    fn person_country(&self, e: usize) -> Option<usize> {
        if let Some(c) = self.ents[e].country {
            return Some(c);
        }
        let k = self.ents[e].known?;
        let c = self.x.known[k].country?;
        self.country_entity(c)
    }

    /// Full names of the document's people found anywhere, and short names
    /// (surname, or given name) resolved to the most recent person bearing it.
    fn coreference(&mut self, norm: &str) {
        let people: Vec<usize> = (0..self.ents.len())
            .filter(|&i| self.ents[i].kind == EntityType::Person)
            .collect();
        let mut pats: Vec<(String, usize, bool)> = Vec::new(); // (text, entity, is_short)
        let mut shorts: FastMap<String, Vec<usize>> = FastMap::default();
        for &p in &people {
            let mut names: BTreeSet<String> = self.ents[p].spellings.clone();
            names.insert(self.ents[p].label.clone());
            if let Some(k) = self.ents[p].known {
                names.extend(self.x.known[k].aliases.iter().cloned());
                names.insert(self.x.known[k].name.clone());
            }
            for n in &names {
                if self.ents[p].known.is_none() {
                    for v in variants(n, true) {
                        pats.push((v, p, false));
                    }
                }
                let toks: Vec<&str> = n.split_whitespace().collect();
                if toks.len() < 2 {
                    continue;
                }
                // family name first: a known family name, a hyphenated given name, or a
                // person from a country that writes names so ("Dai Bing", Chinese ambassador)
                let from_east = self.person_country(p).is_some_and(|c| {
                    self.x
                        .family_first_countries
                        .contains(&self.ents[c].label.to_lowercase())
                });
                let first_is_surname = self.x.surname_first.contains(&toks[0].to_lowercase())
                    || toks[0].contains('-')
                    || toks.iter().skip(1).any(|t| t.contains('-'))
                    || from_east;
                let mut sf = Vec::new();
                if first_is_surname {
                    sf.push(toks[0].to_string());
                    // "Jang-ha Sung" written for Jang Ha-sung: "Jang"
                    if let Some((pre, _)) = toks[0].split_once('-') {
                        if self.x.surname_first.contains(&pre.to_lowercase()) {
                            sf.push(pre.to_string());
                        }
                    }
                    let given = toks[1..].join(" ");
                    if toks.len() >= 3 || given.contains('-') {
                        sf.push(given);
                    }
                } else {
                    sf.push(toks[toks.len() - 1].to_string());
                }
                for s in sf {
                    if s.chars().count() < 2 || self.x.not_name.contains(&s.to_lowercase()) {
                        continue;
                    }
                    let list = shorts.entry(s.clone()).or_default();
                    if !list.contains(&p) {
                        list.push(p);
                    }
                }
            }
        }
        for (s, _) in shorts.iter() {
            pats.push((s.clone(), usize::MAX, true));
        }
        pats.sort();
        pats.dedup_by(|a, b| a.0 == b.0);
        // "President Xi" with no "Xi Jinping" in the text: a known person whose
        // surname is unique. Those surnames have an automaton of their own,
        // searched beside this document's: the leftmost match of the two, the
        // longer at the same place, this document's when both are the same
        // (its entry sorts first, as in one automaton of both lists).
        let x = self.x;
        if pats.is_empty() && x.unique_short_ac.is_none() {
            return;
        }
        let doc_names = crate::names::FewNames::new(pats.iter().map(|p| p.0.as_str()));
        let n = pats.len();
        // (text, entity, is a short form) of pattern `pi` of either automaton
        let entry = |pi: usize| -> (&str, usize, bool) {
            match pats.get(pi) {
                Some(p) => (p.0.as_str(), p.1, p.2),
                None => (x.unique_short[pi - n].as_str(), usize::MAX, true),
            }
        };
        let matches = |s: &str| -> Vec<(usize, usize, usize)> {
            let mut out = Vec::new();
            let mut pos = 0;
            // the next match of each automaton, kept while it starts at or
            // after `pos`: a search from there would find it again
            let mut next: [Option<Option<aho_corasick::Match>>; 2] = [None, None];
            while pos < s.len() {
                let mut find = |i: usize| {
                    if let Some(m) = next[i].filter(|m| m.is_none_or(|m| m.start() >= pos)) {
                        return m;
                    }
                    let m = if i == 0 {
                        doc_names.find(s, pos)
                    } else {
                        x.unique_short_ac
                            .as_ref()
                            .and_then(|ac| ac.find(Input::new(s).range(pos..)))
                    };
                    next[i] = Some(m);
                    m
                };
                let m = match (find(0), find(1)) {
                    (Some(a), Some(b))
                        if b.start() < a.start()
                            || (b.start() == a.start() && b.end() > a.end()) =>
                    {
                        (b.start(), b.end(), n + b.pattern().as_usize())
                    }
                    (Some(a), _) => (a.start(), a.end(), a.pattern().as_usize()),
                    (None, Some(b)) => (b.start(), b.end(), n + b.pattern().as_usize()),
                    (None, None) => break,
                };
                out.push(m);
                pos = m.1.max(m.0 + 1);
            }
            out
        };
        let mut last_seen: FastMap<usize, usize> = FastMap::default();
        let mut seen_count: FastMap<usize, usize> = FastMap::default();
        let mut first_seen: FastMap<usize, usize> = FastMap::default();
        for (_, ms) in &self.sentences {
            for m in ms {
                if let Target::Entity(e) = m.target {
                    first_seen.entry(e).or_insert(m.start);
                }
            }
        }
        for k in 0..self.sentences.len() {
            let span = self.sentences[k].0;
            let s = &norm[span.start..span.end];
            let mut found: Vec<(usize, usize, usize, bool)> = Vec::new();
            for (m_start, m_end, pi) in matches(s) {
                let (a, b) = (span.start + m_start, span.start + m_end);
                if !bounded(s, m_start, m_end) {
                    continue;
                }
                if self.sentences[k].1.iter().any(|x| overlaps(x.ext, (a, b))) {
                    continue;
                }
                let (_, _, short) = entry(pi);
                if short {
                    // "Kim Yo-jong", "Andrew Kim": a capitalised neighbour makes it another name
                    let next = s[m_end..].trim_start_matches(' ');
                    let next_tok: String = next
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '-')
                        .collect();
                    if next.len() < s[m_end..].len()
                        && next_tok.chars().next().is_some_and(|c| c.is_uppercase())
                        && !self.x.not_name.contains(&next_tok.to_lowercase())
                    {
                        continue;
                    }
                    if s[m_end..].starts_with('-')
                        && s[m_end + 1..]
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_lowercase())
                    {
                        continue;
                    }
                    let before = s[..m_start].trim_end_matches(' ');
                    let prev_tok: String = before
                        .chars()
                        .rev()
                        .take_while(|c| c.is_alphanumeric() || *c == '.')
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    if before.len() < s[..m_start].len()
                        && prev_tok.chars().next().is_some_and(|c| c.is_uppercase())
                        && !self
                            .x
                            .not_name
                            .contains(&prev_tok.trim_end_matches('.').to_lowercase())
                        && self.x.lookup(&prev_tok).is_none()
                        && !before.is_empty()
                    {
                        continue;
                    }
                }
                found.push((a, b, pi, short));
            }
            // walk the sentence in order, updating recency
            let mut events: Vec<(usize, Option<usize>, Option<ShortHit>)> = Vec::new();
            for m in &self.sentences[k].1 {
                if let Target::Entity(e) = m.target {
                    events.push((m.start, Some(e), None));
                }
            }
            for f in found {
                events.push((f.0, None, Some(f)));
            }
            events.sort_by_key(|e| e.0);
            let mut new = Vec::new();
            for (pos, ent, f) in events {
                if let Some(e) = ent {
                    last_seen.insert(e, pos);
                    // a sentence's subject counts double
                    *seen_count.entry(e).or_insert(0) += if pos <= span.start + 1 { 2 } else { 1 };
                    continue;
                }
                let Some((a, b, pi, short)) = f else { continue };
                let (text, ent, _) = entry(pi);
                let e = if short && !shorts.contains_key(text) {
                    // only right after a title: "President Xi", "Mr. Putin"
                    let before = norm[..a].trim_end();
                    let prev = before
                        .rsplit(|c: char| c.is_whitespace())
                        .next()
                        .unwrap_or("")
                        .trim_end_matches('.')
                        .to_lowercase();
                    if !self.x.title_words.contains(&prev) {
                        continue;
                    }
                    let Some(Some(k)) = self.x.known_short.get(text) else {
                        continue;
                    };
                    let name = self.x.known[*k].name.clone();
                    self.intern(EntityType::Person, &name, Some(*k))
                } else if short {
                    let cands = &shorts[text];
                    // the most talked-about bearer so far, then the most recent
                    let best = cands
                        .iter()
                        .filter_map(|c| {
                            last_seen
                                .get(c)
                                .map(|p| (seen_count.get(c).copied().unwrap_or(0), *p, *c))
                        })
                        .max()
                        .map(|x| x.2)
                        .or_else(|| {
                            cands
                                .iter()
                                .filter_map(|c| first_seen.get(c).map(|p| (*p, *c)))
                                .min()
                                .map(|x| x.1)
                        });
                    let Some(best) = best else { continue };
                    best
                } else {
                    ent
                };
                last_seen.insert(e, pos);
                *seen_count.entry(e).or_insert(0) += 1;
                new.push(Mention::new(a, b, Target::Entity(e), false));
            }
            self.add_mentions(k, new);
        }
    }

    /// Adds mentions to sentence `k`, keeping them in text order.
    fn add_mentions(&mut self, k: usize, new: Vec<Mention>) {
        if !new.is_empty() {
            self.changed[k] = true;
        }
        let ms = &mut self.sentences[k].1;
        ms.extend(new);
        ms.sort_by_key(|m| m.start);
    }

    /// "the delegation", "the Chinese delegation": its leader, once named.
    fn delegation_references(&mut self, norm: &str) {
        if self.leaders.is_empty() {
            return;
        }
        let re = &self.x.delegation_ref;
        let g = &self.x.gates;
        let opens = std::mem::take(&mut self.sent_open);
        for (k, open) in opens.iter().enumerate() {
            let span = self.sentences[k].0;
            if !open.get(g.sent_refs + REF_DELEGATION) {
                continue;
            }
            let s = &norm[span.start..span.end];
            let mut new = Vec::new();
            for m in re.on(s).find_iter(s) {
                let (a, b) = (span.start + m.start(), span.start + m.end());
                let rest = s[m.end()..].trim_start();
                if [
                    "led ", "headed ", "of ", "from ", "to ", "that ", "which ", "who ",
                ]
                .iter()
                .any(|p| rest.starts_with(p))
                {
                    continue;
                }
                if self.sentences[k].1.iter().any(|x| overlaps(x.ext, (a, b))) {
                    continue;
                }
                let Some(&(_, leader)) = self.leaders.iter().rfind(|(p, _)| *p < a) else {
                    continue;
                };
                new.push(Mention::new(a, b, Target::Entity(leader), true));
            }
            self.add_mentions(k, new);
        }
        self.sent_open = opens;
    }

    /// Title-only mentions ("the Chinese president", "the young leader") and
    /// subject pronouns ("he", "she"), resolved to a person of the document
    /// or left alone when none fits.
    fn references(&mut self, norm: &str) {
        // titles each person is known by, their words one space apart
        let mut titles: FastMap<usize, Vec<String>> = FastMap::default();
        for r in &self.roles {
            if let Some(t) = &r.title {
                titles
                    .entry(r.source)
                    .or_default()
                    .push(single_spaced(&t.to_lowercase()));
            }
        }
        for (i, e) in self.ents.iter().enumerate() {
            if let Some(k) = e.known {
                titles
                    .entry(i)
                    .or_default()
                    .extend(self.x.known[k].titles.iter().map(|t| single_spaced(t)));
            }
        }
        // where each person is named, in order
        let mut named: Vec<(usize, usize)> = Vec::new();
        for (_, ms) in &self.sentences {
            for m in ms {
                if let Target::Entity(e) = m.target {
                    if self.ents[e].kind == EntityType::Person && !m.reference {
                        named.push((m.start, e));
                    }
                }
            }
        }
        named.sort();
        // a sentence opening with a dateline ("BEIJING, May 2 (Xinhua) --")
        // starts after it
        let opening = |sent: &(Span, Vec<Mention>)| -> usize {
            let head = &norm[sent.0.start..sent.0.end];
            let cut = head.char_indices().nth(100).map_or(head.len(), |x| x.0);
            after_dash(&head[..cut]).map_or(sent.0.start, |i| sent.0.start + i)
        };
        let subject = |sent: &(Span, Vec<Mention>), ents: &[DocEntity]| -> Option<usize> {
            let start = opening(sent);
            sent.1.iter().find_map(|m| match m.target {
                Target::Entity(e)
                    if ents[e].kind == EntityType::Person
                        && !m.reference
                        && m.ext.0 >= start
                        && m.ext.0 - start <= 30 =>
                {
                    Some(e)
                }
                _ => None,
            })
        };
        let opens = std::mem::take(&mut self.sent_open);
        for (k, open) in opens.iter().enumerate() {
            let span = self.sentences[k].0;
            let s = &norm[span.start..span.end];
            let mut new = Vec::new();
            let g = &self.x.gates;
            if let Some(re) = self
                .x
                .title_ref
                .as_ref()
                .filter(|_| open.get(g.sent_refs + REF_TITLE))
            {
                for c in re.on(s).captures_iter(s) {
                    let whole = c.get(0).expect("match");
                    let (a, b) = (span.start + whole.start(), span.start + whole.end());
                    let next = s[whole.end()..].trim_start();
                    let person_overlap = self.sentences[k].1.iter().any(|x| overlaps(x.ext, (a, b)) && matches!(x.target, Target::Entity(e) if self.ents[e].kind == EntityType::Person));
                    // "by the country's premier, Pak Thae Song": the title of the name after it
                    let names_next = next.strip_prefix(',').is_some_and(|r| {
                        let tail = &s[whole.end()..];
                        let at = span.start + whole.end() + (tail.len() - r.trim_start().len());
                        self.sentences[k].1.iter().any(|x| {
                            x.start == at
                                && matches!(x.target, Target::Entity(e) if self.ents[e].kind == EntityType::Person)
                        })
                    });
                    let defines = names_next
                        || ["of ", "for ", "to ", "in charge"]
                            .iter()
                            .any(|p| next.starts_with(p));
                    if next.chars().next().is_some_and(|ch| ch.is_uppercase())
                        || person_overlap
                        || defines
                    {
                        continue; // "the President Xi", "the chairman of ...": not a reference
                    }
                    let head = c["head"].to_lowercase();
                    let head = single_spaced(&head);
                    let country = c["adj"].split_whitespace().find_map(|w| {
                        self.x
                            .lookup(w)
                            .filter(|&k| self.x.known[k].kind == EntityType::Country)
                    });
                    let fits = |p: usize| {
                        titles
                            .get(&p)
                            .is_some_and(|ts| ts.iter().any(|t| t.contains(&head)))
                            && country.is_none_or(|c| {
                                self.person_country(p).and_then(|pc| self.ents[pc].known) == Some(c)
                            })
                    };
                    let best = before(&named, a).iter().rev().find(|(_, p)| fits(*p));
                    if let Some(&(_, p)) = best {
                        new.push(Mention::new(a, b, Target::Entity(p), true));
                    }
                }
            }
            // "he"/"she": the person opening this sentence, else the subject of one of
            // the two before; "Xi received him": the person last named who is neither
            // this sentence's subject nor that of the pronoun's own clause
            let subj = open
                .get(g.sent_refs + REF_OBJECT)
                .then(|| subject(&self.sentences[k], &self.ents))
                .flatten();
            let mut refs: Vec<(usize, usize, Option<usize>)> = Vec::new();
            let pronouns = open
                .get(g.sent_refs + REF_PRONOUN)
                .then(|| self.x.pronoun.find_iter(s))
                .into_iter()
                .flatten();
            // the person a sentence opens with, "Four days later Kim" too, but
            // not "In talks with Li, Kim" (read once, at the first pronoun)
            let mut opener: Option<Option<(usize, usize)>> = None;
            for m in pronouns {
                let a = span.start + m.start();
                let opener = *opener.get_or_insert_with(|| {
                    let first = opening(&self.sentences[k]);
                    let subject_at = |at: usize| {
                        let lead = norm[first..at].to_ascii_lowercase();
                        let clause = lead.rsplit(',').next().unwrap_or("");
                        !clause.split_whitespace().any(|w| OBJECT_LEAD.contains(&w))
                    };
                    self.sentences[k].1.iter().find_map(|x| match x.target {
                        Target::Entity(e)
                            if self.ents[e].kind == EntityType::Person
                                && x.ext.0 >= first
                                && x.ext.0 - first <= 30
                                && subject_at(x.ext.0) =>
                        {
                            Some((x.start, e))
                        }
                        _ => None,
                    })
                });
                // else the person last named before it in the sentence ("since Wen
                // Jiabao's trip in 2009, when he was greeted by Kim Jong Il")
                // (not one after "by" or "with": "Accompanied by his sister Kim Yo
                // Jong, he was received")
                let nearest = self.sentences[k]
                    .1
                    .iter()
                    .rev()
                    .find_map(|x| match x.target {
                        Target::Entity(e)
                            if x.end <= a
                                && !x.reference
                                && self.ents[e].kind == EntityType::Person =>
                        {
                            Some((x.ext.0, e))
                        }
                        _ => None,
                    })
                    .filter(|&(at, _)| {
                        let word = norm[span.start..at].split_whitespace().next_back();
                        !word
                            .is_some_and(|w| OBJECT_LEAD.contains(&w.to_ascii_lowercase().as_str()))
                    })
                    .map(|x| x.1);
                let who = opener
                    .filter(|(at, _)| *at < a)
                    .map(|x| x.1)
                    .or(nearest)
                    .or_else(|| {
                        (1..=2)
                            .filter_map(|d| k.checked_sub(d))
                            .find_map(|j| subject(&self.sentences[j], &self.ents))
                    });
                refs.push((a, span.start + m.end(), who));
            }
            let objects = open
                .get(g.sent_refs + REF_OBJECT)
                .then(|| self.x.object_pronoun.captures_iter(s))
                .into_iter()
                .flatten();
            for c in objects {
                let m = c.get(1).expect("group");
                let a = span.start + m.start();
                let mut cands = before(&named, a).iter().rev().peekable();
                // nor the subject of its own clause: "Morgulov discussed the
                // situation with her" is not about Morgulov
                if cands
                    .peek()
                    .is_some_and(|(at, _)| one_clause(&norm[*at..a]))
                {
                    cands.next();
                }
                let who = cands.find(|(_, p)| Some(*p) != subj).map(|x| x.1);
                refs.push((a, span.start + m.end(), who));
            }
            for (a, b, who) in refs {
                let free = !self.sentences[k]
                    .1
                    .iter()
                    .chain(&new)
                    .any(|x| overlaps(x.ext, (a, b)));
                if let (true, Some(p)) = (free, who) {
                    new.push(Mention::new(a, b, Target::Entity(p), true));
                }
            }
            self.add_mentions(k, new);
        }
        self.sent_open = opens;
    }

    fn relations(&mut self, norm: &str) -> (Vec<EventFact>, Vec<EdgeFact>) {
        let mut events: Vec<EventFact> = Vec::new();
        let mut edges: Vec<EdgeFact> = Vec::new();
        let mut last_meeting: Option<usize> = None;
        // meetings without a date of their own so far, and whether a sentence
        // before about the same people dated them
        let mut undated: Vec<(usize, bool)> = Vec::new();
        // "PYONGYANG, May 24 (KCNA) --": the dateline's city is "here"
        let dateline = self
            .sentences
            .iter()
            .take(3)
            .enumerate()
            .find_map(|(k, (span, ms))| {
                let m = ms.first()?;
                let Target::Entity(e) = m.target else {
                    return None;
                };
                (m.start == span.start
                    && self.ents[e].kind == EntityType::Place
                    && norm[m.end..].starts_with(','))
                .then_some((k, e))
            });
        let dateline_place = dateline.map(|d| d.1);
        let mut prev_place: Option<usize> = None;
        let mut prev_date: Option<PartialDate> = None;
        let mut prev_people: BTreeSet<usize> = BTreeSet::new();
        // the people of the sentence before whose meeting was a call reported on
        let mut remote: BTreeSet<usize> = BTreeSet::new();
        for k in 0..self.sentences.len() {
            let (span, ref mentions) = self.sentences[k];
            let mentions = mentions.clone();
            // the place a sentence sets ("opened talks Thursday in New York City"), for the next one
            let this_place = self.pick_place(norm, &mentions, span.start, span.start, false);
            let context_place = prev_place;
            let context_date = prev_date;
            let context_people = std::mem::take(&mut prev_people);
            let context_remote = std::mem::take(&mut remote);
            prev_people = mentions
                .iter()
                .filter_map(|m| match m.target {
                    Target::Entity(e) if self.ents[e].kind == EntityType::Person => Some(e),
                    _ => None,
                })
                .collect();
            prev_date = mentions.iter().find_map(|m| match m.target {
                Target::Date(Some(d)) => Some(d),
                _ => None,
            });
            prev_place = this_place.filter(|&p| self.ents[p].kind == EntityType::Place);
            let persons = mentions.iter().filter(|m| matches!(m.target, Target::Entity(e) if self.ents[e].kind == EntityType::Person)).count();
            if persons == 0 {
                continue;
            }
            let masked = Masked::build(norm, span, &mentions, &self.ents);
            if self.x.trace {
                let show: String = masked
                    .text
                    .split(OPEN)
                    .map(|p| match p.split_once(CLOSE) {
                        Some((ph, rest)) => {
                            let i: usize = ph[1..].parse().unwrap_or(0);
                            let l = match mentions.get(i).map(|m| m.target) {
                                Some(Target::Entity(e)) => self.ents[e].label.clone(),
                                Some(Target::Date(Some(d))) => d.to_string(),
                                _ => "?".to_string(),
                            };
                            format!("[{}:{}]{}", &ph[..1], l, rest)
                        }
                        None => p.to_string(),
                    })
                    .collect();
                self.trace.push(format!("{}: {}", self.doc.id, show));
            }
            let mut open = std::mem::take(&mut self.scratch);
            let g = &self.x.gates;
            self.gate.scan(&masked.text, &mut open);
            let rules = &self.x.compiled.relations;
            let opened: Vec<usize> = (0..rules.len())
                .filter(|&i| open.get(g.masked_relations + i))
                .collect();
            self.scratch = open;
            // the open rules that match, each tried on its own: a search
            // stops at a rule's first match, where one set of all of them
            // would read every sentence to its end for every rule
            let mut hits: Vec<usize> = opened
                .into_iter()
                .filter(|&i| rules[i].re.on(&masked.text).is_match(&masked.text))
                .collect();
            // attendees join the meetings of their own sentence: meetings first
            hits.sort_by_key(|&i| {
                (
                    self.x.compiled.relations[i].kind.as_deref() == Some("attendance"),
                    i,
                )
            });
            let mut sentence_events: Vec<usize> = Vec::new();
            let meeting_before = last_meeting;
            let mut reporters: Vec<(usize, String)> = Vec::new();
            for ri in hits {
                let rule = &self.x.compiled.relations[ri];
                for c in rule.re.on(&masked.text).captures_iter(&masked.text) {
                    let whole = c.get(0).expect("match");
                    if let Some(u) = &rule.unless {
                        let from = masked.text[..whole.start()]
                            .char_indices()
                            .rev()
                            .nth(40)
                            .map_or(0, |x| x.0);
                        // and what follows up to the clause's end: "... is planned for
                        // December"; not what someone said ("In talks with Kim, Wang
                        // said China would ...")
                        let rest = &masked.text[whole.end()..];
                        let clause = [" and ", " said ", " says ", " told "]
                            .iter()
                            .filter_map(|w| rest.find(w))
                            .fold(rest.find([',', ';', '.']).unwrap_or(rest.len()), usize::min);
                        let to = whole.end()
                            + rest[..clause]
                                .char_indices()
                                .nth(40)
                                .map_or(clause, |x| x.0);
                        let near = &masked.text[from..to];
                        if let Some(v) = u.on(near).find(near) {
                            if self.x.trace {
                                self.trace.push(format!(
                                    "  {} vetoed by '{}'",
                                    rule.id,
                                    v.as_str()
                                ));
                            }
                            continue;
                        }
                    }
                    let slot = |name: &str, kind: Option<EntityType>| -> Vec<usize> {
                        rule.re
                            .group(&c, name)
                            .map(|m| Masked::placeholders(m.as_str()))
                            .unwrap_or_default()
                            .into_iter()
                            .filter_map(|i| match mentions[i].target {
                                Target::Entity(e)
                                    if kind.is_none_or(|k| self.ents[e].kind == k) =>
                                {
                                    Some(e)
                                }
                                _ => None,
                            })
                            .collect()
                    };
                    // "held talks with X, and called on Y": X is an object, not the subject
                    // ("talks with X and was received by Y" likewise)
                    if let Some(a) = rule.re.group(&c, "a").or_else(|| rule.re.group(&c, "lead")) {
                        // "Wang Yajun's predecessor met Kim": not Wang Yajun (but "Li's
                        // talks with Pak", "Liu's delegation was welcomed by Ri": theirs)
                        if after_possessive(&masked.text[a.end()..]).is_some_and(|r| {
                            let w = r.split_whitespace().next().unwrap_or("");
                            STAND_IN.contains(&w.trim_end_matches([',', '.']))
                        }) {
                            continue;
                        }
                        // (past where and when: "with X in Vientiane on Thursday, and")
                        let after = skip_scene(&masked.text[a.end()..]);
                        let comma = after.starts_with(',');
                        let after = after.trim_start_matches(',').trim_start();
                        if let Some(rest) = after.strip_prefix("and ") {
                            let next = rest.split_whitespace().next().unwrap_or("");
                            let verb = [
                                "was", "were", "is", "are", "has", "had", "then", "later", "also",
                            ]
                            .contains(&next);
                            let lower = next.chars().next().is_some_and(|ch| ch.is_lowercase());
                            if a.start() == whole.start() && (verb || (comma && lower)) {
                                continue;
                            }
                        }
                    }
                    // "Choe spoke with Lavrov by phone. Lavrov discussed ... with
                    // her": the call, reported on (and so is the sentence after)
                    if let Some(u) = &rule.unless_previous {
                        let a: BTreeSet<usize> =
                            slot("a", Some(EntityType::Person)).into_iter().collect();
                        let b: BTreeSet<usize> = ["b", "b2", "b3"]
                            .iter()
                            .flat_map(|n| slot(n, Some(EntityType::Person)))
                            .collect();
                        let both =
                            |set: &BTreeSet<usize>| !a.is_disjoint(set) && !b.is_disjoint(set);
                        if k > 0 && both(&context_people) {
                            let carried = both(&context_remote);
                            let (pspan, ref pm) = self.sentences[k - 1];
                            let before = Masked::build(norm, pspan, pm, &self.ents);
                            let found = u.on(&before.text).find(&before.text);
                            if carried || found.is_some() {
                                if self.x.trace {
                                    self.trace.push(match found {
                                        Some(v) => format!(
                                            "  {} vetoed by '{}' in the sentence before",
                                            rule.id,
                                            v.as_str()
                                        ),
                                        None => format!(
                                            "  {} vetoed: the sentence before reported on the same call",
                                            rule.id
                                        ),
                                    });
                                }
                                remote.extend(a.iter().chain(&b));
                                continue;
                            }
                        }
                    }
                    let start = masked.to_norm(whole.start());
                    if self.x.trace {
                        self.trace.push(format!("  {} fired", rule.id));
                    }
                    let ev = self.evidence(span, &rule.id);
                    // the sentence before sets the scene for the same people, or when it names nobody
                    // ("The envoys held talks in Seoul."), not for others
                    let people: BTreeSet<usize> = ["a", "b", "b2", "b3", "lead", "attendees"]
                        .iter()
                        .flat_map(|n| slot(n, Some(EntityType::Person)))
                        .collect();
                    let same_scene =
                        context_people.is_empty() || !people.is_disjoint(&context_people);
                    let context_place = context_place.filter(|_| same_scene);
                    // nor does a date ahead of the article's own ("next year", "next month")
                    let context_date = context_date
                        .filter(|d| same_scene && self.date.is_none_or(|doc| not_after(d, &doc)));
                    let own_date = slot_date(rule.re.group(&c, "date"), &mentions)
                        .or_else(|| pick_date(norm, &mentions, start));
                    let date = own_date.or(context_date).or(self.date);
                    let end = masked.to_norm(whole.end());
                    // places in what was discussed ("the situation on the Korean
                    // Peninsula") are not where the fact happened
                    let outside_topic = rule.re.group(&c, "topic").map(|t| {
                        let (s, e) = (masked.to_norm(t.start()), masked.to_norm(t.end()));
                        mentions
                            .iter()
                            .filter(|m| m.start < s || m.end > e)
                            .cloned()
                            .collect::<Vec<_>>()
                    });
                    let mut place = slot("place", None).first().copied().or_else(|| {
                        self.pick_place(
                            norm,
                            outside_topic.as_deref().unwrap_or(&mentions),
                            start,
                            end,
                            true,
                        )
                    });
                    let here_end = norm[end..]
                        .char_indices()
                        .nth(40)
                        .map_or(norm.len(), |x| end + x.0);
                    let here = norm[start..here_end].contains(" here");
                    place = match place {
                        // "PYONGYANG, May 24 (KCNA) -- X received Y": the news happened here
                        // (the news of the day: an older meeting reported from
                        // "SEOUL, July 30 (Yonhap)" was not in Seoul)
                        None if here
                            || (dateline.is_some_and(|d| d.0 == k)
                                && news_of_the_day(date, self.date)) =>
                        {
                            dateline_place
                        }
                        None => context_place,
                        // a country, and the sentence before named a place in it
                        Some(p) if self.ents[p].kind == EntityType::Country => context_place
                            .filter(|&c| self.within(c, p))
                            .or(dateline_place.filter(|&c| self.within(c, p)))
                            .or(Some(p)),
                        p => p,
                    };
                    match (rule.kind.as_deref(), rule.relation.as_deref()) {
                        (Some("meeting"), _) => {
                            let a: BTreeSet<usize> =
                                slot("a", Some(EntityType::Person)).into_iter().collect();
                            let b: BTreeSet<usize> = ["b", "b2", "b3"]
                                .iter()
                                .flat_map(|n| slot(n, Some(EntityType::Person)))
                                .filter(|x| !a.contains(x))
                                .collect();
                            if a.is_empty() || b.is_empty() {
                                continue;
                            }
                            let mut pairs: Vec<(usize, usize)> = a
                                .iter()
                                .flat_map(|&x| b.iter().map(move |&y| (x, y)))
                                .collect();
                            // several parties on one side of a multilateral meeting meet each
                            // other ("A met B and C"; not B and the C of "met B, and later
                            // called on C")
                            for side in ["a", "b", "b2", "b3"] {
                                let v: Vec<usize> = slot(side, Some(EntityType::Person))
                                    .into_iter()
                                    .filter(|x| side == "a" || !a.contains(x))
                                    .collect::<BTreeSet<usize>>()
                                    .into_iter()
                                    .collect();
                                for (i, &x) in v.iter().enumerate() {
                                    for &y in &v[i + 1..] {
                                        if let (Some(cx), Some(cy)) =
                                            (self.person_country(x), self.person_country(y))
                                        {
                                            if cx != cy {
                                                pairs.push((x, y));
                                            }
                                        }
                                    }
                                }
                            }
                            let same = |e: &EventFact| {
                                e.kind == "meeting"
                                    && ((!e.sides[0].is_disjoint(&a)
                                        && !e.sides[1].is_disjoint(&b))
                                        || (!e.sides[1].is_disjoint(&a)
                                            && !e.sides[0].is_disjoint(&b)))
                            };
                            // "the meeting between Ri and Xi", no date of its own: the
                            // occasion the article has already described; and the other
                            // way round, a meeting named before any date of its own (a
                            // headline, a lead) is the occasion a later sentence dates,
                            // when that date is the news of the last few days
                            let earlier = match own_date {
                                None => events.iter().rposition(same),
                                // (not one the sentence before, about the same people,
                                // dated another day: "Li arrived on Oct. 9 ... was greeted
                                // at the airport by Pak", then "On Friday, Li and Pak held
                                // talks")
                                Some(d) if recent_news(d, self.date) => undated
                                    .iter()
                                    .rev()
                                    .find(|&&(i, by_people)| {
                                        same(&events[i])
                                            && (!by_people
                                                || events[i].date.is_none_or(|x| x.compatible(&d)))
                                    })
                                    .map(|x| x.0),
                                Some(_) => None,
                            };
                            let ei = match earlier {
                                Some(ei) => {
                                    if own_date.is_some() {
                                        undated.retain(|x| x.0 != ei);
                                        events[ei].date = own_date;
                                    }
                                    let e = &mut events[ei];
                                    let (sa, sb) = if !e.sides[0].is_disjoint(&a) {
                                        (0, 1)
                                    } else {
                                        (1, 0)
                                    };
                                    e.sides[sa].extend(a);
                                    e.sides[sb].extend(b);
                                    if e.place.is_none() {
                                        e.place = place;
                                    }
                                    e.support.push((ev, pairs));
                                    ei
                                }
                                None => {
                                    // no place said: the place of this person's last meeting on the
                                    // same trip ("Jang also held talks with Premier Wen")
                                    let place = place.or_else(|| {
                                        events
                                            .iter()
                                            .rev()
                                            .find(|e| {
                                                e.place.is_some()
                                                    && e.sides.iter().any(|s| {
                                                        !s.is_disjoint(&a) || !s.is_disjoint(&b)
                                                    })
                                                    && match (e.date, date) {
                                                        (Some(x), Some(y)) => {
                                                            x.compatible(&y)
                                                                || x.days()
                                                                    .zip(y.days())
                                                                    .is_some_and(|(p, q)| {
                                                                        (p - q).abs() <= 3
                                                                    })
                                                        }
                                                        _ => false,
                                                    }
                                            })
                                            .and_then(|e| e.place)
                                    });
                                    let ei = add_event(
                                        &mut events,
                                        EventFact {
                                            kind: "meeting".into(),
                                            sides: [a, b],
                                            attendees: [BTreeSet::new(), BTreeSet::new()],
                                            date,
                                            place,
                                            support: vec![(ev, pairs)],
                                            reporters: BTreeSet::new(),
                                        },
                                    );
                                    if own_date.is_none() && !undated.iter().any(|x| x.0 == ei) {
                                        let by_people = context_date.is_some()
                                            && !people.is_disjoint(&context_people);
                                        undated.push((ei, by_people));
                                    }
                                    ei
                                }
                            };
                            sentence_events.push(ei);
                            last_meeting = Some(ei);
                        }
                        (Some("attendance"), _) => {
                            let att = slot("attendees", Some(EntityType::Person));
                            let lead = slot("lead", Some(EntityType::Person));
                            let side = slot("side", Some(EntityType::Country))
                                .first()
                                .copied()
                                .or_else(|| {
                                    rule.re
                                        .group(&c, "side_word")
                                        .and_then(|w| self.side_country(w.as_str()))
                                });
                            let a = slot("a", Some(EntityType::Person));
                            let b = slot("b", Some(EntityType::Person));
                            let existing = (!a.is_empty() && !b.is_empty())
                                .then(|| {
                                    events.iter().rposition(|e| {
                                        (e.sides[0].contains(&a[0]) && e.sides[1].contains(&b[0]))
                                            || (e.sides[1].contains(&a[0])
                                                && e.sides[0].contains(&b[0]))
                                    })
                                })
                                .flatten();
                            let target = if existing.is_some() {
                                existing
                            } else if !a.is_empty() && !b.is_empty() {
                                let ei = add_event(
                                    &mut events,
                                    EventFact {
                                        kind: "meeting".into(),
                                        sides: [
                                            a.iter().copied().collect(),
                                            b.iter().copied().collect(),
                                        ],
                                        attendees: [BTreeSet::new(), BTreeSet::new()],
                                        date,
                                        place,
                                        support: vec![(ev.clone(), vec![(a[0], b[0])])],
                                        reporters: BTreeSet::new(),
                                    },
                                );
                                sentence_events.push(ei);
                                Some(ei)
                            } else {
                                // the meeting of this sentence, or the one before; not
                                // one the attendees are principals of ("Choe, who met
                                // Wang Yi last month, also attended the meeting")
                                let free = |ei: &usize| {
                                    att.iter().all(|x| {
                                        !events[*ei].sides[0].contains(x)
                                            && !events[*ei].sides[1].contains(x)
                                    })
                                };
                                sentence_events
                                    .iter()
                                    .rev()
                                    .copied()
                                    .chain(meeting_before)
                                    .find(free)
                                    .or(sentence_events.last().copied())
                                    .or(last_meeting)
                            };
                            let Some(ei) = target else { continue };
                            // "A, ..., from the Chinese side, and B, ..., from the Russian side"
                            let mut own_sides = FastMap::default();
                            if let Some(g) = rule.re.group(&c, "attendees") {
                                let t = g.as_str();
                                let ids: Vec<(usize, usize)> = placeholder_spans(t);
                                let persons: Vec<&(usize, usize)> = ids.iter().filter(|(_, i)| matches!(mentions[*i].target, Target::Entity(e) if self.ents[e].kind == EntityType::Person)).collect();
                                for (n, &&(at, i)) in persons.iter().enumerate() {
                                    let until = persons.get(n + 1).map_or(t.len(), |x| x.0);
                                    let seg = &t[at..until];
                                    if let Some(pos) = seg.find(" side") {
                                        let before = &seg[..pos];
                                        let side_c = ids
                                            .iter()
                                            .filter(|(o, _)| *o > at && *o < at + pos)
                                            .filter_map(|(_, j)| match mentions[*j].target {
                                                Target::Entity(e)
                                                    if self.ents[e].kind == EntityType::Country =>
                                                {
                                                    Some(e)
                                                }
                                                _ => None,
                                            })
                                            .next_back()
                                            .or_else(|| {
                                                before
                                                    .rsplit(' ')
                                                    .next()
                                                    .and_then(|w| self.side_country(w))
                                            });
                                        if let (Some(sc), Target::Entity(pe)) =
                                            (side_c, mentions[i].target)
                                        {
                                            own_sides.insert(pe, sc);
                                        }
                                    } else if let Target::Entity(pe) = mentions[i].target {
                                        // "B, director-general at China's Foreign Ministry"
                                        let own = ids
                                            .iter()
                                            .filter(|(o, _)| *o > at && *o < until)
                                            .find_map(|&(o, j)| match mentions[j].target {
                                                Target::Entity(e)
                                                    if self.ents[e].kind == EntityType::Country
                                                        && t[o..]
                                                            .split_once(CLOSE)
                                                            .is_some_and(|(_, r)| {
                                                                after_possessive(r).is_some()
                                                            }) =>
                                                {
                                                    Some(e)
                                                }
                                                _ => None,
                                            });
                                        if let Some(c) = own {
                                            own_sides.insert(pe, c);
                                        }
                                    }
                                }
                            }
                            self.attach(&mut events[ei], &att, &lead, side, &own_sides, ev);
                        }
                        (Some("visit"), _) => {
                            for a in slot("a", Some(EntityType::Person)) {
                                for p in slot("place", None) {
                                    if matches!(
                                        self.ents[p].kind,
                                        EntityType::Place | EntityType::Country
                                    ) {
                                        edges.push(EdgeFact {
                                            source: a,
                                            target: p,
                                            relation: "VISITED".into(),
                                            title: None,
                                            date: slot_date(rule.re.group(&c, "date"), &mentions)
                                                .or_else(|| pick_date(norm, &mentions, start))
                                                .or(self.date),
                                            evidence: ev.clone(),
                                        });
                                    }
                                }
                            }
                        }
                        (_, Some("REPORTED")) => {
                            for a in slot("a", Some(EntityType::Organization)) {
                                reporters.push((a, rule.id.clone()));
                            }
                        }
                        (_, Some(rel)) => {
                            for a in slot("a", None) {
                                for b in slot("b", None) {
                                    if a != b {
                                        edges.push(EdgeFact {
                                            source: a,
                                            target: b,
                                            relation: rel.to_string(),
                                            title: None,
                                            date: None,
                                            evidence: ev.clone(),
                                        });
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            for (org, _) in reporters {
                for &ei in &sentence_events {
                    events[ei].reporters.insert(org);
                }
            }
        }
        (events, edges)
    }

    fn side_country(&self, word: &str) -> Option<usize> {
        let w = word.trim().to_lowercase();
        let k = self.x.lookup(&w).or_else(|| {
            let hits: Vec<usize> = (0..self.x.known.len())
                .filter(|&i| {
                    self.x.known[i].kind == EntityType::Country
                        && self.x.known[i].name.to_lowercase().split(' ').next() == Some(w.as_str())
                })
                .collect();
            (hits.len() == 1).then(|| hits[0])
        })?;
        let k = if self.x.known[k].kind == EntityType::Country {
            k
        } else {
            self.x.known[k].country?
        };
        self.country_entity(k)
    }

    /// The document's entity of gazetteer entry `k`, when `k` is a country
    /// the document has met.
    fn country_entity(&self, k: usize) -> Option<usize> {
        (self.x.known[k].kind == EntityType::Country)
            .then(|| self.known_index.get(&k).copied())
            .flatten()
    }

    /// Attendees join a side: the lead's, the named side's, or their own
    /// country's; each is paired with the other side's principals.
    fn attach(
        &self,
        ev: &mut EventFact,
        att: &[usize],
        lead: &[usize],
        side: Option<usize>,
        own_sides: &FastMap<usize, usize>,
        evidence: Evidence,
    ) {
        // the side whose principals are of country c; else, when the other
        // side's principals are known to be of another country, this one
        let side_of_country = |ev: &EventFact, c: usize| -> Option<usize> {
            let countries = |s: usize| {
                ev.sides[s]
                    .iter()
                    .filter_map(|&p| self.person_country(p))
                    .collect::<Vec<_>>()
            };
            let (c0, c1) = (countries(0), countries(1));
            if c0.contains(&c) && !c1.contains(&c) {
                Some(0)
            } else if c1.contains(&c) && !c0.contains(&c) {
                Some(1)
            } else if c0.is_empty() && !c1.is_empty() {
                Some(0)
            } else if c1.is_empty() && !c0.is_empty() {
                Some(1)
            } else {
                None
            }
        };
        let mut pairs = Vec::new();
        let sides: Vec<(usize, Option<usize>)> = att
            .iter()
            .filter(|x| !ev.sides[0].contains(x) && !ev.sides[1].contains(x))
            .map(|&x| {
                let s = if let Some(&l) = lead.first() {
                    (0..2).find(|&s| ev.sides[s].contains(&l))
                } else if let Some(c) = own_sides.get(&x).copied().or(side) {
                    side_of_country(ev, c)
                } else {
                    self.person_country(x).and_then(|c| side_of_country(ev, c))
                };
                (x, s)
            })
            .collect();
        // one whose side is unknown stands with the rest of the list, when they all stand together
        let known: BTreeSet<usize> = sides.iter().filter_map(|x| x.1).collect();
        let common = (known.len() == 1).then(|| *known.iter().next().expect("one side"));
        for (x, s) in sides {
            let Some(s) = s.or(common) else { continue };
            ev.attendees[s].insert(x);
            for &p in &ev.sides[1 - s] {
                pairs.push((x, p));
            }
        }
        if !pairs.is_empty() {
            ev.support.push((evidence, pairs));
        }
    }

    /// Whether place `inner` lies in `outer` by the gazetteer's LOCATED_IN chain.
    fn within(&self, inner: usize, outer: usize) -> bool {
        let (Some(mut k), Some(o)) = (self.ents[inner].known, self.ents[outer].known) else {
            return false;
        };
        for _ in 0..16 {
            let next = self.x.known[k].located_in.or(self.x.known[k].country);
            match next {
                Some(n) if n == o => return true,
                Some(n) => k = n,
                None => return false,
            }
        }
        false
    }

    /// The place of a fact: a place inside the match, else one introduced by
    /// "in"/"at" just after it, else one introduced by "in"/"at" before it in
    /// the sentence. A country serves when no place does.
    fn pick_place(
        &self,
        norm: &str,
        mentions: &[Mention],
        start: usize,
        end: usize,
        strict: bool,
    ) -> Option<usize> {
        let hidden = |m: &Mention| {
            mentions.iter().any(|o| {
                !std::ptr::eq(o, m)
                    && o.ext.0 <= m.start
                    && m.end <= o.ext.1
                    && (o.ext.1 - o.ext.0) > (m.end - m.start)
            })
        };
        // a locative phrase leads to it: "in Beijing", "at the Great Hall",
        // "in the south side portion of Panmunjom"
        let introduced = |m: &Mention| {
            let from = norm[..m.start]
                .char_indices()
                .rev()
                .nth(40)
                .map_or(0, |x| x.0);
            let window = &norm[from..m.start];
            let near = window.rsplit([',', ';']).next().unwrap_or(window);
            let before = near.trim_end_matches([' ', '"', '\'']);
            let before = before.strip_suffix(" the").unwrap_or(before);
            [" in", " at", " In", " At"]
                .iter()
                .any(|p| before.ends_with(p))
                || before == "In"
                || before == "At"
                || [" in the ", " at the ", " in a ", " at a "]
                    .iter()
                    .any(|p| near.contains(p))
                || near.starts_with("in the ")
                || near.starts_with("at the ")
                || [
                    "trip to",
                    "visit to",
                    "travelled to",
                    "traveled to",
                    "flew to",
                    "arrived in",
                ]
                .iter()
                .any(|p| before.ends_with(p))
        };
        for kind in [EntityType::Place, EntityType::Country] {
            let cands: Vec<&Mention> = mentions
                .iter()
                .filter(|m| matches!(m.target, Target::Entity(e) if self.ents[e].kind == kind))
                .filter(|m| !hidden(m))
                .collect();
            let inside = cands.iter().find(|m| {
                m.start >= start && m.end <= end && (kind == EntityType::Place || introduced(m))
            });
            let after = cands.iter().find(|m| {
                m.start >= end
                    && introduced(m)
                    && !norm[end..m.start].contains(';')
                    && m.start - end <= 320
                    // another person's clause in between ("..., Xi expressed ... in the Korean
                    // Peninsula") ends the fact; "envoy of Kim Jong Un, at the Great Hall" does not
                    && !(strict && mentions.iter().any(|o| {
                        o.start >= end
                            && o.end <= m.start
                            && !hidden(o)
                            && matches!(o.target, Target::Entity(e) if self.ents[e].kind == EntityType::Person)
                            && !["of", "by", "for", "and", "with"].iter().any(|w| norm[..o.ext.0].trim_end().ends_with(w))
                    }))
            });
            let before = cands.iter().rev().find(|m| m.end <= start && introduced(m));
            if let Some(m) = inside.or(after).or(before) {
                if let Target::Entity(e) = m.target {
                    return Some(e);
                }
            }
        }
        None
    }
}

/// (offset, mention index) of each placeholder in `s`.
fn placeholder_spans(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = s[from..].find(OPEN) {
        let at = from + i;
        let body = at + OPEN.len_utf8() + 1;
        let Some(j) = s[body..].find(CLOSE) else {
            break;
        };
        if let Ok(n) = s[body..body + j].parse() {
            out.push((at, n));
        }
        from = body + j;
    }
    out
}

fn slot_date(slot: Option<regex::Match<'_>>, mentions: &[Mention]) -> Option<PartialDate> {
    let m = slot?;
    Masked::placeholders(m.as_str())
        .into_iter()
        .find_map(|i| match mentions[i].target {
            Target::Date(d) => d,
            _ => None,
        })
}

/// The date of a fact found at `start` of `norm`: the first date after the
/// start, else the last one before it, moved by what leads to the fact
/// ("arrived home Saturday, a day after he met Hu": Friday).
/// A masked text past the places and dates that open it ("in [L0] on [D1],
/// and ..." -> ", and ...").
fn skip_scene(mut s: &str) -> &str {
    loop {
        let t = s.trim_start();
        let t = ["in ", "at ", "on "]
            .iter()
            .find_map(|p| t.strip_prefix(p))
            .map_or(t, |r| r.strip_prefix("the ").unwrap_or(r));
        let Some(r) = t.strip_prefix(OPEN) else {
            return s;
        };
        let Some((ph, rest)) = r.split_once(CLOSE) else {
            return s;
        };
        if !ph.starts_with(['L', 'C', 'D']) {
            return s;
        }
        s = rest;
    }
}

/// What follows a possessive "'s " that opens `s`.
fn after_possessive(s: &str) -> Option<&str> {
    s.strip_prefix("'s ")
        .or_else(|| s.strip_prefix("\u{2019}s "))
}

/// Who a possessive names in a person's stead: "Wang Yajun's predecessor".
const STAND_IN: [&str; 20] = [
    "predecessor",
    "successor",
    "envoy",
    "wife",
    "husband",
    "sister",
    "brother",
    "daughter",
    "son",
    "aide",
    "deputy",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "representative",
    "ambassador",
    "counterpart",
    "minister",
    "adviser",
    "advisor",
];

/// Whether `d` is not after `doc`, as far as both are known ("next month"
/// in a report of September 18 is after it; "September" is not).
fn not_after(d: &PartialDate, doc: &PartialDate) -> bool {
    if d.year != doc.year {
        return d.year < doc.year;
    }
    match (d.month, doc.month) {
        (Some(m), Some(n)) if m != n => m < n,
        (Some(_), Some(_)) => match (d.day, doc.day) {
            (Some(x), Some(y)) => x <= y,
            _ => true,
        },
        _ => true,
    }
}

/// Words after which a name is not the subject of its sentence ("In talks
/// with Li, Kim said he ...").
const OBJECT_LEAD: [&str; 12] = [
    "with", "by", "to", "from", "for", "of", "on", "at", "about", "and", "between", "among",
];

fn pick_date(norm: &str, mentions: &[Mention], start: usize) -> Option<PartialDate> {
    let dates: Vec<(usize, Option<PartialDate>)> = mentions
        .iter()
        .filter_map(|m| match m.target {
            Target::Date(d) => Some((m.start, d)),
            _ => None,
        })
        .collect();
    // not the date of an aside: "Shoigu, who flew in Tuesday, sat down with
    // Kang on Wednesday"
    let aside = |at: usize| {
        let lead = &norm[start..at];
        lead.rfind(',').is_some_and(|c| {
            let clause = lead[c + 1..].trim_start();
            ["who ", "which ", "whose "]
                .iter()
                .any(|w| clause.starts_with(w))
                && norm[at..]
                    .split(['.', ';'])
                    .next()
                    .is_some_and(|r| r.contains(','))
        })
    };
    let mut after = dates.iter().filter(|d| d.0 >= start);
    if let Some(d) = after.clone().find(|d| !aside(d.0)).or_else(|| after.next()) {
        return d.1;
    }
    let d = dates.iter().rev().find(|d| d.0 < start)?.1?;
    // a date of a whole month stays as it is
    match days_earlier(&norm[..start]) {
        Some(n) => d.add_days(-n).or(Some(d)),
        None => Some(d),
    }
}

/// How many days before the date named earlier a text ending in "a day
/// after", "two days after" or "the day before" puts what follows it (the
/// last: -1, a day later).
fn days_earlier(text: &str) -> Option<i64> {
    let words: Vec<&str> = text.split_whitespace().rev().take(3).collect();
    let [dir, unit, count] = words[..] else {
        return None;
    };
    let sign = match dir {
        "after" => 1,
        "before" => -1,
        _ => return None,
    };
    let n: i64 = match (count.to_ascii_lowercase().as_str(), unit) {
        ("a" | "one" | "the", "day") => 1,
        (w, "days") => match w {
            "two" => 2,
            "three" => 3,
            "four" => 4,
            "five" => 5,
            "six" => 6,
            "seven" => 7,
            w => w.parse().ok().filter(|&n| (2..=31).contains(&n))?,
        },
        _ => return None,
    };
    Some(sign * n)
}

fn add_event(events: &mut Vec<EventFact>, e: EventFact) -> usize {
    // the same occasion seen twice in one document (caption and body)
    for (i, x) in events.iter_mut().enumerate() {
        let same_sides = (x.sides[0] == e.sides[0] && x.sides[1] == e.sides[1])
            || (x.sides[0] == e.sides[1] && x.sides[1] == e.sides[0]);
        if same_sides && x.kind == e.kind && x.date == e.date && x.place == e.place {
            x.support.extend(e.support);
            return i;
        }
    }
    events.push(e);
    events.len() - 1
}

fn strip_placeholders(t: &str, mentions: &[Mention], ents: &[DocEntity]) -> String {
    let mut out = String::new();
    let mut rest = t;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i]);
        let after = &rest[i + OPEN.len_utf8() + 1..];
        let Some(j) = after.find(CLOSE) else { break };
        if let Ok(n) = after[..j].parse::<usize>() {
            if let Some(Target::Entity(e)) = mentions.get(n).map(|m| m.target) {
                out.push_str(&ents[e].label);
            }
        }
        rest = &after[j + CLOSE.len_utf8()..];
    }
    out.push_str(rest);
    single_spaced(&out)
}

/// The surname of a full name: the first word for family-name-first names
/// (Kim Jong Un, Park Myung-ho), else the last (Vladimir Putin).
fn surname_of(name: &str, surname_first: &BTreeSet<String>) -> Option<String> {
    let toks: Vec<&str> = name.split_whitespace().collect();
    if toks.len() < 2 {
        return None;
    }
    let first =
        surname_first.contains(&toks[0].to_lowercase()) || toks.iter().any(|t| t.contains('-'));
    Some(if first { toks[0] } else { toks[toks.len() - 1] }.to_string())
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Longest first, then leftmost; drops overlapping candidates.
fn select(mut c: Vec<Mention>) -> Vec<Mention> {
    c.sort_by_key(|m| (std::cmp::Reverse(m.end - m.start), m.start));
    let mut out: Vec<Mention> = Vec::new();
    for m in c {
        if !out.iter().any(|o| overlaps(o.ext, m.ext)) {
            out.push(m);
        }
    }
    out.sort_by_key(|m| m.start);
    out
}

/// Title Case lines without a closing period (headlines) are not trusted to
/// introduce new names; a sentence full of titles and names still ends with one.
fn is_headline(s: &str) -> bool {
    if s.trim_end().ends_with(['.', '!', '?', '"', '\'']) {
        return false;
    }
    let words: Vec<&str> = s
        .split_whitespace()
        .filter(|w| w.chars().next().is_some_and(|c| c.is_alphabetic()))
        .collect();
    if words.len() < 4 {
        return false;
    }
    let caps = words
        .iter()
        .filter(|w| w.chars().next().is_some_and(|c| c.is_uppercase()))
        .count();
    caps * 10 >= words.len() * 7
}

/// No clause ends or begins in `text`: no comma, semicolon or colon, and no
/// "and", "but", "while", "who", "whom" or "which" joining another.
fn one_clause(text: &str) -> bool {
    !text.contains([',', ';', ':'])
        && ![" and ", " but ", " while ", " who ", " whom ", " which "]
            .iter()
            .any(|w| text.contains(w))
}

/// The people named before `at`, of those named (by place, in order).
fn before(named: &[(usize, usize)], at: usize) -> &[(usize, usize)] {
    &named[..named.partition_point(|&(pos, _)| pos < at)]
}

/// Where the text after a wire dateline's dash ("-- ", "— " or "– ")
/// starts in `head`: the end of the first such dash, if any.
fn after_dash(head: &str) -> Option<usize> {
    let b = head.as_bytes();
    (0..b.len()).find_map(|i| match b[i] {
        b'-' if b[i + 1..].starts_with(b"- ") => Some(i + 3),
        0xE2 if b[i..].starts_with("— ".as_bytes()) || b[i..].starts_with("– ".as_bytes()) => {
            Some(i + 4)
        }
        _ => None,
    })
}

/// The words of `title` in lower case, each between single spaces:
/// " member of the political bureau ".
fn padded_words(title: &str) -> String {
    format!(
        " {} ",
        title
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    )
}

/// A phrase of a title lexicon ("member", "alternate member"), made ready
/// once to be looked for in every title found.
#[derive(Debug, Clone)]
struct Phrase {
    /// Its words, when it is plain words one space apart: compared word by
    /// word, without a string search.
    words: Option<Vec<String>>,
    /// " {phrase} ", searched for otherwise.
    padded: String,
}

impl Phrase {
    fn new(phrase: &str) -> Phrase {
        let plain = !phrase.is_empty()
            && phrase
                .split(' ')
                .all(|w| !w.is_empty() && w.chars().all(char::is_alphanumeric));
        Phrase {
            words: plain.then(|| phrase.split(' ').map(str::to_string).collect()),
            padded: format!(" {phrase} "),
        }
    }

    /// Whether `padded` (" word word ... ", lower case, single spaces, the
    /// words in `words`) holds " {phrase} ".
    fn in_title(&self, padded: &str, words: &[&str]) -> bool {
        match &self.words {
            Some(ws) => words
                .windows(ws.len())
                .any(|win| win.iter().zip(ws).all(|(a, b)| *a == b)),
            None => padded.contains(&self.padded),
        }
    }
}

/// Whether `padded` (" word word ... ", lower case, single spaces, the
/// words in `words`) holds " {phrase} ".
#[cfg(test)]
fn has_words(padded: &str, words: &[&str], phrase: &str) -> bool {
    Phrase::new(phrase).in_title(padded, words)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Datelines that start lines are searched through copies made on
    /// first use, one for ASCII text and one for any other: a text and the
    /// same text with a non-ASCII word added give the same date.
    #[test]
    fn line_start_datelines_read_ascii_and_non_ascii_text_alike() {
        let set = RuleSet::load_dir(std::path::Path::new("graph_rules")).expect("rules load");
        let x = Extractor::new(&set).expect("rules compile");
        let cases = [
            ("2019-06-20 14:05\nXi arrived in Pyongyang.\n", "2019-06-20"),
            ("Posted: 2018-03-28\nKim left Beijing.\n", "2018-03-28"),
            (
                "Dandong, 2016-04-02 -- Trucks crossed the bridge.\n",
                "2016-04-02",
            ),
            ("SEOUL, Nov. 14, 2014 -- The envoys met.\n", "2014-11-14"),
            (
                "Wonsan, March 3 (KCNA) -- He spoke.\nIn 2021 trade fell.\n",
                "2021-03-03",
            ),
            ("Trade news\n\nKim met Xi.\n", ""),
        ];
        for (text, want) in cases {
            let got = |t: &str| {
                let norm = Normalized::new(t).text;
                x.document_date(&norm)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            };
            assert_eq!(got(text), want, "{text:?}");
            let other = format!("{text}Reporting by Zoë Ångström.\n");
            assert_eq!(got(&other), want, "{other:?}");
        }
    }

    #[test]
    fn headline_detection() {
        assert!(is_headline(
            "Pompeo Holds Talks With Top North Korean Official"
        ));
        assert!(!is_headline(
            "Pompeo met with Kim Yong Chol, one of the aides."
        ));
    }

    #[test]
    fn dashes_and_title_words_are_found_as_a_string_search_finds_them() {
        // the end of the first of the three dashes, as the least end of each found
        let reference = |h: &str| {
            ["-- ", "— ", "– "]
                .iter()
                .filter_map(|d| h.find(d).map(|i| i + d.len()))
                .min()
        };
        for h in [
            "BEIJING, May 2 (Xinhua) -- Chinese leaders",
            "Seoul — Officials said – then -- more",
            "a – b -- c",
            "no dash here - or here -",
            "--",
            "-- ",
            "x —",
            "",
        ] {
            assert_eq!(after_dash(h), reference(h), "{h:?}");
        }
        // " {p} " in the padded title, as a string search finds it
        let reference = |padded: &str, p: &str| padded.contains(&format!(" {p} "));
        let phrases = [
            "member",
            "alternate member",
            "deputy to",
            "vice-chairman",
            "deputy  to",
            "mem",
            "members",
            "a a",
            "",
            " member",
        ];
        for title in [
            "Member of the Political Bureau",
            "alternate member of the Central Committee",
            "deputy to the Supreme People's Assembly",
            "Vice-Chairman",
            "members",
            "ba a a",
            "---",
            "",
        ] {
            let padded = padded_words(title);
            let words: Vec<&str> = padded.split_whitespace().collect();
            for p in phrases {
                assert_eq!(
                    has_words(&padded, &words, p),
                    reference(&padded, p),
                    "{p:?} in {padded:?}"
                );
            }
        }
    }

    #[test]
    fn numbers_are_written_as_format_writes_them() {
        for n in [0, 7, 10, 99, 100, 4096, 1_234_567, usize::MAX] {
            let mut s = String::from("x");
            push_decimal(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }

    #[test]
    fn a_lead_in_moves_the_date_before_it() {
        assert_eq!(days_earlier("arrived on Saturday, a day after"), Some(1));
        assert_eq!(days_earlier("on Friday, two days after"), Some(2));
        assert_eq!(days_earlier("on May 3, 10 days after"), Some(10));
        assert_eq!(days_earlier("on Friday, The day before"), Some(-1));
        assert_eq!(days_earlier("on Friday, after"), None);
        assert_eq!(days_earlier("closed for days after"), None);
        assert_eq!(days_earlier("on Friday, 90 days after"), None);
        assert_eq!(days_earlier("on Friday, a day after he said"), None);
    }

    #[test]
    fn placeholders_parse() {
        let s = format!("{OPEN}P3{CLOSE} met {OPEN}P12{CLOSE}");
        assert_eq!(Masked::placeholders(&s), vec![3, 12]);
    }
}
