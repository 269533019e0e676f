//! Rule files (`graph_rules/*.toml`): typed rules, validation that reports
//! every problem at once, and compilation to matchers.
//!
//! Kinds of rule, each a TOML array of tables (see `graph_rules/README.md`):
//! `entity`, `lexicon`, `macro`, `entity_pattern`, `relation`, `date`,
//! `dateline`, `anniversary`, `boilerplate`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result, RuleIssue};
use crate::pattern::{Pattern, PatternSet};
use crate::text::name_key;

/// Entity types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum EntityType {
    /// A named person.
    Person,
    /// A party, ministry, agency, outlet, institute...
    Organization,
    /// A state.
    Country,
    /// A city, region or venue.
    Place,
}

impl EntityType {
    /// The name used in JSON and rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Person => "Person",
            EntityType::Organization => "Organization",
            EntityType::Country => "Country",
            EntityType::Place => "Place",
        }
    }
    /// Prefix of node ids.
    pub fn id_prefix(self) -> &'static str {
        match self {
            EntityType::Person => "person",
            EntityType::Organization => "org",
            EntityType::Country => "country",
            EntityType::Place => "place",
        }
    }
    /// One-letter code used in masked sentences.
    pub fn letter(self) -> char {
        match self {
            EntityType::Person => 'P',
            EntityType::Organization => 'O',
            EntityType::Country => 'C',
            EntityType::Place => 'L',
        }
    }
    /// Parses a type name.
    pub fn parse(s: &str) -> Option<EntityType> {
        match s {
            "Person" => Some(EntityType::Person),
            "Organization" | "Organisation" => Some(EntityType::Organization),
            "Country" => Some(EntityType::Country),
            "Place" => Some(EntityType::Place),
            _ => None,
        }
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role declared for a known person.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDecl {
    /// The title ("Foreign Minister").
    pub title: String,
    /// The entity id the role is held in.
    #[serde(default)]
    pub of: Option<String>,
    /// Start, "YYYY" or "YYYY-MM".
    #[serde(default)]
    pub since: Option<String>,
    /// End, "YYYY" or "YYYY-MM".
    #[serde(default)]
    pub until: Option<String>,
}

/// A known entity (gazetteer entry).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityRule {
    /// Unique slug.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Canonical name.
    pub name: String,
    /// Other spellings.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Adjectives standing for a country ("North Korean").
    #[serde(default)]
    pub demonyms: Vec<String>,
    /// Home country id.
    #[serde(default)]
    pub country: Option<String>,
    /// Containing place or country id.
    #[serde(default)]
    pub located_in: Option<String>,
    /// Declared roles.
    #[serde(default)]
    pub roles: Vec<RoleDecl>,
}

/// A word list usable as `{NAME}` in patterns.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LexiconRule {
    /// Upper-case name.
    pub name: String,
    /// The words or phrases.
    pub words: Vec<String>,
    /// Match regardless of case.
    #[serde(default)]
    pub case_insensitive: bool,
}

/// A named regex fragment usable as `{NAME}` in patterns.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MacroRule {
    /// Upper-case name.
    pub name: String,
    /// The fragment.
    pub pattern: String,
}

/// Finds people or organisations from their context.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityPatternRule {
    /// Unique id.
    pub id: String,
    /// `Person` or `Organization`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Regex with a `name` group (and optional `title`, `country`, `org`).
    pub pattern: String,
    /// For appositions: the whole match is one unit in relation patterns.
    #[serde(default)]
    pub absorb: bool,
    /// The person leads a delegation: later "the delegation" stands for them.
    #[serde(default)]
    pub delegation: bool,
}

/// A relation or event rule over a masked sentence.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationRule {
    /// Unique id.
    pub id: String,
    /// Event kind: `meeting`, `attendance`, `visit`; or none for a plain relation.
    #[serde(default)]
    pub kind: Option<String>,
    /// Plain relation name (UPPER_SNAKE_CASE) for rules without `kind`.
    #[serde(default)]
    pub relation: Option<String>,
    /// Regex with typed slots such as `{Person:a}`.
    pub pattern: String,
    /// No fact when this regex matches the matched text.
    #[serde(default)]
    pub unless: Option<String>,
    /// No meeting when the sentence before names someone of each side and
    /// this regex matches it: "discussed ... with her" after "spoke by phone
    /// with" reports the call.
    #[serde(default)]
    pub unless_previous: Option<String>,
}

/// A year known from the anniversary of an event.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnniversaryRule {
    /// Unique id.
    pub id: String,
    /// Regex with an `nth` group.
    pub pattern: String,
    /// Year of the event itself.
    pub year: i32,
}

/// A rule that is an id and a regex: a date expression inside sentences
/// (groups among `year`, `month`, `day`, `weekday`, `last`, `rel_year`,
/// `rel_month`, `rel_day`, `ago_days`), a dateline, or boilerplate to drop.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineRule {
    /// Unique id.
    pub id: String,
    /// Regex.
    pub pattern: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    entity: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    lexicon: Vec<toml::Spanned<toml::Value>>,
    #[serde(default, rename = "macro")]
    macros: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    entity_pattern: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    relation: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    date: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    dateline: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    anniversary: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    boilerplate: Vec<toml::Spanned<toml::Value>>,
}

/// Where a rule came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// File.
    pub file: PathBuf,
    /// 1-based line of its table header.
    pub line: usize,
}

/// A rule with its origin.
#[derive(Debug, Clone)]
pub struct Located<T> {
    /// The rule.
    pub rule: T,
    /// Where it is written.
    pub origin: Origin,
}

/// All rules, parsed but not yet compiled.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// Known entities.
    pub entities: Vec<Located<EntityRule>>,
    /// Word lists.
    pub lexicons: Vec<Located<LexiconRule>>,
    /// Regex fragments.
    pub macros: Vec<Located<MacroRule>>,
    /// Entity patterns.
    pub entity_patterns: Vec<Located<EntityPatternRule>>,
    /// Relation and event rules.
    pub relations: Vec<Located<RelationRule>>,
    /// Date expressions.
    pub dates: Vec<Located<LineRule>>,
    /// Datelines (document dates).
    pub datelines: Vec<Located<LineRule>>,
    /// Anniversaries.
    pub anniversaries: Vec<Located<AnniversaryRule>>,
    /// Page furniture.
    pub boilerplate: Vec<Located<LineRule>>,
    /// FNV-1a hash of all rule file contents, in file order.
    pub hash: String,
    /// The rule files read.
    pub files: Vec<PathBuf>,
    /// Macros and the patterns validation compiled, reused by `compile`.
    compiled_macros: Option<Macros>,
}

impl RuleSet {
    /// Where each rule with an id is written, by id.
    pub fn origins(&self) -> std::collections::BTreeMap<&str, &Origin> {
        let mut m = std::collections::BTreeMap::new();
        for r in &self.entity_patterns {
            m.insert(r.rule.id.as_str(), &r.origin);
        }
        for r in &self.relations {
            m.insert(r.rule.id.as_str(), &r.origin);
        }
        for r in self
            .dates
            .iter()
            .chain(&self.datelines)
            .chain(&self.boilerplate)
        {
            m.insert(r.rule.id.as_str(), &r.origin);
        }
        for r in &self.anniversaries {
            m.insert(r.rule.id.as_str(), &r.origin);
        }
        m
    }
}

