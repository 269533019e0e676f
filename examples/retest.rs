fn main() {
    let set = cnkg::rules::RuleSet::load_dir(std::path::Path::new("graph_rules")).unwrap();
    let c = set.compile().unwrap();
    let id = std::env::args().nth(1).unwrap();
    let text = std::env::args()
        .nth(2)
        .unwrap()
        .replace('<', "\u{E000}")
        .replace('>', "\u{E001}");
    for r in &c.relations {
        if r.id == id {
            println!("{}", r.re.as_str());
            println!("{:?}", r.re.captures(&text));
        }
    }
    for r in &c.entity_patterns {
        if r.id == id {
            println!("{}", r.re.as_str());
            println!("{:?}", r.re.captures(&text));
        }
    }
}
