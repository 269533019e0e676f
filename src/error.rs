//! Typed errors of the library. Every error names the file (and line, rule id
//! where there is one) and says what to fix.

use std::path::PathBuf;

/// One problem found in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleIssue {
    /// The rule file.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The id of the rule at fault, when known.
    pub rule: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

impl std::fmt::Display for RuleIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(rule) = &self.rule {
            write!(f, ": rule '{rule}'")?;
        }
        // one issue, one line, whatever text of the rule file it quotes
        write!(
            f,
            ": {}",
            self.message.replace('\r', "\\r").replace('\n', "\\n")
        )
    }
}

/// All errors of the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input path does not exist.
    #[error("{}: no such file or directory (give .txt or .jsonl files, folders of them, or - for standard input)", .0.display())]
    MissingInput(PathBuf),
    /// A folder holds no articles.
    #[error("{}: no .txt or .jsonl articles found in this folder", .0.display())]
    NoArticles(PathBuf),
    /// A document was skipped and skips are errors (`--strict`).
    #[error("{0}")]
    Skipped(crate::corpus::Skip),
    /// An input changed between the look through the inputs and the build
    /// that reads them again.
    #[error("the inputs changed while they were read; run the build again")]
    InputsChanged,
    /// Every document was skipped.
    #[error("no documents left to read: skipped {0}; see warnings above")]
    NothingLeft(String),
    /// The output would overwrite one of the inputs.
    #[error("refusing to write the output over an input: {}", .0.display())]
    OutputIsInput(PathBuf),
    /// A file could not be read.
    #[error("{}: cannot read", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not UTF-8 text.
    #[error("{}: not UTF-8 text (byte {offset}); convert it to UTF-8, e.g. with iconv -f WINDOWS-1252 -t UTF-8", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Offset of the first bad byte.
        offset: usize,
    },
    /// Rule files have problems; all of them are listed.
    #[error("{}", rule_issues(.0))]
    Rules(Vec<RuleIssue>),
    /// The rules folder does not exist.
    #[error("{}: no such rules folder (give a folder of *.toml rule files with --rules)", .0.display())]
    MissingRules(PathBuf),
    /// A graph JSON file is not a cnkg graph.
    #[error("{}: not a cnkg graph JSON file: {message}", path.display())]
    BadGraph {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Writing an output failed.
    #[error("{}: cannot write", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

fn rule_issues(issues: &[RuleIssue]) -> String {
    match issues {
        [one] => one.to_string(),
        many => format!(
            "{} errors in rule files:\n{}",
            many.len(),
            many.iter()
                .map(|i| format!("  {i}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// Result with the library's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
