//! Finding the gazetteer's names in a sentence.
//!
//! Two matchers give the same matches: an Aho-Corasick DFA, the fastest to
//! search while the names are few, and a [`NameIndex`], a hash table of the
//! names and of their first words, which builds in a fraction of the time
//! an automaton of hundreds of thousands of names takes. [`NameMatcher::new`] picks by the number of
//! names; `CNKG_NAME_MATCHER=automaton` or `=index` forces one (as a check
//! that both give the same graph).
//!
//! The matches are those of a leftmost-longest, ASCII case-insensitive
//! search that keeps only names standing as whole words: where the longest
//! name at a place runs into a word ("Chinese State Council" in "Chinese
//! State Councilor"), the longest shorter name there that stands whole is
//! taken ("Chinese"), so a longer name never hides a shorter one.

use aho_corasick::{
    AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Anchored, Input, MatchKind, StartKind,
};

/// Up to this many names, the matcher is an Aho-Corasick DFA; past it, a
/// [`NameIndex`] (an automaton of that many names takes seconds to build).
pub const DFA_NAMES: usize = 20_000;

/// A name found: its byte range in the sentence and which name it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameMatch {
    start: usize,
    end: usize,
    pattern: usize,
}

impl NameMatch {
    /// Byte offset of the first byte.
    pub fn start(&self) -> usize {
        self.start
    }

    /// Byte offset after the last byte.
    pub fn end(&self) -> usize {
        self.end
    }

    /// Index of the name in the list the matcher was built from.
    pub fn pattern(&self) -> usize {
        self.pattern
    }
}

/// Which matcher to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatcherKind {
    /// An Aho-Corasick automaton (a DFA up to [`DFA_NAMES`] names).
    Automaton,
    /// A [`NameIndex`].
    Index,
}

impl MatcherKind {
    /// The matcher forced by `CNKG_NAME_MATCHER` (`automaton` or `index`),
    /// if any.
    pub fn forced() -> Option<MatcherKind> {
        match std::env::var("CNKG_NAME_MATCHER").ok()?.as_str() {
            "automaton" => Some(MatcherKind::Automaton),
            "index" => Some(MatcherKind::Index),
            _ => None,
        }
    }

    /// The matcher for `n` names: forced, else by size.
    pub fn for_names(n: usize) -> MatcherKind {
        MatcherKind::forced().unwrap_or(if n <= DFA_NAMES {
            MatcherKind::Automaton
        } else {
            MatcherKind::Index
        })
    }
}

/// The gazetteer's names, ready to be found in sentences.
#[derive(Debug, Clone)]
pub enum NameMatcher {
    /// An Aho-Corasick automaton, leftmost-longest and ASCII
    /// case-insensitive.
    Automaton(AhoCorasick),
    /// A hash index of names and name prefixes.
    Index(Box<NameIndex>),
}

impl NameMatcher {
    /// Builds the matcher of `kind` over `names`.
    ///
    /// # Errors
    /// When the automaton cannot be built (too many names for its state
    /// ids), with the automaton's reason.
    pub fn new<S: AsRef<str>>(names: &[S], kind: MatcherKind) -> Result<NameMatcher, String> {
        match kind {
            MatcherKind::Automaton => AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .start_kind(StartKind::Both)
                .ascii_case_insensitive(true)
                .kind((names.len() <= DFA_NAMES).then_some(AhoCorasickKind::DFA))
                .build(names.iter().map(AsRef::as_ref))
                .map(NameMatcher::Automaton)
                .map_err(|e| e.to_string()),
            // the index never finds an empty name, which the automaton would
            MatcherKind::Index if names.iter().any(|n| n.as_ref().is_empty()) => {
                NameMatcher::new(names, MatcherKind::Automaton)
            }
            MatcherKind::Index => Ok(NameMatcher::Index(Box::new(NameIndex::new(names)))),
        }
    }

