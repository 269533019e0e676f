//! Rule regexes, compiled twice: for text that is all ASCII, and as written.
//!
//! Rule patterns are written with Unicode classes (`\p{Lu}`, `\p{L}`, `\s`)
//! so that they read names such as "Sánchez" as well as "Kim". In UTF-8 a
//! Unicode class is a large automaton: it makes the lazy DFA build more
//! states, and the engine that resolves capture groups clear and walk more
//! of them. Most English news sentences hold no byte above 0x7F at all, and
//! on such a sentence a class can only ever match its ASCII members. So each
//! pattern is also compiled with every class cut down to its ASCII members
//! and every Unicode word boundary made an ASCII one. That copy matches
//! exactly what the pattern matches on ASCII text, at the same places and
//! with the same groups, and [`Pattern::on`] picks it whenever the haystack
//! is ASCII.
//!
//! The ASCII copy is compiled with the pattern, and checks it (a pattern
//! that does not compile, or matches the empty string, is found so); the
//! pattern as written, three to five times the work to compile, is compiled
//! the first time a text that is not all ASCII needs it, so a corpus of
//! plain ASCII never pays for it. Its automaton may then take more room than
//! the copy's; it is given sixteen times the copy's limit, so a pattern that
//! loaded always runs.

use std::sync::{Arc, OnceLock};

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use regex_automata::util::pool::Pool;
use regex_automata::{hybrid, nfa::thompson, Input};
use regex_syntax::hir::{self, Class, ClassBytes, ClassBytesRange, ClassUnicode};
use regex_syntax::hir::{ClassUnicodeRange, Hir, HirKind, Look};

/// The compiled-size limits of one pattern.
const SIZE_LIMIT: usize = 1 << 26;
/// The lazy DFA cache of one pattern.
const DFA_SIZE_LIMIT: usize = 1 << 24;
/// The compiled-size limits of a set.
const SET_SIZE_LIMIT: usize = 1 << 27;
/// The lazy DFA cache of a set.
const SET_DFA_SIZE_LIMIT: usize = 1 << 25;

/// A regex and its copy for ASCII text.
#[derive(Debug, Clone)]
pub struct Pattern(Arc<Forms>);

#[derive(Debug)]
struct Forms {
    /// The regex for ASCII text: the ASCII copy, or the pattern itself when
    /// it has nothing to cut.
    ascii: Regex,
    /// When `ascii` is a copy: the pattern as written, and its regex once a
    /// text that is not all ASCII has needed it.
    full: Option<(String, OnceLock<Regex>)>,
    /// The two forms above for anchored searches ([`Pattern::anchored`]),
    /// each once it has been needed: for ASCII text, and as written.
    anchored: [OnceLock<Option<AnchoredForm>>; 2],
}

impl Pattern {
    /// Compiles `pat` (regex syntax): its ASCII copy at once, the pattern
    /// as written the first time it is needed.
    ///
    /// # Errors
    /// The error of the regex crate when `pat` does not compile.
    pub fn new(pat: &str) -> Result<Self, regex::Error> {
        let copy = ascii_pattern(pat).and_then(|(cut, names)| {
            build(&cut, SIZE_LIMIT)
                .ok()
                .filter(|a| a.capture_names().eq(names.iter().map(Option::as_deref)))
        });
        let (ascii, full) = match copy {
            Some(ascii) => (ascii, Some((pat.to_string(), OnceLock::new()))),
            None => (build(pat, SIZE_LIMIT)?, None),
        };
        Ok(Pattern(Arc::new(Forms {
            ascii,
            full,
            anchored: Default::default(),
        })))
    }

