//! The mutations of the fuzz test: a seeded generator, extreme and garbage values, the
//! field names a misspelling must be refused for, and the edits of YAML and JSON texts.

/// xorshift64*: small, seeded, reproducible.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
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
pub(super) fn misspell_a_key(rng: &mut Rng, text: &str) -> Option<(String, String)> {
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
pub(super) fn mutate_text(rng: &mut Rng, text: &str) -> String {
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
pub(super) fn mutate_json(rng: &mut Rng, value: &mut serde_json::Value) {
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
