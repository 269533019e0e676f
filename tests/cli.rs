//! End-to-end tests of the `cnkg` binary: every test runs the real executable
//! (through `assert_cmd`) from the crate root, so the defaults `seeds/` and
//! `graph_rules/` are the ones shipped with the crate.
//!
//! Tools these tests need and never skip: `python3` with `networkx >= 3.4`
//! and Graphviz `dot` (`.ci/run` installs them).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

mod common;
use common::{cnkg, root, tmp};

fn stderr_of(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

fn stdout_of(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

/// Names of everything inside `dir`, hidden files included, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Runs `cnkg build [args] -o <dir>/<name>` and returns the written bytes.
fn build_to(dir: &Path, name: &str, args: &[&str]) -> Vec<u8> {
    let out = dir.join(name);
    cnkg()
        .arg("build")
        .args(args)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    std::fs::read(&out).unwrap_or_else(|e| panic!("read {}: {e}", out.display()))
}

fn parse_json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("cnkg writes valid JSON")
}

fn list_len(v: &Value, key: &str) -> usize {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("top-level \"{key}\" is a list"))
        .len()
}

/// Copies the files of `from` (flat, as graph_rules/ is) into a new folder `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// A copy of graph_rules/ in `dir`/rules plus `zz_broken.toml` holding `src`.
fn broken_rules(dir: &Path, src: &str) -> (PathBuf, PathBuf) {
    let rules = dir.join("rules");
    copy_dir(&root().join("graph_rules"), &rules);
    let broken = rules.join("zz_broken.toml");
    std::fs::write(&broken, src).unwrap();
    (rules, broken)
}

/// One of each mistake `rules check` must report. Line numbers matter: each
/// issue points at the `[[...]]` header of its rule.
const BROKEN_RULES: &str = r#"# A rule file with one of each mistake.

[[entity]]
id = "zz-test-colour"
type = "Person"
name = "Zzyzx Colourful"
colour = "red"

[[entity]]
id = "zz-test-dup"
type = "Person"
name = "Zzyzx First"

[[entity]]
id = "zz-test-dup"
type = "Person"
name = "Zzyzx Second"

[[entity]]
id = "zz-test-type"
type = "Persn"
name = "Zzyzx Typo"

[[date]]
id = "zz-test-regex"
pattern = '(\d+'
"#;

/// Asserts a failed run: exit status 2, nothing on stdout, and standard error
/// holding exactly one line, which starts with `error: <path>: `.
fn assert_one_line_error(out: &Output, path: &Path) -> String {
    let err = stderr_of(out);
    assert_eq!(out.status.code(), Some(2), "exit status; stderr: {err}");
    assert!(out.stdout.is_empty(), "stdout: {}", stdout_of(out));
    assert_eq!(err.lines().count(), 1, "one line of error: {err:?}");
    let want = format!("error: {}: ", path.display());
    assert!(err.starts_with(&want), "expected {want:?}..., got {err:?}");
    err
}

/// Runs `cnkg build <args> -o <out>/graph.json` where the build must fail;
/// checks that `out` stays empty (no output, no temporary file).
fn failed_build(args: &[&Path]) -> (Output, TempDir) {
    let t = tmp();
    let out_dir = t.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let out = cnkg()
        .arg("build")
        .args(args)
        .arg("-o")
        .arg(out_dir.join("graph.json"))
        .output()
        .unwrap();
    assert!(
        !out_dir.join("graph.json").exists(),
        "a failed build left graph.json behind"
    );
    assert_eq!(
        entries(&out_dir),
        Vec::<String>::new(),
        "a failed build left files in the output folder"
    );
    (out, t)
}

#[test]
fn build_json_loads_in_networkx_with_the_same_node_and_edge_counts() {
    let t = tmp();
    let bytes = build_to(t.path(), "graph.json", &[]);
    assert_eq!(
        entries(t.path()),
        ["graph.json"],
        "no temporary file remains"
    );
    let v = parse_json(&bytes);
    let (nodes, edges) = (list_len(&v, "nodes"), list_len(&v, "edges"));
    assert!(nodes > 0 && edges > 0, "seeds give a non-empty graph");
    assert!(v.get("links").is_none(), "edges live under \"edges\"");

    let script = r#"
import json, sys
import networkx as nx
with open(sys.argv[1], encoding="utf-8") as f:
    data = json.load(f)
G = nx.node_link_graph(data, edges="edges")
print(G.number_of_nodes(), G.number_of_edges(), int(G.is_directed()), int(G.is_multigraph()))
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(t.path().join("graph.json"))
        .output()
        .unwrap_or_else(|e| panic!("python3 is required for this test and could not run: {e}"));
    assert!(
        out.status.success(),
        "python3 + networkx (>= 3.4) failed to load the graph: {}",
        stderr_of(&out)
    );
    let got = stdout_of(&out);
    assert_eq!(
        got.trim(),
        format!("{nodes} {edges} 1 1"),
        "networkx nodes, edges, directed, multigraph"
    );
}

