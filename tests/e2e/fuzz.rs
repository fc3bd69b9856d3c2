//! A seeded mutator over the shipped models, their manifests and the shipped traces: byte
//! flips, truncations, swapped lines, extreme and garbage values, deep nesting, misspelt
//! field names (orchard's keys and Kubernetes' fields alike). Every input is loaded in
//! process (the loader, then for what loads the system's settled start and first actions;
//! for traces the parser and the replay); none may panic or run past a time limit, and every
//! refusal names the file and the line (and the field, where the input has one). A
//! misspelt field must be refused naming it. A smaller sample goes through the binary for its
//! exit codes.
//!
//! `ORCHARD_FUZZ_CASES` (default 4000 model and 2000 trace inputs) and `ORCHARD_FUZZ_SEED`
//! (default 1) change the run; a failure prints the seed, the case and the input.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use orchard::explore::replay::replay;
use orchard::explore::trace::Trace;
use orchard::model::config::parse_model;
use orchard::model::system::System;

use crate::support::Scratch;

/// The longest any one input may take (a debug build on a loaded machine).
const LIMIT: Duration = Duration::from_secs(10);

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const EXTREMES: &[&str] = &[
    "0",
    "-1",
    "-2147483648",
    "2147483647",
    "2147483648",
    "4294967296",
    "9007199254740993",
    "9223372036854775807",
    "9223372036854775808",
    "9223372036854776",
    "99999999999999999999999",
    "1e20",
    "1e400",
    "-0.5",
    "3.5",
    ".nan",
    ".inf",
    "-.inf",
    "1000000",
    "100000",
];

const GARBAGE: &[&str] = &[
    "",
    "~",
    "null",
    "[",
    "{",
    "]",
    "}",
    "&a",
    "*a",
    "*unknown",
    "!!binary AAAA",
    "!custom x",
    "|",
    ">",
    "'",
    "\"",
    "- x",
    "a: b: c",
    "{a: 1, a: 2}",
    "[1, [2, [3]]]",
    "true",
    "ı",
    "\u{0}",
    "\t",
    "%YAML 1.2",
    "@",
    "`",
    "? x",
    "/dev/zero",
    "../../../../etc/passwd",
];

/// Keys that are fields (orchard's, or Kubernetes' in the shipped manifests), not keys of a
/// free map such as labels: a misspelling of one of them must be refused, naming it.
const FIELDS: &[&str] = &[
    // orchard's own
    "name",
    "description",
    "start",
    "consistency",
    "commit",
    "controllers",
    "nodes",
    "count",
    "capacity",
    "scheduler",
    "statefulset",
    "deployment",
    "replicaset",
    "job",
    "podgc",
    "environment",
    "change-image",
    "images",
    "max",
    "restart-node",
    "restart-controller",
    "scale",
    "toggle-pause",
    "toggle-suspend",
    "mark-containers",
    "succeeded",
    "failed",
    "properties",
    "checker",
    "strategy",
    "max-depth",
    "resources",
    "file",
    "guards",
    "expectations",
    "staleness-guard",
    "level",
    "read-your-writes",
    "relist",
    "lag",
    // Kubernetes'
    "apiVersion",
    "kind",
    "metadata",
    "labels",
    "spec",
    "selector",
    "matchLabels",
    "template",
    "containers",
    "image",
    "requests",
    "serviceName",
    "ports",
    "containerPort",
    "podManagementPolicy",
    "updateStrategy",
    "type",
    "rollingUpdate",
    "partition",
    "maxSurge",
    "maxUnavailable",
    "volumeClaimTemplates",
    "accessModes",
    "paused",
    "completions",
    "parallelism",
    "backoffLimit",
    "completionMode",
    "restartPolicy",
    "command",
    "env",
    "value",
    "ownerReferences",
    "uid",
    "controller",
    "revisionHistoryLimit",
    "minReadySeconds",
    "progressDeadlineSeconds",
    "suspend",
    "nodeName",
    "nodeSelector",
    "tolerations",
];

/// Every key the misspelling must not land on (then it would be another valid field).
fn is_known(key: &str) -> bool {
    FIELDS.contains(&key) || ["names", "values", "replicas", "read"].contains(&key)
}

/// A char boundary at or before `i`.
fn boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The spans of numbers in `text`.
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            if i == bytes.len() || !bytes[i].is_ascii_alphabetic() {
                out.push((start, i));
            }
        } else {
            i += 1;
        }
    }
    out
}