    /// The group named `name` in a match of this pattern, in either form
    /// (both have the same groups): what `Captures::name` gives, found
    /// among a rule's few names in order rather than by hashing the name.
    #[inline]
    pub fn group<'h>(&self, c: &regex::Captures<'h>, name: &str) -> Option<regex::Match<'h>> {
        c.get(self.capture_names().position(|n| n == Some(name))?)
    }

    /// The form [`Pattern::on`] picks for `haystack`, compiled for anchored
    /// searches (a match only where the search starts), which the `regex`
    /// crate does not offer; compiled the first time it is needed, as the
    /// forms are. `None` when it does not compile.
    pub fn anchored(&self, haystack: &str) -> Option<&AnchoredForm> {
        let written = self.0.full.is_some() && !haystack.is_ascii();
        let source = if written {
            self.as_str()
        } else {
            self.ascii_str()
        };
        // the room its unanchored form has
        let limit = if written { SIZE_LIMIT * 16 } else { SIZE_LIMIT };
        self.0.anchored[usize::from(written)]
            .get_or_init(|| AnchoredForm::new(source, limit))
            .as_ref()
    }

    /// The regex to run over `haystack`: the ASCII copy when the haystack
    /// is all ASCII, the pattern as written otherwise. Both give the same
    /// matches and groups on it.
    #[inline]
    pub fn on(&self, haystack: &str) -> &Regex {
        if haystack.is_ascii() {
            &self.0.ascii
        } else {
            self.full()
        }
    }

    /// The pattern as written (after macro expansion).
    pub fn as_str(&self) -> &str {
        match &self.0.full {
            Some((src, _)) => src,
            None => self.0.ascii.as_str(),
        }
    }

    /// The regex as written, for any haystack (compiled now if it was not
    /// yet).
    pub fn full(&self) -> &Regex {
        let Some((src, cell)) = &self.0.full else {
            return &self.0.ascii;
        };
        cell.get_or_init(|| {
            build(src, SIZE_LIMIT * 16)
                .ok()
                .filter(|f| same_groups(f, &self.0.ascii))
                // past even that, the copy: it reads every ASCII word alike
                .unwrap_or_else(|| self.0.ascii.clone())
        })
    }

    /// The ASCII copy's source (the pattern itself when it has no Unicode
    /// class to cut).
    pub fn ascii_str(&self) -> &str {
        self.0.ascii.as_str()
    }

    /// The names of the capture groups, in order.
    pub fn capture_names(&self) -> regex::CaptureNames<'_> {
        self.0.ascii.capture_names()
    }

    /// A compiled form, for where its groups are (both have the same).
    pub fn groups(&self) -> &Regex {
        &self.0.ascii
    }
}

/// How a thread gets a cache of an [`AnchoredForm`]'s lazy DFA.
type NewCache = Box<
    dyn Fn() -> hybrid::dfa::Cache
        + Send
        + Sync
        + std::panic::UnwindSafe
        + std::panic::RefUnwindSafe,
>;

/// A form of a pattern for anchored searches: its forward lazy DFA alone,
/// since an anchored search knows where its match starts (the whole regex
/// would also compile the automaton read backwards, which finds a start),
/// with a cache of it for each thread.
#[derive(Debug)]
pub struct AnchoredForm {
    dfa: hybrid::dfa::DFA,
    caches: Pool<hybrid::dfa::Cache, NewCache>,
}

impl AnchoredForm {
    fn new(source: &str, limit: usize) -> Option<AnchoredForm> {
        let dfa = hybrid::dfa::DFA::builder()
            .thompson(
                thompson::Config::new()
                    .nfa_size_limit(Some(limit))
                    .which_captures(thompson::WhichCaptures::None),
            )
            .configure(
                hybrid::dfa::DFA::config()
                    .cache_capacity(DFA_SIZE_LIMIT)
                    // built even so; a search through a letter above ASCII stops
                    .unicode_word_boundary(true),
            )
            .build(source)
            .ok()?;
        let of = dfa.clone();
        let new_cache: NewCache = Box::new(move || of.create_cache());
        Some(AnchoredForm {
            dfa,
            caches: Pool::new(new_cache),
        })
    }

