//! What cnkg does with bad input: one row per fault, with the exact lines it
//! prints to standard error, its exit status, and the state of the output
//! file afterwards. Every row runs the real binary in a fresh folder `T`
//! (written `{T}` in the rows) holding the row's files.
//!
//! Tests run as root here, so a `chmod 000` file stays readable; the
//! unreadable file is a link to `/proc/self/mem`, which no one can read from
//! its start.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A short article the shipped rules find a meeting in.
const GOOD: &str = "Chinese President Xi Jinping met with North Korean leader Kim Jong Un in Beijing on 3 March 2023.\n";

/// A self-contained rule folder, used by the rule rows as a base.
const RULES: &str = r#"[[entity]]
id = "xi"
type = "Person"
name = "Xi Jinping"

[[entity]]
id = "kim"
type = "Person"
name = "Kim Jong Un"

[[relation]]
id = "met"
kind = "meeting"
pattern = '{Person:a} met (?:with )?{Person:b}'
"#;

/// What a file of a row holds.
#[derive(Clone, Copy)]
enum Content {
    Text(&'static str),
    Bytes(&'static [u8]),
    /// A sparse file of this many bytes (nothing is written to disk).
    Sparse(u64),
    /// A symbolic link to this target (`{T}` is replaced).
    Link(&'static str),
}

/// The output file afterwards.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Out {
    /// Never created.
    Absent,
    /// An old file there before the run is byte for byte as it was.
    Unchanged,
    /// A new graph (JSON that parses, with nodes).
    Written,
}

struct Case {
    name: &'static str,
    files: &'static [(&'static str, Content)],
    /// Arguments; for `build` without `-o`, `-o {T}/out/graph.json` is added.
    args: &'static [&'static str],
    stdin: &'static [u8],
    code: i32,
    /// Standard error, line by line; a line ending in `*` matches any line
    /// starting with what comes before the `*`.
    stderr: &'static [&'static str],
    out: Out,
}

use Content::*;

mod common;
use common::root;

