//! Every export format, loaded by the real program that reads it:
//! GraphML by `networkx.read_graphml`, CSV by `pandas.read_csv`, SVG and PNG
//! by Graphviz, the HTML page by headless Chromium, and the notebook script
//! by Python. The filters are checked on a small graph of our own.
//!
//! Tools these tests need and never skip: `python3` with `networkx >= 3.4`,
//! `pandas` and `matplotlib`; Graphviz (`dot`, `sfdp`); Debian's `chromium`.
//! `.ci/run` installs them.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tempfile::TempDir;

mod common;
use common::{cnkg, root, tmp};

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

/// The seeds graph JSON, built once per test binary into a folder that
/// lives as long as the tests.
fn seeds_json() -> &'static Path {
    static G: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    let (_, p) = G.get_or_init(|| {
        let t = tmp();
        let p = t.path().join("graph.json");
        cnkg().arg("build").arg("-o").arg(&p).assert().success();
        (t, p)
    });
    p
}

fn load_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).expect("valid JSON")
}

/// `cnkg export <graph> <args> -o <out>`, which must succeed.
fn export_to(graph: &Path, args: &[&str], out: &Path) {
    cnkg()
        .arg("export")
        .arg(graph)
        .args(args)
        .arg("-o")
        .arg(out)
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

fn python(script: &str, args: &[&Path]) -> String {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("python3 is required for this test and could not run: {e}"));
    assert!(
        out.status.success(),
        "python3 failed (needs networkx >= 3.4, pandas, matplotlib; .ci/run installs them): {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn counts(g: &Value) -> (usize, usize) {
    (
        g["nodes"].as_array().unwrap().len(),
        g["edges"].as_array().unwrap().len(),
    )
}

// ---------------------------------------------------------------- GraphML

#[test]
fn graphml_loads_in_networkx_with_the_json_nodes_edges_and_attributes() {
    let t = tmp();
    let out = t.path().join("graph.graphml");
    export_to(seeds_json(), &[], &out); // the format follows the extension
    let xml = std::fs::read_to_string(&out).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml "));

    // typed keys; Gephi's node label, edge label and weight
    for line in xml.lines().filter(|l| l.trim_start().starts_with("<key ")) {
        let ty = line.split("attr.type=\"").nth(1).unwrap().split('"').next();
        assert!(
            matches!(ty, Some("string" | "int" | "double" | "boolean")),
            "{line}"
        );
    }
    for key in [
        r#"<key id="label" for="node" attr.name="label" attr.type="string"/>"#,
        r#"<key id="mentions" for="node" attr.name="mentions" attr.type="int"/>"#,
        r#"<key id="edgelabel" for="edge" attr.name="label" attr.type="string"/>"#,
        r#"<key id="weight" for="edge" attr.name="weight" attr.type="double"/>"#,
        r#"<key id="evidence_count" for="edge" attr.name="evidence_count" attr.type="int"/>"#,
    ] {
        assert!(xml.contains(key), "missing {key}");
    }

    let script = r#"
import json, sys
import networkx as nx
J = nx.node_link_graph(json.load(open(sys.argv[1])), edges="edges")
G = nx.read_graphml(sys.argv[2])
assert G.is_directed() and G.is_multigraph(), type(G)
assert G.number_of_nodes() == J.number_of_nodes(), (G.number_of_nodes(), J.number_of_nodes())
assert G.number_of_edges() == J.number_of_edges(), (G.number_of_edges(), J.number_of_edges())
assert set(G.nodes) == set(J.nodes)
for n, a in J.nodes(data=True):
    b = G.nodes[n]
    assert b["label"] == a["label"] and b["type"] == a["type"], (n, a, b)
    assert b["mentions"] == a["mentions"] and isinstance(b["mentions"], int), (n, b)
    assert (b.get("aliases") or "") == ";".join(a["aliases"]), (n, a, b)
    assert (b.get("documents") or "") == ";".join(a["documents"]), (n, b)
    for k in ("kind", "date", "place"):
        assert b.get(k) == a.get(k), (n, k, a.get(k), b.get(k))
want = {(u, v, d["relation"], k): d for u, v, k, d in J.edges(keys=True, data=True)}
got = {}
for u, v, k, d in G.edges(keys=True, data=True):
    got[(u, v, d["relation"], d["key"])] = d
assert set(want) == set(got), set(want) ^ set(got)
for k, a in want.items():
    b = got[k]
    assert b["label"] == a["relation"], b
    assert b["weight"] == float(max(1, len(a["evidence"]))) and isinstance(b["weight"], float), b
    assert b["evidence_count"] == len(a["evidence"]), b
    assert json.loads(b.get("evidence", "[]") or "[]") == a["evidence"], k
    for f in ("date", "place", "event", "title", "role", "side"):
        assert b.get(f) == a.get(f), (k, f, a.get(f), b.get(f))
print(G.number_of_nodes(), G.number_of_edges())
"#;
    let got = python(script, &[seeds_json(), &out]);
    let (n, e) = counts(&load_json(seeds_json()));
    assert_eq!(got.trim(), format!("{n} {e}"));
}

// ---------------------------------------------------------------- CSV

const NODES_HEADER: &str =
    "id:ID,:LABEL,label,aliases:string[],mentions:int,documents:string[],source,kind,date,place";
const EDGES_HEADER: &str = ":START_ID,:END_ID,:TYPE,key:int,date,place,event,title,role,side:int,rule,evidence_count:int,evidence";

#[test]
fn csv_folder_has_neo4j_headers_and_pandas_reads_the_json_counts() {
    let t = tmp();
    let dir = t.path().join("neo4j"); // created when missing
    export_to(seeds_json(), &["--format", "csv"], &dir);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["edges.csv", "nodes.csv"], "no temporary file left");
    let nodes = std::fs::read_to_string(dir.join("nodes.csv")).unwrap();
    let edges = std::fs::read_to_string(dir.join("edges.csv")).unwrap();
    assert_eq!(nodes.split("\r\n").next().unwrap(), NODES_HEADER);
    assert_eq!(edges.split("\r\n").next().unwrap(), EDGES_HEADER);
    assert!(nodes.ends_with("\r\n") && edges.ends_with("\r\n"));

    let script = r#"
import csv, json, sys
import pandas as pd
g = json.load(open(sys.argv[1]))
n = pd.read_csv(sys.argv[2] + "/nodes.csv")
e = pd.read_csv(sys.argv[2] + "/edges.csv")
assert len(n) == len(g["nodes"]), (len(n), len(g["nodes"]))
assert len(e) == len(g["edges"]), (len(e), len(g["edges"]))
assert list(n["id:ID"]) == [x["id"] for x in g["nodes"]]
assert list(e[":TYPE"]) == [x["relation"] for x in g["edges"]]
assert list(e["evidence_count:int"]) == [len(x["evidence"]) for x in g["edges"]]
assert [json.loads(s) for s in e["evidence"]] == [x["evidence"] for x in g["edges"]]
kim = n[n["id:ID"] == "person:kim-jong-un"].iloc[0]
assert kim[":LABEL"] == "Person" and kim["label"] == "Kim Jong Un", kim
assert "Kim Jong-un" in kim["aliases:string[]"].split(";"), kim
# every row has the header's number of fields (RFC 4180 quoting)
for name in ("nodes.csv", "edges.csv"):
    rows = list(csv.reader(open(sys.argv[2] + "/" + name, newline="", encoding="utf-8")))
    assert all(len(r) == len(rows[0]) for r in rows), name
print(len(n), len(e))
"#;
    let got = python(script, &[seeds_json(), &dir]);
    let (n, e) = counts(&load_json(seeds_json()));
    assert_eq!(got.trim(), format!("{n} {e}"));
}