    /// Whether a match of the pattern starts at `at` in `haystack`; `None`
    /// when the lazy DFA cannot tell (a Unicode word boundary next to a
    /// letter above ASCII).
    pub fn matches_at(&self, haystack: &str, at: usize) -> Option<bool> {
        let input = Input::new(haystack)
            .range(at..)
            .anchored(regex_automata::Anchored::Yes)
            .earliest(true);
        let mut cache = self.caches.get();
        self.dfa
            .try_search_fwd(&mut cache, &input)
            .ok()
            .map(|m| m.is_some())
    }
}

/// A set of patterns, also compiled twice, in the same order as a
/// [`Pattern`]: the set of their ASCII copies at once, the set as written
/// the first time a text that is not all ASCII needs it.
#[derive(Debug, Clone)]
pub struct PatternSet(Arc<SetForms>);

#[derive(Debug)]
struct SetForms {
    /// The set for ASCII text (the set as written when no pattern has a
    /// copy).
    ascii: RegexSet,
    /// When any pattern has a copy: the patterns as written, and their set
    /// once a text that is not all ASCII has needed it.
    full: Option<(Vec<String>, OnceLock<RegexSet>)>,
}

impl PatternSet {
    /// Builds the set of `patterns`, in order.
    ///
    /// # Errors
    /// The error of the regex crate when the set does not compile.
    pub fn new(patterns: &[&Pattern]) -> Result<Self, regex::Error> {
        let written: Vec<String> = patterns.iter().map(|p| p.as_str().to_string()).collect();
        let copies = patterns.iter().any(|p| p.0.full.is_some());
        let ascii = copies
            .then(|| build_set(patterns.iter().map(|p| p.ascii_str()), SET_SIZE_LIMIT).ok())
            .flatten();
        Ok(PatternSet(Arc::new(match ascii {
            Some(ascii) => SetForms {
                ascii,
                full: Some((written, OnceLock::new())),
            },
            None => SetForms {
                ascii: build_set(written.iter().map(String::as_str), SET_SIZE_LIMIT)?,
                full: None,
            },
        })))
    }

    /// The set to run over `haystack` (see [`Pattern::on`]).
    #[inline]
    pub fn on(&self, haystack: &str) -> &RegexSet {
        let Some((written, cell)) = self.0.full.as_ref().filter(|_| !haystack.is_ascii()) else {
            return &self.0.ascii;
        };
        // as for a pattern: more room than the copies had, else the copies
        cell.get_or_init(|| {
            build_set(written.iter().map(String::as_str), SET_SIZE_LIMIT * 16)
                .unwrap_or_else(|_| self.0.ascii.clone())
        })
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.0.ascii.len()
    }

    /// True when the set holds no pattern.
    pub fn is_empty(&self) -> bool {
        self.0.ascii.is_empty()
    }
}

fn build(pat: &str, size_limit: usize) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pat)
        .size_limit(size_limit)
        .dfa_size_limit(DFA_SIZE_LIMIT)
        .build()
}

fn build_set<'a>(
    pats: impl Iterator<Item = &'a str>,
    size_limit: usize,
) -> Result<RegexSet, regex::Error> {
    RegexSetBuilder::new(pats)
        .size_limit(size_limit)
        .dfa_size_limit(SET_DFA_SIZE_LIMIT)
        .build()
}

fn same_groups(a: &Regex, b: &Regex) -> bool {
    a.captures_len() == b.captures_len() && a.capture_names().eq(b.capture_names())
}

/// The source of a regex that matches what `pat` matches on ASCII text, and
/// the names of `pat`'s groups as [`Regex::capture_names`] gives them; or
/// `None` when `pat` has nothing to cut (or does not parse).
fn ascii_pattern(pat: &str) -> Option<(String, Vec<Option<String>>)> {
    let hir = regex_syntax::ParserBuilder::new().build().parse(pat).ok()?;
    let cut = ascii_hir(&hir);
    if cut == hir {
        return None;
    }
    let mut names = vec![None; hir.properties().explicit_captures_len() + 1];
    group_names(&hir, &mut names);
    Some((cut.to_string(), names))
}