#[test]
fn build_dot_renders_with_graphviz_without_warnings() {
    let t = tmp();
    let dot_path = t.path().join("graph.dot");
    let bytes = build_to(t.path(), "graph.dot", &[]);
    let dot = String::from_utf8(bytes).expect("DOT is UTF-8");
    assert!(
        dot.starts_with("digraph cnkg {\n"),
        "DOT, not JSON: {dot:.80}"
    );
    assert!(dot.ends_with("}\n"));

    let out = std::process::Command::new("dot")
        .arg("-Tsvg")
        .arg(&dot_path)
        .output()
        .unwrap_or_else(|e| {
            panic!("Graphviz `dot` is required for this test and could not run: {e}")
        });
    assert!(out.status.success(), "dot failed: {}", stderr_of(&out));
    assert_eq!(stderr_of(&out), "", "dot printed warnings or errors");
    assert!(stdout_of(&out).contains("<svg"), "dot wrote SVG");

    // a legend cluster
    assert!(dot.contains("  subgraph cluster_legend {\n"), "{dot}");
    assert!(dot.contains("label=\"Legend\""), "{dot}");

    // every node and edge statement uses quoted ids (ids hold ':' and '-')
    let json = parse_json(&build_to(t.path(), "graph.json", &[]));
    let ids: BTreeSet<&str> = json["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let mut drawn = 0;
    for line in dot.lines().map(str::trim) {
        let is_attr_default = ["graph [", "node [", "edge ["]
            .iter()
            .any(|p| line.starts_with(p));
        if !line.ends_with("];") || is_attr_default {
            continue;
        }
        assert!(line.starts_with('"'), "unquoted id: {line}");
        let first = &line[1..line[1..].find('"').unwrap() + 1];
        if let Some(rest) = line.strip_prefix(&format!("\"{first}\" -> ")) {
            assert!(rest.starts_with('"'), "unquoted edge target: {line}");
        } else {
            assert!(
                first.starts_with("legend:") || ids.contains(first),
                "DOT node {first:?} is not a node of the JSON graph"
            );
            drawn += usize::from(!first.starts_with("legend:"));
        }
    }
    assert!(drawn > 0, "some graph nodes are drawn");
    assert!(dot.contains("\"country:china\" [label=\"China\""), "{dot}");
}

#[test]
fn two_builds_give_byte_identical_json_and_dot() {
    let t = tmp();
    // a second run on one thread: output must not depend on scheduling
    let single = |cmd: &mut Command| {
        cmd.env("RAYON_NUM_THREADS", "1");
    };
    let json1 = build_to(t.path(), "a.json", &[]);
    let mut c = cnkg();
    single(&mut c);
    c.args(["build", "-o"]).arg(t.path().join("b.json"));
    c.assert().success();
    let json2 = std::fs::read(t.path().join("b.json")).unwrap();
    assert!(json1 == json2, "two JSON builds differ");

    let dot1 = build_to(t.path(), "a.dot", &[]);
    let mut c = cnkg();
    single(&mut c);
    c.args(["build", "-o"]).arg(t.path().join("b.dot"));
    c.assert().success();
    let dot2 = std::fs::read(t.path().join("b.dot")).unwrap();
    assert!(dot1 == dot2, "two DOT builds differ");
}

#[test]
fn export_round_trips_json_bytes_and_matches_build_dot() {
    let t = tmp();
    let json = build_to(t.path(), "graph.json", &[]);
    let graph = t.path().join("graph.json");

    let again = cnkg()
        .arg("export")
        .arg(&graph)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(again == json, "export --format json changed the bytes");

    let exported_dot = cnkg()
        .arg("export")
        .arg(&graph)
        .args(["--format", "dot"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let built_dot = cnkg()
        .args(["build", "--format", "dot"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(!built_dot.is_empty());
    assert!(
        exported_dot == built_dot,
        "export --format dot differs from build --format dot"
    );
}

#[test]
fn rules_check_accepts_the_shipped_rules() {
    cnkg()
        .args(["rules", "check", "graph_rules"])
        .assert()
        .code(0)
        .stderr("")
        .stdout(predicate::str::starts_with("graph_rules: ok: "));
}

#[test]
fn rules_check_reports_every_error_with_file_line_and_rule_id() {
    let t = tmp();
    let (rules, broken) = broken_rules(t.path(), BROKEN_RULES);
    let out = cnkg()
        .args(["rules", "check"])
        .arg(&rules)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "exit status; stderr: {err}");
    assert!(out.stdout.is_empty(), "stdout: {}", stdout_of(&out));

    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines[0], "error: 4 errors in rule files:", "{err}");
    assert_eq!(lines.len(), 5, "a header and one line per issue: {err}");
    let f = broken.display().to_string();
    let find = |id: &str| {
        let tag = format!(": rule '{id}': ");
        lines[1..]
            .iter()
            .copied()
            .filter(|l| l.contains(&tag))
            .collect::<Vec<_>>()
    };

    // unknown field
    assert_eq!(
        find("zz-test-colour"),
        [format!(
            "  {f}:3: rule 'zz-test-colour': in [[entity]]: unknown field `colour`, expected one of `id`, `type`, `name`, `aliases`, `demonyms`, `country`, `located_in`, `roles`"
        )],
        "{err}"
    );
    // duplicate id, pointing back at the first use
    assert_eq!(
        find("zz-test-dup"),
        [format!(
            "  {f}:14: rule 'zz-test-dup': duplicate id: already used at {f}:9; give each rule its own id"
        )],
        "{err}"
    );
    // unknown entity type
    assert_eq!(
        find("zz-test-type"),
        [format!(
            "  {f}:19: rule 'zz-test-type': unknown entity type 'Persn': use Person, Organization, Country or Place"
        )],
        "{err}"
    );
    // bad regex (the regex crate's own wording follows the prefix)
    let re = find("zz-test-regex");
    assert_eq!(re.len(), 1, "{err}");
    assert!(
        re[0].starts_with(&format!("  {f}:24: rule 'zz-test-regex': bad regex: ")),
        "{err}"
    );
}

#[test]
fn build_fails_on_missing_input_path() {
    let t0 = tmp();
    let missing = t0.path().join("no-such-articles");
    let (out, _t) = failed_build(&[&missing]);
    let err = assert_one_line_error(&out, &missing);
    assert!(err.contains("no such file or directory"), "{err}");
}

#[test]
fn build_fails_on_empty_folder() {
    let t0 = tmp();
    let empty = t0.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (out, _t) = failed_build(&[&empty]);
    let err = assert_one_line_error(&out, &empty);
    assert!(err.contains("no .txt or .jsonl articles found"), "{err}");
}

#[test]
fn build_skips_a_non_utf8_article_and_fails_when_nothing_is_left() {
    let t0 = tmp();
    let dir = t0.path().join("articles");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("latin1.txt");
    std::fs::write(&file, b"Kim \xff\xfe met").unwrap();
    let (out, _t) = failed_build(&[&dir]);
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "exit status; stderr: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    let want = format!("warning: {}: not UTF-8 text (byte 4)", file.display());
    assert!(lines[0].starts_with(&want), "{err}");
    assert_eq!(
        lines[1],
        "error: no documents left to read: skipped 1 document (1 not UTF-8); see warnings above"
    );
}

#[test]
fn build_fails_on_broken_rule_folder() {
    let t0 = tmp();
    let (rules, broken) = broken_rules(
        t0.path(),
        "[[date]]\nid = \"zz-test-regex\"\npattern = '(\\d+'\n",
    );
    let seeds = root().join("seeds");
    let (out, _t) = failed_build(&[&seeds, Path::new("--rules"), &rules]);
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "exit status; stderr: {err}");
    assert!(out.stdout.is_empty(), "stdout: {}", stdout_of(&out));
    // One problem, one line: the file, its line, the rule id and what is wrong.
    assert_eq!(err.lines().count(), 1, "{err}");
    let issue = format!(
        "error: {}:1: rule 'zz-test-regex': bad regex: ",
        broken.display()
    );
    assert!(err.starts_with(&issue), "expected {issue:?} in {err}");
}

#[test]
fn build_prints_one_summary_line_to_stderr() {
    let t = tmp();
    let out_path = t.path().join("graph.json");
    let out = cnkg()
        .arg("build")
        .arg("-o")
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty(), "with -o nothing goes to stdout");
    let err = stderr_of(&out);
    let re = regex::Regex::new(
        r"\Acnkg: (\d+) documents, (\d+) entities, (\d+) events, (\d+) edges -> (.+)\n\z",
    )
    .unwrap();
    let caps = re
        .captures(&err)
        .unwrap_or_else(|| panic!("summary line not found in {err:?}"));
    let n = |i: usize| caps[i].parse::<usize>().unwrap();
    assert_eq!(n(1), 5, "seeds/ holds 5 documents: {err}");
    assert_eq!(&caps[5], out_path.display().to_string(), "{err}");

    // the counts are those of the graph written
    let v = parse_json(&std::fs::read(&out_path).unwrap());
    let events = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["type"] == "Event")
        .count();
    assert_eq!(n(1), list_len(&v["graph"], "documents"), "{err}");
    assert_eq!(n(2), list_len(&v, "nodes") - events, "entities: {err}");
    assert_eq!(n(3), events, "events: {err}");
    assert_eq!(n(4), list_len(&v, "edges"), "edges: {err}");

    // without -o the graph goes to stdout and the summary says so
    let out = cnkg().arg("build").output().unwrap();
    assert!(out.status.success());
    let err = stderr_of(&out);
    assert!(
        err.starts_with("cnkg: 5 documents, ") && err.ends_with(" -> standard output\n"),
        "{err:?}"
    );
    assert_eq!(err.lines().count(), 1, "{err:?}");
}