const CASES: &[Case] = &[
    // ---------------------------------------------------------- input faults
    Case {
        name: "missing path",
        files: &[],
        args: &["build", "{T}/nope"],
        stdin: b"",
        code: 2,
        stderr: &["error: {T}/nope: no such file or directory (give .txt or .jsonl files, folders of them, or - for standard input)"],
        out: Out::Unchanged,
    },
    Case {
        name: "unreadable file",
        files: &[("in/a.txt", Text(GOOD)), ("in/locked.txt", Link("/proc/self/mem"))],
        args: &["build", "{T}/in"],
        stdin: b"",
        code: 2,
        stderr: &["error: {T}/in/locked.txt: cannot read: Input/output error (os error 5)"],
        out: Out::Unchanged,
    },
    Case {
        name: "directory without articles",
        files: &[("in/notes.md", Text("# notes\n")), ("in/sub/page.html", Text("<p>Kim</p>"))],
        args: &["build", "{T}/in"],
        stdin: b"",
        code: 2,
        stderr: &["error: {T}/in: no .txt or .jsonl articles found in this folder"],
        out: Out::Unchanged,
    },
    Case {
        name: "empty file, skipped",
        files: &[("in/a.txt", Text(GOOD)), ("in/empty.txt", Text(""))],
        args: &["build", "{T}/in"],
        stdin: b"",
        code: 0,
        stderr: &[
            "warning: {T}/in/empty.txt: empty file",
            "cnkg: 1 documents, *",
            "cnkg: skipped 1 document (1 empty); see warnings above",
        ],
        out: Out::Written,
    },
    Case {
        name: "whitespace-only file, skipped",
        files: &[("in/a.txt", Text(GOOD)), ("in/blank.txt", Text(" \n\t\r\n"))],
        args: &["build", "{T}/in"],
        stdin: b"",
        code: 0,
        stderr: &[
            "warning: {T}/in/blank.txt: empty file (only white space)",
            "cnkg: 1 documents, *",
            "cnkg: skipped 1 document (1 empty); see warnings above",
        ],
        out: Out::Written,
    },
    Case {
        name: "binary file, skipped",
        files: &[("in/a.txt", Text(GOOD)), ("in/image.txt", Bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"))],
        args: &["build", "{T}/in"],
        stdin: b"",
        code: 0,
        stderr: &[
            "warning: {T}/in/image.txt: binary file (a NUL byte at byte 8); not an article",
            "cnkg: 1 documents, *",
            "cnkg: skipped 1 document (1 binary); see warnings above",
        ],
        out: Out::Written,
    },
    Case {
        name: "Windows-1252 bytes, skipped",
        files: &[
            ("in/a.txt", Text(GOOD)),
            ("in/cp1252.txt", Bytes(b"Kim Jong Un\x92s visit \x96 a \x93friendly\x94 talk.\n")),
        ],
        args: &["build", "{T}/in"],
        stdin: b"",
        code: 0,
        stderr: &[
            "warning: {T}/in/cp1252.txt: not UTF-8 text (byte 11); convert it to UTF-8, e.g. with iconv -f WINDOWS-1252 -t UTF-8",
            "cnkg: 1 documents, *",
            "cnkg: skipped 1 document (1 not UTF-8); see warnings above",
        ],
        out: Out::Written,
    },
    Case {
        name: "UTF-16 file, skipped",
        files: &[("in/a.txt", Text(GOOD)), ("in/utf16.txt", Bytes(b"\xff\xfeK\0i\0m\0"))],
        args: &["build", "{T}/in"],
        stdin: b"",
        code: 0,
        stderr: &[
            "warning: {T}/in/utf16.txt: UTF-16 text, not UTF-8; convert it to UTF-8, e.g. with iconv -f UTF-16 -t UTF-8",
            "cnkg: 1 documents, *",
            "cnkg: skipped 1 document (1 not UTF-8); see warnings above",
        ],
        out: Out::Written,
    },
    Case {
        name: "a 300 MB file over the size cap, skipped before it is read",
        files: &[("in/a.txt", Text(GOOD)), ("in/disk.txt", Sparse(300 << 20))],
        args: &["build", "{T}/in"],
        stdin: b"",
        code: 0,
        stderr: &[
            "warning: {T}/in/disk.txt: larger than the 64 MiB limit (314572800 bytes); is this an article? (raise the limit with --max-doc-bytes)",
            "cnkg: 1 documents, *",
            "cnkg: skipped 1 document (1 too large); see warnings above",
        ],
        out: Out::Written,
    },
    Case {
        name: "--max-doc-bytes",
        files: &[("in/a.txt", Text(GOOD)), ("in/long.txt", Text(LONG))],
        args: &["build", "{T}/in", "--max-doc-bytes", "1K"],
        stdin: b"",
        code: 0,
        stderr: &[
            "warning: {T}/in/long.txt: larger than the 1 KiB limit (1199 bytes); is this an article? (raise the limit with --max-doc-bytes)",
            "cnkg: 1 documents, *",
            "cnkg: skipped 1 document (1 too large); see warnings above",
        ],
        out: Out::Written,
    },
    Case {
        name: "JSON Lines: a broken line, a record without text, a bad date",
        files: &[("in/dump.jsonl", Text(DUMP))],
        args: &["build", "{T}/in"],
        stdin: b"",
        code: 0,
        stderr: &[
            "warning: {T}/in/dump.jsonl:2: invalid JSON at column 34: EOF while parsing a string",
            "warning: {T}/in/dump.jsonl:4: record without `text`",
            "warning: {T}/in/dump.jsonl:5: bad `date` \"26/01/2024\": use YYYY-MM-DD, YYYY-MM or YYYY",
            "cnkg: 2 documents, *",
            "cnkg: skipped 3 documents (1 invalid JSON, 1 without text, 1 with a bad date); see warnings above",
        ],
        out: Out::Written,
    },
    Case {
        name: "JSON Lines: a record over the size cap",
        files: &[("in/dump.jsonl", Text(DUMP_LONG))],
        args: &["build", "{T}/in", "--max-doc-bytes", "1K"],
        stdin: b"",
        code: 0,
        stderr: &[
            "warning: {T}/in/dump.jsonl:2: record larger than the 1 KiB limit (1168 bytes); raise the limit with --max-doc-bytes",
            "cnkg: 1 documents, *",
            "cnkg: skipped 1 document (1 too large); see warnings above",
        ],
        out: Out::Written,
    },
    Case {
        name: "JSON Lines: a line that is not an object, a text that is not a string, a bad id",
        files: &[("in/dump.jsonl", Text(DUMP_ODD))],
        args: &["build", "{T}/in"],
        stdin: b"",
        code: 0,
        stderr: &[
            "warning: {T}/in/dump.jsonl:2: invalid JSON record: a list instead of an object",
            "warning: {T}/in/dump.jsonl:3: `text` is a list, not a string",
            "warning: {T}/in/dump.jsonl:4: bad `id`: an object, not a string or number",
            "cnkg: 1 documents, *",
            "cnkg: skipped 3 documents (1 invalid JSON, 1 without text, 1 with a bad id); see warnings above",
        ],
        out: Out::Written,
    },
    Case {
        name: "--strict: the first skip is an error",
        files: &[("in/dump.jsonl", Text(DUMP))],
        args: &["build", "{T}/in", "--strict"],
        stdin: b"",
        code: 2,
        stderr: &["error: {T}/in/dump.jsonl:2: invalid JSON at column 34: EOF while parsing a string"],
        out: Out::Unchanged,
    },
    Case {
        name: "--strict: an empty file is an error",
        files: &[("in/a.txt", Text(GOOD)), ("in/empty.txt", Text(""))],
        args: &["build", "{T}/in", "--strict"],
        stdin: b"",
        code: 2,
        stderr: &["error: {T}/in/empty.txt: empty file"],
        out: Out::Absent,
    },
    Case {
        name: "every document skipped",
        files: &[("in/empty.txt", Text("")), ("in/b.txt", Bytes(b"\0"))],
        args: &["build", "{T}/in"],
        stdin: b"",
        code: 2,
        stderr: &[
            "warning: {T}/in/b.txt: binary file (a NUL byte at byte 0); not an article",
            "warning: {T}/in/empty.txt: empty file",
            "error: no documents left to read: skipped 2 documents (1 empty, 1 binary); see warnings above",
        ],
        out: Out::Unchanged,
    },
    Case {
        name: "standard input: JSON Lines with a broken line",
        files: &[],
        args: &["build", "-"],
        stdin: b"\n{\"id\":\"s1\",\"date\":\"2023-03\",\"text\":\"Chinese President Xi Jinping met with North Korean leader Kim Jong Un in Beijing.\"}\n{\"id\":\n",
        code: 0,
        stderr: &[
            "warning: <stdin>:3: invalid JSON at column 6: EOF while parsing a value",
            "cnkg: 1 documents, *",
            "cnkg: skipped 1 document (1 invalid JSON); see warnings above",
        ],
        out: Out::Written,
    },
    Case {
        name: "standard input: empty",
        files: &[],
        args: &["build", "-"],
        stdin: b"  \n",
        code: 2,
        stderr: &[
            "warning: <stdin>: empty file (only white space)",
            "error: no documents left to read: skipped 1 document (1 empty); see warnings above",
        ],
        out: Out::Unchanged,
    },
    // -------------------------------------------------------- output safety
    Case {
        name: "output over an input article",
        files: &[("in/a.txt", Text(GOOD))],
        args: &["build", "{T}/in", "-o", "{T}/in/a.txt"],
        stdin: b"",
        code: 2,
        stderr: &["error: refusing to write the output over an input: {T}/in/a.txt"],
        out: Out::Unchanged,
    },
    Case {
        name: "output over an input, through a symbolic link",
        files: &[("in/a.txt", Text(GOOD)), ("out/graph.json", Link("{T}/in/a.txt"))],
        args: &["build", "{T}/in", "-o", "{T}/out/graph.json"],
        stdin: b"",
        code: 2,
        stderr: &["error: refusing to write the output over an input: {T}/out/graph.json"],
        out: Out::Unchanged,
    },
    Case {
        name: "output over a JSON Lines input that was skipped",
        files: &[("in/a.txt", Text(GOOD)), ("in/b.jsonl", Text("{\n"))],
        args: &["build", "{T}/in", "-o", "{T}/in/b.jsonl"],
        stdin: b"",
        code: 2,
        stderr: &["error: refusing to write the output over an input: {T}/in/b.jsonl"],
        out: Out::Unchanged,
    },
    Case {
        name: "output over a rule file",
        files: &[("in/a.txt", Text(GOOD)), ("rules/r.toml", Text(RULES))],
        args: &["build", "{T}/in", "--rules", "{T}/rules", "-o", "{T}/rules/r.toml"],
        stdin: b"",
        code: 2,
        stderr: &["error: refusing to write the output over an input: {T}/rules/r.toml"],
        out: Out::Unchanged,
    },
    Case {
        name: "export over the graph it reads",
        files: &[("g.json", Text("{}"))],
        args: &["export", "{T}/g.json", "--format", "dot", "-o", "{T}/g.json"],
        stdin: b"",
        code: 2,
        stderr: &["error: refusing to write the output over an input: {T}/g.json"],
        out: Out::Unchanged,
    },
    Case {
        name: "output folder that does not exist",
        files: &[("in/a.txt", Text(GOOD))],
        args: &["build", "{T}/in", "-o", "{T}/missing/graph.json"],
        stdin: b"",
        code: 2,
        stderr: &["error: {T}/missing/graph.json: cannot write: No such file or directory (os error 2)"],
        out: Out::Absent,
    },
    // ----------------------------------------------------------- rule faults
    Case {
        name: "rules: every fault at once, in line order",
        files: &[("in/a.txt", Text(GOOD)), ("rules/a.toml", Text(RULES)), ("rules/b.toml", Text(BROKEN))],
        args: &["build", "{T}/in", "--rules", "{T}/rules"],
        stdin: b"",
        code: 2,
        stderr: &[
            "error: 12 errors in rule files:",
            "  {T}/rules/b.toml:1: rule 'colour': in [[entity]]: unknown field `colour`, expected one of `id`, `type`, `name`, `aliases`, `demonyms`, `country`, `located_in`, `roles`",
            "  {T}/rules/b.toml:7: rule 'wrong-type': in [[entity]]: `aliases`: invalid type: string \"Pak\", expected a list",
            "  {T}/rules/b.toml:13: rule 'bad-regex': bad regex: unclosed group (at character 4: \"(?P<name>[A-Z]\\w+\")",
            "  {T}/rules/b.toml:18: rule 'xi': duplicate id: already used at {T}/rules/a.toml:1; give each rule its own id",
            "  {T}/rules/b.toml:23: rule 'unknown-type': unknown entity type 'Persn': use Person, Organization, Country or Place",
            "  {T}/rules/b.toml:28: rule 'slot-type': unknown slot type 'Persn' in {Persn:a}: use Person, Organization, Country, Place, Date, Location, Actor, Group or Entity",
            "  {T}/rules/b.toml:33: rule 'alias-twice': alias 'Kim Jong-un' is also claimed by entity 'kim'; keep it on one entity",
            "  {T}/rules/b.toml:39: rule 'empty-pattern': empty pattern: write a regex",
            "  {T}/rules/b.toml:43: rule 'empty-match': pattern matches the empty string; make it require some text",
            "  {T}/rules/b.toml:47: rule 'unless-regex': in `unless`: bad regex: unclosed character class (at character 1: \"[abc\")",
            "  {T}/rules/b.toml:53: rule 'previous-on-visit': `unless_previous` reads the sentence before for the two sides of a meeting: use it with kind = \"meeting\"",
            "  {T}/rules/b.toml:59: rule 'year-type': in [[anniversary]]: `year`: invalid type: string \"1950\", expected an integer",
        ],
        out: Out::Unchanged,
    },
    Case {
        name: "rules check: the same faults",
        files: &[("rules/a.toml", Text(RULES)), ("rules/b.toml", Text(BROKEN))],
        args: &["rules", "check", "{T}/rules"],
        stdin: b"",
        code: 2,
        stderr: &[
            "error: 12 errors in rule files:",
            "  {T}/rules/b.toml:1: rule 'colour': *",
            "  {T}/rules/b.toml:7: rule 'wrong-type': *",
            "  {T}/rules/b.toml:13: rule 'bad-regex': *",
            "  {T}/rules/b.toml:18: rule 'xi': *",
            "  {T}/rules/b.toml:23: rule 'unknown-type': *",
            "  {T}/rules/b.toml:28: rule 'slot-type': *",
            "  {T}/rules/b.toml:33: rule 'alias-twice': *",
            "  {T}/rules/b.toml:39: rule 'empty-pattern': *",
            "  {T}/rules/b.toml:43: rule 'empty-match': *",
            "  {T}/rules/b.toml:47: rule 'unless-regex': *",
            "  {T}/rules/b.toml:53: rule 'previous-on-visit': *",
            "  {T}/rules/b.toml:59: rule 'year-type': *",
        ],
        out: Out::Absent,
    },
    Case {
        name: "rules: a TOML syntax error",
        files: &[("in/a.txt", Text(GOOD)), ("rules/a.toml", Text("[[entity]]\nid = \"x\nname = \"X\"\n"))],
        args: &["build", "{T}/in", "--rules", "{T}/rules"],
        stdin: b"",
        code: 2,
        stderr: &["error: {T}/rules/a.toml:2: invalid basic string, expected `\"`"],
        out: Out::Unchanged,
    },
    Case {
        name: "rules: a rule file over 8 MiB, and one that is not UTF-8",
        files: &[
            ("in/a.txt", Text(GOOD)),
            ("rules/a.toml", Text(RULES)),
            ("rules/big.toml", Sparse(9 << 20)),
            ("rules/latin1.toml", Bytes(b"# caf\xe9\n")),
        ],
        args: &["build", "{T}/in", "--rules", "{T}/rules"],
        stdin: b"",
        code: 2,
        stderr: &[
            "error: 2 errors in rule files:",
            "  {T}/rules/big.toml: rule file larger than the 8 MiB limit (9437184 bytes); is this a rule file?",
            "  {T}/rules/latin1.toml: not UTF-8 text (byte 5); save the rule file as UTF-8",
        ],
        out: Out::Unchanged,
    },
    Case {
        name: "rules: a folder that does not exist",
        files: &[("in/a.txt", Text(GOOD))],
        args: &["build", "{T}/in", "--rules", "{T}/nope"],
        stdin: b"",
        code: 2,
        stderr: &["error: {T}/nope: no such rules folder (give a folder of *.toml rule files with --rules)"],
        out: Out::Unchanged,
    },
    Case {
        name: "rules: a folder without rule files",
        files: &[("in/a.txt", Text(GOOD)), ("rules/README.md", Text("# rules\n"))],
        args: &["build", "{T}/in", "--rules", "{T}/rules"],
        stdin: b"",
        code: 2,
        stderr: &["error: {T}/rules: no .toml rule files in this folder"],
        out: Out::Unchanged,
    },
    Case {
        name: "good input and rules still work",
        files: &[
            ("in/a.txt", Text("Xi Jinping met with Kim Jong Un.\n")),
            ("rules/a.toml", Text(RULES)),
        ],
        args: &["build", "{T}/in", "--rules", "{T}/rules", "--strict"],
        stdin: b"",
        code: 0,
        stderr: &["cnkg: 1 documents, 2 entities, 1 events, 3 edges -> {T}/out/graph.json"],
        out: Out::Written,
    },
];

/// 1199 bytes, one line.
const LONG: &str = "Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jin.";

const DUMP: &str = r#"{"id":"k1","title":"Talks in Beijing","date":"2023-03-03","url":"https://example.org/1","text":"Chinese President Xi Jinping met with North Korean leader Kim Jong Un in Beijing."}
{"id":"k2","text":"Kim Jong Un met
{"id":"k3","date":"2019-06","text":"Kim Jong Un met with Chinese President Xi Jinping in Pyongyang."}
{"id":"k4","title":"No body"}
{"id":"k5","date":"26/01/2024","text":"Xi Jinping met Kim Jong Un."}

"#;

const DUMP_ODD: &str = r#"{"id":"k1","text":"Chinese President Xi Jinping met with North Korean leader Kim Jong Un in Beijing."}
[1, 2]
{"id":"k3","text":["Kim"]}
{"id":{"n":4},"text":"Xi Jinping met Kim Jong Un."}
"#;

/// Line 2 is 1168 bytes.
const DUMP_LONG: &str = concat!(
    r#"{"id":"k1","text":"Chinese President Xi Jinping met with North Korean leader Kim Jong Un in Beijing."}"#,
    "\n",
    r#"{"id":"k2","text":""#,
    "Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping. Kim Jong Un met Xi Jinping.",
    r#""}"#,
    "\n"
);

/// One of each rule fault; the line numbers in the rows point at the
/// `[[...]]` header of each rule.
const BROKEN: &str = r#"[[entity]]
id = "colour"
type = "Person"
name = "Zzyzx Colourful"
colour = "red"

[[entity]]
id = "wrong-type"
type = "Person"
name = "Pak Myong Ho"
aliases = "Pak"

[[entity_pattern]]
id = "bad-regex"
type = "Person"
pattern = 'Mr (?P<name>[A-Z]\w+'

[[entity]]
id = "xi"
type = "Person"
name = "Xi Jinping"

[[entity]]
id = "unknown-type"
type = "Persn"
name = "Zzyzx Typo"

[[relation]]
id = "slot-type"
kind = "meeting"
pattern = '{Persn:a} met {Person:b}'

[[entity]]
id = "alias-twice"
type = "Person"
name = "Kim Jong Un Junior"
aliases = ["Kim Jong-un"]

[[date]]
id = "empty-pattern"
pattern = ''

[[date]]
id = "empty-match"
pattern = '\d*'

[[relation]]
id = "unless-regex"
kind = "meeting"
pattern = '{Person:a} greeted {Person:b}'
unless = '[abc'

[[relation]]
id = "previous-on-visit"
kind = "visit"
pattern = '{Person:a} toured {Location:place}'
unless_previous = '\bphone\b'

[[anniversary]]
id = "year-type"
pattern = '(?P<nth>\d+)th anniversary of the war'
year = "1950"
"#;

fn setup(t: &Path, files: &[(&str, Content)]) {
    for (rel, content) in files {
        let p = t.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        match content {
            Text(s) => std::fs::write(&p, s).unwrap(),
            Bytes(b) => std::fs::write(&p, b).unwrap(),
            Sparse(n) => std::fs::File::create(&p).unwrap().set_len(*n).unwrap(),
            Link(to) => {
                let to = to.replace("{T}", &t.display().to_string());
                std::os::unix::fs::symlink(to, &p).unwrap()
            }
        }
    }
}

fn cnkg() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cnkg"));
    c.current_dir(root());
    c
}

fn run_with_stdin(mut cmd: Command, stdin: &[u8]) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run cnkg");
    let mut pipe = child.stdin.take().unwrap();
    // cnkg may stop reading early (an error): ignore a broken pipe
    let _ = pipe.write_all(stdin);
    drop(pipe);
    child.wait_with_output().unwrap()
}

/// Temporary files left in `dir` by an atomic write.
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".tmp-"))
                .collect()
        })
        .unwrap_or_default()
}

