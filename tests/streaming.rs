//! `cnkg build` reads its inputs a chunk at a time: a first look through
//! them finds the skips and the repeated ids, then the documents are read
//! again, a few at a time, while the graph is built. These tests check that
//! the graph is byte for byte the one of the documents read whole (as the
//! library's `corpus::read_inputs_with` reads them), whatever the chunk, for
//! folders, JSON Lines and standard input, and that skips are reported as
//! before, with their place.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use cnkg::corpus::{read_inputs_with, ReadOptions};
use cnkg::graph::{Builder, EvidenceCap};
use tempfile::TempDir;

mod common;
use common::root;

/// The real `cnkg` binary, run from the crate root, with its temporary
/// files in `tmp`.
fn cnkg(tmp: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cnkg"));
    cmd.current_dir(root()).env("TMPDIR", tmp);
    cmd
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

/// The graph JSON of `inputs` read whole into memory, then built, as the
/// library does it.
fn whole(inputs: &[PathBuf], evidence: EvidenceCap) -> Vec<u8> {
    let x = cnkg::cli::load_rules(Path::new("graph_rules")).expect("shipped rules load");
    let corpus = read_inputs_with(inputs, &ReadOptions::default()).expect("inputs read");
    let mut b = Builder::new(&x).evidence(evidence);
    b.add(&corpus.documents);
    let (g, _) = b.finish();
    cnkg::export::json::to_string(&g).into_bytes()
}

/// `cnkg build [args] -o OUT` in `tmp`: the output and what was printed.
fn build(tmp: &Path, args: &[&str], stdin: Option<Vec<u8>>) -> (Vec<u8>, Output) {
    let out = tmp.join("out.json");
    let _ = std::fs::remove_file(&out);
    let mut cmd = cnkg(tmp);
    cmd.arg("build")
        .args(args)
        .arg("-o")
        .arg(&out)
        .arg("--quiet");
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes);
    }
    let o = cmd.output().expect("cnkg runs");
    assert!(o.status.success(), "cnkg build failed: {}", stderr_of(&o));
    (std::fs::read(&out).expect("output written"), o)
}

/// Synthetic articles as JSON Lines records, each with its id.
fn records(n: usize) -> Vec<String> {
    cnkg::synth::documents(cnkg::synth::SEED, 0..n)
        .map(|d| serde_json::json!({"id": d.id, "title": d.title, "text": d.text}).to_string())
        .collect()
}

fn temp_files_left(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .expect("temporary folder")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".cnkg-stdin"))
        .collect()
}