#[test]
fn help_works_for_every_subcommand() {
    let cases: &[(&[&str], &str)] = &[
        (&["--help"], "Usage: cnkg"),
        (&["build", "--help"], "Usage: cnkg build"),
        (&["export", "--help"], "Usage: cnkg export"),
        (&["rules", "--help"], "Usage: cnkg rules"),
        (&["rules", "check", "--help"], "Usage: cnkg rules check"),
        (&["help", "build"], "Usage: cnkg build"),
    ];
    for (args, usage) in cases {
        cnkg()
            .args(*args)
            .assert()
            .code(0)
            .stderr("")
            .stdout(predicate::str::contains(*usage));
    }
}

#[test]
fn build_rejects_unknown_format_with_status_2() {
    let t = tmp();
    let out_path = t.path().join("graph.json");
    cnkg()
        .args(["build", "--format", "xml", "-o"])
        .arg(&out_path)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("error: "))
        .stderr(predicate::str::contains("'xml'"));
    assert_eq!(entries(t.path()), Vec::<String>::new(), "nothing written");
}

#[test]
fn output_into_missing_directory_fails_and_creates_nothing() {
    let t = tmp();
    let missing = t.path().join("missing");
    let out_path = missing.join("sub").join("graph.json");
    let out = cnkg()
        .arg("build")
        .arg("-o")
        .arg(&out_path)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "exit status; stderr: {err}");
    assert!(out.stdout.is_empty());
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(&out_path.display().to_string()), "{err}");
    assert!(!missing.exists(), "the missing folder was created");
    assert_eq!(entries(t.path()), Vec::<String>::new(), "nothing created");
}

