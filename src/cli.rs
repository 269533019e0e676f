//! Command-line interface (clap derive): parse, check, call the library, print.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::corpus;
use crate::dates::DateRange;
use crate::error::Error;
use crate::export::filter::Filter;
use crate::export::{self, ExportError, Format, Output};
use crate::extract::Extractor;
use crate::graph::{Builder, EvidenceCap, KnowledgeGraph};
use crate::query::{envelope, to_json, MeetingFilter, PathOptions, Query};
use crate::report;
use crate::rules::RuleSet;

/// Exit statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Success.
    Ok = 0,
    /// Ran, but found nothing.
    NothingFound = 1,
    /// An error.
    Error = 2,
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(s as u8)
    }
}

/// Build a knowledge graph of China–North Korea relations from news articles.
///
/// cnkg reads English articles (a folder of .txt files), finds people,
/// organisations, countries, places and meetings with the editable rules in
/// graph_rules/, and writes the graph as NetworkX node-link JSON, Graphviz DOT,
/// GraphML, Neo4j CSV, Cytoscape.js JSON, SVG, PNG or an HTML page.
#[derive(Debug, Parser)]
#[command(name = "cnkg", version, after_long_help = EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "Examples:
  cnkg build -o graph.json                 # seeds/ with graph_rules/ to JSON
  cnkg build articles/ -o graph.dot        # the format follows the extension
  cnkg build a.txt b.txt --format dot | dot -Tsvg > graph.svg
  cnkg export graph.json --format dot -o graph.dot
  cnkg export graph.json -o graph.html     # a page with search and a side panel
  cnkg export graph.json --format csv -o neo4j/   # nodes.csv and edges.csv
  cnkg export graph.json --relations MET --since 2019 -o meetings.svg
  cnkg rules check graph_rules";

/// Output format flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// NetworkX node-link JSON.
    Json,
    /// Graphviz DOT.
    Dot,
    /// GraphML with typed keys (NetworkX, Gephi, yEd).
    Graphml,
    /// nodes.csv and edges.csv for Neo4j's bulk import and pandas, in the folder -o names.
    Csv,
    /// Cytoscape.js elements JSON.
    Cytoscape,
    /// SVG drawn by Graphviz (needs `dot`).
    Svg,
    /// PNG drawn by Graphviz (needs `dot`).
    Png,
    /// One self-contained HTML page: the drawing, a search box, a side panel.
    Html,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Json => Format::Json,
            FormatArg::Dot => Format::Dot,
            FormatArg::Graphml => Format::Graphml,
            FormatArg::Csv => Format::Csv,
            FormatArg::Cytoscape => Format::Cytoscape,
            FormatArg::Svg => Format::Svg,
            FormatArg::Png => Format::Png,
            FormatArg::Html => Format::Html,
        }
    }
}

/// What to keep of the graph, for every output format.
///
/// Types and relations are matched without regard to case and may be
/// comma-separated. Dates are YYYY, YYYY-MM or YYYY-MM-DD and compare at the
/// precision both sides know.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Filters")]
pub struct FilterArgs {
    /// Keep only nodes of these types: Person, Organization, Country, Place, Event.
    ///
    /// Edges to a node that is not kept go too. Alone, it keeps every node
    /// of these types, even one left without edges.
    #[arg(long, value_delimiter = ',', value_name = "TYPE,...")]
    pub types: Vec<String>,
    /// Keep only edges of these relations (MET, HOLDS_ROLE, VISITED, ...).
    ///
    /// Nodes left without any edge are dropped, so `--relations MET` shows
    /// the people who met and not every organisation.
    #[arg(long, value_delimiter = ',', value_name = "RELATION,...")]
    pub relations: Vec<String>,
    /// Keep only events and dated edges (MET, VISITED) on or after this date.
    ///
    /// Undated events and meetings fall outside; undated facts such as roles
    /// stay. Nodes left without any edge are dropped.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Keep only events and dated edges (MET, VISITED) on or before this date.
    ///
    /// As --since, from the other end.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
}

impl FilterArgs {
    /// Whether no filter was asked for.
    fn is_empty(&self) -> bool {
        self.types.is_empty()
            && self.relations.is_empty()
            && self.since.is_none()
            && self.until.is_none()
    }

    fn check_dates(&self) -> Result<(), ExportError> {
        DateRange::parse(self.since.as_deref(), self.until.as_deref())
            .map(|_| ())
            .map_err(ExportError::Filter)
    }