#[test]
fn csv_needs_a_folder() {
    cnkg()
        .arg("export")
        .arg(seeds_json())
        .args(["--format", "csv"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("error: csv writes two files (nodes.csv and edges.csv) into a folder: name it with --format csv -o DIR\n");
    // a .csv file name does not pick a format that writes a folder
    let t = tmp();
    cnkg()
        .arg("export")
        .arg(seeds_json())
        .arg("-o")
        .arg(t.path().join("nodes.csv"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--format csv -o DIR"));
    assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 0);
    let t = tmp();
    let file = t.path().join("taken");
    std::fs::write(&file, "x").unwrap();
    let out = cnkg()
        .arg("export")
        .arg(seeds_json())
        .args(["--format", "csv", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: {}: not a folder; csv writes nodes.csv and edges.csv into a folder named with -o\n",
            file.display()
        )
    );
}

// ---------------------------------------------------------------- Cytoscape

#[test]
fn cytoscape_elements_hold_every_node_and_edge_with_their_endpoints() {
    let t = tmp();
    let out = t.path().join("graph.cyjs");
    export_to(seeds_json(), &[], &out);
    let c = load_json(&out);
    let g = load_json(seeds_json());
    let nodes = c["elements"]["nodes"].as_array().unwrap();
    let edges = c["elements"]["edges"].as_array().unwrap();
    assert_eq!((nodes.len(), edges.len()), counts(&g));
    let ids: BTreeSet<&str> = nodes
        .iter()
        .map(|n| n["data"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), nodes.len(), "node ids are unique");
    for (n, j) in nodes.iter().zip(g["nodes"].as_array().unwrap()) {
        assert_eq!(n["group"], "nodes");
        assert_eq!(n["data"]["id"], j["id"]);
        assert_eq!(n["data"]["label"], j["label"]);
        assert_eq!(n["classes"], j["type"], "type class");
    }
    let edge_ids: BTreeSet<&str> = edges
        .iter()
        .map(|e| e["data"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(edge_ids.len(), edges.len(), "edge ids are unique");
    assert!(edge_ids.is_disjoint(&ids));
    for (e, j) in edges.iter().zip(g["edges"].as_array().unwrap()) {
        assert_eq!(e["group"], "edges");
        for end in ["source", "target"] {
            let id = e["data"][end].as_str().unwrap();
            assert!(ids.contains(id), "edge endpoint {id} is a node");
            assert_eq!(e["data"][end], j[end]);
        }
        assert_eq!(e["classes"], j["relation"], "relation class");
        assert_eq!(e["data"]["evidence"], j["evidence"]);
    }
}

// ---------------------------------------------------------------- SVG, PNG

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "PNG signature: {:?}",
        &bytes[..bytes.len().min(8)]
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn svg_and_png_are_drawn_by_graphviz() {
    let t = tmp();
    let svg_path = t.path().join("graph.svg");
    let png_path = t.path().join("graph.png");
    let dot_path = t.path().join("graph.dot");
    export_to(seeds_json(), &[], &svg_path);
    export_to(seeds_json(), &[], &png_path);
    export_to(seeds_json(), &[], &dot_path);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.contains("<svg"), "{svg:.200}");
    assert!(svg.trim_end().ends_with("</svg>"));
    for name in ["Kim Jong Un", "Xi Jinping", "Choe Son Hui", "Legend"] {
        assert!(svg.contains(&format!(">{name}</text>")), "{name} drawn");
    }
    // boxes by country
    assert!(svg.contains("<title>cluster_country:china</title>"));
    let (w, h) = png_size(&std::fs::read(&png_path).unwrap());
    assert!(w > 500 && h > 500, "{w}x{h}");

    // the DOT behind them renders without a warning
    let out = std::process::Command::new("dot")
        .arg("-Tsvg")
        .arg(&dot_path)
        .output()
        .unwrap_or_else(|e| {
            panic!("Graphviz `dot` is required for this test and could not run: {e}")
        });
    assert!(out.status.success());
    assert_eq!(text(&out.stderr), "", "dot printed warnings");
}

/// The seeds graph ten times over: every entity but the countries copied
/// with a number after its name, and one meeting joining each copy to the
/// next.
fn ten_times(g: &Value) -> Value {
    let country = |id: &str| id.starts_with("country:");
    let map = |i: usize, v: &Value| match v.as_str() {
        Some(id) if !country(id) => Value::from(format!("{id}-x{i}")),
        _ => v.clone(),
    };
    let mut nodes: Vec<Value> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| country(n["id"].as_str().unwrap()))
        .cloned()
        .collect();
    let mut edges = Vec::new();
    for i in 0..10 {
        for n in g["nodes"].as_array().unwrap() {
            if country(n["id"].as_str().unwrap()) {
                continue;
            }
            let mut n = n.clone();
            n["id"] = map(i, &n["id"]);
            n["label"] = Value::from(format!("{} {i}", n["label"].as_str().unwrap()));
            if n.get("place").is_some() {
                n["place"] = map(i, &n["place"]);
            }
            nodes.push(n);
        }
        for e in g["edges"].as_array().unwrap() {
            let mut e = e.clone();
            for k in ["source", "target", "place", "event"] {
                if e.get(k).is_some() {
                    e[k] = map(i, &e[k]);
                }
            }
            edges.push(e);
        }
        edges.push(json!({
            "source": format!("person:kim-jong-un-x{i}"),
            "target": format!("person:xi-jinping-x{}", (i + 1) % 10),
            "key": 9, "relation": "MET", "date": "2020", "place": null, "event": null,
            "evidence": []
        }));
    }
    nodes.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    json!({"directed": true, "multigraph": true, "graph": g["graph"], "nodes": nodes, "edges": edges})
}

#[test]
fn a_graph_ten_times_larger_is_drawn_by_sfdp() {
    let t = tmp();
    let big = t.path().join("big.json");
    let seeds = load_json(seeds_json());
    let g = ten_times(&seeds);
    let (n, e) = counts(&g);
    let (seed_nodes, seed_edges) = counts(&seeds);
    let countries = seeds["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["type"] == "Country")
        .count();
    assert_eq!(n, countries + 10 * (seed_nodes - countries));
    assert_eq!(e, 10 * (seed_edges + 1));
    std::fs::write(&big, serde_json::to_vec(&g).unwrap()).unwrap();

    let dot_path = t.path().join("big.dot");
    export_to(&big, &[], &dot_path);
    let dot = std::fs::read_to_string(&dot_path).unwrap();
    assert!(dot.contains("graph [layout=sfdp, "), "{dot:.300}");
    assert!(!dot.contains("subgraph"), "sfdp draws no boxes");
    let drawn = dot
        .lines()
        .filter(|l| l.starts_with("  \"") && !l.contains(" -> "))
        .count();
    assert!(drawn > 150, "{drawn} entities drawn");
    let out = std::process::Command::new("sfdp")
        .arg("-Tsvg")
        .arg(&dot_path)
        .output()
        .unwrap_or_else(|e| {
            panic!("Graphviz `sfdp` is required for this test and could not run: {e}")
        });
    assert!(out.status.success());
    assert_eq!(text(&out.stderr), "", "sfdp printed warnings");

    for (name, check) in [("big.svg", 0), ("big.png", 1)] {
        let p = t.path().join(name);
        let start = Instant::now();
        export_to(&big, &[], &p);
        eprintln!("{n} nodes, {e} edges: {name} in {:?}", start.elapsed());
        let bytes = std::fs::read(&p).unwrap();
        if check == 0 {
            let svg = text(&bytes);
            assert!(svg.contains(">Kim Jong Un 9</text>"));
            assert_eq!(
                svg.matches("<g id=\"node").count(),
                drawn,
                "every entity drawn"
            );
        } else {
            let (w, h) = png_size(&bytes);
            assert!(
                (1000..20000).contains(&w) && (1000..20000).contains(&h),
                "{w}x{h}"
            );
        }
    }
}

#[test]
fn without_graphviz_the_error_names_the_package_to_install() {
    let t = tmp();
    let empty = tmp();
    for format in ["svg", "png", "html"] {
        let out_path = t.path().join(format!("graph.{format}"));
        let out = cnkg()
            .env("PATH", empty.path())
            .arg("export")
            .arg(seeds_json())
            .arg("-o")
            .arg(&out_path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        assert_eq!(
            text(&out.stderr),
            format!("error: cannot render {format}: Graphviz's 'dot' is not on the PATH; install it (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz)\n")
        );
        assert!(!out_path.exists());
    }
    assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 0);
}

// ---------------------------------------------------------------- HTML

/// Runs headless Chromium on `url` and returns the DOM it dumps and its
/// standard error (where console messages go).
fn chromium_dump(url: &str) -> (String, String) {
    let profile = tmp();
    let mut child = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,800",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("Chromium is required for this test (Debian: apt-get install chromium) and could not run: {e}")
        });
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        so.read_to_string(&mut s).unwrap();
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        se.read_to_end(&mut s).unwrap();
        String::from_utf8_lossy(&s).into_owned()
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let (dom, err) = (out_t.join().unwrap(), err_t.join().unwrap());
            assert!(status.success(), "chromium failed: {status}\n{err}");
            return (dom, err);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The console lines of Chromium's log: the page logs one line when ready,
/// and anything else (an error, a warning, a blocked fetch) is a failure.
fn assert_clean_console(stderr: &str) {
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        console.iter().any(|l| l.contains("\"cnkg viewer ready: ")),
        "the page's ready line is in the log: {stderr}"
    );
    let other: Vec<&&str> = console
        .iter()
        .filter(|l| !l.contains("\"cnkg viewer ready: "))
        .collect();
    assert!(other.is_empty(), "console messages: {other:#?}");
}

/// The text of the element with id `id` in a dumped DOM, tags removed.
fn element_text(dom: &str, open: &str, close: &str) -> String {
    let start = dom
        .find(open)
        .unwrap_or_else(|| panic!("{open} in the DOM"));
    let end = start + dom[start..].find(close).expect("closing tag");
    let mut out = String::new();
    let mut in_tag = false;
    for c in dom[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("&amp;", "&")
}

#[test]
fn html_page_loads_in_headless_chromium_and_its_search_finds_a_person() {
    let t = tmp();
    let page = t.path().join("graph.html");
    export_to(seeds_json(), &[], &page);
    let html = std::fs::read_to_string(&page).unwrap();
    // self-contained: no fetch of anything
    for bad in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "<link rel=\"stylesheet\"",
        "<script src",
    ] {
        assert!(!html.contains(bad), "the page fetches something: {bad}");
    }
    assert!(html.contains("<svg"), "the drawing is inline");

    // a search with other spacing and hyphens than the label
    let (dom, err) = chromium_dump(&format!("file://{}#search=kim%20jong-un", page.display()));
    assert_clean_console(&err);
    assert!(
        dom.contains("data-ready=\"1\""),
        "the script ran to its end"
    );
    assert!(
        dom.contains("<pre id=\"errors\" hidden=\"\"></pre>"),
        "no script error"
    );
    let panel = element_text(&dom, "<aside id=\"panel\">", "</aside>");
    assert!(
        panel.starts_with("Kim Jong Un Person · also Kim Jong-Un"),
        "{panel}"
    );
    assert!(panel.contains("Meetings (6)"), "{panel}");
    assert!(
        panel.contains("2025-09-04 · Great Hall of the People with Xi Jinping"),
        "{panel}"
    );
    assert!(
        panel.contains("2019-02 · Hanoi with Donald Trump"),
        "{panel}"
    );
    assert!(
        panel.contains("Chinese President Xi Jinping and North Korean leader Kim Jong-Un meet in Pyongyang, North Korea."),
        "an evidence sentence: {panel}"
    );
    let results = element_text(&dom, "<ul id=\"results\"", "</ul>");
    assert_eq!(results, "Kim Jong Un Person");
    assert!(
        dom.contains("class=\"node sel\""),
        "the person is marked in the drawing"
    );

    // an alias typed without its spaces finds the person too
    let (dom, err) = chromium_dump(&format!("file://{}#search=choesonhui", page.display()));
    assert_clean_console(&err);
    let panel = element_text(&dom, "<aside id=\"panel\">", "</aside>");
    assert!(panel.starts_with("Choe Son Hui Person"), "{panel}");
    assert!(
        panel.contains("2024-01-26 · Pyongyang with Sun Weidong"),
        "{panel}"
    );
}

// ---------------------------------------------------------------- all formats

const TEXT_FORMATS: &[&str] = &["json", "dot", "graphml", "cytoscape", "svg", "html"];

fn read_output(p: &Path) -> Vec<u8> {
    if p.is_dir() {
        let mut all = std::fs::read(p.join("nodes.csv")).unwrap();
        all.extend(std::fs::read(p.join("edges.csv")).unwrap());
        all
    } else {
        std::fs::read(p).unwrap()
    }
}

#[test]
fn build_and_export_write_the_same_bytes_run_after_run() {
    let t = tmp();
    for f in TEXT_FORMATS.iter().chain(&["csv"]) {
        let a = t.path().join(format!("export-{f}"));
        let b = t.path().join(format!("export2-{f}"));
        let c = t.path().join(format!("build-{f}"));
        export_to(seeds_json(), &["--format", f], &a);
        export_to(seeds_json(), &["--format", f], &b);
        cnkg()
            .args(["build", "--format", f, "-o"])
            .arg(&c)
            .assert()
            .success();
        let first = read_output(&a);
        assert!(!first.is_empty(), "{f}");
        assert!(first == read_output(&b), "{f}: two exports differ");
        assert!(first == read_output(&c), "{f}: build and export differ");
    }
}

#[test]
fn the_format_follows_the_extension() {
    let t = tmp();
    let cases = [
        (
            "g.graphml",
            &b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml"[..],
        ),
        ("g.cyjs", &b"{\n  \"data\""[..]),
        ("g.svg", &b"<?xml"[..]),
        ("g.png", &b"\x89PNG"[..]),
        ("g.html", &b"<!DOCTYPE html>"[..]),
    ];
    for (name, start) in cases {
        let p = t.path().join(name);
        export_to(seeds_json(), &[], &p);
        let bytes = std::fs::read(&p).unwrap();
        assert!(bytes.starts_with(start), "{name}: {:?}", &bytes[..20]);
    }
}

// ---------------------------------------------------------------- filters

/// A small graph of our own: four people, three meetings (2019-06 in
/// Pyongyang, 2024-03-02 in Dandong, one undated), a role in a country, a
/// role in an organisation, a visit, two places in their countries.
fn small_graph() -> Value {
    let ev = |doc: &str, s: &str| json!([{"doc": doc, "sentence": s, "start": 0, "end": s.len(), "rule": "test"}]);
    let node = |id: &str, ty: &str, label: &str| json!({"id": id, "type": ty, "label": label, "aliases": [], "mentions": 1, "documents": ["d1"]});
    let mut nodes = vec![
        node("country:china", "Country", "China"),
        node("country:north-korea", "Country", "North Korea"),
        node("org:river-council", "Organization", "River Council"),
        node("person:ana-ri", "Person", "Ana Ri"),
        node("person:bo-han", "Person", "Bo Han"),
        node("person:chen-lu", "Person", "Chen Lu"),
        node("person:dae-park", "Person", "Dae Park"),
        node("place:dandong", "Place", "Dandong"),
        node("place:pyongyang", "Place", "Pyongyang"),
    ];
    for (id, date, place) in [
        ("event:m-2019", json!("2019-06"), json!("place:pyongyang")),
        ("event:m-2024", json!("2024-03-02"), json!("place:dandong")),
        ("event:m-undated", json!(null), json!(null)),
    ] {
        let mut n = node(id, "Event", id);
        n["kind"] = json!("meeting");
        n["date"] = date;
        n["place"] = place;
        nodes.push(n);
    }
    nodes.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    let met = |a: &str, b: &str, date: Value, place: Value, event: &str| {
        json!({"source": a, "target": b, "key": 0, "relation": "MET", "date": date, "place": place, "event": event,
               "evidence": ev("d1", &format!("{a} sat down with {b}."))})
    };
    let plain = |a: &str, b: &str, rel: &str| json!({"source": a, "target": b, "key": 0, "relation": rel, "evidence": ev("d1", "A plain fact.")});
    let mut edges = vec![
        met(
            "person:ana-ri",
            "person:bo-han",
            json!("2019-06"),
            json!("place:pyongyang"),
            "event:m-2019",
        ),
        met(
            "person:ana-ri",
            "person:chen-lu",
            json!("2024-03-02"),
            json!("place:dandong"),
            "event:m-2024",
        ),
        met(
            "person:bo-han",
            "person:dae-park",
            json!(null),
            json!(null),
            "event:m-undated",
        ),
        plain("event:m-2019", "place:pyongyang", "HELD_IN"),
        plain("event:m-2024", "place:dandong", "HELD_IN"),
        plain("place:pyongyang", "country:north-korea", "LOCATED_IN"),
        plain("place:dandong", "country:china", "LOCATED_IN"),
    ];
    for (p, e) in [
        ("person:ana-ri", "event:m-2019"),
        ("person:bo-han", "event:m-2019"),
        ("person:ana-ri", "event:m-2024"),
        ("person:chen-lu", "event:m-2024"),
        ("person:bo-han", "event:m-undated"),
        ("person:dae-park", "event:m-undated"),
    ] {
        edges.push(plain(p, e, "PARTICIPATED_IN"));
    }
    let mut role = plain("person:ana-ri", "country:north-korea", "HOLDS_ROLE");
    role["title"] = json!("Premier");
    edges.push(role);
    let mut role = plain("person:bo-han", "org:river-council", "HOLDS_ROLE");
    role["title"] = json!("chair");
    edges.push(role);
    let mut visit = plain("person:chen-lu", "place:pyongyang", "VISITED");
    visit["date"] = json!("2018-05");
    edges.push(visit);
    json!({
        "directed": true, "multigraph": true,
        "graph": {"generator": {"name": "cnkg", "version": "test"}, "documents": [{"id": "d1", "path": "d1.txt", "title": null, "date": null}], "rules": {}},
        "nodes": nodes, "edges": edges
    })
}

/// Node ids and `source RELATION target` edges of a filtered export.
fn filtered(graph: &Path, args: &[&str]) -> (Vec<String>, Vec<String>) {
    let out = cnkg()
        .arg("export")
        .arg(graph)
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let g: Value = serde_json::from_slice(&out).unwrap();
    let nodes = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    let mut edges: Vec<String> = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["source"].as_str().unwrap(),
                e["relation"].as_str().unwrap(),
                e["target"].as_str().unwrap()
            )
        })
        .collect();
    edges.sort();
    (nodes, edges)
}

