//! Building at scale: the benchmark command, and the guarantees a fast build
//! keeps (the same bytes on any number of threads, with or without the
//! gates that skip work, and when built in shards and merged).

use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn cnkg() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cnkg"));
    cmd.current_dir(root());
    cmd
}

fn tmp() -> TempDir {
    tempfile::tempdir().expect("create a temporary directory")
}

#[test]
fn bench_reports_throughput_floor_ratio_and_memory() {
    let out = cnkg()
        .args(["bench", "--docs", "60"])
        .output()
        .expect("run cnkg bench");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    for want in [
        "60 documents",
        "floor",
        "MB/s",
        "build",
        "ratio",
        "peak memory",
        "rules",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
}

#[test]
fn bench_writes_the_corpus_it_measures() {
    let dir = tmp();
    let corpus = dir.path().join("corpus");
    cnkg()
        .args(["bench", "--docs", "25", "--write"])
        .arg(&corpus)
        .assert()
        .success();
    let files: Vec<_> = std::fs::read_dir(corpus.join("000"))
        .expect("a folder of articles")
        .collect();
    assert_eq!(files.len(), 25);
    let first = std::fs::read_to_string(corpus.join("000/synth-000000.txt")).expect("article");
    assert_eq!(first, cnkg::synth::document(cnkg::synth::SEED, 0).text);
}