    fn filter(&self, g: &KnowledgeGraph) -> Result<Filter, ExportError> {
        Filter::new(
            g,
            &self.types,
            &self.relations,
            self.since.as_deref(),
            self.until.as_deref(),
        )
        .map_err(ExportError::Filter)
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the graph from articles.
    ///
    /// Reads every input (.txt articles, .jsonl dumps with one JSON object
    /// per line, folders of them read recursively, or - for standard input),
    /// extracts entities and facts with the rules, merges them into one
    /// graph and writes it. A one-line summary goes to standard error.
    Build {
        /// Articles: .txt or .jsonl files, folders of them, or - (standard input).
        #[arg(default_value = "seeds")]
        inputs: Vec<PathBuf>,
        /// Folder of rule files (*.toml).
        #[arg(long, default_value = "graph_rules")]
        rules: PathBuf,
        /// Output file, or folder for csv (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Output format (default: from the output's extension, else json).
        ///
        /// The extensions: .json, .dot/.gv, .graphml, .cyjs (cytoscape),
        /// .svg, .png, .html. csv writes nodes.csv and edges.csv into the
        /// folder -o names, created when missing. svg, png and html need
        /// Graphviz (`dot`, and `sfdp` for graphs of more than 150 drawn
        /// entities).
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// What to keep.
        #[command(flatten)]
        filter: FilterArgs,
        /// Print each sentence as the relation rules see it, and the rules that fired.
        ///
        /// Every sentence holding a person is printed to standard error with
        /// its mentions masked as `[P:name]`, `[O:...]`, `[C:...]`, `[L:...]`,
        /// `[D:date]`, followed by the relation rules that fired on it or were
        /// vetoed by their `unless`.
        #[arg(long)]
        trace: bool,
        /// Print, for each meeting, the rules that found it and the sentences.
        ///
        /// Goes to standard error: each meeting with its date, place and
        /// sides, then each supporting sentence with the ids of the rules
        /// that read it and the file and line where each rule is written,
        /// and at the end how many meetings each rule supports. A meeting
        /// you disagree with is fixed in that rule.
        #[arg(long)]
        explain: bool,
        /// Evidence sentences kept per edge: all, none, or the first N.
        ///
        /// With none or N, every edge also gets `evidence_count`, the number
        /// of sentences that support it, kept or not; memory then grows
        /// with the graph rather than with the articles.
        #[arg(long, value_name = "all|none|N", default_value = "all", value_parser = EvidenceCap::parse)]
        evidence: EvidenceCap,
        /// No progress bar.
        ///
        /// The bar (documents, MB, MB/s, time left) is drawn on standard
        /// error only when it is a terminal and the build takes more than
        /// a second.
        #[arg(short, long)]
        quiet: bool,
        /// Also write each document's facts into the JSON, for `cnkg merge`.
        ///
        /// A corpus too big for one machine is built in shards, each with
        /// --facts, and the parts merged with `cnkg merge` into exactly the
        /// graph one build over all of them gives. JSON only.
        #[arg(long)]
        facts: bool,
        /// Make any skipped document an error (exit 2, nothing written).
        ///
        /// Without it, an empty, binary or non-UTF-8 file, a file over
        /// --max-doc-bytes, and a JSON Lines record that is broken, has no
        /// text or has a bad date are skipped with a warning, and counted at
        /// the end.
        #[arg(long)]
        strict: bool,
        /// Largest document read, in bytes (suffixes K, M, G: 500K, 64M).
        ///
        /// A .txt file, standard input read as one article, or one JSON
        /// Lines record over this size is skipped (an error with --strict),
        /// so a wrong path (a disk image, a log) cannot use up memory.
        #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = parse_size)]
        max_doc_bytes: u64,
        /// Documents read and extracted at a time (for tests: the graph is
        /// the same whatever the chunk).
        #[arg(long, value_name = "N", default_value_t = crate::graph::CHUNK, hide = true)]
        chunk: usize,
    },
    /// Merge graphs built from disjoint shards into the graph of them all.
    ///
    /// Each part is a graph JSON written by `cnkg build --facts`; the parts
    /// are taken in the order given, as one build takes its inputs, and the
    /// result has the same bytes as `cnkg build` over all the shards in
    /// that order. The rules must be those the parts were built with.
    #[command(after_help = "Examples:
  cnkg build shard-0/ --facts -o part-0.json
  cnkg build shard-1/ --facts -o part-1.json
  cnkg merge part-0.json part-1.json -o graph.json")]
    Merge {
        /// Graph JSON files written by `cnkg build --facts`, in corpus order.
        #[arg(required = true, value_name = "PART")]
        parts: Vec<PathBuf>,
        /// Folder of rule files (*.toml) the parts were built with.
        #[arg(long, default_value = "graph_rules")]
        rules: PathBuf,
        /// Output file, or folder for csv (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Output format (default: from the output's extension, else json).
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// What to keep.
        #[command(flatten)]
        filter: FilterArgs,
        /// Evidence sentences kept per edge: all, none, or the first N.
        #[arg(long, value_name = "all|none|N", default_value = "all", value_parser = EvidenceCap::parse)]
        evidence: EvidenceCap,
        /// Also write the documents' facts, so the result can be merged again.
        #[arg(long)]
        facts: bool,
    },
    /// Re-export a saved graph.
    ///
    /// Loads a graph written by `cnkg build` and writes it in any format,
    /// without reading the articles again. Unfiltered JSON gives back the
    /// same bytes.
    Export {
        /// A graph JSON file written by cnkg.
        graph: PathBuf,
        /// Output format (default: from the output's extension, else json).
        ///
        /// As for `cnkg build`: csv writes a folder; svg, png and html need
        /// Graphviz.
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// Output file, or folder for csv (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// What to keep.
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Whom did a person meet, when and where (every meeting without PERSON).
    ///
    /// One row per occasion, sorted by date (undated last): date, place, the
    /// people on each side (PERSON's side first), and the documents. Dates
    /// compare at the precision both sides know: a meeting in "2019-06" is
    /// within `--since 2019`. Names are forgiving: any alias, any case,
    /// hyphens and spaces ignored. Exit status 1 when nothing matches.
    #[command(after_help = "Examples:
  cnkg met \"Kim Jong Un\"
  cnkg met \"kim jong-un\" --with \"Xi Jinping\" --evidence
  cnkg met --since 2025 --place Beijing --graph graph.json --json")]
    Met {
        /// The person (a name, an alias or a node id).
        person: Option<String>,
        /// Only meetings with this person.
        #[arg(long, value_name = "PERSON")]
        with: Option<String>,
        /// Only meetings on or after this date (YYYY, YYYY-MM or YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only meetings on or before this date (YYYY, YYYY-MM or YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// Only meetings held at this place or anywhere inside it.
        #[arg(long, value_name = "PLACE")]
        place: Option<String>,
        /// Print the sentences behind each meeting.
        #[arg(long)]
        evidence: bool,
        /// One JSON document instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        source: GraphSource,
    },
    /// How two entities are connected: the shortest path, or every path.
    ///
    /// Edges are followed either way. Each step shows its relation, date and
    /// one evidence sentence. Exit status 1 when there is no path.
    #[command(after_help = "Examples:
  cnkg path \"Park Minghao\" \"Xi Jinping\"
  cnkg path \"Choe Son Hui\" \"Wang Yi\" --all --max-hops 4 --limit 5
  cnkg path \"Kim Jong Un\" \"Sun Weidong\" --relations MET")]
    Path {
        /// Where the path starts.
        from: String,
        /// Where it ends.
        to: String,
        /// Longest path searched, in hops.
        #[arg(long, value_name = "N", default_value_t = 6)]
        max_hops: usize,
        /// Every simple path up to --max-hops, shortest first.
        #[arg(long)]
        all: bool,
        /// At most this many paths (with --all).
        #[arg(long, value_name = "K", default_value_t = 10)]
        limit: usize,
        /// Follow only these relations (comma-separated, e.g. MET,HOLDS_ROLE).
        #[arg(long, value_delimiter = ',', value_name = "RELATIONS")]
        relations: Vec<String>,
        /// One JSON document instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        source: GraphSource,
    },
    /// What the graph knows about one entity.
    ///
    /// Type, canonical name, aliases, roles and affiliations with titles,
    /// people holding titles in it, meetings, other relations, and the
    /// documents that mention it.
    Show {
        /// A name, an alias or a node id.
        entity: String,
        /// One JSON document instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        source: GraphSource,
    },
    /// The ego network of one entity: everything within N hops.
    ///
    /// As a table (each node, its distance and the edge that reached it), or
    /// as a graph of its own in any export format.
    Neighbors {
        /// A name, an alias or a node id.
        entity: String,
        /// Hops from the entity.
        #[arg(long, value_name = "N", default_value_t = 1)]
        depth: usize,
        /// table, or any export format (json, dot, graphml, csv, cytoscape, svg, png, html).
        #[arg(long, value_name = "FORMAT", default_value = "table")]
        format: String,
        /// Output file (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        source: GraphSource,
    },
    /// Measure build throughput on a generated corpus against a bare name scan.
    ///
    /// Generates a deterministic corpus of news-like articles in memory
    /// (20,000 documents, about 50 MB, by default), scans it with a bare
    /// Aho-Corasick automaton of the gazetteer's names on one thread (the
    /// floor), builds the graph from it on all cores, and reports both
    /// throughputs, their ratio, the time to load the rules and the peak
    /// memory. With --write, writes the corpus as .txt files instead.
    #[command(after_help = "Examples:
  cnkg bench
  cnkg bench --scale 10
  cnkg bench --docs 2000
  cnkg bench --gazetteer 100000
  cnkg bench --write corpus/ && cnkg build corpus/ -o graph.json")]
    Bench {
        /// Documents to generate.
        #[arg(long, value_name = "N", default_value_t = crate::synth::BENCH_DOCS)]
        docs: usize,
        /// Multiply the number of documents (10 gives about 500 MB).
        #[arg(long, value_name = "K", default_value_t = 1)]
        scale: usize,
        /// Folder of rule files (*.toml).
        #[arg(long, default_value = "graph_rules")]
        rules: PathBuf,
        /// Write the corpus as .txt files into this folder, and measure nothing.
        #[arg(long, value_name = "DIR")]
        write: Option<PathBuf>,
        /// Evidence sentences kept per edge: all, none, or the first N.
        #[arg(long, value_name = "all|none|N", default_value = "all", value_parser = EvidenceCap::parse)]
        evidence: EvidenceCap,
        /// Instead, time loading and compiling the rules with N generated
        /// entities (two aliases each) added to them.
        #[arg(long, value_name = "N")]
        gazetteer: Option<usize>,
    },
    /// Work with rule files.
    Rules {
        /// What to do with the rules.
        #[command(subcommand)]
        command: RulesCommand,
    },
}

