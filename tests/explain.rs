//! `cnkg build --explain`: each meeting, the sentence behind it, and the
//! rule that fired with the file and line where the rule is written.

use assert_cmd::Command;

const ARTICLE: &str = "Talks in Beijing

BEIJING, March 3, 2024 (Xinhua) -- Chinese Foreign Minister Wang Yi met North Korean Foreign Minister Choe Son Hui in Beijing on Sunday.
The two sides discussed cooperation. Wang Yi also plans to meet Vice Foreign Minister Pak Myong-ho next month.
";

#[test]
fn explain_names_the_rule_its_place_and_the_sentence() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("talks.txt"), ARTICLE).unwrap();
    let out_file = dir.path().join("g.json");
    let out = Command::cargo_bin("cnkg")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("build")
        .arg(dir.path())
        .arg("-o")
        .arg(&out_file)
        .arg("--explain")
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    // the planned meeting with Pak Myong-ho is not a meeting
    assert_eq!(lines.len(), 6, "{err}");
    assert_eq!(
        lines[0],
        "meeting 2024-03-03 at Beijing: Wang Yi with Choe Son Hui  \
         (event:meeting-2024-03-03-beijing-choe-son-hui-wang-yi)"
    );
    let prefix = "  talks bytes 18..154: meeting.met (graph_rules/relations.toml:";
    assert!(lines[1].starts_with(prefix), "{}", lines[1]);
    let line_no: usize = lines[1][prefix.len()..]
        .trim_end_matches(')')
        .parse()
        .unwrap();
    // the line named is the rule's own table header, followed by its id
    let rules = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("graph_rules/relations.toml"),
    )
    .unwrap();
    let rl: Vec<&str> = rules.lines().collect();
    assert_eq!(rl[line_no - 1], "[[relation]]");
    assert_eq!(rl[line_no], "id = \"meeting.met\"");
    assert_eq!(
        lines[2],
        "    BEIJING, March 3, 2024 (Xinhua) -- Chinese Foreign Minister Wang Yi met North Korean \
         Foreign Minister Choe Son Hui in Beijing on Sunday."
    );
    assert_eq!(
        lines[3],
        "1 meeting; the rules behind them (meetings each rule supports):"
    );
    assert_eq!(lines[4], "     1  meeting.met");
    assert!(lines[5].starts_with("cnkg: 1 documents, "));
    // the graph written is the one a build without --explain writes
    let plain = Command::cargo_bin("cnkg")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("build")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(plain.stdout, std::fs::read(&out_file).unwrap());
}
