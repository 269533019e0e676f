//! Text normalisation with byte offsets back to the original, and sentence
//! splitting.
//!
//! The extractor works on a normalised copy of each document (straight quotes,
//! plain hyphens, single spaces, `\'` escapes undone); [`Normalized::to_orig`]
//! maps any offset of the copy back to the original bytes, so evidence always
//! quotes the article as it was written.

/// A normalised copy of a text and the map back to the original.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// `map[i]` is the original byte offset of normalised byte `i`;
    /// `map[text.len()]` is the original length.
    map: Vec<u32>,
}

impl Normalized {
    /// Normalises `raw`.
    ///
    /// ```
    /// let n = cnkg::text::Normalized::new("Workers\\' Party \u{2014} Kim\u{2019}s  visit");
    /// assert_eq!(n.text, "Workers' Party - Kim's visit");
    /// assert_eq!(n.to_orig(n.text.len()), "Workers\\' Party \u{2014} Kim\u{2019}s  visit".len());
    /// ```
    pub fn new(raw: &str) -> Normalized {
        let mut text = String::with_capacity(raw.len());
        let mut map: Vec<u32> = Vec::with_capacity(raw.len() + 1);
        let bytes = raw.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            // the common case: a run of printable ASCII other than '\\', kept as
            // is, with the single spaces between its words
            if is_plain(b) {
                let start = i;
                while i < bytes.len()
                    && (is_plain(bytes[i])
                        || (bytes[i] == b' ' && bytes.get(i + 1).is_some_and(|&n| is_plain(n))))
                {
                    i += 1;
                }
                text.push_str(&raw[start..i]);
                map.extend(start as u32..i as u32);
                continue;
            }
            let c = raw[i..].chars().next().expect("a char at a char boundary");
            let mut next = i + c.len_utf8();
            let (mapped, took_next) = map_char(c, raw[next..].chars().next());
            if took_next {
                next += 1;
            }
            if let Some(m) = mapped {
                let skip =
                    m == ' ' && (text.ends_with(' ') || text.ends_with('\n') || text.is_empty());
                if !skip {
                    if m == '\n' && text.ends_with(' ') {
                        text.pop();
                        map.pop();
                    }
                    let mut buf = [0u8; 4];
                    let s = m.encode_utf8(&mut buf);
                    for _ in 0..s.len() {
                        map.push(i as u32);
                    }
                    text.push_str(s);
                }
            }
            i = next;
        }
        map.push(raw.len() as u32);
        Normalized { text, map }
    }

    /// The original byte offset of normalised offset `i` (a char boundary of
    /// the original).
    pub fn to_orig(&self, i: usize) -> usize {
        self.map[i.min(self.map.len() - 1)] as usize
    }

    /// The original span of normalised span `start..end`.
    pub fn span_to_orig(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.to_orig(start);
        // the end is the original end of the last normalised char
        let e = if end == 0 || end >= self.text.len() {
            if end >= self.text.len() {
                self.map[self.map.len() - 1] as usize
            } else {
                s
            }
        } else {
            self.map[end] as usize
        };
        (s, e.max(s))
    }
}

/// What normalisation makes of `c`, followed by `next`: the character
/// written (none for one dropped), and whether `next` was taken with it
/// (`\'` and `\"` become the bare quote).
fn map_char(c: char, next: Option<char>) -> (Option<char>, bool) {
    let mapped = match c {
        '\\' => match next {
            Some(q @ ('\'' | '"')) => return (Some(q), true),
            _ => Some('\\'),
        },
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{2032}' | '\u{00B4}' => Some('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' => Some('"'),
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' => Some('-'),
        '\r' => None,
        '\u{200B}' | '\u{FEFF}' => None,
        // control characters (the extractor's placeholder marks among them) are spaces
        c if c.is_control() && c != '\n' => Some(' '),
        c if c != '\n' && c.is_whitespace() => Some(' '),
        c => Some(c),
    };
    (mapped, false)
}

/// A byte that normalisation keeps as it is: printable ASCII but `\\`.
#[inline]
fn is_plain(b: u8) -> bool {
    (0x21..=0x7e).contains(&b) && b != b'\\'
}

/// A sentence: a span of the normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Start (byte offset, inclusive).
    pub start: usize,
    /// End (byte offset, exclusive).
    pub end: usize,
}

/// Words that end with a period without ending a sentence.
const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Jr", "Sr", "Gen", "Col", "Lt", "Lieut", "Maj", "Capt",
    "Cmdr", "Adm", "Sgt", "Gov", "Sen", "Rep", "Amb", "Rev", "No", "Nos", "Vol", "vs", "etc",
    "Inc", "Co", "Corp", "Ltd", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept",
    "Oct", "Nov", "Dec", "Mon", "Tue", "Tues", "Wed", "Thu", "Thurs", "Fri", "Sat", "Sun",
    "approx", "est", "Dept", "Fig", "p.m", "a.m", "i.e", "e.g", "N", "S",
];