/// Where a query's graph comes from: a saved graph, or a build.
#[derive(Debug, Clone, clap::Args)]
pub struct GraphSource {
    /// A graph JSON file written by `cnkg build` (default: build one from --input).
    #[arg(long, value_name = "FILE")]
    pub graph: Option<PathBuf>,
    /// Articles to build from when there is no --graph (repeatable).
    #[arg(long = "input", value_name = "PATH", default_value = "seeds")]
    pub inputs: Vec<PathBuf>,
    /// Folder of rule files, when building.
    #[arg(long, value_name = "DIR", default_value = "graph_rules")]
    pub rules: PathBuf,
}

impl GraphSource {
    /// Loads the saved graph, or builds one.
    ///
    /// # Errors
    /// A missing or malformed graph file, or any build error.
    pub fn load(&self) -> anyhow::Result<KnowledgeGraph> {
        if let Some(p) = &self.graph {
            if !p.exists() {
                bail!(
                    "{}: no such graph file; build one with `cnkg build -o {}`, or leave out --graph to build from the articles",
                    p.display(),
                    p.display()
                );
            }
            return Ok(crate::export::json::load(p)?);
        }
        let x = load_rules(&self.rules)?;
        let corpus =
            crate::corpus::read_inputs_with(&self.inputs, &crate::corpus::ReadOptions::default())?;
        for s in &corpus.skipped {
            eprintln!("warning: {s}");
        }
        if corpus.documents.is_empty() {
            let skipped = corpus.skip_counts().unwrap_or_default();
            return Err(Error::NothingLeft(skipped).into());
        }
        Ok(KnowledgeGraph::build(&x, &corpus.documents))
    }
}