/// A key of a block mapping on a line, outside the description: (byte offset, key).
fn keys(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut in_description = false;
    for line in text.split_inclusive('\n') {
        if !line.starts_with([' ', '\n', '#']) {
            in_description = line.starts_with("description:");
        }
        let body = line.trim_start();
        let body = body.strip_prefix("- ").unwrap_or(body);
        let start = offset + (line.len() - body.len());
        if !in_description || !line.starts_with(' ') {
            let key: String = body
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if !key.is_empty() && body[key.len()..].starts_with(':') && FIELDS.contains(&&*key) {
                out.push((start, key));
            }
        }
        offset += line.len();
    }
    out
}

/// A misspelling of `key` that is not another field.
fn misspell(rng: &mut Rng, key: &str) -> String {
    loop {
        let chars: Vec<char> = key.chars().collect();
        let i = rng.below(chars.len());
        let mut out = chars.clone();
        match rng.below(4) {
            0 => out[i] = 'ı',
            1 => out.insert(i, *rng.pick(&['q', 'x', 'i', 'e'])),
            2 if chars.len() > 1 => {
                out.remove(i);
            }
            _ if i + 1 < chars.len() => out.swap(i, i + 1),
            _ => out.push('z'),
        }
        let out: String = out.into_iter().collect();
        if out != key && !is_known(&out) {
            return out;
        }
    }
}

/// A field's key in `text` misspelt: the text and the misspelt key.
fn misspell_a_key(rng: &mut Rng, text: &str) -> Option<(String, String)> {
    let found = keys(text);
    if found.is_empty() {
        return None;
    }
    let (s, key) = rng.pick(&found).clone();
    let bad = misspell(rng, &key);
    let mut out = text.to_string();
    out.replace_range(s..s + key.len(), &bad);
    Some((out, bad))
}

/// One mutation of a YAML or JSON text.
fn mutate_text(rng: &mut Rng, text: &str) -> String {
    let len = text.len();
    let at = boundary(text, rng.below(len + 1));
    let mut out = text.to_string();
    match rng.below(10) {
        0 => {
            let c = *rng.pick(&[
                ':', '{', '[', ']', '-', '&', '*', '!', '"', '#', '\t', '\n', '9', 'x', 'ı', ' ',
                '\'',
            ]);
            let end = boundary(text, at + 1).max(at);
            let end = if end == at && at < len {
                at + text[at..].chars().next().map_or(0, char::len_utf8)
            } else {
                end
            };
            out.replace_range(at..end, &c.to_string());
        }
        1 => out.truncate(at),
        2 => {
            let end = boundary(text, at + rng.below(80));
            out.replace_range(at..end, "");
        }
        3 => {
            let end = boundary(text, at + rng.below(200));
            let copy = text[at..end].to_string();
            out.insert_str(end, &copy);
        }
        4 => {
            let mut lines: Vec<&str> = text.lines().collect();
            if lines.len() > 1 {
                let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
                lines.swap(a, b);
            }
            out = lines.join("\n");
        }
        5 | 6 => {
            let spans = numbers(text);
            if !spans.is_empty() {
                let (s, e) = *rng.pick(&spans);
                let value = rng.pick::<&str>(EXTREMES).to_string();
                out.replace_range(s..e, &value);
            }
        }
        7 => {
            // A scalar value after `: ` becomes garbage.
            let spots: Vec<usize> = text.match_indices(": ").map(|(i, _)| i + 2).collect();
            if !spots.is_empty() {
                let s = *rng.pick(&spots);
                let e = text[s..].find('\n').map_or(len, |n| s + n);
                let value = rng.pick::<&str>(GARBAGE).to_string();
                out.replace_range(s..e, &value);
            }
        }
        8 => {
            let depth = *rng.pick(&[64, 1_000, 100_000]);
            let nest = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let spots: Vec<usize> = text.match_indices(": ").map(|(i, _)| i + 2).collect();
            let s = spots.get(rng.below(spots.len())).copied().unwrap_or(0);
            out.insert_str(s, &nest);
        }
        _ => {
            // Indentation shifted on one line.
            let starts: Vec<usize> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .filter(|i| *i < len)
                .collect();
            let s = *rng.pick(&starts);
            if rng.below(2) == 0 {
                out.insert_str(s, "  ");
            } else if text[s..].starts_with(' ') {
                out.remove(s);
            }
        }
    }
    out
}