fn line_of(src: &str, offset: usize) -> usize {
    LineIndex::new(src).line(offset)
}

/// Where each line of a text starts, so that the line of many offsets
/// costs a binary search each rather than a scan from the top.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(src: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            src.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex(starts)
    }

    /// The 1-based line holding byte `offset`.
    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&s| s <= offset)
    }
}

fn fnv1a(h: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *h ^= b as u64;
        *h = h.wrapping_mul(0x100000001b3);
    }
}

/// The largest rule file read: 8 MiB.
pub const MAX_RULE_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// The largest gazetteer table (`*.tsv`) read: 256 MiB, a few million
/// entities.
pub const MAX_TSV_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Whether `path` is a gazetteer table (`*.tsv`) rather than TOML.
fn is_tsv(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "tsv")
}

/// The columns a gazetteer table may have, in the order documented.
const TSV_COLUMNS: [&str; 7] = [
    "id",
    "type",
    "name",
    "aliases",
    "demonyms",
    "country",
    "located_in",
];

/// Reads the entities of a gazetteer table: a header line naming the
/// columns (`id`, `type` and `name`, and any of `aliases`, `demonyms`,
/// `country`, `located_in`), then one entity a line, cells separated by
/// tabs, lists by `|`. Blank lines and lines starting with `#` are skipped.
fn parse_tsv(
    path: &Path,
    src: &str,
    out: &mut Vec<Located<EntityRule>>,
    issues: &mut Vec<RuleIssue>,
) {
    let issue = |line: usize, rule: Option<&str>, message: String| RuleIssue {
        file: path.to_path_buf(),
        line: Some(line),
        rule: rule.map(str::to_string),
        message,
    };
    let mut lines = src
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let Some((hline, header)) = lines.next() else {
        return;
    };
    // the column of each field, by the header
    let mut cols: Vec<usize> = Vec::new();
    for h in header.split('\t').map(str::trim) {
        match TSV_COLUMNS.iter().position(|c| *c == h) {
            Some(c) if cols.contains(&c) => {
                issues.push(issue(
                    hline,
                    None,
                    format!("column '{h}' named twice in the header"),
                ));
                return;
            }
            Some(c) => cols.push(c),
            None => {
                issues.push(issue(
                    hline,
                    None,
                    format!(
                        "unknown column '{h}' in the header: columns are {}, separated by tabs",
                        TSV_COLUMNS.join(", ")
                    ),
                ));
                return;
            }
        }
    }
    for (need, col) in TSV_COLUMNS.iter().enumerate().take(3) {
        if !cols.contains(&need) {
            issues.push(issue(
                hline,
                None,
                format!(
                    "no column '{col}' in the header: a gazetteer table needs id, type and name"
                ),
            ));
            return;
        }
    }
    let id_col = cols.iter().position(|&c| c == 0).unwrap_or(0);
    let origin_file = path.to_path_buf();
    for (line, text) in lines {
        let cells: Vec<&str> = text.split('\t').map(str::trim).collect();
        if cells.len() != cols.len() {
            let id = cells.get(id_col).filter(|s| !s.is_empty()).copied();
            issues.push(issue(
                line,
                id,
                format!(
                    "{} cells, the header has {}: separate cells with one tab each, and leave a cell empty for none",
                    cells.len(),
                    cols.len()
                ),
            ));
            continue;
        }
        let mut rule = EntityRule {
            id: String::new(),
            kind: String::new(),
            name: String::new(),
            aliases: Vec::new(),
            demonyms: Vec::new(),
            country: None,
            located_in: None,
            roles: Vec::new(),
        };
        let list = |cell: &str| -> Vec<String> {
            if cell.is_empty() {
                Vec::new()
            } else {
                cell.split('|').map(|a| a.trim().to_string()).collect()
            }
        };
        let opt = |cell: &str| (!cell.is_empty()).then(|| cell.to_string());
        for (&c, cell) in cols.iter().zip(&cells) {
            match c {
                0 => rule.id = cell.to_string(),
                1 => rule.kind = cell.to_string(),
                2 => rule.name = cell.to_string(),
                3 => rule.aliases = list(cell),
                4 => rule.demonyms = list(cell),
                5 => rule.country = opt(cell),
                _ => rule.located_in = opt(cell),
            }
        }
        out.push(Located {
            rule,
            origin: Origin {
                file: origin_file.clone(),
                line,
            },
        });
    }
}

/// Reads a rule file, or says why it cannot be read.
fn read_rule_file(path: &Path) -> std::result::Result<String, String> {
    use std::io::Read;
    let cap = if is_tsv(path) {
        MAX_TSV_FILE_BYTES
    } else {
        MAX_RULE_FILE_BYTES
    };
    let too_large = |n: u64| {
        format!(
            "rule file larger than the {} MiB limit ({n} bytes); is this a rule file?",
            cap >> 20
        )
    };
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > cap {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(cap + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > cap {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (byte {}); save the rule file as UTF-8",
            e.utf8_error().valid_up_to()
        )
    })
}

/// A serde error on one rule as one line: "`aliases`: invalid type: string
/// \"x\", expected a list".
fn field_error(e: &toml::de::Error) -> String {
    let text = e.to_string();
    let mut lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let field = match lines.last() {
        Some(l) if l.starts_with("in `") && lines.len() > 1 => {
            let f = l.trim_start_matches("in ").to_string();
            lines.pop();
            Some(f)
        }
        _ => None,
    };
    let msg = lines
        .join(" ")
        .replace("expected a sequence", "expected a list")
        .replace("expected i32", "expected an integer")
        .replace("expected i64", "expected an integer")
        .replace("expected a map", "expected a table");
    match field {
        Some(f) => format!("{f}: {msg}"),
        None => msg,
    }
}

fn rule_id_of(v: &toml::Value) -> Option<String> {
    let id = v.get("id").or_else(|| v.get("name"))?;
    Some(match id {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_) => id.to_string(),
        _ => return None,
    })
}

