//! SVG and PNG, drawn by Graphviz from the DOT of [`super::dot`].
//!
//! The DOT goes to the layout program on standard input: `dot` for a graph
//! of up to [`super::dot::LARGE`] drawn entities, `sfdp` above. When the
//! program is not installed the error says which package to install.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use crate::export::{dot, ExportError};
use crate::graph::KnowledgeGraph;

/// Runs Graphviz program `program` on `dot_src` with output format `-T{kind}`
/// (`svg`, `png`) and returns what it wrote. `format` names the cnkg format
/// asked for, for the error messages.
///
/// # Errors
/// [`ExportError::GraphvizMissing`] when `program` cannot be found;
/// [`ExportError::GraphvizFailed`] when it fails.
pub fn graphviz(
    dot_src: &str,
    program: &'static str,
    kind: &str,
    format: &'static str,
) -> Result<Vec<u8>, ExportError> {
    let failed = |message: String| ExportError::GraphvizFailed {
        format,
        program,
        message,
    };
    let mut child = Command::new(program)
        .arg(format!("-T{kind}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ExportError::GraphvizMissing { format, program },
            _ => failed(format!("cannot start it: {e}")),
        })?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = dot_src.as_bytes().to_vec();
    // feed stdin from a thread so that a full stdout pipe cannot stall both
    let writer = std::thread::spawn(move || {
        let r = stdin.write_all(&input);
        drop(stdin);
        r
    });
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut out_pipe = child.stdout.take().expect("stdout is piped");
    let mut err_pipe = child.stderr.take().expect("stderr is piped");
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    out_pipe
        .read_to_end(&mut stdout)
        .map_err(|e| failed(format!("cannot read its output: {e}")))?;
    stderr.extend(err_reader.join().unwrap_or_default());
    let status = child
        .wait()
        .map_err(|e| failed(format!("cannot wait for it: {e}")))?;
    let wrote = writer.join().ok().and_then(Result::ok).is_some();
    let err_text = String::from_utf8_lossy(&stderr).trim().replace('\n', "; ");
    if !status.success() || stdout.is_empty() {
        let why = if err_text.is_empty() {
            format!("{status}")
        } else {
            err_text
        };
        return Err(failed(why));
    }
    if !wrote {
        return Err(failed("it stopped reading the DOT input".into()));
    }
    Ok(stdout)
}

/// The graph drawn as SVG, by `dot` or, for a large graph, `sfdp`.
///
/// # Errors
/// As [`graphviz`].
pub fn svg(g: &KnowledgeGraph) -> Result<String, ExportError> {
    svg_for(g, "svg")
}

/// As [`svg`], naming `format` in errors (`html` draws through it too).
///
/// # Errors
/// As [`graphviz`].
pub fn svg_for(g: &KnowledgeGraph, format: &'static str) -> Result<String, ExportError> {
    let bytes = graphviz(&dot::to_string(g), dot::engine(g), "svg", format)?;
    String::from_utf8(bytes).map_err(|_| ExportError::GraphvizFailed {
        format,
        program: dot::engine(g),
        message: "its SVG is not UTF-8".into(),
    })
}

/// The graph drawn as PNG, by `dot` or, for a large graph, `sfdp`.
///
/// # Errors
/// As [`graphviz`].
pub fn png(g: &KnowledgeGraph) -> Result<Vec<u8>, ExportError> {
    graphviz(&dot::to_string(g), dot::engine(g), "png", "png")
}