#[test]
fn filters_keep_exactly_what_was_asked() {
    let t = tmp();
    let small = t.path().join("small.json");
    std::fs::write(&small, serde_json::to_vec_pretty(&small_graph()).unwrap()).unwrap();

    // relations: the people who met, nobody else
    let (n, e) = filtered(&small, &["--relations", "met"]);
    assert_eq!(
        n,
        [
            "person:ana-ri",
            "person:bo-han",
            "person:chen-lu",
            "person:dae-park"
        ]
    );
    assert_eq!(
        e,
        [
            "person:ana-ri MET person:bo-han",
            "person:ana-ri MET person:chen-lu",
            "person:bo-han MET person:dae-park"
        ]
    );

    // types alone keep every node of those types
    let (n, e) = filtered(&small, &["--types", "person,Country"]);
    assert_eq!(
        n,
        [
            "country:china",
            "country:north-korea",
            "person:ana-ri",
            "person:bo-han",
            "person:chen-lu",
            "person:dae-park"
        ]
    );
    assert_eq!(
        e,
        [
            "person:ana-ri HOLDS_ROLE country:north-korea",
            "person:ana-ri MET person:bo-han",
            "person:ana-ri MET person:chen-lu",
            "person:bo-han MET person:dae-park"
        ]
    );

    // a window keeps the events and dated edges inside it, and undated facts
    let (n, e) = filtered(&small, &["--since", "2019", "--until", "2019-12"]);
    assert_eq!(
        n,
        [
            "country:china",
            "country:north-korea",
            "event:m-2019",
            "org:river-council",
            "person:ana-ri",
            "person:bo-han",
            "place:dandong",
            "place:pyongyang"
        ]
    );
    assert_eq!(
        e,
        [
            "event:m-2019 HELD_IN place:pyongyang",
            "person:ana-ri HOLDS_ROLE country:north-korea",
            "person:ana-ri MET person:bo-han",
            "person:ana-ri PARTICIPATED_IN event:m-2019",
            "person:bo-han HOLDS_ROLE org:river-council",
            "person:bo-han PARTICIPATED_IN event:m-2019",
            "place:dandong LOCATED_IN country:china",
            "place:pyongyang LOCATED_IN country:north-korea"
        ]
    );

    // all together
    let (n, e) = filtered(
        &small,
        &[
            "--types",
            "person",
            "--relations",
            "MET",
            "--since",
            "2024-03",
        ],
    );
    assert_eq!(n, ["person:ana-ri", "person:chen-lu"]);
    assert_eq!(e, ["person:ana-ri MET person:chen-lu"]);
    let (n, _) = filtered(&small, &["--relations", "VISITED", "--until", "2018"]);
    assert_eq!(n, ["person:chen-lu", "place:pyongyang"]);
}