/// Puts the name of each named group of `h` at its index in `names`.
fn group_names(h: &Hir, names: &mut [Option<String>]) {
    match h.kind() {
        HirKind::Capture(c) => {
            if let (Some(n), Some(slot)) = (&c.name, names.get_mut(c.index as usize)) {
                *slot = Some(n.to_string());
            }
            group_names(&c.sub, names);
        }
        HirKind::Repetition(r) => group_names(&r.sub, names),
        HirKind::Concat(v) | HirKind::Alternation(v) => {
            v.iter().for_each(|h| group_names(h, names));
        }
        _ => {}
    }
}

/// `h` with each class cut to its ASCII members and each Unicode word
/// boundary made an ASCII one. On a haystack of ASCII bytes only, a Unicode
/// class can only match an ASCII member, and a Unicode word character next
/// to an ASCII one is an ASCII word character, so the two match alike.
pub(crate) fn ascii_hir(h: &Hir) -> Hir {
    match h.kind() {
        HirKind::Empty | HirKind::Literal(_) => h.clone(),
        HirKind::Class(Class::Unicode(c)) => {
            let mut c = c.clone();
            c.intersect(&ClassUnicode::new([ClassUnicodeRange::new('\0', '\x7F')]));
            Hir::class(Class::Unicode(c))
        }
        HirKind::Class(Class::Bytes(c)) => {
            let mut c = c.clone();
            c.intersect(&ClassBytes::new([ClassBytesRange::new(0, 0x7F)]));
            Hir::class(Class::Bytes(c))
        }
        HirKind::Look(l) => Hir::look(ascii_look(*l)),
        HirKind::Repetition(r) => Hir::repetition(hir::Repetition {
            min: r.min,
            max: r.max,
            greedy: r.greedy,
            sub: Box::new(ascii_hir(&r.sub)),
        }),
        HirKind::Capture(c) => Hir::capture(hir::Capture {
            index: c.index,
            name: c.name.clone(),
            sub: Box::new(ascii_hir(&c.sub)),
        }),
        HirKind::Concat(v) => Hir::concat(v.iter().map(ascii_hir).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.iter().map(ascii_hir).collect()),
    }
}

