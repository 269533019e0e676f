//! The query commands (`met`, `path`, `show`, `neighbors`) on the seeds:
//! the answers the seeds hold, forgiving names, saved graphs answering as
//! fresh builds, and the one-line errors of bad queries.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use serde_json::Value;

mod common;
use common::cnkg;

/// The seeds graph, built once for this test binary.
fn seeds_graph() -> &'static Path {
    static GRAPH: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, p) = GRAPH.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join("graph.json");
        let out = cnkg()
            .args(["build", "-o"])
            .arg(&p)
            .output()
            .expect("cnkg runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (dir, p)
    });
    p
}

fn run(args: &[&str]) -> Output {
    cnkg()
        .args(args)
        .arg("--graph")
        .arg(seeds_graph())
        .output()
        .expect("cnkg runs")
}

fn stdout(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "cnkg {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    serde_json::from_str(&stdout(&a)).expect("--json prints one JSON document")
}

fn ids(side: &Value) -> Vec<&str> {
    side.as_array()
        .expect("a side is a list")
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect()
}

/// (other side's ids, date, place display) for each meeting.
fn rows(v: &Value) -> Vec<(Vec<&str>, Option<&str>, Option<String>)> {
    v["meetings"]
        .as_array()
        .expect("meetings")
        .iter()
        .map(|m| {
            let place = m["place"].as_object().map(|p| {
                let mut s = p["label"].as_str().unwrap().to_string();
                for w in p["within"].as_array().unwrap() {
                    s.push_str(" < ");
                    s.push_str(w["label"].as_str().unwrap());
                }
                s
            });
            (ids(&m["sides"][1]), m["date"].as_str(), place)
        })
        .collect()
}