#[test]
fn filters_apply_to_every_format() {
    let t = tmp();
    let small = t.path().join("small.json");
    std::fs::write(&small, serde_json::to_vec_pretty(&small_graph()).unwrap()).unwrap();
    let args = ["--types", "Person", "--relations", "MET"];

    // DOT: a meeting still shows its place, though places were filtered out
    let dot = t.path().join("met.dot");
    export_to(&small, &args, &dot);
    let dot = std::fs::read_to_string(&dot).unwrap();
    assert!(dot.contains("label=\"met 2019-06\\nPyongyang\""), "{dot}");
    assert!(dot.contains("(only types Person; relations MET)"), "{dot}");
    assert!(!dot.contains("place:"), "{dot}");

    let csv = t.path().join("csv");
    export_to(&small, &[&args[..], &["--format", "csv"]].concat(), &csv);
    let lines = |f: &str| {
        std::fs::read_to_string(csv.join(f))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!((lines("nodes.csv"), lines("edges.csv")), (1 + 4, 1 + 3));

    let gml = t.path().join("met.graphml");
    export_to(&small, &args, &gml);
    let gml = std::fs::read_to_string(&gml).unwrap();
    assert_eq!(
        (
            gml.matches("<node id=").count(),
            gml.matches("<edge id=").count()
        ),
        (4, 3)
    );

    let cy = t.path().join("met.cyjs");
    export_to(&small, &args, &cy);
    let cy = load_json(&cy);
    assert_eq!(cy["elements"]["nodes"].as_array().unwrap().len(), 4);
    assert_eq!(cy["elements"]["edges"].as_array().unwrap().len(), 3);

    // build takes the same flags and says what it kept
    let out = cnkg()
        .args(["build", "--relations", "MET", "--types", "person", "-o"])
        .arg(t.path().join("seeds-met.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(" edges; kept ") && err.contains(" (types Person; relations MET) -> "),
        "{err}"
    );
    let g = load_json(&t.path().join("seeds-met.json"));
    assert!(g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["relation"] == "MET"));
    assert!(g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["type"] == "Person"));
}