    /// Which kind of matcher this is.
    pub fn kind(&self) -> MatcherKind {
        match self {
            NameMatcher::Automaton(_) => MatcherKind::Automaton,
            NameMatcher::Index(_) => MatcherKind::Index,
        }
    }

    /// The names of `s` standing as whole words, left to right, without
    /// overlaps (see the module documentation).
    pub fn whole_words(&self, s: &str) -> Vec<NameMatch> {
        match self {
            NameMatcher::Automaton(ac) => automaton_whole_words(ac, s),
            NameMatcher::Index(ix) => ix.whole_words(s),
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn bounded(text: &str, s: usize, e: usize) -> bool {
    let before = text[..s].chars().next_back();
    let after = text[e..].chars().next();
    !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
}

fn automaton_whole_words(ac: &AhoCorasick, s: &str) -> Vec<NameMatch> {
    let found = |m: aho_corasick::Match| NameMatch {
        start: m.start(),
        end: m.end(),
        pattern: m.pattern().as_usize(),
    };
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < s.len() {
        let Some(m) = ac.find(Input::new(s).range(pos..)) else {
            break;
        };
        if bounded(s, m.start(), m.end()) {
            out.push(found(m));
            pos = m.end().max(m.start() + 1);
            continue;
        }
        let mut end = m.end();
        let mut shorter = None;
        while end > m.start() + 1 {
            let input = Input::new(s)
                .range(m.start()..end - 1)
                .anchored(Anchored::Yes);
            match ac.find(input) {
                Some(k) if bounded(s, k.start(), k.end()) => {
                    shorter = Some(k);
                    break;
                }
                Some(k) => end = k.end(),
                None => break,
            }
        }
        match shorter {
            Some(k) => {
                out.push(found(k));
                pos = k.end();
            }
            None => pos = m.start() + s[m.start()..].chars().next().map_or(1, char::len_utf8),
        }
    }
    out
}

/// No name: a key that is only a first word.
const NONE: u32 = u32::MAX;
/// An empty slot of the table.
const EMPTY: u64 = u64::MAX;

/// One key of the index: ASCII-lowercased text `arena[off..off + len]`.
#[derive(Debug, Clone)]
struct Key {
    hash: u64,
    off: u32,
    len: u32,
    /// The first name with this text, or [`NONE`].
    name: u32,
    /// The length of the longest name that starts with this text as its
    /// first word and goes on after it, or 0.
    longest: u32,
}

/// A hash index of names for whole-word, leftmost-longest, ASCII
/// case-insensitive search.
///
/// Its keys are the names, ASCII-lowercased, and their first words (up to
/// the first character after the first that is not a letter or a digit:
/// "kim" of "Kim Jong Un"), each with the length of the longest name it
/// begins. A name standing as a whole word starts after a non-word
/// character and ends before one, so at each such place of a sentence the
/// search looks up the first word there and, if names begin with it, the
/// text up to each following non-word character as far as the longest of
/// them, keeping the longest name. Building it is hashing each name twice.
#[derive(Debug, Clone)]
pub struct NameIndex {
    /// The names, ASCII-lowercased, one after the other.
    arena: Vec<u8>,
    keys: Vec<Key>,
    /// Open addressing, linear probing: the high half of a key's hash
    /// (compared before the key itself) over its index in `keys`, or
    /// [`EMPTY`].
    table: Vec<u64>,
    mask: usize,
    /// Which bytes (ASCII-lowercased) a name starts with.
    first: [bool; 256],
    /// Number of names indexed.
    names: usize,
}

/// FxHash-style hash of a byte string, eight bytes at a time, with a final
/// mix so that the low bits index the table well.
fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

/// Whether the character starting at byte `i` of `s` is a letter or digit,
/// and its length in bytes.
fn word_char_at(s: &str, i: usize) -> (bool, usize) {
    let b = s.as_bytes()[i];
    if b < 0x80 {
        (b.is_ascii_alphanumeric(), 1)
    } else {
        let c = s[i..].chars().next().expect("char boundary");
        (is_word_char(c), c.len_utf8())
    }
}

impl NameIndex {
    /// Indexes `names`; a match's [`NameMatch::pattern`] is the index in
    /// `names` of the first name with its text (ASCII case aside).
    ///
    /// # Panics
    /// When the names add up to 4 GiB or more.
    pub fn new<S: AsRef<str>>(names: &[S]) -> NameIndex {
        let total: usize = names.iter().map(|n| n.as_ref().len()).sum();
        assert!(
            total < u32::MAX as usize && names.len() < u32::MAX as usize,
            "names too long for the index"
        );
        let mut arena = Vec::with_capacity(total);
        // at most a name and a first word each
        let bounds = names.len() * 2;
        let size = (bounds * 2).next_power_of_two().max(16);
        let mut ix = NameIndex {
            arena: Vec::new(),
            keys: Vec::with_capacity(bounds),
            table: vec![EMPTY; size],
            mask: size - 1,
            first: [false; 256],
            names: names.len(),
        };
        for (i, n) in names.iter().enumerate() {
            let n = n.as_ref();
            let off = arena.len();
            arena.extend(n.bytes().map(|b| b.to_ascii_lowercase()));
            let Some(&b) = arena.get(off) else {
                continue;
            };
            ix.first[b as usize] = true;
            let first_len = n.char_indices().next().map_or(0, |(_, c)| c.len_utf8());
            if let Some((j, _)) = n[first_len..]
                .char_indices()
                .find(|&(_, c)| !is_word_char(c))
            {
                ix.insert(&arena, off, first_len + j, None, n.len() as u32);
            }
            ix.insert(&arena, off, n.len(), Some(i as u32), 0);
        }
        ix.arena = arena;
        ix
    }

    /// Adds the key `arena[off..off + len]`, as the text of name `name` or
    /// as the first word of a name `longest` bytes long.
    fn insert(&mut self, arena: &[u8], off: usize, len: usize, name: Option<u32>, longest: u32) {
        let text = &arena[off..off + len];
        let h = hash(text);
        let mut slot = h as usize & self.mask;
        loop {
            let k = self.table[slot];
            if k == EMPTY {
                break;
            }
            let key = &mut self.keys[k as u32 as usize];
            if k >> 32 == h >> 32
                && key.len as usize == len
                && &arena[key.off as usize..][..len] == text
            {
                if key.name == NONE {
                    key.name = name.unwrap_or(NONE);
                }
                key.longest = key.longest.max(longest);
                return;
            }
            slot = (slot + 1) & self.mask;
        }
        if self.keys.len() * 2 >= self.table.len() {
            self.grow();
            return self.insert(arena, off, len, name, longest);
        }
        self.table[slot] = h >> 32 << 32 | self.keys.len() as u64;
        self.keys.push(Key {
            hash: h,
            off: off as u32,
            len: len as u32,
            name: name.unwrap_or(NONE),
            longest,
        });
    }

    fn grow(&mut self) {
        let size = self.table.len() * 2;
        self.table = vec![EMPTY; size];
        self.mask = size - 1;
        for (i, k) in self.keys.iter().enumerate() {
            let mut slot = k.hash as usize & self.mask;
            while self.table[slot] != EMPTY {
                slot = (slot + 1) & self.mask;
            }
            self.table[slot] = k.hash >> 32 << 32 | i as u64;
        }
    }

    fn get(&self, text: &[u8]) -> Option<&Key> {
        let h = hash(text);
        let mut slot = h as usize & self.mask;
        loop {
            let k = self.table[slot];
            if k == EMPTY {
                return None;
            }
            if k >> 32 == h >> 32 {
                let key = &self.keys[k as u32 as usize];
                if key.len as usize == text.len()
                    && &self.arena[key.off as usize..][..text.len()] == text
                {
                    return Some(key);
                }
            }
            slot = (slot + 1) & self.mask;
        }
    }

    /// Number of names indexed.
    pub fn len(&self) -> usize {
        self.names
    }

    /// Whether no name is indexed.
    pub fn is_empty(&self) -> bool {
        self.names == 0
    }

    /// The names of `s` standing as whole words, left to right.
    pub fn whole_words(&self, s: &str) -> Vec<NameMatch> {
        let mut out = Vec::new();
        let bytes = s.as_bytes();
        let mut lower: Vec<u8> = Vec::new();
        let mut p = 0;
        // whether the character before `p` is a letter or digit
        let mut after_word = false;
        while p < bytes.len() {
            let (word, len) = word_char_at(s, p);
            if !after_word && self.first[bytes[p].to_ascii_lowercase() as usize] {
                if lower.is_empty() {
                    lower = bytes.iter().map(u8::to_ascii_lowercase).collect();
                }
                if let Some((end, name)) = self.longest_at(s, &lower, p, len) {
                    out.push(NameMatch {
                        start: p,
                        end,
                        pattern: name as usize,
                    });
                    after_word = s[..end].chars().next_back().is_some_and(is_word_char);
                    p = end;
                    continue;
                }
            }
            after_word = word;
            p += len;
        }
        out
    }

    /// The longest name at `p` that ends before a non-word character or at
    /// the end of `s`: (end, name). `len` is the length of the character at
    /// `p`.
    fn longest_at(&self, s: &str, lower: &[u8], p: usize, len: usize) -> Option<(usize, u32)> {
        // the first word: up to the first non-word character after `p`
        let mut e = p + len;
        while e < s.len() {
            let (word, len) = word_char_at(s, e);
            if !word {
                break;
            }
            e += len;
        }
        let key = self.get(&lower[p..e])?;
        let mut best = (key.name != NONE).then_some((e, key.name));
        let limit = (p + key.longest as usize).min(s.len());
        // then each end before a non-word character, as far as the longest
        // name beginning with that word
        while e < limit {
            e += word_char_at(s, e).1;
            while e < limit && word_char_at(s, e).0 {
                e += word_char_at(s, e).1;
            }
            if e < s.len() && word_char_at(s, e).0 {
                break;
            }
            if let Some(k) = self.get(&lower[p..e]).filter(|k| k.name != NONE) {
                best = Some((e, k.name));
            }
        }
        best
    }
}

/// A leftmost-longest, case-sensitive search of a few names (those one
/// document gives coreference): the matches an Aho-Corasick automaton of
/// them finds, with nothing to build but a table by first byte. Building
/// an automaton for each document took longer than searching its text.
#[derive(Debug)]
pub struct FewNames<'a> {
    pats: Vec<&'a [u8]>,
    /// Pattern numbers by first byte, longest first within a byte (the
    /// lower number first among equals).
    order: Vec<u32>,
    /// `order[at[b]..at[b + 1]]` start with byte `b`.
    at: [u32; 257],
    /// The first empty pattern, which matches everywhere.
    empty: Option<usize>,
}

impl<'a> FewNames<'a> {
    /// A search of `pats`, pattern `i` being the `i`-th.
    pub fn new<I: IntoIterator<Item = &'a str>>(pats: I) -> FewNames<'a> {
        let pats: Vec<&[u8]> = pats.into_iter().map(str::as_bytes).collect();
        let empty = pats.iter().position(|p| p.is_empty());
        let mut order: Vec<u32> = (0..pats.len() as u32)
            .filter(|&i| !pats[i as usize].is_empty())
            .collect();
        order.sort_by_key(|&i| {
            let p = pats[i as usize];
            (p[0], std::cmp::Reverse(p.len()), i)
        });
        let mut at = [0u32; 257];
        for &i in &order {
            at[pats[i as usize][0] as usize + 1] += 1;
        }
        for b in 0..256 {
            at[b + 1] += at[b];
        }
        FewNames {
            pats,
            order,
            at,
            empty,
        }
    }

    /// The leftmost-longest match in `s[from..]`.
    pub fn find(&self, s: &str, from: usize) -> Option<aho_corasick::Match> {
        let b = s.as_bytes();
        for p in from..b.len() {
            let c = b[p] as usize;
            for &i in &self.order[self.at[c] as usize..self.at[c + 1] as usize] {
                let t = self.pats[i as usize];
                if b[p..].starts_with(t) {
                    return Some(aho_corasick::Match::must(i as usize, p..p + t.len()));
                }
            }
            if let Some(e) = self.empty {
                return Some(aho_corasick::Match::must(e, p..p));
            }
        }
        self.empty
            .filter(|_| from <= b.len())
            .map(|e| aho_corasick::Match::must(e, from..from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What an automaton of `pats` finds from each place of `s`, and what
    /// [`FewNames`] finds, are the same.
    fn same_as_automaton(pats: &[&str], s: &str) {
        let ac = AhoCorasickBuilder::new()
            .kind(Some(AhoCorasickKind::NoncontiguousNFA))
            .match_kind(MatchKind::LeftmostLongest)
            .build(pats)
            .unwrap();
        let few = FewNames::new(pats.iter().copied());
        for from in (0..=s.len()).filter(|&i| s.is_char_boundary(i)) {
            assert_eq!(
                few.find(s, from),
                ac.find(Input::new(s).range(from..)),
                "{pats:?} in {s:?} from {from}"
            );
        }
    }

    #[test]
    fn few_names_find_what_an_automaton_finds() {
        let text =
            "President Xi met Kim Jong Un; Kim and Xi Jinping talked. Kimchi, Ri Son Gwon, Ri.";
        same_as_automaton(
            &["Kim", "Kim Jong Un", "Xi", "Xi Jinping", "Ri Son Gwon"],
            text,
        );
        same_as_automaton(&["Kim Jong", "Kim", "Jong Un", "Un"], text);
        same_as_automaton(&["Xi", "Xi"], text);
        same_as_automaton(&["Kim", ""], text);
        same_as_automaton(&["Jinping", "Xí", "Son"], "Xí Jinping, Son");
        same_as_automaton(&[], text);
    }

    fn both(names: &[&str], s: &str) -> Vec<(usize, usize, usize)> {
        let a = NameMatcher::new(names, MatcherKind::Automaton).unwrap();
        let b = NameMatcher::new(names, MatcherKind::Index).unwrap();
        let got = |m: &NameMatcher| {
            m.whole_words(s)
                .iter()
                .map(|m| (m.start(), m.end(), m.pattern()))
                .collect::<Vec<_>>()
        };
        let (x, y) = (got(&a), got(&b));
        assert_eq!(x, y, "automaton and index differ on {s:?}");
        x
    }

    #[test]
    fn longest_whole_name_wins() {
        let names = [
            "Chinese",
            "Chinese State Council",
            "State Council",
            "Wang Yi",
        ];
        assert_eq!(
            both(&names, "The Chinese State Councilor Wang Yi spoke."),
            vec![(4, 11, 0), (28, 35, 3)]
        );
        assert_eq!(
            both(&names, "the chinese state council met"),
            vec![(4, 25, 1)]
        );
    }

    #[test]
    fn names_inside_words_are_not_found() {
        let names = ["Kim", "Un", "U.S."];
        assert_eq!(
            both(&names, "Kimchi, Kim's UN and U.S. policy; unKim"),
            vec![(8, 11, 0), (14, 16, 1), (21, 25, 2)]
        );
    }

    #[test]
    fn punctuation_and_non_ascii_in_names() {
        let names = [
            "Pyongyang-Beijing",
            "Pyongyang",
            "Kim Jong-un",
            "São Paulo",
            "Ri's",
        ];
        let s = "São Paulo, Pyongyang-Beijingx Pyongyang-Beijing (Kim Jong-un) Ri's Ri";
        assert_eq!(both(&names, s).len(), 5);
        both(&names, "  -- São  Paulo São Paulox São Paulo");
        both(&names, "");
        both(&names, "é");
    }
}
