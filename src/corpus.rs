//! Reading inputs: `.txt` articles and `.jsonl` dumps, given as files, as
//! folders (read recursively) or as `-` for standard input.
//!
//! A `.txt` file is one document whose id is its file stem. A `.jsonl` file
//! holds one JSON object per line with `id`, `title`, `date`, `url` and
//! `text`; each line is a document whose id is the record's `id` (or
//! `FILE:LINE` without one) and whose `date` stands for the article's
//! dateline.
//!
//! Inputs that cannot be read at all (a missing path, a folder without
//! articles, a file the system refuses to read) are errors. A document that
//! is empty, binary, not UTF-8, larger than the cap, or a JSON Lines record
//! that is broken, has no `text` or a bad `date`, is *skipped*: it is listed
//! in [`Corpus::skipped`] and the others are read. With
//! [`ReadOptions::strict`] the first skip is an error instead.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use crate::dates::PartialDate;
use crate::error::{Error, Result};
use crate::extract::Document;

/// The default cap on the size of one document: 64 MiB.
pub const DEFAULT_MAX_DOC_BYTES: u64 = 64 * 1024 * 1024;

/// How many leading bytes are searched for a NUL byte to tell a binary file.
const BINARY_PROBE: usize = 8 * 1024;

/// How inputs are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Largest document, in bytes: a `.txt` file, standard input read as one
    /// article, or one JSON Lines record. Larger ones are skipped.
    pub max_doc_bytes: u64,
    /// Make any skipped document an error.
    pub strict: bool,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            max_doc_bytes: DEFAULT_MAX_DOC_BYTES,
            strict: false,
        }
    }
}

/// Why a document was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// An empty or whitespace-only file.
    Empty,
    /// A file with a NUL byte near its start.
    Binary,
    /// Bytes that are not UTF-8.
    NotUtf8,
    /// Larger than [`ReadOptions::max_doc_bytes`].
    TooLarge,
    /// A JSON Lines line that is not a JSON object.
    InvalidJson,
    /// A JSON Lines record without a usable `text`.
    NoText,
    /// A JSON Lines record whose `date` is not YYYY-MM-DD, YYYY-MM or YYYY.
    BadDate,
    /// A JSON Lines record whose `id` is neither a string nor a number.
    BadId,
}

impl SkipReason {
    /// How the end-of-run summary counts it ("1 invalid JSON").
    pub fn label(self) -> &'static str {
        match self {
            SkipReason::Empty => "empty",
            SkipReason::Binary => "binary",
            SkipReason::NotUtf8 => "not UTF-8",
            SkipReason::TooLarge => "too large",
            SkipReason::InvalidJson => "invalid JSON",
            SkipReason::NoText => "without text",
            SkipReason::BadDate => "with a bad date",
            SkipReason::BadId => "with a bad id",
        }
    }
}

/// A document that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// The file, and `:LINE` for a JSON Lines record.
    pub place: String,
    /// The kind of fault.
    pub reason: SkipReason,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// One input to read: a file or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file: `.jsonl` is JSON Lines, anything else one plain-text article.
    File(PathBuf),
    /// Standard input: JSON Lines when its first non-blank character is `{`,
    /// else one plain-text article.
    Stdin,
}

impl Input {
    /// The file, if it is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Input::File(p) => Some(p),
            Input::Stdin => None,
        }
    }
}

/// The documents read and those skipped.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// The documents, in input order (folders sorted by path, JSON Lines by line).
    pub documents: Vec<Document>,
    /// The documents skipped, in the same order.
    pub skipped: Vec<Skip>,
}

impl Corpus {
    /// Keeps a document, or the note of a skip.
    fn push(&mut self, item: Item) {
        match item {
            Item::Doc(d) => self.documents.push(d),
            Item::Skip(s) => self.skipped.push(s),
        }
    }

    /// "2 documents (1 invalid JSON, 1 without text)", or `None` when
    /// nothing was skipped.
    pub fn skip_counts(&self) -> Option<String> {
        skip_counts(&self.skipped)
    }
}