fn assert_filter_error(args: &[&str], want: &str) {
    let out: Output = cnkg()
        .arg("export")
        .arg(seeds_json())
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(want), "{err}");
}

#[test]
fn unknown_filter_names_are_one_line_errors_listing_the_valid_ones() {
    assert_filter_error(
        &["--types", "Persn"],
        "error: unknown type 'Persn' in --types; valid types: Country, Event, Organization, Person, Place\n",
    );
    assert_filter_error(
        &["--relations", "MET,MEET"],
        "error: unknown relation 'MEET' in --relations; valid relations: AFFILIATED_WITH, HELD_IN, HOLDS_ROLE, LOCATED_IN, MEMBER_OF, MET, PARTICIPATED_IN, PART_OF, REPORTED, VISITED\n",
    );
    assert_filter_error(
        &["--since", "last year"],
        "error: bad date for --since: 'last year': write YYYY, YYYY-MM or YYYY-MM-DD",
    );
}

#[test]
fn help_documents_formats_and_filters() {
    for cmd in ["build", "export"] {
        let out = cnkg().args([cmd, "--help"]).output().unwrap();
        let help = text(&out.stdout);
        for want in [
            "graphml",
            "csv",
            "cytoscape",
            "svg",
            "png",
            "html",
            "--types",
            "--relations",
            "--since",
            "--until",
            "Nodes left without any edge are dropped",
        ] {
            assert!(help.contains(want), "{cmd} --help lacks {want}: {help}");
        }
    }
}