#[test]
fn a_folder_read_in_chunks_gives_the_graph_of_the_folder_read_whole() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("corpus");
    cnkg(tmp.path())
        .args(["bench", "--docs", "40", "--write"])
        .arg(&dir)
        .assert()
        .success();
    // a second article with the stem of one already there: both get their
    // path as id, though they fall in different chunks
    let first = std::fs::read_dir(dir.join("000"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    std::fs::create_dir(dir.join("zz")).unwrap();
    std::fs::copy(&first, dir.join("zz").join(first.file_name().unwrap())).unwrap();
    let d = dir.to_str().unwrap();
    for ev in [EvidenceCap::All, EvidenceCap::First(1)] {
        let flag = match ev {
            EvidenceCap::All => "all".to_string(),
            EvidenceCap::First(n) => n.to_string(),
        };
        let want = whole(std::slice::from_ref(&dir), ev);
        for chunk in ["1", "7", "512"] {
            let (got, _) = build(
                tmp.path(),
                &[d, "--evidence", &flag, "--chunk", chunk],
                None,
            );
            assert!(
                got == want,
                "chunks of {chunk}, evidence {flag}: not the same graph"
            );
        }
        let g: serde_json::Value = serde_json::from_slice(&want).unwrap();
        let ids: Vec<&str> = g["graph"]["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 41);
        let stem = first.file_stem().unwrap().to_str().unwrap();
        assert!(
            !ids.contains(&stem),
            "a repeated id is replaced by the path"
        );
    }
}

#[test]
fn json_lines_read_in_chunks_give_the_graph_read_whole_and_skips_keep_their_lines() {
    let tmp = TempDir::new().unwrap();
    let mut lines = records(30);
    // line 12 broken, line 20 a repeat of line 3's id, line 25 blank
    lines[11] = "{\"id\": \"broken\", \"text\": ".to_string();
    lines[19] = lines[2].clone();
    lines[24] = String::new();
    let file = tmp.path().join("dump.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let want = whole(std::slice::from_ref(&file), EvidenceCap::First(3));
    let f = file.to_str().unwrap();
    for chunk in ["1", "4", "100"] {
        let (got, o) = build(tmp.path(), &[f, "--evidence", "3", "--chunk", chunk], None);
        assert!(got == want, "chunks of {chunk}: not the same graph");
        let err = stderr_of(&o);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 3, "{err}");
        assert_eq!(
            lines[0],
            format!("warning: {f}:12: invalid JSON at column 25: EOF while parsing a value")
        );
        assert!(lines[1].starts_with("cnkg: 28 documents, "), "{err}");
        assert_eq!(
            lines[2],
            "cnkg: skipped 1 document (1 invalid JSON); see warnings above"
        );
    }
}

#[test]
fn standard_input_is_read_in_chunks_and_its_copy_removed() {
    let tmp = TempDir::new().unwrap();
    let mut lines = records(25);
    lines[17] = "{\"id\": \"x\", \"text\": \"  \"}".to_string();
    let stdin = (lines.join("\n") + "\n").into_bytes();
    let (one, o) = build(tmp.path(), &["-", "--chunk", "1"], Some(stdin.clone()));
    let (many, _) = build(tmp.path(), &["-"], Some(stdin.clone()));
    assert!(one == many, "the chunk changes the graph of standard input");
    assert!(
        stderr_of(&o).starts_with("warning: <stdin>:18: record with an empty `text`\n"),
        "{}",
        stderr_of(&o)
    );
    let g: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(g["graph"]["documents"].as_array().unwrap().len(), 24);
    assert_eq!(g["graph"]["documents"][0]["path"], "<stdin>:1");
    assert_eq!(temp_files_left(tmp.path()), Vec::<String>::new());

    // the same records in a file give the same graph but for their paths
    let file = tmp.path().join("same.jsonl");
    std::fs::write(&file, &stdin).unwrap();
    let (from_file, _) = build(tmp.path(), &[file.to_str().unwrap()], None);
    let from_file = String::from_utf8(from_file)
        .unwrap()
        .replace(&format!("{}:", file.display()), "<stdin>:");
    assert!(from_file.as_bytes() == one.as_slice());

    // a plain article on standard input is one document
    let text = "Chinese President Xi Jinping met with North Korean leader Kim Jong Un in Beijing on 3 March 2023.\n";
    let (g, _) = build(tmp.path(), &["-"], Some(text.as_bytes().to_vec()));
    let g: serde_json::Value = serde_json::from_slice(&g).unwrap();
    assert_eq!(g["graph"]["documents"][0]["id"], "stdin");
    assert_eq!(temp_files_left(tmp.path()), Vec::<String>::new());
}

#[test]
fn a_skip_deep_in_a_big_input_is_reported_with_its_place_and_strict_stops_before_building() {
    let tmp = TempDir::new().unwrap();
    let mut lines = records(300);
    lines[249] = "{\"id\": \"late\", \"text\": \"x\", \"date\": \"yesterday\"}".to_string();
    let file = tmp.path().join("big.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let f = file.to_str().unwrap();
    let (_, o) = build(tmp.path(), &[f, "--chunk", "16"], None);
    let err = stderr_of(&o);
    assert!(
        err.starts_with(&format!(
            "warning: {f}:250: bad `date` \"yesterday\": use YYYY-MM-DD, YYYY-MM or YYYY\ncnkg: 299 documents,"
        )),
        "{err}"
    );
    let out = tmp.path().join("strict.json");
    let o = cnkg(tmp.path())
        .args(["build", f, "--strict", "--chunk", "16", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr_of(&o),
        format!("error: {f}:250: bad `date` \"yesterday\": use YYYY-MM-DD, YYYY-MM or YYYY\n")
    );
    assert!(!out.exists(), "nothing is written");
}