impl RuleSet {
    /// Reads every `*.toml` rule file and `*.tsv` gazetteer table of `dir`
    /// (sorted by name), then validates.
    ///
    /// # Errors
    /// [`Error::Rules`] listing every problem with file, line and rule id;
    /// [`Error::MissingRules`] when `dir` does not exist.
    pub fn load_dir(dir: &Path) -> Result<RuleSet> {
        if !dir.exists() {
            return Err(Error::MissingRules(dir.to_path_buf()));
        }
        let mut files: Vec<PathBuf> = if dir.is_file() {
            vec![dir.to_path_buf()]
        } else {
            std::fs::read_dir(dir)
                .map_err(|source| Error::Read {
                    path: dir.to_path_buf(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml" || x == "tsv"))
                .collect()
        };
        files.sort();
        if files.is_empty() {
            return Err(Error::Rules(vec![RuleIssue {
                file: dir.to_path_buf(),
                line: None,
                rule: None,
                message: "no .toml rule files in this folder".into(),
            }]));
        }
        let mut sources = Vec::new();
        let mut issues = Vec::new();
        for f in &files {
            match read_rule_file(f) {
                Ok(src) => sources.push((f.clone(), src)),
                Err(message) => issues.push(RuleIssue {
                    file: f.clone(),
                    line: None,
                    rule: None,
                    message,
                }),
            }
        }
        match RuleSet::from_sources(&sources) {
            Ok(set) if issues.is_empty() => Ok(set),
            Ok(_) => Err(Error::Rules(issues)),
            Err(Error::Rules(more)) => {
                issues.extend(more);
                Err(Error::Rules(issues))
            }
            Err(e) => Err(e),
        }
    }

    /// Parses and validates rule file contents given as `(path, text)`.
    ///
    /// # Errors
    /// [`Error::Rules`] listing every problem found.
    pub fn from_sources(sources: &[(PathBuf, String)]) -> Result<RuleSet> {
        let mut set = RuleSet::default();
        let mut issues = Vec::new();
        let mut h: u64 = 0xcbf29ce484222325;
        for (path, src) in sources {
            fnv1a(
                &mut h,
                path.file_name()
                    .map(|n| n.as_encoded_bytes())
                    .unwrap_or(b""),
            );
            fnv1a(&mut h, src.as_bytes());
            set.files.push(path.clone());
            if is_tsv(path) {
                parse_tsv(path, src, &mut set.entities, &mut issues);
                continue;
            }
            let file: RuleFile = match toml::from_str(src) {
                Ok(f) => f,
                Err(e) => {
                    issues.push(RuleIssue {
                        file: path.clone(),
                        line: e.span().map(|s| line_of(src, s.start)),
                        rule: None,
                        message: e.message().trim().to_string(),
                    });
                    continue;
                }
            };
            let lines = LineIndex::new(src);
            fn take<T: serde::de::DeserializeOwned>(
                items: Vec<toml::Spanned<toml::Value>>,
                path: &Path,
                src: &LineIndex,
                kind: &str,
                out: &mut Vec<Located<T>>,
                issues: &mut Vec<RuleIssue>,
            ) {
                for item in items {
                    let line = src.line(item.span().start);
                    let value = item.into_inner();
                    let id = rule_id_of(&value);
                    match T::deserialize(value) {
                        Ok(rule) => out.push(Located {
                            rule,
                            origin: Origin {
                                file: path.to_path_buf(),
                                line,
                            },
                        }),
                        Err(e) => issues.push(RuleIssue {
                            file: path.to_path_buf(),
                            line: Some(line),
                            rule: id,
                            message: format!("in [[{kind}]]: {}", field_error(&e)),
                        }),
                    }
                }
            }
            let p = path.as_path();
            take(
                file.entity,
                p,
                &lines,
                "entity",
                &mut set.entities,
                &mut issues,
            );
            take(
                file.lexicon,
                p,
                &lines,
                "lexicon",
                &mut set.lexicons,
                &mut issues,
            );
            take(
                file.macros,
                p,
                &lines,
                "macro",
                &mut set.macros,
                &mut issues,
            );
            take(
                file.entity_pattern,
                p,
                &lines,
                "entity_pattern",
                &mut set.entity_patterns,
                &mut issues,
            );
            take(
                file.relation,
                p,
                &lines,
                "relation",
                &mut set.relations,
                &mut issues,
            );
            take(file.date, p, &lines, "date", &mut set.dates, &mut issues);
            take(
                file.dateline,
                p,
                &lines,
                "dateline",
                &mut set.datelines,
                &mut issues,
            );
            take(
                file.anniversary,
                p,
                &lines,
                "anniversary",
                &mut set.anniversaries,
                &mut issues,
            );
            take(
                file.boilerplate,
                p,
                &lines,
                "boilerplate",
                &mut set.boilerplate,
                &mut issues,
            );
        }
        set.hash = format!("fnv1a64:{h:016x}");
        set.compiled_macros = set.validate(&mut issues);
        // in file order, then line order, as a compiler lists them
        let order: HashMap<&Path, usize> = sources
            .iter()
            .enumerate()
            .map(|(i, (p, _))| (p.as_path(), i))
            .collect();
        issues.sort_by_key(|i| {
            (
                order.get(i.file.as_path()).copied().unwrap_or(usize::MAX),
                i.line.unwrap_or(0),
            )
        });
        if issues.is_empty() {
            Ok(set)
        } else {
            Err(Error::Rules(issues))
        }
    }

    fn validate(&self, issues: &mut Vec<RuleIssue>) -> Option<Macros> {
        // the patterns (regexes to compile) on one core, the rest (ids and
        // the gazetteer) on the other; their issues in that order
        let mut later = Vec::new();
        let ((), macros) = rayon::join(
            || self.validate_entities(issues),
            || self.validate_patterns(&mut later),
        );
        issues.append(&mut later);
        macros
    }

    /// Ids unique across all rules; entities' types, references and names.
    fn validate_entities<'a>(&'a self, issues: &mut Vec<RuleIssue>) {
        let issue = |o: &Origin, id: &str, msg: String| RuleIssue {
            file: o.file.clone(),
            line: Some(o.line),
            rule: Some(id.to_string()),
            message: msg,
        };
        // unique ids across all rules
        let mut seen: HashMap<&str, &Origin> = HashMap::new();
        let mut check_id = |id: &'a str, o: &'a Origin, issues: &mut Vec<RuleIssue>| {
            if id.is_empty() {
                issues.push(issue(o, id, "empty id".into()));
            } else if let Some(first) = seen.get(id) {
                issues.push(issue(
                    o,
                    id,
                    format!(
                        "duplicate id: already used at {}:{}; give each rule its own id",
                        first.file.display(),
                        first.line
                    ),
                ));
            } else {
                seen.insert(id, o);
            }
        };
        for e in &self.entities {
            check_id(&e.rule.id, &e.origin, issues);
        }
        for r in &self.entity_patterns {
            check_id(&r.rule.id, &r.origin, issues);
        }
        for r in &self.relations {
            check_id(&r.rule.id, &r.origin, issues);
        }
        for r in &self.dates {
            check_id(&r.rule.id, &r.origin, issues);
        }
        for r in &self.datelines {
            check_id(&r.rule.id, &r.origin, issues);
        }
        for r in &self.anniversaries {
            check_id(&r.rule.id, &r.origin, issues);
        }
        for r in &self.boilerplate {
            check_id(&r.rule.id, &r.origin, issues);
        }
        // entities: types, references, aliases
        let ids: HashMap<&str, EntityType> = self
            .entities
            .iter()
            .filter_map(|e| EntityType::parse(&e.rule.kind).map(|t| (e.rule.id.as_str(), t)))
            .collect();
        // each name's key, and the entity claiming it
        let mut names: HashMap<String, &str> = HashMap::with_capacity(self.entities.len() * 3);
        for e in &self.entities {
            let r = &e.rule;
            let Some(kind) = EntityType::parse(&r.kind) else {
                issues.push(issue(
                    &e.origin,
                    &r.id,
                    format!(
                        "unknown entity type '{}': use Person, Organization, Country or Place",
                        r.kind
                    ),
                ));
                continue;
            };
            if r.name.trim().is_empty() {
                issues.push(issue(&e.origin, &r.id, "empty name".into()));
            }
            let refs = [
                ("country", &r.country, Some(EntityType::Country)),
                ("located_in", &r.located_in, None),
            ];
            for (field, target, want) in refs {
                if let Some(t) = target {
                    match ids.get(t.as_str()) {
                        None => issues.push(issue(
                            &e.origin,
                            &r.id,
                            format!("{field} = '{t}' names no entity; define it or fix the id"),
                        )),
                        Some(k) if want.is_some_and(|w| w != *k) => issues.push(issue(
                            &e.origin,
                            &r.id,
                            format!("{field} = '{t}' is a {k}, not a Country"),
                        )),
                        _ => {}
                    }
                }
            }
            for role in &r.roles {
                for d in [&role.since, &role.until].into_iter().flatten() {
                    if crate::dates::PartialDate::parse(d).is_none() {
                        issues.push(issue(
                            &e.origin,
                            &r.id,
                            format!(
                                "role '{}': date '{d}' is not YYYY, YYYY-MM or YYYY-MM-DD",
                                role.title
                            ),
                        ));
                    }
                }
                if let Some(t) = &role.of {
                    if !ids.contains_key(t.as_str()) {
                        issues.push(issue(
                            &e.origin,
                            &r.id,
                            format!("role '{}' of = '{t}' names no entity", role.title),
                        ));
                    }
                }
            }
            if !r.demonyms.is_empty() && kind != EntityType::Country {
                issues.push(issue(
                    &e.origin,
                    &r.id,
                    "demonyms are for Country entities only".into(),
                ));
            }
            let mut own = BTreeSet::new();
            for n in std::iter::once(&r.name)
                .chain(&r.aliases)
                .chain(&r.demonyms)
            {
                let k = name_key(n);
                if k.is_empty() {
                    issues.push(issue(&e.origin, &r.id, "empty alias".into()));
                    continue;
                }
                if !own.insert(k.clone()) {
                    continue;
                }
                if let Some(other) = names.get(&k) {
                    if *other == r.id {
                        // a duplicated entity, reported as a duplicate id
                        continue;
                    }
                    issues.push(issue(
                        &e.origin,
                        &r.id,
                        format!("alias '{n}' is also claimed by entity '{other}'; keep it on one entity"),
                    ));
                } else {
                    names.insert(k, &r.id);
                }
            }
        }
    }

    /// Macros and patterns: they compile, with the groups they need.
    fn validate_patterns(&self, issues: &mut Vec<RuleIssue>) -> Option<Macros> {
        let issue = |o: &Origin, id: &str, msg: String| RuleIssue {
            file: o.file.clone(),
            line: Some(o.line),
            rule: Some(id.to_string()),
            message: msg,
        };
        // patterns compile
        let macros = match Macros::new(self) {
            Ok(m) => Some(m),
            Err(mut errs) => {
                issues.append(&mut errs);
                None
            }
        };
        let macros = macros?;
        // every pattern compiled once, on all cores, into the cache the
        // checks below (and `compile`) take them from
        {
            use rayon::prelude::*;
            let mut all: Vec<(&str, &Origin, &str)> = Vec::new();
            for r in &self.entity_patterns {
                all.push((&r.rule.pattern, &r.origin, &r.rule.id));
            }
            for r in &self.relations {
                all.push((&r.rule.pattern, &r.origin, &r.rule.id));
                for u in [&r.rule.unless, &r.rule.unless_previous]
                    .into_iter()
                    .flatten()
                {
                    all.push((u, &r.origin, &r.rule.id));
                }
            }
            for r in &self.anniversaries {
                all.push((&r.rule.pattern, &r.origin, &r.rule.id));
            }
            for r in self
                .dates
                .iter()
                .chain(&self.datelines)
                .chain(&self.boilerplate)
            {
                all.push((&r.rule.pattern, &r.origin, &r.rule.id));
            }
            all.par_iter().for_each(|(p, o, id)| {
                let _ = compile_pattern(&macros, p, o, id);
            });
        }
        for r in &self.entity_patterns {
            if EntityType::parse(&r.rule.kind).is_none_or(|t| t == EntityType::Country) {
                issues.push(issue(
                    &r.origin,
                    &r.rule.id,
                    format!(
                        "unknown entity type '{}': entity patterns find Person, Organization or Place",
                        r.rule.kind
                    ),
                ));
            }
            match compile_pattern(&macros, &r.rule.pattern, &r.origin, &r.rule.id) {
                Ok(re) => {
                    if !re.capture_names().any(|n| n == Some("name")) {
                        issues.push(issue(
                            &r.origin,
                            &r.rule.id,
                            "pattern has no (?P<name>...) group".into(),
                        ));
                    }
                }
                Err(e) => issues.push(e),
            }
        }
        for r in &self.relations {
            let rule = &r.rule;
            match (&rule.kind, &rule.relation) {
                (Some(k), None) if ["meeting", "attendance", "visit"].contains(&k.as_str()) => {}
                (Some(k), None) => issues.push(issue(
                    &r.origin,
                    &rule.id,
                    format!("unknown kind '{k}': use meeting, attendance or visit (or `relation` for a plain edge)"),
                )),
                (None, Some(rel)) if is_upper_snake(rel) => {}
                (None, Some(rel)) => issues.push(issue(
                    &r.origin,
                    &rule.id,
                    format!("relation '{rel}' must be UPPER_SNAKE_CASE"),
                )),
                _ => issues.push(issue(
                    &r.origin,
                    &rule.id,
                    "give exactly one of `kind` (an event) or `relation` (a plain edge)".into(),
                )),
            }
            if rule.unless_previous.is_some() && rule.kind.as_deref() != Some("meeting") {
                issues.push(issue(
                    &r.origin,
                    &rule.id,
                    "`unless_previous` reads the sentence before for the two sides of a meeting: use it with kind = \"meeting\"".into(),
                ));
            }
            match compile_pattern(&macros, &rule.pattern, &r.origin, &rule.id) {
                Ok(re) => {
                    let groups: BTreeSet<&str> = re.capture_names().flatten().collect();
                    let need: &[&str] = match rule.kind.as_deref() {
                        Some("meeting") => &["a", "b"],
                        Some("attendance") => &["attendees"],
                        Some("visit") => &["a", "place"],
                        _ if rule.relation.as_deref() == Some("REPORTED") => &["a"],
                        _ => &["a", "b"],
                    };
                    for n in need {
                        if !groups.contains(n) {
                            issues.push(issue(
                                &r.origin,
                                &rule.id,
                                format!("pattern needs a slot named '{n}', e.g. {{Person:{n}}}"),
                            ));
                        }
                    }
                }
                Err(e) => issues.push(e),
            }
            for (field, u) in [
                ("unless", &rule.unless),
                ("unless_previous", &rule.unless_previous),
            ] {
                if let Some(u) = u {
                    if let Err(mut e) = compile_pattern(&macros, u, &r.origin, &rule.id) {
                        e.message = format!("in `{field}`: {}", e.message);
                        issues.push(e);
                    }
                }
            }
        }
        for r in &self.dates {
            if let Err(e) = compile_pattern(&macros, &r.rule.pattern, &r.origin, &r.rule.id) {
                issues.push(e);
            }
        }
        for r in &self.anniversaries {
            match compile_pattern(&macros, &r.rule.pattern, &r.origin, &r.rule.id) {
                Ok(re) if !re.capture_names().any(|n| n == Some("nth")) => issues.push(issue(
                    &r.origin,
                    &r.rule.id,
                    "pattern has no (?P<nth>...) group".into(),
                )),
                Ok(_) => {}
                Err(e) => issues.push(e),
            }
        }
        for r in self.datelines.iter().chain(&self.boilerplate) {
            if let Err(e) = compile_pattern(&macros, &r.rule.pattern, &r.origin, &r.rule.id) {
                issues.push(e);
            }
        }
        Some(macros)
    }
}

fn is_upper_snake(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
}

/// Start of a mention placeholder in a masked sentence.
pub const OPEN: char = '\u{1}';
/// End of a mention placeholder in a masked sentence.
pub const CLOSE: char = '\u{2}';

/// Named regex fragments: lexicons and macros, and the patterns compiled
/// with them (validation compiles every pattern once; compilation reuses them).
#[derive(Debug, Clone)]
pub struct Macros {
    map: BTreeMap<String, String>,
    cache: std::sync::Arc<std::sync::Mutex<HashMap<String, Pattern>>>,
}

/// One step of a lexicon word: a character, a space (any run of
/// whitespace in the text) or an apostrophe (straight or curly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Unit {
    Char(char),
    Space,
    Quote,
}

/// The words of a lexicon as a trie of [`Unit`]s.
#[derive(Debug, Default)]
struct Trie {
    next: BTreeMap<Unit, Trie>,
    end: bool,
}

impl Trie {
    /// Writes the trie as a regex: the words that share a beginning share
    /// its branch, so an engine that tries the words one after the other
    /// (the capture engine does) reads each letter once, not once a word.
    fn write(&self, out: &mut String) {
        let branches = self.next.len();
        let group = branches > 1 || (self.end && branches > 0);
        if group {
            out.push_str("(?:");
        }
        for (i, (unit, rest)) in self.next.iter().enumerate() {
            if i > 0 {
                out.push('|');
            }
            match unit {
                Unit::Char(c) => out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
                Unit::Space => out.push_str(r"\s+"),
                Unit::Quote => out.push_str("['\u{2019}]"),
            }
            rest.write(out);
        }
        if group {
            out.push(')');
            if self.end {
                out.push('?');
            }
        }
    }
}

/// The words of a lexicon as an alternation, longest first, a space in a
/// word standing for any run of whitespace and an apostrophe for a
/// straight or a curly one.
fn alternation(words: &[String]) -> String {
    let mut ws: Vec<&String> = words.iter().collect();
    ws.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    ws.dedup();
    let alts: Vec<String> = ws
        .iter()
        .map(|w| {
            regex::escape(w.trim())
                .replace(' ', r"\s+")
                .replace('\'', "['\u{2019}]")
        })
        .collect();
    format!("(?:{})", alts.join("|"))
}

/// The words of a case-insensitive lexicon as a trie, when they are ASCII
/// and hold no whitespace but spaces (else two branches could match the
/// same character): the [`alternation`] of the words, written so that
/// words with a common beginning share its branch. It matches what the
/// alternation matches, at the same places: the words that match at one
/// place are each the beginning of the next, so the longest is the one
/// preferred both ways, and the branches of a node match disjoint
/// characters. The regex engines build such a trie themselves for an
/// alternation of plain strings, but not of case-insensitive ones, whose
/// letters are classes: the engine that resolves capture groups then tries
/// every word in turn, and its automaton has a state per letter of each.
fn ci_trie(words: &[String]) -> Option<String> {
    let mut trie = Trie::default();
    for w in words.iter().map(|w| w.trim()) {
        if !w.is_ascii() || w.contains(|c: char| c.is_ascii_whitespace() && c != ' ') {
            return None;
        }
        let mut at = &mut trie;
        for c in w.chars() {
            let unit = match c {
                ' ' => Unit::Space,
                '\'' => Unit::Quote,
                c => Unit::Char(c.to_ascii_lowercase()),
            };
            at = at.next.entry(unit).or_default();
        }
        at.end = true;
    }
    let mut out = String::from("(?:");
    trie.write(&mut out);
    out.push(')');
    Some(out)
}

/// The regex of a lexicon: any one of its words.
fn lexicon_regex(words: &[String], ci: bool) -> String {
    if ci {
        let body = ci_trie(words).unwrap_or_else(|| alternation(words));
        format!("(?i{}", &body[2..])
    } else {
        alternation(words)
    }
}

impl Macros {
    fn new(set: &RuleSet) -> std::result::Result<Macros, Vec<RuleIssue>> {
        let mut map = BTreeMap::new();
        let mut issues = Vec::new();
        let mut origins: HashMap<String, Origin> = HashMap::new();
        for l in &set.lexicons {
            if l.rule.words.iter().all(|w| w.trim().is_empty()) {
                issues.push(RuleIssue {
                    file: l.origin.file.clone(),
                    line: Some(l.origin.line),
                    rule: Some(l.rule.name.clone()),
                    message: "empty lexicon: give at least one word".into(),
                });
                continue;
            }
            if l.rule.words.iter().any(|w| w.trim().is_empty()) {
                issues.push(RuleIssue {
                    file: l.origin.file.clone(),
                    line: Some(l.origin.line),
                    rule: Some(l.rule.name.clone()),
                    message: "empty word in the lexicon: remove the \"\"".into(),
                });
            }
            if let Some(o) = origins.insert(l.rule.name.clone(), l.origin.clone()) {
                issues.push(RuleIssue {
                    file: l.origin.file.clone(),
                    line: Some(l.origin.line),
                    rule: Some(l.rule.name.clone()),
                    message: format!(
                        "duplicate lexicon/macro name, first at {}:{}",
                        o.file.display(),
                        o.line
                    ),
                });
            }
            map.insert(
                l.rule.name.clone(),
                lexicon_regex(&l.rule.words, l.rule.case_insensitive),
            );
        }
        for m in &set.macros {
            if m.rule.pattern.trim().is_empty() {
                issues.push(RuleIssue {
                    file: m.origin.file.clone(),
                    line: Some(m.origin.line),
                    rule: Some(m.rule.name.clone()),
                    message: "empty macro pattern: write a regex fragment".into(),
                });
            }
            if let Some(o) = origins.insert(m.rule.name.clone(), m.origin.clone()) {
                issues.push(RuleIssue {
                    file: m.origin.file.clone(),
                    line: Some(m.origin.line),
                    rule: Some(m.rule.name.clone()),
                    message: format!(
                        "duplicate lexicon/macro name, first at {}:{}",
                        o.file.display(),
                        o.line
                    ),
                });
            }
            map.insert(m.rule.name.clone(), m.rule.pattern.clone());
        }
        // expand macros inside macros (bounded: cycles are reported)
        let names: Vec<String> = set.macros.iter().map(|m| m.rule.name.clone()).collect();
        for name in names {
            let origin = origins[&name].clone();
            match expand(&map, &map[&name], 0) {
                Ok(x) => {
                    map.insert(name, x);
                }
                Err(msg) => issues.push(RuleIssue {
                    file: origin.file,
                    line: Some(origin.line),
                    rule: Some(name),
                    message: msg,
                }),
            }
        }
        if issues.is_empty() {
            Ok(Macros {
                map,
                cache: Default::default(),
            })
        } else {
            Err(issues)
        }
    }
}

/// The regex for a placeholder of the given type letters.
fn placeholder(letters: &str) -> String {
    format!("\\x01[{letters}]\\d+\\x02")
}

fn type_letters(t: &str) -> Option<&'static str> {
    Some(match t {
        "Person" => "P",
        "Organization" | "Organisation" => "O",
        "Country" => "C",
        "Place" => "L",
        "Date" => "D",
        "Location" => "LC",
        "Actor" => "POC",
        "Group" => "OC",
        "Entity" => "POCL",
        _ => return None,
    })
}