/// One mutation of a JSON value: a node replaced by an extreme or garbage value, a key
/// renamed, removed or added, an array element removed or doubled.
fn mutate_json(rng: &mut Rng, value: &mut serde_json::Value) {
    use serde_json::Value;
    // Choose a random path down the value, then walk it mutably.
    enum Step {
        Key(String),
        Index(usize),
    }
    let mut path = Vec::new();
    let mut at = &*value;
    while rng.below(6) != 0 {
        match at {
            Value::Object(map) if !map.is_empty() => {
                let key = map
                    .keys()
                    .nth(rng.below(map.len()))
                    .cloned()
                    .unwrap_or_default();
                at = &map[&key];
                path.push(Step::Key(key));
            }
            Value::Array(items) if !items.is_empty() => {
                let i = rng.below(items.len());
                at = &items[i];
                path.push(Step::Index(i));
            }
            _ => break,
        }
    }
    let mut node = value;
    for step in path {
        node = match step {
            Step::Key(key) => &mut node[key.as_str()],
            Step::Index(i) => &mut node[i],
        };
    }
    let extremes = [
        Value::from(99),
        Value::from(-1),
        Value::from(u64::MAX),
        Value::from(i64::MIN),
        Value::from(2_147_483_648u64),
        Value::from(1e300),
        Value::from(3.5),
        Value::Null,
        Value::from(""),
        Value::from("ı"),
        Value::from(vec![Value::Null]),
        serde_json::json!({}),
        serde_json::json!({"bogus": 1}),
        Value::from(true),
    ];
    match node {
        Value::Object(map) if !map.is_empty() && rng.below(2) == 0 => {
            let key = map
                .keys()
                .nth(rng.below(map.len()))
                .cloned()
                .unwrap_or_default();
            match rng.below(3) {
                0 => {
                    map.remove(&key);
                }
                1 => {
                    if let Some(v) = map.remove(&key) {
                        map.insert(format!("{key}x"), v);
                    }
                }
                _ => {
                    map.insert("bogus".into(), Value::from(1));
                }
            }
        }
        Value::Array(items) if !items.is_empty() && rng.below(2) == 0 => {
            let i = rng.below(items.len());
            if rng.below(2) == 0 {
                items.remove(i);
            } else {
                let copy = items[i].clone();
                items.insert(i, copy);
            }
        }
        _ => *node = rng.pick(&extremes).clone(),
    }
}

