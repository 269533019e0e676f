//! Plain-text answers: aligned tables for the query commands.

use std::fmt::Write as _;

use crate::query::{EvidenceRef, Link, Meeting, PathAnswer, Profile, Ring};

/// An aligned table: a header row and body rows, columns padded to the
/// widest cell, two spaces apart, no trailing spaces.
///
/// ```
/// let t = cnkg::report::table(&["A", "LONG"], &[vec!["xyz".into(), "1".into()]]);
/// assert_eq!(t, "A    LONG\nxyz  1\n");
/// ```
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::new();
        for (i, c) in cells.enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(c);
            let pad = widths[i].saturating_sub(c.chars().count());
            s.extend(std::iter::repeat_n(' ', pad));
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for r in rows {
        line(&mut r.iter().map(String::as_str));
    }
    out
}

fn names(v: &[crate::query::NodeRef]) -> String {
    v.iter()
        .map(|n| n.label.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn dash(s: Option<&str>) -> String {
    s.unwrap_or("-").to_string()
}

fn evidence_line(e: &EvidenceRef) -> String {
    format!("    [{}] {}  ({})\n", e.doc, e.sentence, e.rule)
}

/// Evidence lines, one per sentence, naming every rule that read it.
fn evidence_lines(es: &[EvidenceRef]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < es.len() {
        let e = &es[i];
        let mut rules = vec![e.rule.as_str()];
        let mut j = i + 1;
        while j < es.len() && (&es[j].doc, es[j].start, es[j].end) == (&e.doc, e.start, e.end) {
            if !rules.contains(&es[j].rule.as_str()) {
                rules.push(&es[j].rule);
            }
            j += 1;
        }
        let _ = writeln!(
            out,
            "    [{}] {}  ({})",
            e.doc,
            e.sentence,
            rules.join(", ")
        );
        i = j;
    }
    out
}

/// The `cnkg met` table: date, place, the two sides, documents; with
/// `evidence`, each occasion's sentences below its row.
pub fn meetings(ms: &[Meeting], evidence: bool) -> String {
    let header = ["DATE", "PLACE", "SIDE", "MET", "DOCUMENTS"];
    let row = |m: &Meeting| {
        vec![
            dash(m.date.as_deref()),
            m.place.as_ref().map_or("-".into(), |p| p.display()),
            names(&m.sides[0]),
            names(&m.sides[1]),
            m.documents.join(", "),
        ]
    };
    if !evidence {
        let rows: Vec<Vec<String>> = ms.iter().map(row).collect();
        return table(&header, &rows);
    }
    // one aligned table, with each occasion's sentences under its row
    let rows: Vec<Vec<String>> = ms.iter().map(row).collect();
    let t = table(&header, &rows);
    let mut lines = t.lines();
    let mut out = String::new();
    out.push_str(lines.next().unwrap_or(""));
    out.push('\n');
    for (m, l) in ms.iter().zip(lines) {
        out.push_str(l);
        out.push('\n');
        out.push_str(&evidence_lines(&m.evidence));
    }
    out
}

fn arrow(relation: &str, direction: &str) -> String {
    match (relation, direction) {
        ("MET", _) => "-MET-".to_string(),
        (r, "forward") => format!("-{r}->"),
        (r, _) => format!("<-{r}-"),
    }
}

/// The `cnkg path` answer: a table of steps per path, each with its
/// evidence sentence.
pub fn paths(ps: &[PathAnswer]) -> String {
    let mut out = String::new();
    for (n, p) in ps.iter().enumerate() {
        if ps.len() > 1 {
            if n > 0 {
                out.push('\n');
            }
            let _ = writeln!(
                out,
                "path {} of {}: {} hop{}",
                n + 1,
                ps.len(),
                p.hops,
                if p.hops == 1 { "" } else { "s" }
            );
        }
        let rows: Vec<Vec<String>> = p
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let detail = [s.title.as_deref(), s.date.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ");
                vec![
                    (i + 1).to_string(),
                    s.from.label.clone(),
                    arrow(&s.relation, s.direction),
                    s.to.label.clone(),
                    if detail.is_empty() {
                        "-".into()
                    } else {
                        detail
                    },
                ]
            })
            .collect();
        let t = table(&["STEP", "FROM", "RELATION", "TO", "DETAIL"], &rows);
        let mut lines = t.lines();
        out.push_str(lines.next().unwrap_or(""));
        out.push('\n');
        for (s, l) in p.steps.iter().zip(lines) {
            out.push_str(l);
            out.push('\n');
            if let Some(e) = &s.evidence {
                out.push_str(&evidence_line(e));
            }
        }
    }
    out
}

fn links(title: &str, ls: &[Link], out: &mut String) {
    if ls.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{title}:");
    let rows: Vec<Vec<String>> = ls
        .iter()
        .map(|l| {
            vec![
                format!("  {}", arrow(&l.relation, l.direction)),
                format!("{} ({})", l.other.label, l.other.kind),
                dash(l.title.as_deref()),
                dash(l.date.as_deref()),
                format!("{} sentence{}", l.evidence_count, plural(l.evidence_count)),
            ]
        })
        .collect();
    let t = table(&["", "", "", "", ""], &rows);
    // no header row: the section title says what follows
    for l in t.lines().skip(1) {
        out.push_str(l);
        out.push('\n');
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The `cnkg show` profile.
pub fn profile(p: &Profile) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({}, {})", p.label, p.kind, p.id);
    if !p.aliases.is_empty() {
        let _ = writeln!(out, "aliases: {}", p.aliases.join(", "));
    }
    for (k, v) in &p.attributes {
        let v = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "-".into(),
            other => other.to_string(),
        };
        let _ = writeln!(out, "{k}: {v}");
    }
    let _ = writeln!(
        out,
        "mentions: {} in {} document{}",
        p.mentions,
        p.documents.len(),
        plural(p.documents.len())
    );
    links("roles and affiliations", &p.roles, &mut out);
    links(
        "people with titles or affiliations here",
        &p.members,
        &mut out,
    );
    if !p.meetings.is_empty() {
        let _ = writeln!(out, "\nmeetings:");
        for l in meetings(&p.meetings, false).lines() {
            let _ = writeln!(out, "  {l}");
        }
    }
    links("participants", &p.participants, &mut out);
    links("places inside", &p.contains, &mut out);
    links("other relations", &p.relations, &mut out);
    if !p.documents.is_empty() {
        let _ = writeln!(out, "\ndocuments:");
        let rows: Vec<Vec<String>> = p
            .documents
            .iter()
            .map(|d| {
                vec![
                    format!("  {}", d.id),
                    dash(d.date.as_deref()),
                    dash(d.title.as_deref()),
                ]
            })
            .collect();
        for l in table(&["", "", ""], &rows).lines().skip(1) {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// The `cnkg neighbors` table: each node with its distance and the edge
/// that reached it.
pub fn neighbourhood(rings: &[Ring]) -> String {
    let rows: Vec<Vec<String>> = rings
        .iter()
        .map(|r| {
            let via = r.via.as_ref().map_or("-".to_string(), |v| {
                let mut s = format!("{} {}", v.from.label, arrow(&v.relation, v.direction));
                let detail: Vec<&str> = [v.title.as_deref(), v.date.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                if !detail.is_empty() {
                    let _ = write!(s, " ({})", detail.join(", "));
                }
                s
            });
            vec![
                r.distance.to_string(),
                r.node.label.clone(),
                r.node.kind.clone(),
                via,
            ]
        })
        .collect();
    table(&["HOPS", "NODE", "TYPE", "VIA"], &rows)
}

/// The `cnkg build --explain` report: each meeting with the sentences that
/// made it and, for each sentence, the rules that read it and where each
/// rule is written (`origin(rule id)` gives "file:line"), then how many
/// meetings each rule carried.
pub fn explain(ms: &[Meeting], origin: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut carried: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for m in ms {
        let place = m.place.as_ref().map_or("-".into(), |p| p.display());
        let _ = writeln!(
            out,
            "meeting {} at {}: {} with {}  ({})",
            m.date.as_deref().unwrap_or("undated"),
            place,
            names(&m.sides[0]),
            names(&m.sides[1]),
            m.event
        );
        let mut rules_here: Vec<&str> = Vec::new();
        let mut i = 0;
        while i < m.evidence.len() {
            let e = &m.evidence[i];
            let mut j = i;
            let mut rules: Vec<&str> = Vec::new();
            while j < m.evidence.len()
                && (&m.evidence[j].doc, m.evidence[j].start, m.evidence[j].end)
                    == (&e.doc, e.start, e.end)
            {
                if !rules.contains(&m.evidence[j].rule.as_str()) {
                    rules.push(&m.evidence[j].rule);
                }
                j += 1;
            }
            let located: Vec<String> = rules
                .iter()
                .map(|r| match origin(r) {
                    Some(o) => format!("{r} ({o})"),
                    None => (*r).to_string(),
                })
                .collect();
            let _ = writeln!(
                out,
                "  {} bytes {}..{}: {}",
                e.doc,
                e.start,
                e.end,
                located.join(", ")
            );
            let _ = writeln!(out, "    {}", e.sentence);
            for r in rules {
                if !rules_here.contains(&r) {
                    rules_here.push(r);
                }
            }
            i = j;
        }
        for r in rules_here {
            *carried.entry(r).or_default() += 1;
        }
    }
    let mut by_count: Vec<(&str, usize)> = carried.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let _ = writeln!(
        out,
        "{} meeting{}; the rules behind them (meetings each rule supports):",
        ms.len(),
        plural(ms.len())
    );
    for (r, n) in by_count {
        let _ = writeln!(out, "  {n:>4}  {r}");
    }
    out
}