/// Expands `{NAME}` macros and `{Type:slot}` slots. `\{` stays a literal
/// brace; `{2,3}` repetition counts are left alone.
fn expand(
    map: &BTreeMap<String, String>,
    pat: &str,
    depth: usize,
) -> std::result::Result<String, String> {
    expand_mapped(map, pat, depth, None)
}

/// Rule text quoted in a message: at most 40 characters, on one line.
fn clip(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match one_line.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &one_line[..i]),
        None => one_line,
    }
}

/// As [`expand`]; with `offs`, also records for each byte of the result the
/// byte of `pat` it came from (for text a brace expands to, the brace).
fn expand_mapped(
    map: &BTreeMap<String, String>,
    pat: &str,
    depth: usize,
    mut offs: Option<&mut Vec<usize>>,
) -> std::result::Result<String, String> {
    if depth > 8 {
        return Err("macros nest more than 8 deep (a macro that uses itself?)".into());
    }
    let mut out = String::with_capacity(pat.len() * 2);
    // pushes `text`, which came from `pat` at `from` (copied when `copied`)
    let mut push = |out: &mut String, text: &str, from: usize, copied: bool| {
        if let Some(o) = offs.as_deref_mut() {
            o.extend((0..text.len()).map(|k| if copied { from + k } else { from }));
        }
        out.push_str(text);
    };
    let mut rest = pat;
    while let Some(i) = rest.find('{') {
        let at = pat.len() - rest.len();
        let head = &rest[..i];
        let escaped = (head.ends_with('\\') && !head.ends_with("\\\\"))
            || ["\\p", "\\P", "\\x", "\\u"]
                .iter()
                .any(|e| head.ends_with(e));
        push(&mut out, head, at, true);
        let brace = at + i;
        let after = &rest[i + 1..];
        let Some(j) = after.find('}') else {
            push(&mut out, &rest[i..], brace, true);
            rest = "";
            break;
        };
        let inner = &after[..j];
        if escaped
            || inner.is_empty()
            || inner
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit() || c == ',')
        {
            push(&mut out, "{", brace, true);
            rest = after;
            continue;
        }
        if let Some((ty, slot)) = inner.split_once(':') {
            let (ty, list) = match ty.strip_suffix('+') {
                Some(t) => (t, true),
                None => (ty, false),
            };
            let (ty, rest_of_sentence) = match ty.strip_suffix('*') {
                Some(t) => (t, true),
                None => (ty, false),
            };
            let letters = type_letters(ty).ok_or_else(|| {
                format!(
                    "unknown slot type '{}' in {{{}}}: use Person, Organization, Country, Place, Date, Location, Actor, Group or Entity",
                    clip(ty),
                    clip(inner)
                )
            })?;
            if !slot.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || slot.is_empty() {
                return Err(format!(
                    "bad slot name '{}' in {{{}}}: use letters, digits and _",
                    clip(slot),
                    clip(inner)
                ));
            }
            let ph = placeholder(letters);
            let x = if rest_of_sentence {
                format!("(?P<{slot}>.*?{ph}.*)")
            } else if list {
                let skip = format!("(?:(?:[^\\x01;.]|{})*;\\s*)*", placeholder("OCLD"));
                let paren = "(?:\\s*[\\(\\[][^()\\[\\]\\x01]*[\\)\\]])?";
                // "A", "A and B", "A, B and C", "A; B; and C": a list ends with "and";
                // "A, B and other members of the delegation" too
                format!(
                    "(?P<{slot}>{ph}(?:(?:{paren}\\s*[,;]\\s*{skip}{ph})*{paren}\\s*[,;]?\\s*(?:and|as well as)\\s+{skip}{ph}|(?:{paren}\\s*,\\s*{ph})+{paren}\\s*,?\\s*and\\s+(?:other|several|some|senior|their|his|her)\\b)?)"
                )
            } else {
                format!("(?P<{slot}>{ph})")
            };
            push(&mut out, &x, brace, false);
        } else if let Some(letters) = type_letters(inner) {
            push(
                &mut out,
                &format!("(?:{})", placeholder(letters)),
                brace,
                false,
            );
        } else if inner == "OPEN" || inner == "CLOSE" {
            // the characters around a placeholder, for character classes: [^{OPEN}.;]
            let x = if inner == "OPEN" { "\\x01" } else { "\\x02" };
            push(&mut out, x, brace, false);
        } else if inner
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
        {
            let body = map.get(inner).ok_or_else(|| {
                format!("unknown macro {{{inner}}}: define it as a [[macro]] or [[lexicon]]")
            })?;
            let x = expand_mapped(map, body, depth + 1, None)?;
            push(&mut out, &format!("(?:{x})"), brace, false);
        } else if inner.starts_with(|c: char| c.is_ascii_uppercase())
            && inner.chars().all(|c| c.is_ascii_alphabetic())
        {
            // `{Persn}`: a brace never stands for itself in a regex
            return Err(format!(
                "unknown type {{{inner}}}: use Person, Organization, Country, Place, Date, Location, Actor, Group or Entity"
            ));
        } else {
            push(&mut out, "{", brace, true);
            rest = after;
            continue;
        }
        rest = &after[j + 1..];
    }
    let at = pat.len() - rest.len();
    push(&mut out, rest, at, true);
    Ok(out)
}