fn ascii_look(l: Look) -> Look {
    match l {
        Look::WordUnicode => Look::WordAscii,
        Look::WordUnicodeNegate => Look::WordAsciiNegate,
        Look::WordStartUnicode => Look::WordStartAscii,
        Look::WordEndUnicode => Look::WordEndAscii,
        Look::WordStartHalfUnicode => Look::WordStartHalfAscii,
        Look::WordEndHalfUnicode => Look::WordEndHalfAscii,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The anchored form matches only where a search starts, and is the
    /// ASCII copy's for ASCII text, the pattern as written's otherwise.
    #[test]
    fn an_anchored_form_matches_only_where_the_search_starts() {
        let p = Pattern::new(r"(?m)^\p{Lu}\p{L}+, \p{L}+ \d+").unwrap();
        let at = |t: &str, k: usize| p.anchored(t).unwrap().matches_at(t, k);
        let text = "x\nSeoul, March 3 -- met\n";
        assert_eq!(at(text, 2), Some(true));
        // the unanchored search would find it from 0 or 3
        assert_eq!(at(text, 0), Some(false));
        assert_eq!(at(text, 3), Some(false));
        let other = "x\n\u{c5}sa, M\u{e4}rz 3 -- met\n";
        assert_eq!(at(other, 2), Some(true));
        assert_eq!(at(other, 0), Some(false));
        // "^" holds after a line break only
        assert_eq!(at("xSeoul, March 3", 1), Some(false));
        let (a, b) = (p.anchored(text).unwrap(), p.anchored("plain").unwrap());
        assert!(std::ptr::eq(a, b));
        assert!(!std::ptr::eq(p.anchored(other).unwrap(), a));
        // a pattern with nothing to cut has one form, and one anchored form
        let q = Pattern::new(r"[0-9]+-[0-9]+").unwrap();
        assert!(std::ptr::eq(
            q.anchored("1-2").unwrap(),
            q.anchored("\u{c5} 1-2").unwrap()
        ));
        // a Unicode word boundary beside a letter above ASCII: it cannot tell
        let w = Pattern::new(r"\bAsa\b").unwrap();
        let t = "\u{c5}Asa";
        assert_eq!(w.anchored(t).unwrap().matches_at(t, 2), None);
        assert_eq!(w.anchored("Asa").unwrap().matches_at("Asa", 0), Some(true));
    }

    /// Every match and group of `pat` on `text`, through `re`.
    fn all(re: &Regex, text: &str) -> Vec<Vec<Option<(usize, usize)>>> {
        re.captures_iter(text)
            .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())
            .collect()
    }

    #[test]
    fn the_ascii_copy_is_smaller_and_matches_alike() {
        let pat = r"(?P<title>(?:Vice\s+)?(?i:minister))\s+(?P<name>\p{Lu}[\p{L}'.-]*(?:\s+\p{Lu}[\p{L}'-]*){1,3})\b";
        let p = Pattern::new(pat).unwrap();
        assert_ne!(p.ascii_str(), p.as_str());
        assert!(!p.ascii_str().contains("\\p{"));
        for text in [
            "Vice Minister Park Myung-ho met Wang Yi; minister Choe Son Hui spoke.",
            "MINISTER Ri Yong-ho, then Minister O'Brien and Minister Kim.",
            "no one here",
            "",
        ] {
            assert_eq!(all(p.on(text), text), all(p.full(), text), "{text}");
            assert!(std::ptr::eq(p.on(text), &p.0.ascii));
        }
        // a name with a letter above ASCII goes to the pattern as written
        let text = "Minister José Sánchez arrived.";
        assert!(std::ptr::eq(p.on(text), p.full()));
        assert_eq!(
            all(p.on(text), text),
            vec![vec![Some((0, 23)), Some((0, 8)), Some((9, 23))]]
        );
    }

    #[test]
    fn a_group_by_name_is_the_group_captures_name_gives() {
        let p = Pattern::new(r"(?P<title>\p{Lu}\p{Ll}+) (\p{Lu}\p{Ll}+)(?: of (?P<org>\p{Lu}+))?, (?P<name>\p{Lu}[\p{L}-]+)").unwrap();
        for text in ["Minister Choe of MFA, Sun-hui", "Envoy Ríos, José"] {
            let c = p.on(text).captures(text).unwrap();
            for name in ["title", "org", "name", "absent"] {
                assert_eq!(
                    p.group(&c, name).map(|m| (m.start(), m.as_str())),
                    c.name(name).map(|m| (m.start(), m.as_str())),
                    "{name} in {text}"
                );
            }
        }
        let text = "Envoy Ríos, José";
        let c = p.on(text).captures(text).unwrap();
        assert_eq!(p.group(&c, "name").unwrap().as_str(), "José");
        assert!(p.group(&c, "org").is_none());
    }

    #[test]
    fn word_boundaries_and_negated_classes_agree_on_ascii_text() {
        let cases = [
            r"\bKim\b",
            r"[^,;.]{1,20}\bsaid\b",
            r"\w+-\w+",
            r"(?i)\bkorea\b",
            r"\s\S+\s",
            r"\d{4}",
            r"(?P<a>\p{Lu}\p{Ll}+)(?:\s+(?P<b>\p{Lu}\p{Ll}+))?",
        ];
        let texts = [
            "Kim Jong-un said on 12 March 2018 that Korea, and KOREA, would talk.",
            "Kimchi; the Kims; a_Kim_b; 1953-2023 talks_in Pyongyang\u{1}P3\u{2} said",
            "  \t tabs\tand\nnew lines  ",
        ];
        for pat in cases {
            let p = Pattern::new(pat).unwrap();
            for text in texts {
                assert_eq!(
                    all(p.on(text), text),
                    all(p.full(), text),
                    "{pat} on {text}"
                );
            }
        }
    }

    #[test]
    fn patterns_with_nothing_to_cut_are_kept_as_they_are() {
        let p = Pattern::new(r"(?-u:\b)met(?-u:\b)").unwrap();
        assert_eq!(p.ascii_str(), p.as_str());
        let p = Pattern::new(r"[a-z]+").unwrap();
        assert_eq!(p.ascii_str(), p.as_str());
    }

    #[test]
    fn a_class_of_letters_above_ascii_cannot_match_ascii_text() {
        let p = Pattern::new(r"(?P<x>[é]|e)t").unwrap();
        let text = "et été";
        assert!(std::ptr::eq(p.on("et"), &p.0.ascii));
        assert_eq!(
            all(p.on("et"), "et"),
            vec![vec![Some((0, 2)), Some((0, 1))]]
        );
        assert_eq!(all(p.on(text), text).len(), 2);
    }

    #[test]
    fn the_pattern_as_written_is_compiled_only_when_a_text_needs_it() {
        let p = Pattern::new(r"(?P<name>\p{Lu}\p{Ll}+) met").unwrap();
        let written = |p: &Pattern| p.0.full.as_ref().map(|(_, cell)| cell.get().is_some());
        assert_eq!(written(&p), Some(false));
        assert_eq!(
            p.on("Kim met Xi").find("Kim met Xi").map(|m| m.end()),
            Some(7)
        );
        assert_eq!(p.capture_names().collect::<Vec<_>>(), [None, Some("name")]);
        assert_eq!(written(&p), Some(false));
        let text = "Émile met Xi";
        assert_eq!(p.on(text).find(text).map(|m| m.end()), Some(10));
        assert_eq!(written(&p), Some(true));
        assert_eq!(p.full().as_str(), p.as_str());
        // nothing to cut: one regex, compiled at once
        let q = Pattern::new(r"(?-u:\b)met").unwrap();
        assert_eq!(written(&q), None);
        assert!(std::ptr::eq(q.on("é met"), q.on("met")));
    }

    #[test]
    fn a_set_as_written_is_compiled_only_when_a_text_needs_it() {
        let a = Pattern::new(r"\p{Lu}\p{Ll}+ met").unwrap();
        let set = PatternSet::new(&[&a]).unwrap();
        let written = |s: &PatternSet| s.0.full.as_ref().map(|(_, cell)| cell.get().is_some());
        assert!(set.on("Kim met Xi").is_match("Kim met Xi"));
        assert_eq!(written(&set), Some(false));
        assert!(set.on("Émile met Xi").is_match("Émile met Xi"));
        assert_eq!(written(&set), Some(true));
        let plain = Pattern::new(r"(?-u:\b)met").unwrap();
        assert_eq!(written(&PatternSet::new(&[&plain]).unwrap()), None);
    }

    #[test]
    fn clones_share_one_ascii_copy() {
        let p = Pattern::new(r"\p{Lu}\p{Ll}+").unwrap();
        let q = p.clone();
        assert!(std::ptr::eq(p.on("Kim"), q.on("Kim")));
        assert!(!std::ptr::eq(p.on("Kim"), q.on("Émile")));
    }

    #[test]
    fn a_set_picks_its_ascii_copy_on_ascii_text() {
        let a = Pattern::new(r"\p{Lu}\p{Ll}+ met").unwrap();
        let b = Pattern::new(r"talks with \p{Lu}").unwrap();
        let set = PatternSet::new(&[&a, &b]).unwrap();
        assert_eq!(set.len(), 2);
        let text = "Kim met Xi for talks with Moon.";
        let hits: Vec<usize> = set.on(text).matches(text).into_iter().collect();
        assert_eq!(hits, vec![0, 1]);
        let text = "Émile met Xi.";
        let hits: Vec<usize> = set.on(text).matches(text).into_iter().collect();
        assert_eq!(hits, vec![0]);
    }
}