fn line_matches(want: &str, got: &str) -> bool {
    match want.strip_suffix('*') {
        Some(prefix) => got.starts_with(prefix),
        None => want == got,
    }
}

#[test]
fn each_fault_gives_its_message_status_and_output_state() {
    let mut failures = Vec::new();
    for case in CASES {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path();
        let ts = t.display().to_string();
        setup(t, case.files);
        let mut args: Vec<String> = case.args.iter().map(|a| a.replace("{T}", &ts)).collect();
        if args[0] == "build" && !args.iter().any(|a| a == "-o") {
            args.push("-o".into());
            args.push(format!("{ts}/out/graph.json"));
        }
        let out_path = args
            .iter()
            .position(|a| a == "-o")
            .map(|i| PathBuf::from(&args[i + 1]))
            .unwrap_or_else(|| t.join("out/graph.json"));
        // an old output, when the row keeps one (an input is its own old content)
        let old: Option<Vec<u8>> = match case.out {
            Out::Absent => None,
            _ => {
                if !out_path.exists() {
                    std::fs::create_dir_all(out_path.parent().unwrap()).unwrap();
                    std::fs::write(&out_path, "old graph\n").unwrap();
                }
                std::fs::read(&out_path).ok()
            }
        };
        let mut cmd = cnkg();
        cmd.args(&args);
        let got = run_with_stdin(cmd, case.stdin);
        let stderr = String::from_utf8_lossy(&got.stderr).replace(&ts, "{T}");
        let lines: Vec<&str> = stderr.lines().collect();
        let mut bad = Vec::new();
        if got.status.code() != Some(case.code) {
            bad.push(format!(
                "exit status {:?}, want {}",
                got.status.code(),
                case.code
            ));
        }
        if lines.len() != case.stderr.len()
            || !lines
                .iter()
                .zip(case.stderr)
                .all(|(g, w)| line_matches(w, g))
        {
            bad.push(format!(
                "stderr:\n{stderr}\nwant:\n{}",
                case.stderr.join("\n")
            ));
        }
        if case.code != 0 && !got.stdout.is_empty() {
            bad.push("a failed run printed to stdout".into());
        }
        let now = std::fs::read(&out_path).ok();
        match case.out {
            Out::Absent if now.is_some() => bad.push("output created".into()),
            Out::Unchanged if now != old => bad.push(format!(
                "output changed: {:?}",
                now.map(|b| String::from_utf8_lossy(&b[..b.len().min(80)]).into_owned())
            )),
            Out::Written => {
                let v: Option<serde_json::Value> =
                    now.as_deref().and_then(|b| serde_json::from_slice(b).ok());
                let has_nodes =
                    v.is_some_and(|v| v["nodes"].as_array().is_some_and(|n| !n.is_empty()));
                if !has_nodes {
                    bad.push("no new graph written".into());
                }
            }
            _ => {}
        }
        if let Some(parent) = out_path.parent() {
            let tmp = temp_files(parent);
            if !tmp.is_empty() {
                bad.push(format!("temporary files left: {tmp:?}"));
            }
        }
        if !bad.is_empty() {
            failures.push(format!("[{}]\n{}", case.name, bad.join("\n")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// A JSON Lines `date` dates the document as a dateline would: the meeting
/// of a text that names no year gets it from there.
#[test]
fn a_json_lines_date_stands_for_the_dateline() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("d.jsonl");
    std::fs::write(
        &dump,
        "{\"id\":\"x1\",\"title\":\"Talks\",\"date\":\"2019-06-21\",\"url\":\"u\",\"text\":\"Chinese President Xi Jinping met with North Korean leader Kim Jong Un in Pyongyang on Thursday.\"}\n\
         {\"text\":\"Kim Jong Un met Xi Jinping in Beijing.\"}\n",
    )
    .unwrap();
    let out = cnkg()
        .arg("build")
        .arg(&dump)
        .arg("--strict")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let g: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let docs = g["graph"]["documents"].as_array().unwrap();
    assert_eq!(docs[0]["id"], "x1");
    assert_eq!(docs[0]["title"], "Talks");
    assert_eq!(docs[0]["date"], "2019-06-21");
    assert_eq!(docs[1]["id"], "d.jsonl:2", "an id from the file and line");
    assert_eq!(docs[1]["date"], serde_json::Value::Null);
    let met: Vec<&serde_json::Value> = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["relation"] == "MET")
        .collect();
    let dates: Vec<&str> = met.iter().filter_map(|e| e["date"].as_str()).collect();
    assert!(
        dates.contains(&"2019-06-20"),
        "Thursday before the 21st: {dates:?}"
    );
}

/// A 5 MB article on one line is split into its sentences in linear time
/// and yields its facts.
#[test]
fn a_five_megabyte_single_line_article_completes_and_yields_its_facts() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("one-line.txt");
    let unit = "Readers wrote in about the weather and the harvest this week. ";
    let mut text = String::with_capacity(5_100_000);
    text.push_str("Chinese President Xi Jinping met with North Korean leader Kim Jong Un in Beijing on 3 March 2023. ");
    while text.len() < 5_000_000 {
        text.push_str(unit);
    }
    // a run with no sentence end at all, then the last fact
    text.push_str(&"and more words without an end ".repeat(20_000));
    text.push_str(". Kim Jong Un held talks with Xi Jinping in Pyongyang on 20 June 2019.");
    assert!(!text.contains('\n'));
    std::fs::write(&p, &text).unwrap();
    let started = Instant::now();
    let out = cnkg().arg("build").arg(&p).output().unwrap();
    let took = started.elapsed();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(took < Duration::from_secs(60), "took {took:?}");
    let g: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dates: Vec<&str> = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["relation"] == "MET")
        .filter_map(|e| e["date"].as_str())
        .collect();
    assert!(
        dates.contains(&"2023-03-03") && dates.contains(&"2019-06-20"),
        "{dates:?}"
    );
}

/// Ctrl-C at any moment of a build leaves the old output as it was (or, if
/// the rename came first, the whole new one) and no temporary file.
#[test]
fn ctrl_c_during_a_build_leaves_the_old_output_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    // enough articles that a build takes a moment
    let article = std::fs::read_to_string(root().join("seeds/001_84e607cf970aea0c.txt")).unwrap();
    for i in 0..150 {
        std::fs::write(input.join(format!("a{i:03}.txt")), &article).unwrap();
    }
    let out_path = dir.path().join("graph.json");
    let mut interrupted = 0;
    for delay_ms in [50u64, 150, 300, 600, 900, 1300, 1800, 2500] {
        std::fs::write(&out_path, "old graph\n").unwrap();
        let mut child = cnkg()
            .arg("build")
            .arg(&input)
            .arg("-o")
            .arg(&out_path)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let status = child.wait().unwrap();
        let now = std::fs::read(&out_path).unwrap();
        if status.success() {
            // finished before the signal: a whole new graph
            serde_json::from_slice::<serde_json::Value>(&now).expect("a whole graph");
        } else {
            assert_eq!(status.code(), Some(130), "after {delay_ms} ms: {status:?}");
            if now == b"old graph\n" {
                interrupted += 1;
            } else {
                // the signal came after the new graph was in place: it is whole
                serde_json::from_slice::<serde_json::Value>(&now)
                    .unwrap_or_else(|e| panic!("after {delay_ms} ms, a half graph: {e}"));
            }
        }
        assert_eq!(
            temp_files(dir.path()),
            Vec::<String>::new(),
            "after {delay_ms} ms"
        );
    }
    assert!(
        interrupted > 0,
        "no run was interrupted; make the input larger"
    );
}