/// "2 documents (1 invalid JSON, 1 without text)", or `None` when nothing
/// was skipped.
fn skip_counts(skipped: &[Skip]) -> Option<String> {
    {
        if skipped.is_empty() {
            return None;
        }
        let mut by: BTreeMap<SkipReason, usize> = BTreeMap::new();
        for s in skipped {
            *by.entry(s.reason).or_default() += 1;
        }
        let n = skipped.len();
        let parts: Vec<String> = by
            .iter()
            .map(|(r, k)| format!("{k} {}", r.label()))
            .collect();
        Some(format!(
            "{n} document{} ({})",
            if n == 1 { "" } else { "s" },
            parts.join(", ")
        ))
    }
}

fn is_article(p: &Path) -> bool {
    p.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| x.eq_ignore_ascii_case("txt") || x.eq_ignore_ascii_case("jsonl"))
}

fn is_jsonl(p: &Path) -> bool {
    p.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| x.eq_ignore_ascii_case("jsonl"))
}

fn walk(dir: &Path, out: &mut Vec<Input>, seen: &mut HashSet<PathBuf>) -> Result<()> {
    // a folder reached twice (a symlink to a parent) is read once
    if let Ok(c) = dir.canonicalize() {
        if !seen.insert(c) {
            return Ok(());
        }
    }
    let rd = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out, seen)?;
        } else if is_article(&p) {
            out.push(Input::File(p));
        }
    }
    Ok(())
}

/// Lists the inputs: files as given, `-` as standard input, folders
/// recursively (`*.txt` and `*.jsonl`, sorted by path).
///
/// # Errors
/// [`Error::MissingInput`] for a path that does not exist,
/// [`Error::NoArticles`] for a folder without articles, [`Error::Read`] for a
/// folder that cannot be listed.
pub fn list_inputs(inputs: &[PathBuf]) -> Result<Vec<Input>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for p in inputs {
        if p.as_os_str() == "-" {
            out.push(Input::Stdin);
            continue;
        }
        if !p.exists() {
            return Err(Error::MissingInput(p.clone()));
        }
        if p.is_dir() {
            let before = out.len();
            walk(p, &mut out, &mut seen)?;
            if out.len() == before {
                return Err(Error::NoArticles(p.clone()));
            }
        } else {
            out.push(Input::File(p.clone()));
        }
    }
    Ok(out)
}

/// What reading finds, in input order.
enum Item {
    Doc(Document),
    Skip(Skip),
}

/// Where each document read goes as it is read, with the skip policy.
struct Sink<'a> {
    opts: &'a ReadOptions,
    out: &'a mut dyn FnMut(Item) -> Result<()>,
}

impl Sink<'_> {
    fn skip(&mut self, place: String, reason: SkipReason, message: String) -> Result<()> {
        let s = Skip {
            place,
            reason,
            message,
        };
        if self.opts.strict {
            return Err(Error::Skipped(s));
        }
        (self.out)(Item::Skip(s))
    }

    fn doc(&mut self, d: Document) -> Result<()> {
        (self.out)(Item::Doc(d))
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

fn too_large(size: u64, cap: u64) -> String {
    format!(
        "larger than the {} limit ({size} bytes); is this an article? (raise the limit with --max-doc-bytes)",
        human_bytes(cap)
    )
}

/// "64 MiB", "8 KiB", "1000 bytes".
pub fn human_bytes(n: u64) -> String {
    for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if n >= size && n.is_multiple_of(size) {
            return format!("{} {unit}", n / size);
        }
    }
    format!("{n} bytes")
}

fn not_utf8(offset: usize) -> String {
    format!(
        "not UTF-8 text (byte {offset}); convert it to UTF-8, e.g. with iconv -f WINDOWS-1252 -t UTF-8"
    )
}

/// Reads `r` to its end, but at most `cap + 1` bytes.
fn read_capped(r: impl Read, cap: u64) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.take(cap.saturating_add(1)).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Why a file whose first bytes are `head` is no text at all, if it is not:
/// UTF-16, or binary (a NUL byte in the first 8 KiB).
fn binary_fault(head: &[u8]) -> Option<(SkipReason, String)> {
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Some((
            SkipReason::NotUtf8,
            "UTF-16 text, not UTF-8; convert it to UTF-8, e.g. with iconv -f UTF-16 -t UTF-8"
                .into(),
        ));
    }
    let at = memchr::memchr(0, &head[..head.len().min(BINARY_PROBE)])?;
    Some((
        SkipReason::Binary,
        format!("binary file (a NUL byte at byte {at}); not an article"),
    ))
}