#[test]
fn write_error_names_path_and_cause_once() {
    let t = tmp();
    let out_path = t.path().join("missing").join("graph.json");
    let out = cnkg()
        .arg("build")
        .arg("-o")
        .arg(&out_path)
        .output()
        .unwrap();
    let err = assert_one_line_error(&out, &out_path);
    assert!(err.contains("cannot write"), "{err}");
    // the OS error appears once: `{path}: cannot write: {cause}`
    assert_eq!(
        err.matches("(os error ").count(),
        1,
        "the cause is printed once, not repeated: {err:?}"
    );
}

#[test]
fn build_trace_shows_the_masked_sentence_and_the_rule_that_fired() {
    let t = tmp();
    let article = t.path().join("a.txt");
    std::fs::write(
        &article,
        "Chinese Vice Foreign Minister Hua Zhenyu met with North Korean Deputy Foreign Minister Ryom Chol Su in Beijing.\n",
    )
    .unwrap();
    let out = cnkg()
        .arg("build")
        .arg(&article)
        .arg("--trace")
        .arg("-o")
        .arg(t.path().join("g.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0], "a: [P:Hua Zhenyu] met with [P:Ryom Chol Su] in [L:Beijing].",
        "{err}"
    );
    assert_eq!(lines[1], "  meeting.met fired", "{err}");
}

#[test]
fn dot_quoting_survives_quotes_and_backslashes_in_names_and_titles() {
    let t = tmp();
    let article = t.path().join("odd.txt");
    std::fs::write(
        &article,
        "Ri Chol Man, chairman of the \"Peace\\Unity\" Committee of the Workers' Party of Korea, met Chinese Ambassador Wang Yajun in Pyongyang on 3 March 2023.\n",
    )
    .unwrap();
    let dot_path = t.path().join("odd.dot");
    let out = cnkg()
        .arg("build")
        .arg(&article)
        .arg("-o")
        .arg(&dot_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let dot = std::fs::read_to_string(&dot_path).unwrap();
    assert!(
        dot.contains("\\\"Peace\\\\Unity\\\""),
        "quotes and backslashes escaped: {dot}"
    );
    let rendered = std::process::Command::new("dot")
        .arg("-Tsvg")
        .arg(&dot_path)
        .output()
        .unwrap_or_else(|e| {
            panic!("Graphviz `dot` is required for this test and could not run: {e}")
        });
    assert!(
        rendered.status.success(),
        "dot failed: {}",
        stderr_of(&rendered)
    );
    assert_eq!(stderr_of(&rendered), "", "dot printed warnings or errors");
}