// ---------------------------------------------------------------- notebook

/// The `# %%` cells of examples/notebook.py.
fn script_cells(src: &str) -> Vec<String> {
    let mut cells: Vec<String> = Vec::new();
    for line in src.lines() {
        if line.starts_with("# %%") {
            cells.push(String::new());
        } else if let Some(c) = cells.last_mut() {
            c.push_str(line);
            c.push('\n');
        }
    }
    cells
        .into_iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

#[test]
fn notebook_script_lists_meetings_and_draws_an_ego_network() {
    let t = tmp();
    let png = t.path().join("ego.png");
    let out = std::process::Command::new("python3")
        .arg(root().join("examples/notebook.py"))
        .arg(seeds_json())
        .arg("--png")
        .arg(&png)
        .current_dir(t.path())
        .output()
        .unwrap_or_else(|e| panic!("python3 is required for this test and could not run: {e}"));
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "examples/notebook.py failed (needs networkx, pandas, matplotlib): {}",
        text(&out.stderr)
    );
    let g = load_json(seeds_json());
    let met = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["relation"] == "MET")
        .count();
    let (n, e) = counts(&g);
    assert!(
        stdout.contains(&format!("{n} nodes, {e} edges, {met} meetings")),
        "{stdout}"
    );
    assert!(stdout.contains("Who met whom"), "{stdout}");
    let rows = stdout
        .lines()
        .filter(|l| l.contains("Kim Jong Un") && l.contains("Xi Jinping"))
        .count();
    assert!(rows >= 3, "Kim met Xi several times: {stdout}");
    assert!(stdout.contains("ego network of Kim Jong Un"), "{stdout}");
    let (w, h) = png_size(&std::fs::read(&png).unwrap());
    assert!(w >= 400 && h >= 300, "{w}x{h}");

    // the notebook holds the script's cells
    let py = std::fs::read_to_string(root().join("examples/notebook.py")).unwrap();
    let nb: Value =
        serde_json::from_slice(&std::fs::read(root().join("examples/notebook.ipynb")).unwrap())
            .expect("notebook.ipynb is JSON");
    assert_eq!(nb["nbformat"], 4);
    let code: Vec<String> = nb["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["cell_type"] == "code")
        .map(|c| {
            let src = &c["source"];
            let s = match src {
                Value::Array(parts) => parts.iter().map(|p| p.as_str().unwrap()).collect(),
                other => other.as_str().unwrap().to_string(),
            };
            s.trim().to_string()
        })
        .collect();
    assert_eq!(
        code,
        script_cells(&py),
        "notebook.ipynb and notebook.py differ"
    );
}
