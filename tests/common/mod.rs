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