/// Why the bytes of a whole file cannot be an article, if they cannot.
fn text_fault(bytes: &[u8]) -> Option<(SkipReason, String)> {
    if let Some(f) = binary_fault(bytes) {
        return Some(f);
    }
    match std::str::from_utf8(bytes) {
        Err(e) => Some((SkipReason::NotUtf8, not_utf8(e.valid_up_to()))),
        Ok("") => Some((SkipReason::Empty, "empty file".into())),
        Ok(s) if s.trim().is_empty() => {
            Some((SkipReason::Empty, "empty file (only white space)".into()))
        }
        Ok(_) => None,
    }
}

fn text_document(
    sink: &mut Sink,
    place: String,
    id: String,
    path: String,
    bytes: Vec<u8>,
) -> Result<()> {
    if let Some((reason, message)) = text_fault(&bytes) {
        return sink.skip(place, reason, message);
    }
    let text = String::from_utf8(bytes).unwrap_or_default();
    sink.doc(Document {
        id,
        path,
        text,
        title: None,
        date: None,
    })
}

fn read_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Read {
        path: path.to_path_buf(),
        source,
    }
}

fn read_text_file(path: &Path, sink: &mut Sink) -> Result<()> {
    let cap = sink.opts.max_doc_bytes;
    let meta = std::fs::metadata(path).map_err(read_error(path))?;
    if meta.len() > cap {
        return sink.skip(
            display(path),
            SkipReason::TooLarge,
            too_large(meta.len(), cap),
        );
    }
    let file = std::fs::File::open(path).map_err(read_error(path))?;
    let bytes = read_capped(file, cap).map_err(read_error(path))?;
    if bytes.len() as u64 > cap {
        // a file that grew, or one whose size the system does not tell
        return sink.skip(
            display(path),
            SkipReason::TooLarge,
            too_large(bytes.len() as u64, cap),
        );
    }
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let doc_path = display(path).replace('\\', "/");
    text_document(sink, display(path), id, doc_path, bytes)
}

/// Reads the next line of `r` into `buf` (without its line break), keeping
/// at most `cap` bytes of it. Returns `None` at the end, else the line's full
/// length.
fn next_line(
    r: &mut impl BufRead,
    cap: usize,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<usize>> {
    buf.clear();
    let mut len = 0usize;
    let mut any = false;
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok(any.then_some(len));
        }
        any = true;
        let (chunk, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (&avail[..i], true),
            None => (avail, false),
        };
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        len = len.saturating_add(chunk.len());
        let used = chunk.len() + usize::from(done);
        r.consume(used);
        if done {
            return Ok(Some(len));
        }
    }
}

/// The message of a `serde_json` error without its " at line 1 column 7".
fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let tail = format!(" at line {} column {}", e.line(), e.column());
    let msg = s.strip_suffix(&tail).unwrap_or(&s).to_string();
    if e.column() > 0 {
        format!("invalid JSON at column {}: {msg}", e.column())
    } else {
        format!("invalid JSON: {msg}")
    }
}

/// A JSON Lines `date`: YYYY-MM-DD, YYYY-MM or YYYY, optionally followed by a
/// time (`2024-01-27T14:49:00Z`, `2024-01-27 14:49`), which is ignored.
pub fn parse_record_date(s: &str) -> Option<PartialDate> {
    let s = s.trim();
    let date = match s.find(['T', ' ']) {
        Some(i) if i == 10 => &s[..i],
        Some(_) => return None,
        None => s,
    };
    let b = date.as_bytes();
    let shape_ok = match b.len() {
        4 => b.iter().all(u8::is_ascii_digit),
        7 => {
            b[4] == b'-'
                && b.iter()
                    .enumerate()
                    .all(|(i, c)| i == 4 || c.is_ascii_digit())
        }
        10 => {
            b[4] == b'-'
                && b[7] == b'-'
                && b.iter()
                    .enumerate()
                    .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        }
        _ => false,
    };
    if !shape_ok {
        return None;
    }
    PartialDate::parse(date)
}

