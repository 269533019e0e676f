//! The seeds scored by the project's scorer (`../shared/eval/score.py`)
//! against the hand-made gold (`../shared/gold/seeds.json`): the floor the
//! core build must keep. Fails, never skips, when python3 or the scorer is
//! missing.

use std::path::PathBuf;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

#[test]
fn seeds_score_at_least_the_floor() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("..").join("shared");
    let scorer = shared.join("eval/score.py");
    let gold = shared.join("gold/seeds.json");
    assert!(
        scorer.is_file(),
        "the scorer is missing: {}",
        scorer.display()
    );
    assert!(
        gold.is_file(),
        "the seeds gold is missing: {}",
        gold.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let graph = dir.path().join("graph.json");
    let status = Command::cargo_bin("cnkg")
        .unwrap()
        .current_dir(&root)
        .args(["build", "seeds", "-o"])
        .arg(&graph)
        .status()
        .unwrap();
    assert!(status.success());
    let out = Command::new("python3")
        .arg(&scorer)
        .arg("--gold")
        .arg(&gold)
        .arg("--graph")
        .arg(&graph)
        .arg("--json")
        .output()
        .expect("python3 is required to run the scorer");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // the report, then a one-line summary
    let r: serde_json::Value = serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter()
        .next()
        .expect("a JSON report")
        .expect("the report parses");
    let f = |k: &str, m: &str| r[k][m].as_f64().unwrap_or(0.0);
    let checks = [
        ("meetings F1", f("meetings", "f1"), 0.9),
        ("meeting dates", f("meetings", "date_accuracy"), 0.8),
        ("meeting places", f("meetings", "place_accuracy"), 0.8),
        ("people F1", f("people", "f1"), 0.95),
        ("organizations recall", f("organizations", "recall"), 0.9),
        ("countries recall", f("countries", "recall"), 0.9),
        ("places recall", f("places", "recall"), 0.9),
        (
            "affiliations recall",
            r["affiliations"]["recall"].as_f64().unwrap_or(0.0),
            0.8,
        ),
    ];
    let low: Vec<String> = checks
        .iter()
        .filter(|(_, got, floor)| got < floor)
        .map(|(name, got, floor)| format!("{name} {got:.2} < {floor}"))
        .collect();
    assert!(low.is_empty(), "below the floor: {low:?}\n{r:#}");
}
