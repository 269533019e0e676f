//! What the integration tests share: the crate root, the `cnkg` binary run
//! from it, and temporary folders.

// each test binary uses some of these
#![allow(dead_code)]

use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

/// The crate root (where `graph_rules/` and `seeds/` are).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The real `cnkg` binary, run from the crate root.
pub fn cnkg() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cnkg"));
    cmd.current_dir(root());
    cmd
}

/// A temporary folder, removed when dropped.
pub fn tmp() -> TempDir {
    tempfile::tempdir().expect("create a temporary directory")
}

/// The files of `dir` (below the crate root) with extension `ext`, sorted.
pub fn files(dir: &str, ext: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    files.sort();
    files
}

/// The graph JSON of `text` read as one document.
pub fn graph_json(x: &cnkg::extract::Extractor, text: &str) -> serde_json::Value {
    let doc = cnkg::extract::Document {
        id: "example".into(),
        path: "example.txt".into(),
        text: text.to_string(),
        ..Default::default()
    };
    let g = cnkg::graph::KnowledgeGraph::build(x, &[doc]);
    serde_json::from_str(&cnkg::export::json::to_string(&g)).expect("cnkg writes valid JSON")
}