#[test]
fn met_kim_jong_un_lists_every_counterpart_with_date_and_place() {
    let v = json(&["met", "Kim Jong Un"]);
    let got = rows(&v);
    let with = |id: &str| -> Vec<(Option<&str>, Option<String>)> {
        got.iter()
            .filter(|(o, _, _)| o.contains(&id))
            .map(|(_, d, p)| (*d, p.clone()))
            .collect()
    };
    // Xi Jinping three times: 2019-06 in Pyongyang, 2025-09-04 in Beijing,
    // undated in Dalian; sorted by date with the undated last
    let xi = with("person:xi-jinping");
    assert_eq!(xi.len(), 3, "{xi:?}");
    assert_eq!(xi[0].0, Some("2019-06"));
    assert!(xi[0].1.as_deref().unwrap().starts_with("Pyongyang"));
    assert_eq!(xi[1].0, Some("2025-09-04"));
    assert!(xi[1].1.as_deref().unwrap().contains("Beijing"));
    assert_eq!(xi[2].0, None);
    assert!(xi[2].1.as_deref().unwrap().starts_with("Dalian"));
    for (id, date, place) in [
        ("person:vladimir-putin", Some("2023-09"), "Russian Far East"),
        ("person:donald-trump", Some("2019-02"), "Hanoi"),
        ("person:cai-qi", None, "Beijing Station"),
        ("person:wang-yi", None, "Beijing Station"),
    ] {
        let m = with(id);
        assert_eq!(m.len(), 1, "{id}: {m:?}");
        assert_eq!(m[0].0, date, "{id}");
        assert!(m[0].1.as_deref().unwrap().starts_with(place), "{id}: {m:?}");
    }
    // Kim is on the first side of every row, first in it
    for m in v["meetings"].as_array().unwrap() {
        assert_eq!(ids(&m["sides"][0])[0], "person:kim-jong-un");
    }
    // dated rows in order, undated last
    let dates: Vec<Option<&str>> = got.iter().map(|r| r.1).collect();
    let firsts_undated = dates.iter().position(Option::is_none).unwrap();
    assert!(dates[firsts_undated..].iter().all(Option::is_none));
    assert!(dates[..firsts_undated].windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn met_with_choe_son_hui_finds_sun_weidong_in_pyongyang() {
    let v = json(&["met", "--with", "Choe Son Hui"]);
    let got = rows(&v);
    assert_eq!(
        got,
        vec![(
            vec!["person:sun-weidong"],
            Some("2024-01-26"),
            Some("Pyongyang < North Korea".to_string())
        )]
    );
    assert_eq!(v["query"]["with"], "person:choe-son-hui");
}

#[test]
fn met_person_with_person_keeps_only_their_meetings() {
    let v = json(&["met", "Kim Jong Un", "--with", "Xi Jinping"]);
    let dates: Vec<Option<&str>> = rows(&v).iter().map(|r| r.1).collect();
    assert_eq!(dates, vec![Some("2019-06"), Some("2025-09-04"), None]);
}

#[test]
fn since_compares_at_the_known_precision() {
    let v = json(&["met", "Xi Jinping", "--since", "2025"]);
    let dates: Vec<Option<&str>> = rows(&v).iter().map(|r| r.1).collect();
    assert_eq!(dates, vec![Some("2025-09-04")]);
    // "2019-06" is within --since 2019-06-15 and --until 2019
    let v = json(&[
        "met",
        "Xi Jinping",
        "--since",
        "2019-06-15",
        "--until",
        "2019",
    ]);
    let dates: Vec<Option<&str>> = rows(&v).iter().map(|r| r.1).collect();
    assert_eq!(dates, vec![Some("2019-06")]);
}

#[test]
fn place_takes_the_venues_inside_it() {
    let v = json(&["met", "--place", "Beijing"]);
    let places: Vec<String> = rows(&v).into_iter().filter_map(|r| r.2).collect();
    assert_eq!(
        places,
        vec![
            "Great Hall of the People < Beijing < China".to_string(),
            "Beijing Station < Beijing < China".to_string()
        ]
    );
}

#[test]
fn every_meeting_without_a_person_and_its_table() {
    let v = json(&["met"]);
    assert_eq!(v["meetings"].as_array().unwrap().len(), 7);
    let table = stdout(&["met", "Kim Jong Un"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 7, "{table}");
    assert!(lines[0].starts_with("DATE        PLACE"), "{table}");
    assert!(
        lines[4].starts_with(
            "2025-09-04  Great Hall of the People, Beijing  Kim Jong Un, Kim Deok-hoon  Xi Jinping"
        ),
        "{table}"
    );
    assert!(lines.iter().all(|l| l == &l.trim_end()));
}

#[test]
fn evidence_prints_each_sentence_once_with_its_rules() {
    let t = stdout(&["met", "--with", "Choe Son Hui", "--evidence"]);
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines.len(), 3, "{t}");
    assert_eq!(
        lines[2],
        "    [001_84e607cf970aea0c] Sun Weidong visited Pyongyang, North Korea, on Friday (January 26), \
         held consultations with North Korean Deputy Foreign Minister Park Myung-ho, and called on \
         North Korean Foreign Minister Choe Son Hui.  (meeting.held-talks, meeting.summit-with)"
    );
}

#[test]
fn names_are_forgiving() {
    let want = stdout(&["met", "Kim Jong Un", "--json"]);
    for name in [
        "kim jong-un",
        "KIM JONG UN",
        "Kim Jong-Un",
        "kimjongun",
        "person:kim-jong-un",
    ] {
        assert_eq!(stdout(&["met", name, "--json"]), want, "{name}");
    }
    // the words of one name only: "Xi" is Xi Jinping
    let xi = json(&["met", "Xi"]);
    assert_eq!(xi["query"]["person"], "person:xi-jinping");
}

#[test]
fn path_through_an_alias() {
    let v = json(&["path", "Park Minghao", "Xi Jinping"]);
    let paths = v["paths"].as_array().unwrap();
    assert_eq!(paths.len(), 1);
    let steps = paths[0]["steps"].as_array().unwrap();
    assert_eq!(paths[0]["hops"], steps.len());
    assert_eq!(steps[0]["from"]["id"], "person:park-myung-ho");
    assert_eq!(steps[steps.len() - 1]["to"]["id"], "person:xi-jinping");
    for w in steps.windows(2) {
        assert_eq!(w[0]["to"], w[1]["from"]);
    }
    for s in steps {
        let e = &s["evidence"];
        assert!(e["sentence"].as_str().is_some_and(|t| !t.is_empty()), "{s}");
        assert!(s["evidence_count"].as_u64().unwrap() >= 1);
    }
    // Park and Xi never met, and no one they met met the other: three hops
    assert_eq!(steps.len(), 3);
}

#[test]
fn path_with_only_met_edges() {
    let out = run(&[
        "path",
        "Park Myung-ho",
        "Kim Jong Un",
        "--relations",
        "met",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["paths"].as_array().unwrap().len(), 0);
    let out = run(&["path", "Park Myung-ho", "Kim Jong Un", "--relations", "MET"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "cnkg: no path from Park Myung-ho to Kim Jong Un within 6 hops\n"
    );
    let v = json(&[
        "path",
        "Kim Deok-hoon",
        "Vladimir Putin",
        "--relations",
        "MET",
    ]);
    let hops: Vec<(String, String)> = v["paths"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["from"]["label"].to_string(), s["to"]["label"].to_string()))
        .collect();
    assert_eq!(
        hops,
        vec![
            ("\"Kim Deok-hoon\"".into(), "\"Xi Jinping\"".into()),
            ("\"Xi Jinping\"".into(), "\"Kim Jong Un\"".into()),
            ("\"Kim Jong Un\"".into(), "\"Vladimir Putin\"".into()),
        ]
    );
}

#[test]
fn all_paths_shortest_first_and_limited() {
    let v = json(&[
        "path",
        "Choe Son Hui",
        "Wang Yi",
        "--all",
        "--max-hops",
        "4",
        "--limit",
        "5",
    ]);
    let hops: Vec<u64> = v["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["hops"].as_u64().unwrap())
        .collect();
    assert_eq!(hops.len(), 5);
    assert!(hops.windows(2).all(|w| w[0] <= w[1]), "{hops:?}");
    assert!(hops.iter().all(|&h| (1..=4).contains(&h)));
    // simple paths: no node twice
    for p in v["paths"].as_array().unwrap() {
        let mut seen = vec![p["steps"][0]["from"]["id"].as_str().unwrap()];
        for s in p["steps"].as_array().unwrap() {
            let to = s["to"]["id"].as_str().unwrap();
            assert!(!seen.contains(&to), "{p}");
            seen.push(to);
        }
    }
}

#[test]
fn show_inss_lists_its_researchers() {
    let v = json(&["show", "INSS"]);
    assert_eq!(v["id"], "org:institute-for-national-security-strategy");
    assert_eq!(v["type"], "Organization");
    assert_eq!(v["label"], "Institute for National Security Strategy");
    assert!(v["aliases"]
        .as_array()
        .unwrap()
        .contains(&Value::from("INSS")));
    let members: Vec<(&str, &str, &str)> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["other"]["label"].as_str().unwrap(),
                m["relation"].as_str().unwrap(),
                m["title"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        members,
        vec![("Yoo Hyun Jung", "AFFILIATED_WITH", "senior researcher")]
    );
    let text = stdout(&["show", "inss"]);
    assert!(text.starts_with(
        "Institute for National Security Strategy (Organization, org:institute-for-national-security-strategy)\n"
    ));
    assert!(text.contains("  <-AFFILIATED_WITH-  Yoo Hyun Jung (Person)  senior researcher"));
}

#[test]
fn show_a_person_has_roles_meetings_and_documents() {
    let v = json(&["show", "Choe Son Hui"]);
    let roles: Vec<(&str, &str)> = v["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["other"]["id"].as_str().unwrap(),
                r["title"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(roles, vec![("country:north-korea", "Foreign Minister")]);
    assert_eq!(v["meetings"].as_array().unwrap().len(), 1);
    assert_eq!(v["meetings"][0]["date"], "2024-01-26");
    assert_eq!(v["documents"][0]["id"], "001_84e607cf970aea0c");
    assert_eq!(v["documents"][0]["date"], "2024-01-27");
}

#[test]
fn neighbors_table_json_and_dot() {
    let t = stdout(&["neighbors", "Sun Weidong"]);
    let lines: Vec<&str> = t.lines().collect();
    assert!(lines[0].starts_with("HOPS  NODE"));
    assert!(lines[1].starts_with("0     Sun Weidong"));
    assert!(t.contains("China"));
    assert!(
        t.contains("Sun Weidong -HOLDS_ROLE-> (Vice Minister of Foreign Affairs)"),
        "{t}"
    );
    assert_eq!(lines.len(), 8, "{t}");
    // as a graph of its own: the same nodes, loadable as cnkg JSON
    let g: Value =
        serde_json::from_str(&stdout(&["neighbors", "Sun Weidong", "--format", "json"])).unwrap();
    assert_eq!(g["nodes"].as_array().unwrap().len(), 7);
    let ids: Vec<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    for e in g["edges"].as_array().unwrap() {
        assert!(ids.contains(&e["source"].as_str().unwrap()));
        assert!(ids.contains(&e["target"].as_str().unwrap()));
    }
    // depth 2 reaches further
    let g2: Value = serde_json::from_str(&stdout(&[
        "neighbors",
        "Sun Weidong",
        "--depth",
        "2",
        "--format",
        "json",
    ]))
    .unwrap();
    assert!(g2["nodes"].as_array().unwrap().len() > 7);
    // any export format: GraphML with the same seven nodes
    let gml = stdout(&["neighbors", "Sun Weidong", "--format", "graphml"]);
    assert!(gml.starts_with("<?xml"));
    assert_eq!(gml.matches("<node id=").count(), 7, "{gml}");
    // DOT of the ego network renders with Graphviz
    let dot = stdout(&[
        "neighbors",
        "Sun Weidong",
        "--depth",
        "2",
        "--format",
        "dot",
    ]);
    let mut child = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("Graphviz 'dot' must be installed (apt-get install graphviz)");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Sun Weidong"));
}

#[test]
fn saved_graph_answers_as_a_fresh_build() {
    for args in [
        vec!["met", "Kim Jong Un", "--json"],
        vec!["path", "Park Minghao", "Xi Jinping", "--json"],
        vec!["path", "Choe Son Hui", "Wang Yi", "--all", "--json"],
        vec!["show", "Kim Jong Un", "--json"],
        vec!["neighbors", "Kim Jong Un", "--format", "json"],
    ] {
        let fresh = cnkg().args(&args).output().unwrap();
        assert!(fresh.status.success());
        assert_eq!(
            String::from_utf8(fresh.stdout).unwrap(),
            stdout(&args),
            "{args:?}"
        );
    }
    // and the saved graph writes back the same bytes
    let again = cnkg()
        .args(["export"])
        .arg(seeds_graph())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(again.stdout, std::fs::read(seeds_graph()).unwrap());
}

#[test]
fn bad_queries_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let not_ours = dir.path().join("other.json");
    std::fs::write(&not_ours, r#"{"directed": true, "nodes": [], "edges": []}"#).unwrap();
    let missing = dir.path().join("missing.json");
    let g = seeds_graph().to_str().unwrap().to_string();
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec!["met".into(), "Xi Jinpeng".into(), "--graph".into(), g.clone()],
            "error: no person named 'Xi Jinpeng' in the graph; did you mean Xi Jinping?".into(),
        ),
        (
            vec!["met".into(), "Kim".into(), "--graph".into(), g.clone()],
            "error: 'Kim' is ambiguous: it names Kim Deok-hoon (person:kim-deok-hoon), \
             Kim Jong Un (person:kim-jong-un); give the full name or the id"
                .into(),
        ),
        (
            vec!["met".into(), "--since".into(), "2019-13".into(), "--graph".into(), g.clone()],
            "error: bad date for --since: '2019-13': write YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2019-06)"
                .into(),
        ),
        (
            vec![
                "path".into(),
                "Kim Jong Un".into(),
                "Xi Jinping".into(),
                "--max-hops".into(),
                "0".into(),
                "--graph".into(),
                g.clone(),
            ],
            "error: --max-hops must be 1 or more (the number of edges a path may take)".into(),
        ),
        (
            vec![
                "show".into(),
                "Kim Jong Un".into(),
                "--graph".into(),
                missing.to_str().unwrap().into(),
            ],
            format!(
                "error: {0}: no such graph file; build one with `cnkg build -o {0}`, \
                 or leave out --graph to build from the articles",
                missing.display()
            ),
        ),
        (
            vec![
                "show".into(),
                "Kim Jong Un".into(),
                "--graph".into(),
                not_ours.to_str().unwrap().into(),
            ],
            format!(
                "error: {}: not a cnkg graph JSON file: graph.generator.name is not \"cnkg\"; \
                 build one with `cnkg build -o graph.json`",
                not_ours.display()
            ),
        ),
        (
            vec!["show".into(), "Nobody At All".into(), "--graph".into(), g.clone()],
            "error: no entity named 'Nobody At All' in the graph; check the spelling, or list \
             the names with `cnkg show` on a country or `cnkg met`"
                .into(),
        ),
        (
            vec![
                "neighbors".into(),
                "Xi Jinping".into(),
                "--depth".into(),
                "0".into(),
                "--graph".into(),
                g.clone(),
            ],
            "error: --depth must be 1 or more (the number of hops around the entity)".into(),
        ),
    ];
    for (args, want) in cases {
        let out = cnkg().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("{want}\n"),
            "{args:?}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn json_answers_snapshot() {
    insta::assert_snapshot!("met_kim_jong_un", stdout(&["met", "Kim Jong Un", "--json"]));
    insta::assert_snapshot!(
        "path_park_minghao_xi_jinping",
        stdout(&["path", "Park Minghao", "Xi Jinping", "--json"])
    );
    insta::assert_snapshot!("show_inss", stdout(&["show", "INSS", "--json"]));
    // the rules' content hash changes with every rule edit: not part of the answer
    let mut ego: Value =
        serde_json::from_str(&stdout(&["neighbors", "Sun Weidong", "--format", "json"])).unwrap();
    ego["graph"]["rules"]["hash"] = Value::from("[rules hash]");
    insta::assert_snapshot!(
        "neighbors_sun_weidong",
        serde_json::to_string_pretty(&ego).unwrap()
    );
}