/// `cnkg rules ...`
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Validate rule files and report every error at once.
    Check {
        /// Folder of rule files.
        #[arg(default_value = "graph_rules")]
        dir: PathBuf,
    },
}

/// Parses a size: `1000`, `500K`, `64M`, `1G` (also `KB`, `KiB`; powers of 1024).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(digits);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("'{s}' is not a size such as 65536, 500K or 64M"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(format!("'{s}' is not a size such as 65536, 500K or 64M")),
    };
    n.checked_mul(1 << shift)
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("'{s}' is not a size such as 65536, 500K or 64M"))
}

fn choose_format(flag: Option<FormatArg>, output: Option<&Path>) -> Format {
    flag.map(Format::from)
        .or_else(|| output.and_then(Format::from_path))
        .unwrap_or(Format::Json)
}

/// Fails early on what no graph can fix: a csv without a folder (or with a
/// `.csv` file name and no `--format`), a bad date.
fn check_output(
    flag: Option<FormatArg>,
    output: Option<&Path>,
    filter: &FilterArgs,
) -> anyhow::Result<()> {
    let f = choose_format(flag, output);
    let csv_name = output
        .and_then(Path::extension)
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if (f == Format::Csv && output.is_none()) || (flag.is_none() && csv_name) {
        return Err(ExportError::CsvNeedsFolder.into());
    }
    filter.check_dates()?;
    Ok(())
}