/// Cuts `s` to at most `n` characters for a message.
fn clip(s: &str, n: usize) -> String {
    let mut it = s.chars();
    let head: String = it.by_ref().take(n).collect();
    if it.next().is_some() {
        format!("{head}...")
    } else {
        head
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

/// One JSON Lines record as a document, or why it is skipped.
fn record(
    line: &[u8],
    name: &str,
    no: usize,
    path: &str,
) -> std::result::Result<Document, (SkipReason, String)> {
    let text = std::str::from_utf8(line).map_err(|e| {
        (
            SkipReason::NotUtf8,
            format!(
                "not UTF-8 text (byte {} of the line); convert the file to UTF-8",
                e.valid_up_to()
            ),
        )
    })?;
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| (SkipReason::InvalidJson, json_message(&e)))?;
    let serde_json::Value::Object(o) = v else {
        return Err((
            SkipReason::InvalidJson,
            format!(
                "invalid JSON record: {} instead of an object",
                json_kind(&v)
            ),
        ));
    };
    let body = match o.get("text") {
        None | Some(serde_json::Value::Null) => {
            return Err((SkipReason::NoText, "record without `text`".into()))
        }
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => {
            return Err((SkipReason::NoText, "record with an empty `text`".into()))
        }
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => {
            return Err((
                SkipReason::NoText,
                format!("`text` is {}, not a string", json_kind(other)),
            ))
        }
    };
    let date = match o.get("date") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => None,
        Some(serde_json::Value::String(s)) => Some(parse_record_date(s).ok_or_else(|| {
            (
                SkipReason::BadDate,
                format!(
                    "bad `date` \"{}\": use YYYY-MM-DD, YYYY-MM or YYYY",
                    clip(s, 40)
                ),
            )
        })?),
        Some(other) => {
            return Err((
                SkipReason::BadDate,
                format!(
                    "bad `date`: {}, not a string such as \"2024-01-26\"",
                    json_kind(other)
                ),
            ))
        }
    };
    let id = match o.get("id") {
        None | Some(serde_json::Value::Null) => format!("{name}:{no}"),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => format!("{name}:{no}"),
        Some(serde_json::Value::String(s)) => s.trim().to_string(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err((
                SkipReason::BadId,
                format!("bad `id`: {}, not a string or number", json_kind(other)),
            ))
        }
    };
    let title = o
        .get("title")
        .and_then(|t| t.as_str())
        .map(crate::text::single_spaced)
        .filter(|t| !t.is_empty());
    Ok(Document {
        id,
        path: format!("{path}:{no}"),
        text: body,
        title,
        date,
    })
}

/// Reads JSON Lines from `r`, whose first line is line `first`.
fn read_jsonl(
    mut r: impl BufRead,
    place: &str,
    name: &str,
    first: usize,
    sink: &mut Sink,
) -> std::io::Result<Result<()>> {
    let cap = usize::try_from(sink.opts.max_doc_bytes).unwrap_or(usize::MAX);
    let mut buf = Vec::new();
    let mut no = first - 1;
    let mut records = 0usize;
    while let Some(len) = next_line(&mut r, cap, &mut buf)? {
        no += 1;
        if len > cap {
            let res = sink.skip(
                format!("{place}:{no}"),
                SkipReason::TooLarge,
                format!(
                    "record larger than the {} limit ({len} bytes); raise the limit with --max-doc-bytes",
                    human_bytes(cap as u64)
                ),
            );
            records += 1;
            if res.is_err() {
                return Ok(res);
            }
            continue;
        }
        let line = buf.strip_suffix(b"\r").unwrap_or(&buf);
        // a byte order mark some Windows tools write first
        let line = match line.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) if no == first => rest,
            _ => line,
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        records += 1;
        let res = match record(line, name, no, place) {
            Ok(doc) => sink.doc(doc),
            Err((reason, message)) => sink.skip(format!("{place}:{no}"), reason, message),
        };
        if res.is_err() {
            return Ok(res);
        }
    }
    if records == 0 {
        return Ok(sink.skip(
            place.to_string(),
            SkipReason::Empty,
            "empty file (no JSON Lines records)".into(),
        ));
    }
    Ok(Ok(()))
}

fn read_jsonl_file(path: &Path, sink: &mut Sink) -> Result<()> {
    let file = std::fs::File::open(path).map_err(read_error(path))?;
    let mut r = BufReader::with_capacity(64 * 1024, file);
    let head = r.fill_buf().map_err(read_error(path))?;
    if let Some((reason, message)) = binary_fault(head) {
        return sink.skip(display(path), reason, message);
    }
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    read_jsonl(r, &display(path), &name, 1, sink).map_err(read_error(path))?
}

