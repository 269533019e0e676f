//! `cnkg bench`: end-to-end build throughput on the synthetic corpus
//! ([`crate::synth`]) against the floor of a bare Aho-Corasick scan of the
//! same bytes for the same names, and the peak memory of the process.
//!
//! The corpus is generated in chunks that are not timed; each chunk is
//! scanned by the bare automaton on one thread (the floor), then built on
//! all cores (the build), so both see the same bytes in the same run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::extract::{Document, Extractor};
use crate::graph::{Builder, EvidenceCap};
use crate::names::MatcherKind;
use crate::rules::RuleSet;

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Documents to generate.
    pub docs: usize,
    /// Seed of the generator.
    pub seed: u64,
    /// Rules folder.
    pub rules: PathBuf,
    /// Documents generated and built at a time.
    pub chunk: usize,
    /// Evidence kept per edge.
    pub evidence: EvidenceCap,
}

impl Default for BenchOptions {
    fn default() -> BenchOptions {
        BenchOptions {
            docs: crate::synth::BENCH_DOCS,
            seed: crate::synth::SEED,
            rules: PathBuf::from("graph_rules"),
            chunk: 2000,
            evidence: EvidenceCap::All,
        }
    }
}

/// What was measured.
#[derive(Debug, Clone)]
pub struct BenchReport {
    /// Documents built.
    pub docs: usize,
    /// Bytes of article text.
    pub bytes: usize,
    /// Names in the bare automaton.
    pub names: usize,
    /// Loading and compiling the rules.
    pub rules_time: Duration,
    /// The bare scan, one thread.
    pub floor_time: Duration,
    /// Matches the bare scan found.
    pub floor_matches: usize,
    /// The build: extraction, merge and JSON, all cores.
    pub build_time: Duration,
    /// Nodes, events and edges of the graph.
    pub nodes: usize,
    /// Event nodes.
    pub events: usize,
    /// Edges.
    pub edges: usize,
    /// Bytes of graph JSON.
    pub json_bytes: usize,
    /// Threads the build ran on.
    pub threads: usize,
    /// Peak resident memory of the process (VmHWM), bytes, where known.
    pub peak_rss: Option<u64>,
    /// Evidence kept per edge.
    pub evidence: EvidenceCap,
}

fn mb_per_s(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / 1e6 / t.as_secs_f64().max(1e-9)
}

impl BenchReport {
    /// Build throughput, MB/s (rules excluded).
    pub fn build_mb_s(&self) -> f64 {
        mb_per_s(self.bytes, self.build_time)
    }
    /// Build throughput with the rules' load and compile included, MB/s.
    pub fn end_to_end_mb_s(&self) -> f64 {
        mb_per_s(self.bytes, self.build_time + self.rules_time)
    }
    /// Floor throughput, MB/s.
    pub fn floor_mb_s(&self) -> f64 {
        mb_per_s(self.bytes, self.floor_time)
    }

    /// The report as printed.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let mb = self.bytes as f64 / 1e6;
        s.push_str(&format!(
            "corpus      {} documents, {mb:.1} MB (synthetic, seed fixed)\n",
            self.docs
        ));
        s.push_str(&format!(
            "rules       loaded and compiled in {:.3} s\n",
            self.rules_time.as_secs_f64()
        ));
        s.push_str(&format!(
            "floor       bare Aho-Corasick scan of {} names, 1 thread: {:.3} s, {:.1} MB/s ({} matches)\n",
            self.names,
            self.floor_time.as_secs_f64(),
            self.floor_mb_s(),
            self.floor_matches
        ));
        s.push_str(&format!(
            "build       extract, merge, JSON, {} threads, evidence {}: {:.3} s, {:.1} MB/s ({} nodes, {} events, {} edges, {:.1} MB JSON)\n",
            self.threads,
            match self.evidence {
                EvidenceCap::All => "all".to_string(),
                EvidenceCap::First(0) => "none".to_string(),
                EvidenceCap::First(n) => format!("first {n}"),
            },
            self.build_time.as_secs_f64(),
            self.build_mb_s(),
            self.nodes,
            self.events,
            self.edges,
            self.json_bytes as f64 / 1e6
        ));
        s.push_str(&format!(
            "end to end  rules + build: {:.3} s, {:.1} MB/s\n",
            (self.build_time + self.rules_time).as_secs_f64(),
            self.end_to_end_mb_s()
        ));
        s.push_str(&format!(
            "ratio       build / floor = {:.3} (end to end / floor = {:.3})\n",
            self.build_mb_s() / self.floor_mb_s(),
            self.end_to_end_mb_s() / self.floor_mb_s()
        ));
        match self.peak_rss {
            Some(b) => s.push_str(&format!(
                "peak memory {:.0} MB (VmHWM)\n",
                b as f64 / 1048576.0
            )),
            None => s.push_str("peak memory unknown (no /proc/self/status)\n"),
        }
        s
    }
}

