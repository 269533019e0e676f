//! Command-line interface (clap derive): parse, check, call the library, print.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};

use crate::corpus;
use crate::error::Error;
use crate::export::{self, Format};
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
/// graph_rules/, and writes the graph as NetworkX node-link JSON or Graphviz DOT.
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
  cnkg rules check graph_rules";

/// Output format flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// NetworkX node-link JSON.
    Json,
    /// Graphviz DOT.
    Dot,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Json => Format::Json,
            FormatArg::Dot => Format::Dot,
        }
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
        /// Output file (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Output format (default: from the output's extension, else json).
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// Print each sentence as the relation rules see it, and the rules that fired.
        ///
        /// Every sentence holding a person is printed to standard error with
        /// its mentions masked as `[P:name]`, `[O:...]`, `[C:...]`, `[L:...]`,
        /// `[D:date]`, followed by the relation rules that fired on it or were
        /// vetoed by their `unless`.
        #[arg(long)]
        trace: bool,
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
    },
    /// Re-export a saved graph.
    ///
    /// Loads a graph written by `cnkg build` and writes it as JSON (the same
    /// bytes) or DOT.
    Export {
        /// A graph JSON file written by cnkg.
        graph: PathBuf,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// Output file (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
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

fn render(g: &KnowledgeGraph, f: Format) -> String {
    match f {
        Format::Json => export::json::to_string(g),
        Format::Dot => export::dot::to_string(g),
    }
}

fn emit(data: &str, output: Option<&Path>) -> anyhow::Result<()> {
    match output {
        Some(p) => export::write_atomic(p, data.as_bytes())?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(data.as_bytes())?;
            out.flush()?;
        }
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
            trace,
            strict,
            max_doc_bytes,
        } => {
            let mut x = load_rules(&rules)?;
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
            let corpus = corpus::read_listed(&listed, &opts)?;
            for s in &corpus.skipped {
                eprintln!("warning: {s}");
            }
            let skipped = corpus.skip_counts();
            if corpus.documents.is_empty() {
                return Err(Error::NothingLeft(skipped.unwrap_or_default()).into());
            }
            let docs = corpus.documents;
            let (g, lines) = KnowledgeGraph::build_traced(&x, &docs);
            for l in lines {
                eprintln!("{l}");
            }
            let f = choose_format(format, output.as_deref());
            emit(&render(&g, f), output.as_deref())?;
            let (d, e, ev, ed) = g.summary();
            let dest = output
                .as_ref()
                .map_or("standard output".to_string(), |p| p.display().to_string());
            eprintln!("cnkg: {d} documents, {e} entities, {ev} events, {ed} edges -> {dest}");
            if let Some(skipped) = skipped {
                eprintln!("cnkg: skipped {skipped}; see warnings above");
            }
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
        } => {
            if let Some(out) = &output {
                export::refuse_overwriting_inputs(out, [graph.as_path()])?;
            }
            let g = crate::export::json::load(&graph)?;
            let f = choose_format(format, output.as_deref());
            emit(&render(&g, f), output.as_deref())?;
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
    }
}