/// The regex syntax error of `expanded` (expanded from `pat` with byte map
/// `offs`), as "unclosed group (at character 1: \"(\\d+\")", pointing into
/// the pattern as written.
fn syntax_error(pat: &str, expanded: &str, offs: &[usize]) -> Option<String> {
    let err = regex_syntax::Parser::new().parse(expanded).err()?;
    let (kind, span) = match &err {
        regex_syntax::Error::Parse(e) => (e.kind().to_string(), *e.span()),
        regex_syntax::Error::Translate(e) => (e.kind().to_string(), *e.span()),
        _ => return Some(err.to_string().replace('\n', " ")),
    };
    let mut at = offs.get(span.start.offset).copied().unwrap_or(pat.len());
    while !pat.is_char_boundary(at) {
        at -= 1;
    }
    let col = pat[..at].chars().count() + 1;
    let near: String = pat[at..].chars().take(24).collect();
    let more = if pat[at..].chars().nth(24).is_some() {
        "..."
    } else {
        ""
    };
    Some(format!("{kind} (at character {col}: \"{near}{more}\")"))
}

/// `\b` as an ASCII word boundary: the same on English text, and it keeps the
/// fast lazy DFA working on text with non-ASCII letters (a Unicode `\b`
/// makes it give up there).
fn ascii_word_boundaries(pat: &str) -> String {
    let mut out = String::with_capacity(pat.len() + 16);
    let mut chars = pat.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push_str("(?-u:\\b)"),
            Some(n) => {
                out.push('\\');
                out.push(n);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Expands and compiles a rule pattern.
fn compile_pattern(
    macros: &Macros,
    pat: &str,
    origin: &Origin,
    id: &str,
) -> std::result::Result<Pattern, RuleIssue> {
    if let Some(re) = macros.cache.lock().ok().and_then(|c| c.get(pat).cloned()) {
        return Ok(re);
    }
    let mk = |message: String| RuleIssue {
        file: origin.file.clone(),
        line: Some(origin.line),
        rule: Some(id.to_string()),
        message,
    };
    if pat.trim().is_empty() {
        return Err(mk("empty pattern: write a regex".into()));
    }
    let mut offs = Vec::new();
    let expanded = expand_mapped(&macros.map, pat, 0, Some(&mut offs)).map_err(mk)?;
    if let Some(msg) = syntax_error(pat, &expanded, &offs) {
        return Err(mk(format!("bad regex: {msg}")));
    }
    let re = Pattern::new(&ascii_word_boundaries(&expanded)).map_err(|e| {
        let msg = e.to_string();
        let msg: Vec<&str> = msg.split_whitespace().collect();
        mk(format!("bad regex: {}", msg.join(" ")))
    })?;
    if re.on("").is_match("") {
        return Err(mk(
            "pattern matches the empty string; make it require some text".into(),
        ));
    }
    if let Ok(mut c) = macros.cache.lock() {
        c.insert(pat.to_string(), re.clone());
    }
    Ok(re)
}

/// A compiled entity pattern.
#[derive(Debug, Clone)]
pub struct CompiledEntityPattern {
    /// Rule id.
    pub id: String,
    /// Person or Organization.
    pub kind: EntityType,
    /// The regex.
    pub re: Pattern,
    /// Whole match is one unit.
    pub absorb: bool,
    /// Names a delegation's leader.
    pub delegation: bool,
}

/// A compiled relation rule.
#[derive(Debug, Clone)]
pub struct CompiledRelation {
    /// Rule id.
    pub id: String,
    /// Event kind.
    pub kind: Option<String>,
    /// Plain relation.
    pub relation: Option<String>,
    /// The regex.
    pub re: Pattern,
    /// Veto.
    pub unless: Option<Pattern>,
    /// Veto read in the sentence before, when it names both sides.
    pub unless_previous: Option<Pattern>,
}

/// A compiled regex rule with an id.
#[derive(Debug, Clone)]
pub struct CompiledRegex {
    /// Rule id.
    pub id: String,
    /// The regex.
    pub re: Pattern,
}

/// A compiled anniversary rule.
#[derive(Debug, Clone)]
pub struct CompiledAnniversary {
    /// Rule id.
    pub id: String,
    /// The regex.
    pub re: Pattern,
    /// Year of the event.
    pub year: i32,
}

/// All compiled patterns (the gazetteer automaton lives in `extract`).
#[derive(Debug, Clone)]
pub struct Compiled {
    /// Person and organisation patterns, in file order.
    pub entity_patterns: Vec<CompiledEntityPattern>,
    /// Relation rules, in file order.
    pub relations: Vec<CompiledRelation>,
    /// Date expressions.
    pub dates: Vec<CompiledRegex>,
    /// Datelines.
    pub datelines: Vec<CompiledRegex>,
    /// Anniversaries.
    pub anniversaries: Vec<CompiledAnniversary>,
    /// Boilerplate, one set over lines.
    pub boilerplate: PatternSet,
    /// Boilerplate rule ids, parallel to the set.
    pub boilerplate_ids: Vec<String>,
    /// Lexicon regexes by name, anchored, for word tests.
    pub lexicon_words: BTreeMap<String, BTreeSet<String>>,
}

impl RuleSet {
    /// Compiles every pattern. Validation has already run, so this only
    /// fails on a rule set built by hand.
    ///
    /// # Errors
    /// [`Error::Rules`] when a pattern does not compile.
    pub fn compile(&self) -> Result<Compiled> {
        let macros = match &self.compiled_macros {
            Some(m) => m.clone(),
            None => Macros::new(self).map_err(Error::Rules)?,
        };
        let c = |pat: &str, o: &Origin, id: &str| {
            compile_pattern(&macros, pat, o, id).map_err(|e| Error::Rules(vec![e]))
        };
        let mut entity_patterns = Vec::new();
        for r in &self.entity_patterns {
            entity_patterns.push(CompiledEntityPattern {
                id: r.rule.id.clone(),
                kind: EntityType::parse(&r.rule.kind).unwrap_or(EntityType::Person),
                re: c(&r.rule.pattern, &r.origin, &r.rule.id)?,
                absorb: r.rule.absorb,
                delegation: r.rule.delegation,
            });
        }
        let mut relations = Vec::new();
        for r in &self.relations {
            relations.push(CompiledRelation {
                id: r.rule.id.clone(),
                kind: r.rule.kind.clone(),
                relation: r.rule.relation.clone(),
                re: c(&r.rule.pattern, &r.origin, &r.rule.id)?,
                unless: r
                    .rule
                    .unless
                    .as_ref()
                    .map(|u| c(u, &r.origin, &r.rule.id))
                    .transpose()?,
                unless_previous: r
                    .rule
                    .unless_previous
                    .as_ref()
                    .map(|u| c(u, &r.origin, &r.rule.id))
                    .transpose()?,
            });
        }
        let set_of = |res: Vec<&Pattern>| {
            PatternSet::new(&res).map_err(|e| {
                Error::Rules(vec![RuleIssue {
                    file: PathBuf::new(),
                    line: None,
                    rule: None,
                    message: e.to_string(),
                }])
            })
        };
        let simple = |rs: &[Located<LineRule>]| -> Result<Vec<CompiledRegex>> {
            rs.iter()
                .map(|r| {
                    Ok(CompiledRegex {
                        id: r.rule.id.clone(),
                        re: c(&r.rule.pattern, &r.origin, &r.rule.id)?,
                    })
                })
                .collect()
        };
        let dates = simple(&self.dates)?;
        let datelines = simple(&self.datelines)?;
        let boiler = simple(&self.boilerplate)?;
        let boilerplate = set_of(boiler.iter().map(|r| &r.re).collect())?;
        let anniversaries = self
            .anniversaries
            .iter()
            .map(|r| {
                Ok(CompiledAnniversary {
                    id: r.rule.id.clone(),
                    re: c(&r.rule.pattern, &r.origin, &r.rule.id)?,
                    year: r.rule.year,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let lexicon_words = self
            .lexicons
            .iter()
            .map(|l| {
                (
                    l.rule.name.clone(),
                    l.rule
                        .words
                        .iter()
                        .map(|w| w.trim().to_lowercase())
                        .collect(),
                )
            })
            .collect();
        Ok(Compiled {
            entity_patterns,
            relations,
            dates,
            datelines,
            anniversaries,
            boilerplate,
            boilerplate_ids: boiler.into_iter().map(|b| b.id).collect(),
            lexicon_words,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(src: &str) -> Result<RuleSet> {
        RuleSet::from_sources(&[(PathBuf::from("r.toml"), src.to_string())])
    }

    fn messages(src: &str) -> Vec<String> {
        match load(src) {
            Ok(_) => vec![],
            Err(Error::Rules(v)) => v.iter().map(|i| i.to_string()).collect(),
            Err(e) => vec![e.to_string()],
        }
    }

    #[test]
    fn reports_every_error_with_file_line_and_id() {
        let src = r#"
[[entity]]
id = "a"
type = "Person"
name = "A B"

[[entity]]
id = "a"
type = "Persn"
name = "C D"

[[relation]]
id = "m"
kind = "meeting"
pattern = '{Person:a} met ({Person:b}'

[[entity]]
id = "x"
type = "Person"
name = "X Y"
colour = "red"
"#;
        let m = messages(src);
        assert_eq!(m.len(), 4, "{m:#?}");
        // in line order
        assert_eq!(
            m[0],
            "r.toml:7: rule 'a': duplicate id: already used at r.toml:2; give each rule its own id"
        );
        assert_eq!(
            m[1],
            "r.toml:7: rule 'a': unknown entity type 'Persn': use Person, Organization, Country or Place"
        );
        assert_eq!(
            m[2],
            "r.toml:12: rule 'm': bad regex: unclosed group (at character 16: \"({Person:b}\")"
        );
        assert_eq!(m[3], "r.toml:17: rule 'x': in [[entity]]: unknown field `colour`, expected one of `id`, `type`, `name`, `aliases`, `demonyms`, `country`, `located_in`, `roles`");
    }

    #[test]
    fn a_slot_running_over_lines_gives_a_one_line_issue() {
        // found by fuzzing: the issue quoted the lines up to the next '}'
        let src = "[[relation]]\nid = \"r\"\nkind = \"meeting\"\npattern = '''{Person:a} {Person:lee's\n\n[[x]] name = \"y\"}'''\n";
        let m = messages(src);
        assert_eq!(
            m,
            ["r.toml:1: rule 'r': bad slot name 'lee's  [[x]] name = \"y\"' in {Person:lee's  [[x]] name = \"y\"}: use letters, digits and _"]
        );
        let long = format!(
            "[[date]]\nid = \"d\"\npattern = '{{Persn{}:a}}'\n",
            "x".repeat(100)
        );
        let m = messages(&long);
        assert_eq!(m.len(), 1);
        assert!(m[0].len() < 250 && m[0].contains("xxx..."), "{}", m[0]);
    }

    #[test]
    fn syntax_error_names_line() {
        let m = messages("[[entity]]\nid = \"a\"\nname = \n");
        assert_eq!(m.len(), 1);
        assert!(m[0].starts_with("r.toml:3: "), "{}", m[0]);
    }

    #[test]
    fn rejects_alias_claimed_twice_and_empty_match() {
        let src = r#"
[[entity]]
id = "a"
type = "Person"
name = "Pak Myong Ho"

[[entity]]
id = "b"
type = "Person"
name = "Park Myung-ho"
aliases = ["Pak Myong-ho"]

[[date]]
id = "d"
pattern = '\d*'
"#;
        let m = messages(src);
        assert_eq!(m.len(), 2, "{m:#?}");
        assert!(m[0].contains("alias 'Pak Myong-ho' is also claimed by entity 'a'"));
        assert!(m[1].contains("matches the empty string"));
    }

    #[test]
    fn expands_macros_and_slots() {
        let mut map = BTreeMap::new();
        map.insert("T".to_string(), "(?:Minister|President)".to_string());
        let x = expand(&map, r"{T} {Person:a}\d{2}", 0).unwrap();
        assert_eq!(x, r"(?:(?:Minister|President)) (?P<a>\x01[P]\d+\x02)\d{2}");
        assert!(expand(&map, "{NOPE}", 0)
            .unwrap_err()
            .contains("unknown macro {NOPE}"));
        assert!(expand(&map, "{Persn:a}", 0)
            .unwrap_err()
            .contains("unknown slot type 'Persn'"));
    }
}

#[cfg(test)]
mod lexicon_tests {
    use super::*;
    use regex::Regex;

    fn words(ws: &[&str]) -> Vec<String> {
        ws.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn a_case_insensitive_lexicon_is_written_as_a_trie() {
        let ws = words(&[
            "plan",
            "plans",
            "planned",
            "to meet",
            "to be",
            "agreed to",
            "plan",
        ]);
        assert_eq!(
            lexicon_regex(&ws, true),
            r"(?i:(?:agreed\s+to|plan(?:ned|s)?|to\s+(?:be|meet)))"
        );
        // a curly apostrophe, or a word that is not ASCII, keeps the alternation
        let ws = words(&["Workers’ Party", "party"]);
        assert_eq!(lexicon_regex(&ws, true), r"(?i:Workers’\s+Party|party)");
        assert_eq!(
            lexicon_regex(&words(&["a b", "ab"]), false),
            r"(?:a\s+b|ab)"
        );
    }

    /// Every case-insensitive lexicon of `graph_rules/`, as a trie, finds
    /// what its alternation finds, alone and where the pattern around it
    /// makes the engine go back into it, on its words written in other
    /// cases, run on, cut short and spaced out.
    #[test]
    fn the_trie_of_each_lexicon_matches_what_its_alternation_matches() {
        let set = RuleSet::load_dir(Path::new("graph_rules")).expect("rules load");
        let mut checked = 0;
        for l in set.lexicons.iter().filter(|l| l.rule.case_insensitive) {
            let ws = &l.rule.words;
            let Some(trie) = ci_trie(ws) else { continue };
            let flat = alternation(ws);
            let mut texts = Vec::new();
            for w in ws {
                let w = w.trim();
                let up = w.to_uppercase();
                let spaced = w.replace(' ', " \n ");
                let curly = w.replace('\'', "\u{2019}");
                let cut = &w[..w.len() / 2];
                for t in [w, &up, &spaced, &curly, cut] {
                    texts.push(format!("{t} Kim"));
                    texts.push(format!("the {t}s of {t}-{t} Kim."));
                }
            }
            let text = texts.join(" ; ");
            for around in [
                "(?i:{})",
                r"(?i:\b{}\b)",
                r"(?i:{})(?:\s+\p{Lu}\w*)",
                r"(?i:{})(?:s|-|\s+of)",
            ] {
                let a = Regex::new(&around.replace("{}", &flat)).unwrap();
                let b = Regex::new(&around.replace("{}", &trie)).unwrap();
                let got: Vec<_> = b.find_iter(&text).map(|m| m.range()).collect();
                let want: Vec<_> = a.find_iter(&text).map(|m| m.range()).collect();
                assert_eq!(got, want, "{} in {around}", l.rule.name);
                assert!(!want.is_empty());
            }
            checked += 1;
        }
        assert!(checked >= 10, "{checked}");
    }
}