const STDIN: &str = "<stdin>";

fn stdin_error(source: std::io::Error) -> Error {
    Error::Read {
        path: PathBuf::from(STDIN),
        source,
    }
}

/// Whether standard input (`r`) is JSON Lines: its first non-blank
/// character is `{`. Consumes the blanks before it (JSON Lines) or the
/// whole blank chunks before it (a plain article), and returns them.
fn sniff(r: &mut impl BufRead) -> std::io::Result<(Vec<u8>, bool)> {
    // the blank lines before the first character, kept for a plain article
    let mut prefix = Vec::new();
    let jsonl = loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            break false;
        }
        match avail.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                let json = avail[i..]
                    .strip_prefix(b"\xEF\xBB\xBF")
                    .unwrap_or(&avail[i..])
                    .first()
                    == Some(&b'{');
                if json {
                    prefix.extend_from_slice(&avail[..i]);
                    r.consume(i);
                }
                break json;
            }
            None => {
                prefix.extend_from_slice(avail);
                let n = avail.len();
                r.consume(n);
            }
        }
    };
    Ok((prefix, jsonl))
}

/// Copies standard input into `to`: all of it when it is JSON Lines, else
/// no more of it than the size cap lets [`read_stdin`] read.
fn spool_stdin(to: &mut impl Write, cap: u64) -> std::io::Result<()> {
    let stdin = std::io::stdin();
    let mut r = stdin.lock();
    let (prefix, jsonl) = sniff(&mut r)?;
    to.write_all(&prefix)?;
    if jsonl {
        std::io::copy(&mut r, to)?;
    } else {
        let rest = cap.saturating_sub(prefix.len() as u64).saturating_add(1);
        std::io::copy(&mut r.take(rest), to)?;
    }
    Ok(())
}

/// Reads standard input, or a copy of it, from `r`.
fn read_stdin(mut r: impl BufRead, sink: &mut Sink) -> Result<()> {
    const PLACE: &str = STDIN;
    let err = stdin_error;
    let (prefix, jsonl) = sniff(&mut r).map_err(err)?;
    if jsonl {
        let first = 1 + prefix.iter().filter(|&&b| b == b'\n').count();
        // a partial first line is not possible: the prefix is whole blank lines
        // plus the blanks before the `{`, which JSON allows
        return read_jsonl(r, PLACE, "stdin", first, sink).map_err(err)?;
    }
    let cap = sink.opts.max_doc_bytes;
    let mut bytes = prefix;
    let rest = read_capped(r, cap.saturating_sub(bytes.len() as u64)).map_err(err)?;
    bytes.extend_from_slice(&rest);
    if bytes.len() as u64 > cap {
        return sink.skip(
            PLACE.into(),
            SkipReason::TooLarge,
            format!(
                "larger than the {} limit; is this an article? (raise the limit with --max-doc-bytes)",
                human_bytes(cap)
            ),
        );
    }
    text_document(sink, PLACE.into(), "stdin".into(), "-".into(), bytes)
}

/// Reads the listed inputs.
///
/// # Errors
/// [`Error::Read`] for a file that cannot be read; with
/// [`ReadOptions::strict`], [`Error::Skipped`] for the first document that
/// would be skipped.
pub fn read_listed(inputs: &[Input], opts: &ReadOptions) -> Result<Corpus> {
    let mut corpus = Corpus::default();
    let mut out = |item| {
        corpus.push(item);
        Ok(())
    };
    let mut sink = Sink {
        opts,
        out: &mut out,
    };
    for input in inputs {
        match input {
            Input::Stdin => read_stdin(std::io::stdin().lock(), &mut sink)?,
            Input::File(p) => read_file_input(p, &mut sink)?,
        }
    }
    let mut docs = corpus.documents;
    // the same id twice (two files with one stem, two records with one id):
    // each gets its path instead
    let mut seen: HashMap<String, usize> = HashMap::new();
    for d in &docs {
        *seen.entry(d.id.clone()).or_insert(0) += 1;
    }
    for d in &mut docs {
        if seen[&d.id] > 1 {
            rename(d);
        }
    }
    corpus.documents = docs;
    Ok(corpus)
}

/// Gives a document whose id another document has too its path instead.
fn rename(d: &mut Document) {
    d.id = d.path.strip_suffix(".txt").unwrap_or(&d.path).to_string();
}

