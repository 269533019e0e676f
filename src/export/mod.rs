//! Exporters and the atomic file writer.
//!
//! Every format is written from a [`KnowledgeGraph`], usually one that
//! [`filter::Filter`] has cut down first:
//!
//! | format | module | output |
//! |---|---|---|
//! | NetworkX node-link JSON | [`json`] | one file |
//! | Graphviz DOT | [`dot`] | one file |
//! | GraphML (NetworkX, Gephi, yEd) | [`graphml`] | one file |
//! | Neo4j bulk-import CSV | [`csv`] | a folder: `nodes.csv`, `edges.csv` |
//! | Cytoscape.js `elements` JSON | [`cytoscape`] | one file |
//! | SVG and PNG through Graphviz | [`render`] | one file |
//! | a self-contained HTML viewer | [`html`] | one file |
//!
//! Text formats are deterministic: the same graph gives the same bytes.

pub mod csv;
pub mod cytoscape;
pub mod dot;
pub mod filter;
pub mod graphml;
pub mod html;
pub mod json;
pub mod render;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::graph::KnowledgeGraph;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// NetworkX node-link JSON.
    Json,
    /// Graphviz DOT.
    Dot,
    /// GraphML with typed keys.
    Graphml,
    /// `nodes.csv` and `edges.csv` in Neo4j's bulk-import shape, in a folder.
    Csv,
    /// Cytoscape.js `elements` JSON.
    Cytoscape,
    /// SVG drawn by Graphviz.
    Svg,
    /// PNG drawn by Graphviz.
    Png,
    /// One self-contained HTML page with the drawing, a search box and a side panel.
    Html,
}

impl Format {
    /// The format a file name's extension implies (`csv` writes a folder, so
    /// it has no extension of its own).
    pub fn from_path(p: &Path) -> Option<Format> {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "dot" | "gv" => Some(Format::Dot),
            "graphml" => Some(Format::Graphml),
            "cyjs" => Some(Format::Cytoscape),
            "svg" => Some(Format::Svg),
            "png" => Some(Format::Png),
            "html" | "htm" => Some(Format::Html),
            _ => None,
        }
    }

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Dot => "dot",
            Format::Graphml => "graphml",
            Format::Csv => "csv",
            Format::Cytoscape => "cytoscape",
            Format::Svg => "svg",
            Format::Png => "png",
            Format::Html => "html",
        }
    }
}

/// Errors of the exporters.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] Error),
    /// A Graphviz program is not installed.
    #[error("cannot render {format}: Graphviz's '{program}' is not on the PATH; install it (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz)")]
    GraphvizMissing {
        /// The format asked for.
        format: &'static str,
        /// `dot` or `sfdp`.
        program: &'static str,
    },
    /// A Graphviz program ran and failed.
    #[error("cannot render {format}: Graphviz's '{program}' failed: {message}")]
    GraphvizFailed {
        /// The format asked for.
        format: &'static str,
        /// `dot` or `sfdp`.
        program: &'static str,
        /// Its standard error, or how it failed.
        message: String,
    },
    /// CSV asked for without an output folder.
    #[error("csv writes two files (nodes.csv and edges.csv) into a folder: name it with --format csv -o DIR")]
    CsvNeedsFolder,
    /// The CSV output exists and is not a folder.
    #[error("{}: not a folder; csv writes nodes.csv and edges.csv into a folder named with -o", .0.display())]
    CsvNotAFolder(PathBuf),
    /// A filter flag names something the graph cannot have.
    #[error("{0}")]
    Filter(String),
}

