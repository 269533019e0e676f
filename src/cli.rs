//! Command-line interface (clap derive): parse, check, call the library, print.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};

use crate::dates::DateRange;
use crate::error::Error;
use crate::export::filter::Filter;
use crate::export::{self, ExportError, Format, Output};
use crate::extract::Extractor;
use crate::graph::KnowledgeGraph;
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
    /// Reads every input (files, or folders of .txt files, recursively),
    /// extracts entities and facts with the rules, merges them into one
    /// graph and writes it. A one-line summary goes to standard error.
    Build {
        /// Articles: .txt files or folders of them.
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
    /// Work with rule files.
    Rules {
        /// What to do with the rules.
        #[command(subcommand)]
        command: RulesCommand,
    },
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
        } => {
            let f = choose_format(format, output.as_deref());
            check_output(format, output.as_deref(), &filter)?;
            let mut x = load_rules(&rules)?;
            x.trace = trace;
            let docs = crate::corpus::read_inputs(&inputs)?;
            let (g, lines) = KnowledgeGraph::build_traced(&x, &docs);
            for l in lines {
                eprintln!("{l}");
            }
            let flt = filter.filter(&g)?;
            let kept = flt.apply(&g);
            emit(&export::export(&kept, f)?, output.as_deref())?;
            let (d, e, ev, ed) = g.summary();
            let dest = output
                .as_ref()
                .map_or("standard output".to_string(), |p| p.display().to_string());
            let cut = if flt.is_empty() {
                String::new()
            } else {
                format!(
                    "; kept {} nodes, {} edges ({})",
                    kept.graph.node_count(),
                    kept.graph.edge_count(),
                    flt.describe()
                )
            };
            eprintln!("cnkg: {d} documents, {e} entities, {ev} events, {ed} edges{cut} -> {dest}");
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
            let f = choose_format(format, output.as_deref());
            check_output(format, output.as_deref(), &filter)?;
            let g = crate::export::json::load(&graph)?;
            let kept = filter.filter(&g)?.apply(&g);
            emit(&export::export(&kept, f)?, output.as_deref())?;
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