fn read_file_input(p: &Path, sink: &mut Sink) -> Result<()> {
    if is_jsonl(p) {
        read_jsonl_file(p, sink)
    } else {
        read_text_file(p, sink)
    }
}

/// Where a planned build reads an input from.
#[derive(Debug)]
enum Source {
    File(PathBuf),
    /// Standard input, copied into this temporary file.
    Stdin(PathBuf),
}

/// The inputs of a build, looked through once without keeping their
/// documents: which are skipped, how many documents and bytes there are,
/// and which ids more than one document has. [`Plan::read`] then reads the
/// documents again, a chunk at a time, so that a build holds only a chunk
/// or two of them in memory, whatever the size of the corpus.
///
/// Standard input, which cannot be read twice, is copied into a temporary
/// file, removed when the plan is dropped.
#[derive(Debug)]
pub struct Plan {
    sources: Vec<Source>,
    opts: ReadOptions,
    /// The documents skipped, in input order.
    pub skipped: Vec<Skip>,
    /// How many documents there are to read.
    pub documents: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Ids of more than one document: each of those gets its path instead.
    repeated: HashSet<String>,
}

impl Drop for Plan {
    fn drop(&mut self) {
        for s in &self.sources {
            if let Source::Stdin(p) = s {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

fn read_source(src: &Source, sink: &mut Sink) -> Result<()> {
    match src {
        Source::File(p) => read_file_input(p, sink),
        Source::Stdin(p) => {
            let f = std::fs::File::open(p).map_err(stdin_error)?;
            read_stdin(BufReader::with_capacity(64 * 1024, f), sink)
        }
    }
}

/// A new temporary file for a copy of standard input.
fn spool_file() -> std::io::Result<(PathBuf, std::fs::File)> {
    let dir = std::env::temp_dir();
    let mut k = 0u32;
    loop {
        let p = dir.join(format!(".cnkg-stdin-{}-{k}", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
        {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && k < 1000 => k += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Looks through the listed inputs (see [`Plan`]), reading each document
/// once and keeping none.
///
/// # Errors
/// Those of [`read_listed`]; a temporary file for standard input that
/// cannot be written is an [`Error::Read`] of `<stdin>`.
pub fn plan(inputs: &[Input], opts: &ReadOptions) -> Result<Plan> {
    let mut plan = Plan {
        sources: Vec::new(),
        opts: *opts,
        skipped: Vec::new(),
        documents: 0,
        bytes: 0,
        repeated: HashSet::new(),
    };
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut skipped = Vec::new();
    let (mut documents, mut bytes) = (0usize, 0u64);
    let mut out = |item| {
        match item {
            Item::Doc(d) => {
                documents += 1;
                bytes += d.text.len() as u64;
                *ids.entry(d.id).or_default() += 1;
            }
            Item::Skip(s) => skipped.push(s),
        }
        Ok(())
    };
    let mut sink = Sink {
        opts,
        out: &mut out,
    };
    for input in inputs {
        match input {
            Input::File(p) => plan.sources.push(Source::File(p.clone())),
            Input::Stdin => {
                let (p, f) = spool_file().map_err(stdin_error)?;
                // in the plan at once, so that it is removed whatever happens
                plan.sources.push(Source::Stdin(p));
                let mut w = std::io::BufWriter::new(f);
                spool_stdin(&mut w, opts.max_doc_bytes)
                    .and_then(|()| w.flush())
                    .map_err(stdin_error)?;
            }
        }
        read_source(plan.sources.last().expect("just pushed"), &mut sink)?;
    }
    plan.skipped = skipped;
    plan.documents = documents;
    plan.bytes = bytes;
    plan.repeated = ids.into_iter().filter(|e| e.1 > 1).map(|e| e.0).collect();
    Ok(plan)
}

impl Plan {
    /// "2 documents (1 invalid JSON, 1 without text)", or `None` when
    /// nothing is skipped.
    pub fn skip_counts(&self) -> Option<String> {
        skip_counts(&self.skipped)
    }

    /// Reads the documents again, in order and with the ids [`read_listed`]
    /// gives them, and hands them to `each` in chunks of `chunk` documents
    /// (the last one shorter). They are read on another thread, at most a
    /// chunk ahead of `each`.
    ///
    /// # Errors
    /// [`Error::Read`] for a file that cannot be read any more,
    /// [`Error::InputsChanged`] when the inputs no longer hold the
    /// documents they held when planned.
    pub fn read(&self, chunk: usize, mut each: impl FnMut(Vec<Document>)) -> Result<()> {
        let chunk = chunk.max(1);
        // the skips were found, and reported, when planned
        let opts = ReadOptions {
            strict: false,
            ..self.opts
        };
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Document>>(1);
        let mut count = 0usize;
        let read = std::thread::scope(|scope| {
            let reader = scope.spawn(move || {
                let mut buf = Vec::with_capacity(chunk);
                let mut out = |item| {
                    if let Item::Doc(mut d) = item {
                        if self.repeated.contains(&d.id) {
                            rename(&mut d);
                        }
                        buf.push(d);
                        if buf.len() == chunk {
                            let full = std::mem::replace(&mut buf, Vec::with_capacity(chunk));
                            // no one left to send to: the build has stopped
                            tx.send(full).map_err(|_| Error::InputsChanged)?;
                        }
                    }
                    Ok(())
                };
                let mut sink = Sink {
                    opts: &opts,
                    out: &mut out,
                };
                for src in &self.sources {
                    read_source(src, &mut sink)?;
                }
                if !buf.is_empty() {
                    tx.send(buf).map_err(|_| Error::InputsChanged)?;
                }
                Ok(())
            });
            for docs in rx {
                count += docs.len();
                each(docs);
            }
            reader
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        });
        read?;
        if count != self.documents {
            return Err(Error::InputsChanged);
        }
        Ok(())
    }
}

/// Lists and reads every input (see [`list_inputs`] and [`read_listed`]).
///
/// # Errors
/// Those of [`list_inputs`] and [`read_listed`].
pub fn read_inputs_with(inputs: &[PathBuf], opts: &ReadOptions) -> Result<Corpus> {
    read_listed(&list_inputs(inputs)?, opts)
}

/// Reads every input with the default options and returns the documents;
/// skipped ones are left out (use [`read_inputs_with`] to see them).
///
/// # Errors
/// Those of [`list_inputs`] and [`read_listed`].
pub fn read_inputs(inputs: &[PathBuf]) -> Result<Vec<Document>> {
    Ok(read_inputs_with(inputs, &ReadOptions::default())?.documents)
}

/// Reads a UTF-8 text file, such as a rule file.
///
/// # Errors
/// [`Error::Read`] or [`Error::NotUtf8`], naming the file.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(read_error(path))?;
    String::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Reads one plain-text file as a document (no size cap, no skips).
///
/// # Errors
/// [`Error::Read`] or [`Error::NotUtf8`].
pub fn read_file(path: &Path) -> Result<Document> {
    let text = read_text(path)?;
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    Ok(Document {
        id,
        path: path.display().to_string().replace('\\', "/"),
        text,
        title: None,
        date: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(line: &str) -> std::result::Result<Document, (SkipReason, String)> {
        record(line.as_bytes(), "d.jsonl", 3, "in/d.jsonl")
    }

    #[test]
    fn records_table() {
        let d = rec(
            r#"{"id":"a1","title":" Kim  visits ","date":"2024-01-26","url":"u","text":"Hi."}"#,
        )
        .unwrap();
        assert_eq!((d.id.as_str(), d.path.as_str()), ("a1", "in/d.jsonl:3"));
        assert_eq!(d.title.as_deref(), Some("Kim visits"));
        assert_eq!(d.date.unwrap().to_string(), "2024-01-26");
        let d = rec(r#"{"text":"Hi.","date":"2024-01"}"#).unwrap();
        assert_eq!(d.id, "d.jsonl:3");
        assert_eq!(d.date.unwrap().to_string(), "2024-01");
        assert_eq!(rec(r#"{"id":7,"text":"x"}"#).unwrap().id, "7");
        let bad: &[(&str, SkipReason, &str)] = &[
            (
                "{\"id\": 1,",
                SkipReason::InvalidJson,
                "invalid JSON at column 9: EOF while parsing a value",
            ),
            (
                "[1]",
                SkipReason::InvalidJson,
                "invalid JSON record: a list instead of an object",
            ),
            (r#"{"id":"a"}"#, SkipReason::NoText, "record without `text`"),
            (
                r#"{"text":" "}"#,
                SkipReason::NoText,
                "record with an empty `text`",
            ),
            (
                r#"{"text":3}"#,
                SkipReason::NoText,
                "`text` is a number, not a string",
            ),
            (
                r#"{"text":"x","date":"26/01/2024"}"#,
                SkipReason::BadDate,
                "bad `date` \"26/01/2024\": use YYYY-MM-DD, YYYY-MM or YYYY",
            ),
            (
                r#"{"text":"x","date":"2024-02-30"}"#,
                SkipReason::BadDate,
                "bad `date` \"2024-02-30\": use YYYY-MM-DD, YYYY-MM or YYYY",
            ),
            (
                r#"{"text":"x","date":20240126}"#,
                SkipReason::BadDate,
                "bad `date`: a number, not a string such as \"2024-01-26\"",
            ),
            (
                r#"{"text":"x","id":[1]}"#,
                SkipReason::BadId,
                "bad `id`: a list, not a string or number",
            ),
        ];
        for (line, reason, msg) in bad {
            assert_eq!(rec(line).unwrap_err(), (*reason, msg.to_string()), "{line}");
        }
    }

    #[test]
    fn record_dates() {
        for (s, want) in [
            ("2024", Some("2024")),
            ("2024-01", Some("2024-01")),
            ("2024-01-27T14:49:00Z", Some("2024-01-27")),
            ("2024-01-27 14:49", Some("2024-01-27")),
            ("2024-1-27", None),
            ("+2024", None),
            ("2024-13", None),
            ("January 2024", None),
            ("", None),
        ] {
            assert_eq!(
                parse_record_date(s).map(|d| d.to_string()).as_deref(),
                want,
                "{s}"
            );
        }
    }

    #[test]
    fn json_lines_keep_their_line_numbers_and_lose_a_byte_order_mark() {
        let src = "\u{feff}{\"text\":\"a\"}\r\n\n  \n{\"text\":\"b\"}\n{\n";
        let opts = ReadOptions::default();
        let mut corpus = Corpus::default();
        let mut out = |item| {
            corpus.push(item);
            Ok(())
        };
        let mut sink = Sink {
            opts: &opts,
            out: &mut out,
        };
        read_jsonl(
            std::io::Cursor::new(src),
            "d.jsonl",
            "d.jsonl",
            1,
            &mut sink,
        )
        .unwrap()
        .unwrap();
        let ids: Vec<&str> = corpus.documents.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["d.jsonl:1", "d.jsonl:4"]);
        let skips: Vec<String> = corpus.skipped.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            skips,
            ["d.jsonl:5: invalid JSON at column 1: EOF while parsing an object"]
        );
        assert_eq!(
            corpus.skip_counts().as_deref(),
            Some("1 document (1 invalid JSON)")
        );
    }

    #[test]
    fn lines_are_capped_but_counted() {
        let mut r = std::io::Cursor::new(b"abcdef\nxy\r\n\nlast".to_vec());
        let mut buf = Vec::new();
        assert_eq!(next_line(&mut r, 3, &mut buf).unwrap(), Some(6));
        assert_eq!(buf, b"abc");
        assert_eq!(next_line(&mut r, 3, &mut buf).unwrap(), Some(3));
        assert_eq!(buf, b"xy\r");
        assert_eq!(next_line(&mut r, 3, &mut buf).unwrap(), Some(0));
        assert_eq!(next_line(&mut r, 3, &mut buf).unwrap(), Some(4));
        assert_eq!(buf, b"las");
        assert_eq!(next_line(&mut r, 3, &mut buf).unwrap(), None);
    }

    #[test]
    fn text_faults() {
        assert_eq!(text_fault(b"").unwrap().0, SkipReason::Empty);
        assert_eq!(text_fault(b" \n\t ").unwrap().0, SkipReason::Empty);
        assert_eq!(text_fault(b"a\0b").unwrap().0, SkipReason::Binary);
        assert_eq!(text_fault(b"caf\xe9").unwrap().0, SkipReason::NotUtf8);
        assert_eq!(text_fault(b"\xff\xfeK\0").unwrap().0, SkipReason::NotUtf8);
        assert_eq!(
            text_fault("\u{a0}\u{2003}".as_bytes()).unwrap().0,
            SkipReason::Empty
        );
        assert!(text_fault("Kim met Xi.".as_bytes()).is_none());
        assert_eq!(human_bytes(64 << 20), "64 MiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
    }
}