/// What an exporter produced: one file's bytes, or the files of a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// The content of one file.
    File(Vec<u8>),
    /// File names and contents, to be written into one folder.
    Folder(Vec<(&'static str, Vec<u8>)>),
}

/// The graph in format `f`.
///
/// # Errors
/// [`ExportError::GraphvizMissing`] or [`ExportError::GraphvizFailed`] for
/// the formats Graphviz draws (svg, png, html).
pub fn export(g: &KnowledgeGraph, f: Format) -> std::result::Result<Output, ExportError> {
    Ok(match f {
        Format::Json => Output::File(json::to_string(g).into_bytes()),
        Format::Dot => Output::File(dot::to_string(g).into_bytes()),
        Format::Graphml => Output::File(graphml::to_string(g).into_bytes()),
        Format::Cytoscape => Output::File(cytoscape::to_string(g).into_bytes()),
        Format::Csv => {
            let (nodes, edges) = csv::to_strings(g);
            Output::Folder(vec![
                ("nodes.csv", nodes.into_bytes()),
                ("edges.csv", edges.into_bytes()),
            ])
        }
        Format::Svg => Output::File(render::svg(g)?.into_bytes()),
        Format::Png => Output::File(render::png(g)?),
        Format::Html => Output::File(html::to_string(g)?.into_bytes()),
    })
}

/// Writes an [`Output`] to `path`: a file through [`write_atomic`], or a
/// folder (created when missing) whose files are each written atomically.
///
/// # Errors
/// [`ExportError::CsvNotAFolder`] when a folder output names an existing
/// file; [`Error::Write`] when something cannot be written.
pub fn save(out: &Output, path: &Path) -> std::result::Result<(), ExportError> {
    match out {
        Output::File(bytes) => write_atomic(path, bytes)?,
        Output::Folder(files) => {
            if path.exists() && !path.is_dir() {
                return Err(ExportError::CsvNotAFolder(path.to_path_buf()));
            }
            std::fs::create_dir_all(path).map_err(|source| Error::Write {
                path: path.to_path_buf(),
                source,
            })?;
            for (name, bytes) in files {
                write_atomic(&path.join(name), bytes)?;
            }
        }
    }
    Ok(())
}

/// The label of node `id`: from the graph, or, for a node a filter dropped
/// that a kept edge still names (a meeting's place), from the labels the
/// filter kept in `graph.filter.referenced`.
pub fn label_of<'a>(g: &'a KnowledgeGraph, id: &'a str) -> Option<&'a str> {
    if let Some(n) = g.node(id) {
        return Some(n.label());
    }
    g.meta
        .get("filter")
        .and_then(|f| f.get("referenced"))
        .and_then(|r| r.get(id))
        .and_then(Value::as_str)
}

/// The temporary file being written, if any: an interrupt removes it.
static PENDING: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

fn pending() -> std::sync::MutexGuard<'static, Option<PathBuf>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Makes Ctrl-C (and SIGTERM, SIGHUP) remove the temporary file that
/// [`write_atomic`] may be writing, then exit with status 130. The file
/// being replaced is never touched: it is either the old file or, when the
/// rename came first, the whole new one.
///
/// # Errors
/// When a handler cannot be installed.
pub fn clean_up_on_interrupt() -> std::result::Result<(), ctrlc::Error> {
    ctrlc::set_handler(|| {
        // holding the lock keeps a rename from starting while we exit
        let mut p = pending();
        if let Some(tmp) = p.take() {
            let _ = std::fs::remove_file(tmp);
        }
        std::process::exit(130);
    })
}

/// Refuses an output that is one of `inputs` (the same file by its
/// canonical path or, on Unix, by device and inode).
///
/// # Errors
/// [`Error::OutputIsInput`] naming `output`.
pub fn refuse_overwriting_inputs<'a>(
    output: &Path,
    inputs: impl IntoIterator<Item = &'a Path>,
) -> Result<()> {
    let Ok(out_meta) = std::fs::metadata(output) else {
        // a file that does not exist is no input
        return Ok(());
    };
    let out_canon = output.canonicalize().ok();
    for input in inputs {
        let same_path = out_canon.is_some() && input.canonicalize().ok() == out_canon;
        if same_path || same_inode(&out_meta, input) {
            return Err(Error::OutputIsInput(output.to_path_buf()));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_inode(out: &std::fs::Metadata, input: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(input).is_ok_and(|m| m.dev() == out.dev() && m.ino() == out.ino())
}

#[cfg(not(unix))]
fn same_inode(_out: &std::fs::Metadata, _input: &Path) -> bool {
    false
}

/// Writes `data` to `path` through a temporary file in the same folder and a
/// rename, so a reader never sees half a file and a failure leaves the old
/// file as it was. The temporary file is hidden (`.NAME.tmp-PID`) and
/// removed on any error, and on Ctrl-C once [`clean_up_on_interrupt`] is in
/// place. When `path` is a symbolic link, the file it points to is
/// replaced, and an existing file keeps its permissions.
///
/// # Errors
/// [`Error::Write`] when the folder is not writable.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    write_atomic_with(path, |f| f.write_all(data))
}

/// As [`write_atomic`], with the content written by `write` (through a
/// buffer), so that a large output need not be held in memory first.
///
/// # Errors
/// [`Error::Write`] naming `path`; the file is then left as it was.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    // write through a symbolic link rather than replacing the link
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => path.canonicalize().unwrap_or(path.to_path_buf()),
        _ => path.to_path_buf(),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let werr = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let old_perms = std::fs::metadata(&target).ok().map(|m| m.permissions());
    *pending() = Some(tmp.clone());
    let res = (|| {
        let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        write(&mut f)?;
        let f = f
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        f.sync_all()?;
        drop(f);
        if let Some(perms) = old_perms {
            std::fs::set_permissions(&tmp, perms)?;
        }
        let mut p = pending();
        if p.is_none() {
            // an interrupt removed the temporary file and is exiting
            return Err(std::io::Error::from(std::io::ErrorKind::Interrupted));
        }
        std::fs::rename(&tmp, &target)?;
        *p = None;
        Ok(())
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        *pending() = None;
        return Err(werr(e));
    }
    Ok(())
}

/// A JSON value as one flat string for formats that hold only scalars:
/// strings as they are, lists of scalars joined with `;`, anything nested as
/// compact JSON text. `None` for null.
pub(crate) fn flat_string(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(a) if a.iter().all(is_scalar) => Some(
            a.iter()
                .filter_map(flat_string)
                .collect::<Vec<_>>()
                .join(";"),
        ),
        other => Some(other.to_string()),
    }
}

/// A JSON value as the flat string of a column of type `ty`: lists joined
/// with `;` in a [`ColumnType::List`] column, written as JSON text in a
/// [`ColumnType::Text`] one (so that an empty list of objects stays `[]`).
pub(crate) fn cell(v: &Value, ty: Option<ColumnType>) -> Option<String> {
    match (v, ty) {
        (Value::Array(_) | Value::Object(_), Some(ColumnType::Text)) => Some(v.to_string()),
        (v, _) => flat_string(v),
    }
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// The type shared by every non-null value of one attribute, as the flat
/// formats (GraphML, CSV) declare it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnType {
    /// Booleans only.
    Bool,
    /// Integers only.
    Int,
    /// Numbers, some not integers.
    Float,
    /// Lists of scalars (written `;`-joined).
    List,
    /// Anything else, written as a string.
    Text,
}

impl ColumnType {
    pub(crate) fn of(v: &Value) -> Option<ColumnType> {
        Some(match v {
            Value::Null => return None,
            Value::Bool(_) => ColumnType::Bool,
            Value::Number(n) if n.is_i64() || n.is_u64() => ColumnType::Int,
            Value::Number(_) => ColumnType::Float,
            Value::Array(a) if a.iter().all(is_scalar) => ColumnType::List,
            _ => ColumnType::Text,
        })
    }

    /// The type that holds both.
    pub(crate) fn join(self, other: ColumnType) -> ColumnType {
        use ColumnType::*;
        match (self, other) {
            (a, b) if a == b => a,
            (Int, Float) | (Float, Int) => Float,
            _ => Text,
        }
    }
}

/// The column type of every attribute name over some attribute maps.
pub(crate) fn column_types<'a>(
    maps: impl IntoIterator<Item = &'a serde_json::Map<String, Value>>,
) -> std::collections::BTreeMap<&'a str, Option<ColumnType>> {
    let mut out: std::collections::BTreeMap<&str, Option<ColumnType>> = Default::default();
    for m in maps {
        for (k, v) in m {
            let t = ColumnType::of(v);
            let slot = out.entry(k.as_str()).or_insert(None);
            *slot = match (*slot, t) {
                (None, t) => t,
                (s, None) => s,
                (Some(a), Some(b)) => Some(a.join(b)),
            };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn format_from_extension() {
        let f = |p: &str| Format::from_path(Path::new(p));
        assert_eq!(f("g.graphml"), Some(Format::Graphml));
        assert_eq!(f("g.SVG"), Some(Format::Svg));
        assert_eq!(f("g.png"), Some(Format::Png));
        assert_eq!(f("g.html"), Some(Format::Html));
        assert_eq!(f("g.cyjs"), Some(Format::Cytoscape));
        assert_eq!(f("out"), None);
    }

    #[test]
    fn flat_strings_join_lists_and_keep_nested_values_as_json() {
        assert_eq!(flat_string(&json!(null)), None);
        assert_eq!(flat_string(&json!(["a", "b"])).unwrap(), "a;b");
        assert_eq!(flat_string(&json!([])).unwrap(), "");
        assert_eq!(flat_string(&json!(3)).unwrap(), "3");
        assert_eq!(flat_string(&json!([{"a": 1}])).unwrap(), r#"[{"a":1}]"#);
        assert_eq!(cell(&json!([]), Some(ColumnType::Text)).unwrap(), "[]");
        assert_eq!(
            cell(&json!(["a", "b"]), Some(ColumnType::List)).unwrap(),
            "a;b"
        );
    }

    #[test]
    fn column_types_join() {
        let a = json!({"n": 1, "x": 1, "s": "a", "l": ["a"], "b": true, "z": null})
            .as_object()
            .unwrap()
            .clone();
        let b = json!({"n": 2, "x": 1.5, "s": 3, "l": [], "b": false})
            .as_object()
            .unwrap()
            .clone();
        let t = column_types([&a, &b]);
        assert_eq!(t["n"], Some(ColumnType::Int));
        assert_eq!(t["x"], Some(ColumnType::Float));
        assert_eq!(t["s"], Some(ColumnType::Text));
        assert_eq!(t["l"], Some(ColumnType::List));
        assert_eq!(t["b"], Some(ColumnType::Bool));
        assert_eq!(t["z"], None);
    }
}