/// Peak resident memory of this process (VmHWM), in bytes, on Linux.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The bare automaton: every name, alias and demonym of the gazetteer,
/// leftmost-longest and ASCII case-insensitive, as the build matches them,
/// compiled to a DFA (the fastest of the automaton's kinds).
pub fn name_automaton(rules: &RuleSet) -> Result<(AhoCorasick, usize)> {
    let names: Vec<&str> = rules
        .entities
        .iter()
        .flat_map(|e| {
            std::iter::once(e.rule.name.as_str())
                .chain(e.rule.aliases.iter().map(String::as_str))
                .chain(e.rule.demonyms.iter().map(String::as_str))
        })
        .collect();
    let ac = AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&names)
        .map_err(|e| {
            Error::Rules(vec![crate::error::RuleIssue {
                file: PathBuf::from("graph_rules"),
                line: None,
                rule: None,
                message: format!("cannot build the name automaton: {e}"),
            }])
        })?;
    Ok((ac, names.len()))
}

/// Generates `docs` documents of the synthetic corpus in chunks (in
/// parallel), calling `each` on every chunk in order.
pub fn for_each_chunk(seed: u64, docs: usize, chunk: usize, mut each: impl FnMut(Vec<Document>)) {
    let mut start = 0;
    while start < docs {
        let end = (start + chunk.max(1)).min(docs);
        let part: Vec<Document> = (start..end)
            .into_par_iter()
            .map(|i| crate::synth::document(seed, i))
            .collect();
        each(part);
        start = end;
    }
}