fn is_abbreviation(word: &str) -> bool {
    let w = word.trim_start_matches(|c: char| !c.is_alphanumeric());
    if w.is_empty() {
        return false;
    }
    // initials and dotted acronyms: "U.S", "C.C", "J"
    if w.contains('.') && w.split('.').all(|p| p.chars().count() <= 2) {
        return true;
    }
    if w.chars().count() == 1 && w.chars().all(|c| c.is_uppercase()) {
        return true;
    }
    ABBREVIATIONS.contains(&w)
}

/// Splits `text[start..end]` into sentences. Lines always end a sentence;
/// within a line `.`, `!` and `?` end one when followed by a space and a
/// capital, digit or quote, unless the word before is an abbreviation
/// (U.S., Mr., Jan., p.m., No. 1).
///
/// ```
/// let t = "Mr. Kim met U.S. officials on Jan. 3 at 4 p.m. Today they left.\nNext line";
/// let s = cnkg::text::split_sentences(t, 0, t.len());
/// let got: Vec<&str> = s.iter().map(|s| &t[s.start..s.end]).collect();
/// assert_eq!(got, ["Mr. Kim met U.S. officials on Jan. 3 at 4 p.m. Today they left.", "Next line"]);
/// ```
pub fn split_sentences(text: &str, start: usize, end: usize) -> Vec<Span> {
    let mut out = Vec::new();
    let mut line_start = start;
    for line in text[start..end].split_inclusive('\n') {
        let line_end = line_start + line.len();
        split_line(text, line_start, line_end, &mut out);
        line_start = line_end;
    }
    out
}