/// Whether a message names `file` and a line: `file:LINE`.
fn names_a_line(message: &str, file: &str) -> bool {
    message
        .match_indices(&format!("{file}:"))
        .any(|(i, m)| message[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// Rust's debug formatting, which no message may show (`Nodes { nodes: 3 }`, `Some(`).
fn has_debug_formatting(message: &str) -> bool {
    let struct_like = message.match_indices(" { ").any(|(i, _)| {
        let before = &message[..i];
        let word = before
            .rsplit(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or("");
        let after = &message[i + 3..];
        word.starts_with(|c: char| c.is_ascii_uppercase())
            && after
                .split_once(": ")
                .is_some_and(|(field, _)| field.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    });
    struct_like || message.contains("Some(") || message.contains("None)")
}

struct Corpus {
    models: Vec<(String, String)>,
    manifests: BTreeMap<String, String>,
    traces: Vec<(String, String)>,
}

fn corpus() -> Corpus {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read_dir = |dir: &Path, ext: &str| {
        let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        out.sort();
        out
    };
    let manifests = read_dir(&root.join("models/manifests"), "yaml")
        .into_iter()
        .map(|(name, text)| (format!("manifests/{name}"), text))
        .collect();
    Corpus {
        models: read_dir(&root.join("models"), "yaml"),
        manifests,
        traces: read_dir(&root.join("traces"), "json"),
    }
}

/// What went wrong with one input.
struct Finding {
    case: u64,
    what: String,
    input: String,
}

/// Loads one model text (its includes served from `manifests`), and for what loads builds
/// the system, settles its start and lists its first actions. `Ok(true)` when it loads,
/// `Ok(false)` when it is refused as it should be.
fn load_model(
    text: &str,
    manifests: &BTreeMap<String, String>,
    misspelt: Option<&str>,
) -> Result<bool, String> {
    let include = |name: &str| {
        manifests
            .get(name)
            .cloned()
            .ok_or_else(|| format!("no file {name}"))
    };
    match parse_model(text, "fuzz.yaml", &include) {
        Err(e) => {
            let shown = e.to_string();
            if e.line().is_none() {
                return Err(format!("no line in: {shown}"));
            }
            // Only a problem with the file as a whole has no field: it is not a mapping, it
            // is empty, or the YAML scanner stopped at a character.
            let whole_file = ["expected a mapping", "is empty", "unexpected character"];
            if e.field().is_empty() && !whole_file.iter().any(|w| e.message().contains(w)) {
                return Err(format!("no field in: {shown}"));
            }
            if std::env::var("ORCHARD_FUZZ_SHOW").is_ok() {
                eprintln!(
                    "refused{}: {shown}",
                    if e.field().is_empty() {
                        " (no field)"
                    } else {
                        ""
                    }
                );
            }
            if let Some(key) = misspelt
                && !shown.contains(key)
            {
                return Err(format!("misspelt `{key}` not named in: {shown}"));
            }
            if has_debug_formatting(&shown) && !has_debug_formatting(text) {
                return Err(format!("debug formatting in: {shown}"));
            }
            Ok(false)
        }
        Ok(_) if misspelt.is_some() => Err(format!(
            "misspelt `{}` accepted",
            misspelt.unwrap_or_default()
        )),
        Ok(loaded) => {
            let system = System::new(loaded.config).map_err(|e| format!("does not build: {e}"))?;
            let initial = system.initial();
            let _ = system.transitions(&initial);
            Ok(true)
        }
    }
}

/// Parses and replays one trace text: `Ok(true)` when it replays.
fn load_trace(text: &str) -> Result<bool, String> {
    let origin = "fuzz.json";
    match Trace::parse(text) {
        Err(e) => {
            let shown = e.located(text, origin);
            if !names_a_line(&shown, origin) {
                return Err(format!("no line in: {shown}"));
            }
            if std::env::var("ORCHARD_FUZZ_SHOW").is_ok() {
                eprintln!("refused: {shown}");
            }
            Ok(false)
        }
        Ok(trace) => match replay(&trace) {
            Err(e) => {
                let shown = e.located(text, origin);
                if !names_a_line(&shown, origin) {
                    return Err(format!("no line in: {shown}"));
                }
                if std::env::var("ORCHARD_FUZZ_SHOW").is_ok() {
                    eprintln!("refused: {shown}");
                }
                if has_debug_formatting(&shown) && !has_debug_formatting(text) {
                    return Err(format!("debug formatting in: {shown}"));
                }
                Ok(false)
            }
            Ok(_) => Ok(true),
        },
    }
}

/// How the inputs fared.
#[derive(Default)]
struct Stats {
    accepted: usize,
    refused: usize,
    slowest: Duration,
}

/// Runs `check` on one input, in process, catching a panic and timing it.
fn judge(
    stats: &mut Stats,
    case: u64,
    input: &str,
    check: impl FnOnce() -> Result<bool, String>,
) -> Option<Finding> {
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(check));
    let took = start.elapsed();
    stats.slowest = stats.slowest.max(took);
    match result {
        Ok(Ok(true)) => stats.accepted += 1,
        Ok(Ok(false)) => stats.refused += 1,
        _ => {}
    }
    let what = match result {
        Err(panic) => Some(format!(
            "panic: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
        Ok(Err(why)) => Some(why),
        Ok(Ok(_)) if took > LIMIT => Some(format!("took {took:?}")),
        Ok(Ok(_)) => None,
    };
    what.map(|what| Finding {
        case,
        what,
        input: input.to_string(),
    })
}

fn report(seed: u64, findings: &[Finding]) -> String {
    findings
        .iter()
        .take(5)
        .map(|f| {
            let input: String = f.input.chars().take(3000).collect();
            format!(
                "seed {seed}, case {}: {}\n--- input ---\n{input}\n---",
                f.case, f.what
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The peak resident memory of this process, in KiB (Linux).
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn mutated_models_and_traces_never_panic_hang_or_go_unlocated() {
    let seed = env_number("ORCHARD_FUZZ_SEED", 1);
    let cases = env_number("ORCHARD_FUZZ_CASES", 4000);
    let corpus = corpus();
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut findings = Vec::new();
    let mut misspellings = 0;
    let mut models = Stats::default();
    let mut traces = Stats::default();
    for case in 0..cases {
        // Mostly models; now and then one of the included manifests.
        let (mut text, manifests) = if rng.below(8) == 0 {
            let (name, manifest) = corpus.manifests.iter().next().expect("a shipped manifest");
            let mut manifests = corpus.manifests.clone();
            let (mutated, misspelt) = match misspell_a_key(&mut rng, manifest) {
                Some((text, key)) if rng.below(3) == 0 => (text, Some(key)),
                _ => (mutate_text(&mut rng, manifest), None),
            };
            manifests.insert(name.clone(), mutated);
            let model = corpus
                .models
                .iter()
                .find(|(_, t)| t.contains(&format!("file: {name}")))
                .map(|(_, t)| t.clone())
                .expect("a model includes the manifest");
            let input = manifests[name].clone();
            let found = judge(&mut models, case, &input, || {
                load_model(&model, &manifests, misspelt.as_deref())
            });
            misspellings += usize::from(misspelt.is_some());
            findings.extend(found);
            continue;
        } else {
            (rng.pick(&corpus.models).1.clone(), &corpus.manifests)
        };
        // A misspelling is the only change to its input; other mutations come one or two.
        let mut misspelt = None;
        if rng.below(4) == 0 {
            if let Some((mutated, key)) = misspell_a_key(&mut rng, &text) {
                text = mutated;
                misspelt = Some(key);
            }
        } else {
            for _ in 0..=rng.below(2) {
                text = mutate_text(&mut rng, &text);
            }
        }
        misspellings += usize::from(misspelt.is_some());
        findings.extend(judge(&mut models, case, &text, || {
            load_model(&text, manifests, misspelt.as_deref())
        }));
    }
    let trace_cases = cases / 2;
    for case in 0..trace_cases {
        let text = rng.pick(&corpus.traces).1.clone();
        let text = if rng.below(4) == 0 {
            mutate_text(&mut rng, &text)
        } else {
            let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
            for _ in 0..=rng.below(2) {
                mutate_json(&mut rng, &mut value);
            }
            serde_json::to_string_pretty(&value).unwrap()
        };
        findings.extend(judge(&mut traces, cases + case, &text, || {
            load_trace(&text)
        }));
    }
    assert!(
        findings.is_empty(),
        "{} findings:\n{}",
        findings.len(),
        report(seed, &findings)
    );
    eprintln!(
        "fuzz seed {seed}: models {} accepted, {} refused (slowest {:?}); traces {} replayed, {} refused (slowest {:?}); {misspellings} misspellings",
        models.accepted,
        models.refused,
        models.slowest,
        traces.accepted,
        traces.refused,
        traces.slowest
    );
    // The mutations reach both sides: the loader's refusals and, for what it accepts, the
    // system's settled start and first actions (a replay for traces).
    assert!(models.accepted > cases as usize / 20 && models.refused > cases as usize / 2);
    assert!(traces.accepted > 0 && traces.refused > 0);
    assert!(
        misspellings > cases as usize / 20,
        "only {misspellings} misspellings in {cases} cases"
    );
    if let Some(kib) = peak_kib() {
        assert!(kib < 4 << 20, "peak memory {kib} KiB");
    }
}

/// A sample through the binary: every mutated input ends with exit 0, 1 or 2 (never a
/// panic's 101 or a signal), and an input the loader refuses ends with exit 2.
#[test]
fn mutated_inputs_through_the_binary_exit_0_1_or_2() {
    let seed = env_number("ORCHARD_FUZZ_SEED", 1) + 1000;
    let corpus = corpus();
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let s = Scratch::new();
    for (name, text) in &corpus.manifests {
        s.write(&format!("models/{name}"), text);
    }
    for case in 0..16 {
        let model = rng.pick(&corpus.models).1.clone();
        let mutated = mutate_text(&mut rng, &model);
        s.write("models/fuzz.yaml", &mutated);
        let include = |name: &str| {
            corpus
                .manifests
                .get(name)
                .cloned()
                .ok_or_else(|| format!("no file {name}"))
        };
        let refused = parse_model(&mutated, "fuzz.yaml", &include).is_err();
        let run = s.run(&[
            "check",
            "models/fuzz.yaml",
            "--max-depth",
            "2",
            "--timeout",
            "20",
            "--trace-dir",
            "out",
        ]);
        let code = run.0.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "case {case}: exit {code:?}\n{}\n--- input ---\n{mutated}",
            run.stderr()
        );
        if refused {
            assert_eq!(code, Some(2), "case {case}: {}", run.stderr());
        }
    }
    for case in 0..8 {
        let mut value: serde_json::Value =
            serde_json::from_str(&rng.pick(&corpus.traces).1).unwrap();
        mutate_json(&mut rng, &mut value);
        s.write("fuzz.json", &serde_json::to_string_pretty(&value).unwrap());
        let run = s.run(&["replay", "fuzz.json"]);
        let code = run.0.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "trace case {case}: exit {code:?}\n{}",
            run.stderr()
        );
    }
}