/// Writes the synthetic corpus as `.txt` files into `dir` (created when
/// missing): `dir/000/synth-000000.txt`, a thousand to a folder.
///
/// # Errors
/// [`Error::Read`] naming the file that could not be written.
pub fn write_corpus(dir: &Path, seed: u64, docs: usize) -> Result<usize> {
    let mut bytes = 0;
    let mut err = None;
    for_each_chunk(seed, docs, 1000, |part| {
        if err.is_some() {
            return;
        }
        for d in part {
            let n: usize = d.id.trim_start_matches("synth-").parse().unwrap_or(0);
            let sub = dir.join(format!("{:03}", n / 1000));
            let path = sub.join(format!("{}.txt", d.id));
            let r = std::fs::create_dir_all(&sub).and_then(|_| std::fs::write(&path, &d.text));
            if let Err(source) = r {
                err = Some(Error::Read { path, source });
                return;
            }
            bytes += d.text.len();
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(bytes),
    }
}

/// A writer that counts the bytes written to it and keeps none.
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs the benchmark.
///
/// # Errors
/// Rule errors.
pub fn run(opt: &BenchOptions) -> Result<BenchReport> {
    let t = Instant::now();
    let set = RuleSet::load_dir(&opt.rules)?;
    let x = Extractor::new(&set)?;
    let rules_time = t.elapsed();
    let (ac, names) = name_automaton(&set)?;
    let mut bytes = 0;
    let mut floor_time = Duration::ZERO;
    let mut floor_matches = 0;
    let mut build_time = Duration::ZERO;
    let mut b = Builder::new(&x).evidence(opt.evidence);
    for_each_chunk(opt.seed, opt.docs, opt.chunk, |part| {
        let t = Instant::now();
        for d in &part {
            floor_matches += ac.find_iter(&d.text).count();
        }
        floor_time += t.elapsed();
        bytes += part.iter().map(|d| d.text.len()).sum::<usize>();
        let t = Instant::now();
        b.add(&part);
        build_time += t.elapsed();
    });
    let t = Instant::now();
    let (g, _, _) = b.finish_compact();
    // counted as it is written, as `cnkg build -o` writes it
    let mut json = Counter(0);
    crate::export::json::write_compact(&g, None, &mut json).expect("counting cannot fail");
    build_time += t.elapsed();
    let (_, entities, events, edges) = g.summary();
    Ok(BenchReport {
        docs: opt.docs,
        bytes,
        names,
        rules_time,
        floor_time,
        floor_matches,
        build_time,
        nodes: entities + events,
        events,
        edges,
        json_bytes: json.0,
        threads: rayon::current_num_threads(),
        peak_rss: peak_rss(),
        evidence: opt.evidence,
    })
}

/// Loading and compiling one set of rules: what it took.
#[derive(Debug, Clone)]
pub struct LoadTimes {
    /// Bytes of the generated gazetteer file.
    pub bytes: usize,
    /// Reading (where timed), parsing and validating every rule file.
    pub load_time: Duration,
    /// Compiling them (name matcher, patterns, gates).
    pub compile_time: Duration,
    /// How the names are found.
    pub matcher: MatcherKind,
    /// Processor time of load and compile, all threads, where known: on a
    /// machine shared with other work, the wall time varies with the load
    /// and this does not.
    pub cpu_time: Option<Duration>,
}

impl LoadTimes {
    /// Load and compile.
    pub fn total(&self) -> Duration {
        self.load_time + self.compile_time
    }
}

/// What loading a big gazetteer took.
#[derive(Debug, Clone)]
pub struct GazetteerReport {
    /// Entities in all, the folder's included.
    pub entities: usize,
    /// Names, aliases included.
    pub names: usize,
    /// The folder's rules alone, read from disk.
    pub alone: LoadTimes,
    /// With the gazetteer as a `*.tsv` table beside them, read from disk.
    pub tsv: LoadTimes,
    /// With the gazetteer as TOML `[[entity]]` tables (in memory: the file
    /// is over the 8 MiB limit of a TOML rule file).
    pub toml: LoadTimes,
    /// Peak resident memory of the process (VmHWM), bytes, where known.
    pub peak_rss: Option<u64>,
}

impl GazetteerReport {
    /// The report as printed.
    pub fn render(&self) -> String {
        let row = |what: &str, t: &LoadTimes, size: String| {
            format!(
                "{what:<11} {size}load {:.3} s + compile {:.3} s = total {:.3} s{} (names by {})\n",
                t.load_time.as_secs_f64(),
                t.compile_time.as_secs_f64(),
                t.total().as_secs_f64(),
                t.cpu_time
                    .map(|c| format!(", {:.2} s of processor time", c.as_secs_f64()))
                    .unwrap_or_default(),
                match t.matcher {
                    MatcherKind::Automaton => "automaton",
                    MatcherKind::Index => "index",
                }
            )
        };
        let mb = |t: &LoadTimes| format!("{:>5.1} MB  ", t.bytes as f64 / 1e6);
        format!(
            "gazetteer   {} entities, {} names and aliases, with the rules of the folder\n{}{}{}{}",
            self.entities,
            self.names,
            row("rules alone", &self.alone, format!("{:>5}     ", "")),
            row("tsv", &self.tsv, mb(&self.tsv)),
            row("toml", &self.toml, mb(&self.toml)),
            self.peak_rss
                .map(|b| format!("memory      peak {:.0} MB (VmHWM)\n", b as f64 / 1048576.0))
                .unwrap_or_default()
        )
    }
}

/// One generated gazetteer entry.
struct GenEntity {
    id: String,
    kind: &'static str,
    name: String,
    aliases: [String; 2],
}

/// `n` generated entities (people, organisations and places, each with a
/// name and two aliases).
fn generated(n: usize, seed: u64) -> Vec<GenEntity> {
    const SYL: &[&str] = &[
        "ka", "ri", "mo", "sun", "pak", "tae", "jin", "hwa", "lo", "zhe", "min", "bo", "quan",
        "dae", "nam", "yu", "sol", "gim", "han", "wei",
    ];
    let mut r = crate::synth::Rng::new(seed);
    let word = |r: &mut crate::synth::Rng, k: usize, salt: usize| {
        let mut w = String::new();
        let mut x = k * 7919 + salt;
        for _ in 0..3 {
            w.push_str(SYL[x % SYL.len()]);
            x /= SYL.len();
        }
        w.push_str(SYL[r.below(SYL.len())]);
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    (0..n)
        .map(|k| {
            let (kind, tail) = match k % 3 {
                0 => ("Person", ""),
                1 => ("Organization", " Institute"),
                _ => ("Place", " County"),
            };
            let a = word(&mut r, k, 1);
            let b = word(&mut r, k / 8000, 2);
            // the number keeps every name distinct
            GenEntity {
                id: format!("gz-{k}"),
                kind,
                name: format!("{a} {b} {k}{tail}"),
                aliases: [format!("{a}-{b} {k}{tail}"), format!("{b} {a} {k}{tail}")],
            }
        })
        .collect()
}

/// A gazetteer of `n` generated entities (people, organisations and
/// places, each with a name and two aliases), as a TOML rule file.
pub fn gazetteer_toml(n: usize, seed: u64) -> String {
    let mut s = String::with_capacity(n * 160);
    for e in generated(n, seed) {
        s.push_str(&format!(
            "[[entity]]\nid = \"{}\"\ntype = \"{}\"\nname = \"{}\"\naliases = [\"{}\", \"{}\"]\n\n",
            e.id, e.kind, e.name, e.aliases[0], e.aliases[1]
        ));
    }
    s
}

/// The gazetteer of [`gazetteer_toml`] as a `*.tsv` table.
pub fn gazetteer_tsv(n: usize, seed: u64) -> String {
    let mut s = String::with_capacity(n * 100);
    s.push_str("id\ttype\tname\taliases\n");
    for e in generated(n, seed) {
        s.push_str(&format!(
            "{}\t{}\t{}\t{}|{}\n",
            e.id, e.kind, e.name, e.aliases[0], e.aliases[1]
        ));
    }
    s
}

/// The `*.toml` rule files of `rules`, sorted.
fn rule_files(rules: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(rules)
        .map_err(|source| Error::Read {
            path: rules.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Processor time of the process so far, all threads (Linux, in the
/// kernel's usual ticks of 10 ms).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Times `load`, then compiling what it loaded.
fn time_load(bytes: usize, load: impl FnOnce() -> Result<RuleSet>) -> Result<(LoadTimes, RuleSet)> {
    let cpu = cpu_time();
    let t = Instant::now();
    let set = load()?;
    let load_time = t.elapsed();
    let t = Instant::now();
    let x = Extractor::new(&set)?;
    let compile_time = t.elapsed();
    let cpu_time = cpu.zip(cpu_time()).map(|(a, b)| b.saturating_sub(a));
    let matcher = x.name_matcher();
    drop(x);
    let times = LoadTimes {
        bytes,
        load_time,
        compile_time,
        matcher,
        cpu_time,
    };
    Ok((times, set))
}

/// Loads and compiles the rules of `rules` alone, then with a generated
/// gazetteer of `n` entities as a `*.tsv` table in a copy of the folder,
/// then as a TOML rule file, timing each step.
///
/// # Errors
/// Rule errors; a temporary folder that cannot be written.
pub fn gazetteer(n: usize, rules: &Path) -> Result<GazetteerReport> {
    let files = rule_files(rules)?;
    let (alone, _) = time_load(0, || RuleSet::load_dir(rules))?;
    // a copy of the folder with the table beside its rule files
    let dir = std::env::temp_dir().join(format!("cnkg-bench-gazetteer-{}", std::process::id()));
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })
    };
    let tsv_text = gazetteer_tsv(n, crate::synth::SEED);
    let copied = (|| {
        std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
            path: dir.clone(),
            source,
        })?;
        for f in &files {
            let text = crate::corpus::read_text(f)?;
            write(&dir.join(f.file_name().unwrap_or_default()), &text)?;
        }
        write(&dir.join("zz-generated.tsv"), &tsv_text)
    })();
    let tsv = copied.and_then(|()| time_load(tsv_text.len(), || RuleSet::load_dir(&dir)));
    let _ = std::fs::remove_dir_all(&dir);
    let (tsv, set) = tsv?;
    drop(tsv_text);
    let mut sources = Vec::new();
    for f in files {
        let text = crate::corpus::read_text(&f)?;
        sources.push((f, text));
    }
    let toml_text = gazetteer_toml(n, crate::synth::SEED);
    let bytes = toml_text.len();
    sources.push((rules.join("zz-generated.toml"), toml_text));
    let (toml, _) = time_load(bytes, || RuleSet::from_sources(&sources))?;
    let names = set
        .entities
        .iter()
        .map(|e| 1 + e.rule.aliases.len() + e.rule.demonyms.len())
        .sum();
    Ok(GazetteerReport {
        entities: set.entities.len(),
        names,
        alone,
        tsv,
        toml,
        peak_rss: peak_rss(),
    })
}