fn print(data: &str) -> anyhow::Result<()> {
    emit(&Output::File(data.as_bytes().to_vec()), None)
}

fn emit(data: &Output, output: Option<&Path>) -> anyhow::Result<()> {
    match (output, data) {
        (Some(p), data) => export::save(data, p)?,
        (None, Output::File(bytes)) => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
        }
        (None, Output::Folder(_)) => return Err(ExportError::CsvNeedsFolder.into()),
    }
    Ok(())
}

/// Writes the graph in format `f` (with `facts`, the graph JSON with them)
/// to `output` or standard output. JSON is written as it is serialised, not
/// held whole in memory first.
/// Writes what `filter` keeps of `g` (the graph itself, uncopied, when it
/// keeps everything). Gives what the summary line says of the cut
/// (`"; kept N nodes, M edges (...)"`, or nothing) and of where it went.
fn write_filtered(
    g: &KnowledgeGraph,
    filter: &FilterArgs,
    facts: Option<&[crate::facts::DocRecord]>,
    f: Format,
    output: Option<&Path>,
) -> anyhow::Result<(String, String)> {
    let flt = filter.filter(g)?;
    let dest = destination(output);
    if flt.is_empty() {
        write_graph(g, facts, f, output)?;
        return Ok((String::new(), dest));
    }
    let kept = flt.apply(g);
    write_graph(&kept, facts, f, output)?;
    let cut = format!(
        "; kept {} nodes, {} edges ({})",
        kept.graph.node_count(),
        kept.graph.edge_count(),
        flt.describe()
    );
    Ok((cut, dest))
}

/// Says what a build gave (and what it skipped); its status.
fn built(
    (d, e, ev, ed): (usize, usize, usize, usize),
    dest: &str,
    cut: &str,
    skipped: Option<String>,
) -> Status {
    eprintln!("cnkg: {d} documents, {e} entities, {ev} events, {ed} edges{cut} -> {dest}");
    if let Some(skipped) = skipped {
        eprintln!("cnkg: skipped {skipped}; see warnings above");
    }
    if e == 0 {
        Status::NothingFound
    } else {
        Status::Ok
    }
}

/// What a finished build wrote: its counts (documents, entities, events,
/// edges), what a filter cut, and where it went.
type Written = ((usize, usize, usize, usize), String, String);

/// Finishes `b` (a build or a merge) and writes its graph as `f`, through
/// `filter`, to `output`; `done` gets the trace lines once the graph is
/// made. The whole graph as JSON is written from its compact form, unless
/// `look` wants to see the full graph first (`--explain`).
fn finish_and_write(
    b: Builder,
    filter: &FilterArgs,
    f: Format,
    output: Option<&Path>,
    done: impl FnOnce(Vec<String>),
    look: Option<&dyn Fn(&KnowledgeGraph)>,
) -> anyhow::Result<Written> {
    if f == Format::Json && look.is_none() && filter.is_empty() {
        let (g, lines, records) = b.finish_compact();
        done(lines);
        let facts = records.as_deref();
        write_json(output, |w| crate::export::json::write_compact(&g, facts, w))?;
        return Ok((g.summary(), String::new(), destination(output)));
    }
    let (g, lines, records) = b.finish_with_facts();
    done(lines);
    if let Some(look) = look {
        look(&g);
    }
    let (cut, dest) = write_filtered(&g, filter, records.as_deref(), f, output)?;
    Ok((g.summary(), cut, dest))
}

/// Where an output goes, as the summary line says it.
fn destination(output: Option<&Path>) -> String {
    output.map_or("standard output".to_string(), |p| p.display().to_string())
}

fn write_graph(
    g: &KnowledgeGraph,
    facts: Option<&[crate::facts::DocRecord]>,
    f: Format,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    if facts.is_none() && f != Format::Json {
        return emit(&export::export(g, f)?, output);
    }
    write_json(output, |w| crate::export::json::write(g, facts, w))
}