fn split_line(text: &str, start: usize, end: usize, out: &mut Vec<Span>) {
    let bytes = text.as_bytes();
    let mut sent_start = start;
    let mut i = start;
    // from one sentence-ending mark to the next
    while let Some(at) = memchr::memchr3(b'.', b'!', b'?', &bytes[i..end]) {
        i += at;
        let b = bytes[i];
        // include closing quotes/brackets
        let mut j = i + 1;
        while j < end && matches!(bytes[j], b'"' | b'\'' | b')' | b']') {
            j += 1;
        }
        if j < end && bytes[j] == b' ' {
            let next = text[j + 1..end].chars().next();
            let starts_new = next.is_some_and(|c| {
                c.is_uppercase() || c.is_ascii_digit() || c == '"' || c == '(' || c == '\''
            });
            let word_start = text[sent_start..i]
                .rfind(|c: char| c.is_whitespace() || c == '(' || c == '"')
                .map(|p| sent_start + p + 1)
                .unwrap_or(sent_start);
            let word = &text[word_start..i];
            let abbrev = b == b'.' && is_abbreviation(word);
            if starts_new && !abbrev {
                push_trimmed(text, sent_start, j, out);
                sent_start = j + 1;
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    push_trimmed(text, sent_start, end, out);
}

/// The longest sentence, in bytes. Longer runs of text without a sentence
/// end (a table, a list of links, HTML left in) are cut at a space before
/// this length, so that the work per sentence stays bounded.
pub const MAX_SENTENCE_BYTES: usize = 4096;

fn push_trimmed(text: &str, mut start: usize, end: usize, out: &mut Vec<Span>) {
    while end - start > MAX_SENTENCE_BYTES {
        let mut cut = start + MAX_SENTENCE_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        // the last space before the limit, unless the text has none
        if let Some(sp) = text[start..cut].rfind(char::is_whitespace) {
            if sp > 0 {
                cut = start + sp;
            }
        }
        push_piece(text, start, cut, out);
        start = cut;
    }
    push_piece(text, start, end, out);
}

fn push_piece(text: &str, start: usize, end: usize, out: &mut Vec<Span>) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if start + lead < end - trail {
        out.push(Span {
            start: start + lead,
            end: end - trail,
        });
    }
}

/// `s` with each run of white space made one space, and none at either end:
/// "  Vice\n Premier " -> "Vice Premier".
pub fn single_spaced(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Lowercase key of a name with everything but letters and digits dropped:
/// "Kim Jong-un", "KIM JONG UN" and "Kim Jong Un" share the key "kimjongun".
pub fn name_key(name: &str) -> String {
    if name.is_ascii() {
        // the same key, a byte at a time (gazetteers of 100,000 names)
        let mut k = String::with_capacity(name.len());
        k.extend(
            name.bytes()
                .filter(u8::is_ascii_alphanumeric)
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
        return k;
    }
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// A readable slug for node ids: "Kim Jong-un" -> "kim-jong-un".
pub fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            s.extend(c.to_lowercase());
        } else if c == '\'' {
            continue;
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    while s.ends_with('-') {
        s.pop();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_white_space_become_one_space() {
        assert_eq!(
            single_spaced("  Vice\n Premier\t\tof  the Council "),
            "Vice Premier of the Council"
        );
        assert_eq!(single_spaced("one"), "one");
        assert_eq!(single_spaced(" \n "), "");
        assert_eq!(single_spaced("Kim\u{a0}Jong Un"), "Kim Jong Un");
    }

    fn sentences(t: &str) -> Vec<&str> {
        split_sentences(t, 0, t.len())
            .iter()
            .map(|s| &t[s.start..s.end])
            .collect()
    }

    #[test]
    fn normalises_quotes_dashes_and_spaces_with_offsets() {
        let raw = "North Korea\u{2019}s  \u{201C}friend\u{201D} \u{2013} Workers\\' Party";
        let n = Normalized::new(raw);
        assert_eq!(n.text, "North Korea's \"friend\" - Workers' Party");
        let p = n.text.find("friend").unwrap();
        let (s, e) = n.span_to_orig(p, p + 6);
        assert_eq!(&raw[s..e], "friend");
        let p = n.text.find("Workers'").unwrap();
        let (s, e) = n.span_to_orig(p, p + "Workers'".len());
        assert_eq!(&raw[s..e], "Workers\\'");
    }

    /// The character-at-a-time normalisation the fast one must equal.
    fn reference(raw: &str) -> (String, Vec<u32>) {
        let mut text = String::new();
        let mut map = Vec::new();
        let mut chars = raw.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let (mapped, took_next) = map_char(c, chars.peek().map(|&(_, n)| n));
            if took_next {
                chars.next();
            }
            let Some(m) = mapped else { continue };
            if m == ' ' && (text.ends_with(' ') || text.ends_with('\n') || text.is_empty()) {
                continue;
            }
            if m == '\n' && text.ends_with(' ') {
                text.pop();
                map.pop();
            }
            for _ in 0..m.len_utf8() {
                map.push(i as u32);
            }
            text.push(m);
        }
        map.push(raw.len() as u32);
        (text, map)
    }

    #[test]
    fn fast_normalisation_equals_the_reference() {
        let pieces = [
            "a", "Kim", " ", "  ", "\n", "\r\n", "\t", "\\", "\\'", "\\\"", "\u{2019}", "\u{201C}",
            "\u{2014}", "\u{00A0}", "\u{200B}", "\u{1}", "\u{2}", "é", "中", ".", "-", "'", "\"",
        ];
        let mut r = crate::synth::Rng::new(7);
        for _ in 0..3000 {
            let n = r.below(14);
            let raw: String = (0..n).map(|_| *r.pick(&pieces)).collect();
            let n = Normalized::new(&raw);
            assert_eq!((n.text.clone(), n.map.clone()), reference(&raw), "{raw:?}");
        }
        for d in crate::synth::documents(crate::synth::SEED, 0..20) {
            let n = Normalized::new(&d.text);
            assert_eq!((n.text, n.map), reference(&d.text));
        }
    }

    #[test]
    fn splits_table() {
        let cases: &[(&str, &[&str])] = &[
            (
                "He met Mr. Kim. They ate.",
                &["He met Mr. Kim.", "They ate."],
            ),
            (
                "The U.S. President spoke. No. 1 came.",
                &["The U.S. President spoke.", "No. 1 came."],
            ),
            (
                "KPA Col. Gen. Ri Yong Gil came. He left.",
                &["KPA Col. Gen. Ri Yong Gil came.", "He left."],
            ),
            (
                "\"Go,\" he said. \"Now.\" Then.",
                &["\"Go,\" he said.", "\"Now.\"", "Then."],
            ),
            (
                "Headline\nBody text here.",
                &["Headline", "Body text here."],
            ),
            (
                "at 4 p.m. local time on the 2nd.",
                &["at 4 p.m. local time on the 2nd."],
            ),
            ("the C.C., WPK. Next one.", &["the C.C., WPK.", "Next one."]),
        ];
        for (text, want) in cases {
            assert_eq!(sentences(text), *want, "{text}");
        }
    }

    #[test]
    fn long_runs_without_a_sentence_end_are_cut_at_spaces() {
        let t = "Kim and Xi, ".repeat(2000);
        let spans = split_sentences(&t, 0, t.len());
        assert!(spans.len() > 1);
        assert!(spans.iter().all(|s| s.end - s.start <= MAX_SENTENCE_BYTES));
        // cut at single spaces: the pieces joined by spaces give the text back
        let pieces: Vec<&str> = spans.iter().map(|s| &t[s.start..s.end]).collect();
        assert_eq!(pieces.join(" "), t.trim_end());
        // no space at all: cut anywhere on a char boundary
        let t = "\u{00e9}".repeat(5000);
        let spans = split_sentences(&t, 0, t.len());
        assert_eq!(
            spans.iter().map(|s| s.end - s.start).sum::<usize>(),
            t.len()
        );
        assert!(spans
            .iter()
            .all(|s| t.is_char_boundary(s.start) && t.is_char_boundary(s.end)));
    }

    #[test]
    fn keys_and_slugs() {
        assert_eq!(name_key("Kim Jong-un"), name_key("KIM JONG UN"));
        assert_eq!(slug("Workers' Party of Korea"), "workers-party-of-korea");
        assert_eq!(slug("Kim Jong-Un"), "kim-jong-un");
    }
}