/// Writes JSON as `write` serialises it, to `output` (through a temporary
/// file) or to standard output, never held whole in memory.
fn write_json(
    output: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match output {
        Some(p) => export::write_atomic_with(p, write)?,
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write(&mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}

/// The progress bar of a build: on standard error when it is a terminal,
/// once the build has taken more than a second.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: std::time::Instant,
    shown: bool,
    docs: usize,
    total: usize,
}

impl Progress {
    fn new(docs: usize, bytes: u64, wanted: bool) -> Progress {
        use std::io::IsTerminal;
        let bar = (wanted && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::with_draw_target(
                Some(bytes),
                indicatif::ProgressDrawTarget::hidden(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{elapsed:>4} [{bar:30}] {msg} documents, {decimal_bytes}/{decimal_total_bytes}, {decimal_bytes_per_sec}, {eta} left",
            ) {
                b.set_style(style.progress_chars("=> "));
            }
            b
        });
        Progress {
            bar,
            start: std::time::Instant::now(),
            shown: false,
            docs: 0,
            total: docs,
        }
    }

    fn advance(&mut self, chunk: &[crate::extract::Document]) {
        let Some(b) = &self.bar else { return };
        self.docs += chunk.len();
        b.inc(chunk.iter().map(|d| d.text.len() as u64).sum());
        b.set_message(format!("{}/{}", self.docs, self.total));
        if !self.shown && self.start.elapsed() > std::time::Duration::from_secs(1) {
            b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.shown = true;
        }
    }

    fn done(self) {
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
    }
}

/// Loads and compiles the rules in `dir`.
///
/// # Errors
/// The rule errors, all of them.
pub fn load_rules(dir: &Path) -> Result<Extractor, Error> {
    let set = RuleSet::load_dir(dir)?;
    Extractor::new(&set)
}

/// Runs a parsed command line.
///
/// # Errors
/// Any error, to be printed once by `main`.
pub fn run(cli: Cli) -> anyhow::Result<Status> {
    match cli.command {
        Command::Build {
            inputs,
            rules,
            output,
            format,
            filter,
            trace,
            explain,
            evidence,
            quiet,
            facts,
            strict,
            max_doc_bytes,
            chunk,
        } => {
            let f = choose_format(format, output.as_deref());
            check_output(format, output.as_deref(), &filter)?;
            if facts && f != Format::Json {
                bail!("--facts writes JSON only; leave out --format, or use --format json");
            }
            let set = RuleSet::load_dir(&rules)?;
            let mut x = Extractor::new(&set)?;
            x.trace = trace;
            let listed = corpus::list_inputs(&inputs)?;
            if let Some(out) = &output {
                let read = listed.iter().filter_map(|i| i.path());
                export::refuse_overwriting_inputs(
                    out,
                    read.chain(x.rule_files.iter().map(|p| p.as_path())),
                )?;
            }
            let opts = corpus::ReadOptions {
                max_doc_bytes,
                strict,
            };
            // a first look through the inputs finds every skip (and, with
            // --strict, fails) before anything is built; the build then reads
            // the documents again a chunk at a time
            let plan = corpus::plan(&listed, &opts)?;
            for s in &plan.skipped {
                eprintln!("warning: {s}");
            }
            let skipped = plan.skip_counts();
            if plan.documents == 0 {
                return Err(Error::NothingLeft(skipped.unwrap_or_default()).into());
            }
            let mut b = Builder::new(&x).evidence(evidence);
            if facts {
                b = b.keep_facts();
            }
            let mut progress = Progress::new(plan.documents, plan.bytes, !quiet);
            plan.read(chunk, |docs| {
                b.add(&docs);
                progress.advance(&docs);
            })?;
            drop(plan);
            let explain_meetings = |g: &KnowledgeGraph| {
                let origins = set.origins();
                let q = Query::new(g);
                let ms = q.meetings(&MeetingFilter::default());
                let origin = |id: &str| {
                    origins
                        .get(id)
                        .map(|o| format!("{}:{}", o.file.display(), o.line))
                };
                eprint!("{}", report::explain(&ms, &origin));
            };
            let look: Option<&dyn Fn(&KnowledgeGraph)> = explain.then_some(&explain_meetings);
            let done = |lines: Vec<String>| {
                progress.done();
                for l in lines {
                    eprintln!("{l}");
                }
            };
            let (counts, cut, dest) =
                finish_and_write(b, &filter, f, output.as_deref(), done, look)?;
            Ok(built(counts, &dest, &cut, skipped))
        }
        Command::Merge {
            parts,
            rules,
            output,
            format,
            filter,
            evidence,
            facts,
        } => {
            let f = choose_format(format, output.as_deref());
            check_output(format, output.as_deref(), &filter)?;
            if facts && f != Format::Json {
                bail!("--facts writes JSON only; leave out --format, or use --format json");
            }
            let x = load_rules(&rules)?;
            let mut b = Builder::new(&x).evidence(evidence);
            if facts {
                b = b.keep_facts();
            }
            let mut seen = std::collections::HashMap::new();
            for p in &parts {
                let part = crate::facts::read_part(p)?;
                let hash = crate::facts::rules_hash(&part).unwrap_or("none");
                if hash != x.rules_hash {
                    bail!(
                        "{}: built with other rules (hash {hash}) than those of {} ({}); build every part with the rules you merge with",
                        p.display(),
                        rules.display(),
                        x.rules_hash
                    );
                }
                for r in part.facts.unwrap_or_default() {
                    if let Some(first) = seen.insert(r.id.clone(), p.clone()) {
                        bail!(
                            "document {} is in both {} and {}; shards must not share documents (nor file names)",
                            r.id,
                            first.display(),
                            p.display()
                        );
                    }
                    let facts = r.into_facts(x.known.len()).map_err(|m| Error::BadGraph {
                        path: p.clone(),
                        message: m,
                    })?;
                    b.add_facts(facts);
                }
            }
            let ((d, e, ev, ed), _, dest) =
                finish_and_write(b, &filter, f, output.as_deref(), |_| {}, None)?;
            eprintln!(
                "cnkg: merged {} parts: {d} documents, {e} entities, {ev} events, {ed} edges -> {dest}",
                parts.len()
            );
            Ok(if e == 0 {
                Status::NothingFound
            } else {
                Status::Ok
            })
        }
        Command::Export {
            graph,
            format,
            output,
            filter,
        } => {
            if let Some(out) = &output {
                export::refuse_overwriting_inputs(out, [graph.as_path()])?;
            }
            let f = choose_format(format, output.as_deref());
            check_output(format, output.as_deref(), &filter)?;
            let g = crate::export::json::load(&graph)?;
            let kept = filter.filter(&g)?.apply(&g);
            emit(&export::export(&kept, f)?, output.as_deref())?;
            Ok(Status::Ok)
        }
        Command::Met {
            person,
            with,
            since,
            until,
            place,
            evidence,
            json,
            source,
        } => {
            let dates =
                DateRange::parse(since.as_deref(), until.as_deref()).map_err(anyhow::Error::msg)?;
            let g = source.load()?;
            let q = Query::new(&g);
            let person_i = person
                .as_deref()
                .map(|p| q.resolve(p, &["Person"]))
                .transpose()?;
            let with_i = with
                .as_deref()
                .map(|p| q.resolve(p, &["Person"]))
                .transpose()?;
            let place_i = place
                .as_deref()
                .map(|p| q.resolve(p, &["Place", "Country"]))
                .transpose()?;
            let found = q.meetings(&MeetingFilter {
                person: person_i,
                with: with_i,
                dates,
                place: place_i,
            });
            let id = |i: Option<petgraph::stable_graph::NodeIndex>| {
                i.map_or(Value::Null, |i| json!(g.graph[i].id))
            };
            if json {
                let query = json!({
                    "person": id(person_i),
                    "with": id(with_i),
                    "since": dates.since.map(|d| d.to_string()),
                    "until": dates.until.map(|d| d.to_string()),
                    "place": id(place_i),
                });
                print(&to_json(&envelope(
                    query,
                    "meetings",
                    serde_json::to_value(&found)?,
                )))?;
            } else if !found.is_empty() {
                print(&report::meetings(&found, evidence))?;
            }
            if found.is_empty() {
                eprintln!("cnkg: no meetings match");
                return Ok(Status::NothingFound);
            }
            Ok(Status::Ok)
        }
        Command::Path {
            from,
            to,
            max_hops,
            all,
            limit,
            relations,
            json,
            source,
        } => {
            let mut opt = PathOptions {
                max_hops,
                all,
                limit,
                relations: BTreeSet::new(),
            };
            opt.validate()?;
            let g = source.load()?;
            let q = Query::new(&g);
            let known: BTreeSet<&str> = g.graph.edge_weights().map(|e| e.relation()).collect();
            for r in relations {
                let r = r.trim().to_uppercase();
                if !known.contains(r.as_str()) {
                    bail!(
                        "--relations: no edge in the graph has relation '{r}'; the graph has {}",
                        known.iter().copied().collect::<Vec<_>>().join(", ")
                    );
                }
                opt.relations.insert(r);
            }
            let a = q.resolve(&from, &[])?;
            let b = q.resolve(&to, &[])?;
            let found = q.paths(a, b, &opt)?;
            if json {
                let query = json!({
                    "from": g.graph[a].id,
                    "to": g.graph[b].id,
                    "max_hops": opt.max_hops,
                    "all": opt.all,
                    "limit": opt.limit,
                    "relations": opt.relations,
                });
                print(&to_json(&envelope(
                    query,
                    "paths",
                    serde_json::to_value(&found)?,
                )))?;
            } else if !found.is_empty() {
                print(&report::paths(&found))?;
            }
            if found.is_empty() {
                eprintln!(
                    "cnkg: no path from {} to {} within {} hops",
                    g.graph[a].label(),
                    g.graph[b].label(),
                    opt.max_hops
                );
                return Ok(Status::NothingFound);
            }
            Ok(Status::Ok)
        }
        Command::Show {
            entity,
            json,
            source,
        } => {
            let g = source.load()?;
            let q = Query::new(&g);
            let i = q.resolve(&entity, &[])?;
            let p = q.profile(i);
            if json {
                print(&to_json(&p))?;
            } else {
                print(&report::profile(&p))?;
            }
            Ok(Status::Ok)
        }
        Command::Neighbors {
            entity,
            depth,
            format,
            output,
            source,
        } => {
            let fmt = match format.to_lowercase().as_str() {
                "table" => None,
                other => match FormatArg::from_str(other, true) {
                    Ok(f) => Some(Format::from(f)),
                    Err(_) => {
                        let names: Vec<String> = FormatArg::value_variants()
                            .iter()
                            .filter_map(|v| v.to_possible_value())
                            .map(|v| v.get_name().to_string())
                            .collect();
                        bail!(
                            "--format: unknown format '{other}'; use table or an export format: {}",
                            names.join(", ")
                        )
                    }
                },
            };
            if fmt == Some(Format::Csv) && output.is_none() {
                return Err(ExportError::CsvNeedsFolder.into());
            }
            if depth == 0 {
                bail!("--depth must be 1 or more (the number of hops around the entity)");
            }
            let g = source.load()?;
            let q = Query::new(&g);
            let i = q.resolve(&entity, &[])?;
            let (sub, rings) = q.neighbourhood(i, depth);
            let out = match fmt {
                None => Output::File(report::neighbourhood(&rings).into_bytes()),
                Some(f) => export::export(&sub, f)?,
            };
            emit(&out, output.as_deref())?;
            Ok(Status::Ok)
        }
        Command::Bench {
            docs,
            scale,
            rules,
            write,
            evidence,
            gazetteer,
        } => {
            if let Some(n) = gazetteer {
                print(&crate::bench::gazetteer(n, &rules)?.render())?;
                return Ok(Status::Ok);
            }
            let docs = docs.saturating_mul(scale.max(1));
            if let Some(dir) = write {
                let bytes = crate::bench::write_corpus(&dir, crate::synth::SEED, docs)?;
                eprintln!(
                    "cnkg: wrote {docs} documents, {:.1} MB, into {}",
                    bytes as f64 / 1e6,
                    dir.display()
                );
                return Ok(Status::Ok);
            }
            let opt = crate::bench::BenchOptions {
                docs,
                rules,
                evidence,
                ..Default::default()
            };
            print(&crate::bench::run(&opt)?.render())?;
            Ok(Status::Ok)
        }
        Command::Rules {
            command: RulesCommand::Check { dir },
        } => {
            let set = RuleSet::load_dir(&dir)?;
            Extractor::new(&set).with_context(|| format!("compiling {}", dir.display()))?;
            let n = set.entities.len()
                + set.entity_patterns.len()
                + set.relations.len()
                + set.dates.len()
                + set.datelines.len()
                + set.anniversaries.len()
                + set.boilerplate.len();
            if n == 0 {
                bail!("{}: no rules found", dir.display());
            }
            println!(
                "{}: ok: {} files, {} entities, {} entity patterns, {} relation rules, {} date rules, {} datelines, {} anniversaries, {} boilerplate rules, {} lexicons, {} macros",
                dir.display(),
                set.files.len(),
                set.entities.len(),
                set.entity_patterns.len(),
                set.relations.len(),
                set.dates.len(),
                set.datelines.len(),
                set.anniversaries.len(),
                set.boilerplate.len(),
                set.lexicons.len(),
                set.macros.len()
            );
            Ok(Status::Ok)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn format_follows_extension_unless_given() {
        assert_eq!(choose_format(None, Some(Path::new("g.dot"))), Format::Dot);
        assert_eq!(choose_format(None, Some(Path::new("g.json"))), Format::Json);
        assert_eq!(
            choose_format(Some(FormatArg::Json), Some(Path::new("g.dot"))),
            Format::Json
        );
        assert_eq!(choose_format(None, None), Format::Json);
        assert_eq!(choose_format(None, Some(Path::new("g.html"))), Format::Html);
        assert_eq!(
            choose_format(Some(FormatArg::Csv), Some(Path::new("out"))),
            Format::Csv
        );
    }
}
