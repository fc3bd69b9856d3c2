//! `labelSelector` and `fieldSelector` query parameters, as Kubernetes writes them:
//! `app=web,tier!=cache,env in (a,b),release notin (x),gpu,!spot` for labels (the model's own
//! [`LabelSelectorRequirement`]s, so a selector means here what it means to a controller), and
//! `metadata.name=web-0,spec.nodeName!=node-1` for fields (any dotted path of the object's
//! Kubernetes JSON; an absent field is the empty string).

use std::collections::BTreeMap;

use serde_json::Value;

use super::status::Failure;
use crate::model::resources::LabelSelectorRequirement;

/// The selectors of one list or watch request; empty ones select everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selectors {
    labels: Vec<LabelSelectorRequirement>,
    fields: Vec<(String, bool, String)>,
}

impl Selectors {
    /// Parses the two parameters (either may be absent).
    pub fn parse(labels: Option<&str>, fields: Option<&str>) -> Result<Selectors, Failure> {
        let labels = match labels {
            Some(text) => parse_labels(text)?,
            None => Vec::new(),
        };
        let fields = match fields {
            Some(text) => parse_fields(text)?,
            None => Vec::new(),
        };
        Ok(Selectors { labels, fields })
    }

    /// Whether an object in its Kubernetes JSON form is selected.
    pub fn matches(&self, object: &Value) -> bool {
        let labels: BTreeMap<String, String> = object
            .get("metadata")
            .and_then(|m| m.get("labels"))
            .and_then(|l| serde_json::from_value(l.clone()).ok())
            .unwrap_or_default();
        self.labels.iter().all(|r| r.matches(&labels))
            && self.fields.iter().all(|(path, equal, value)| {
                let mut at = object;
                for part in path.split('.') {
                    match at.get(part) {
                        Some(next) => at = next,
                        None => return (value.is_empty()) == *equal,
                    }
                }
                let found = match at {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                (found == *value) == *equal
            })
    }
}

fn bad(text: &str, why: &str) -> Failure {
    Failure::bad_request(format!("unable to parse selector `{text}`: {why}"))
}

/// Splits on commas outside parentheses.
fn terms(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn requirement(key: &str, operator: &str, values: Vec<String>) -> LabelSelectorRequirement {
    LabelSelectorRequirement {
        key: key.to_string(),
        operator: operator.to_string(),
        values,
    }
}

fn parse_labels(text: &str) -> Result<Vec<LabelSelectorRequirement>, Failure> {
    let mut out = Vec::new();
    if text.trim().is_empty() {
        return Ok(out);
    }
    for term in terms(text) {
        let term = term.trim();
        let checked = |key: &str| {
            let key = key.trim();
            if valid_key(key) {
                Ok(key.to_string())
            } else {
                Err(bad(text, &format!("`{key}` is not a label key")))
            }
        };
        if let Some(key) = term.strip_prefix('!') {
            out.push(requirement(&checked(key)?, "DoesNotExist", Vec::new()));
        } else if let Some((key, value)) = term.split_once("!=") {
            out.push(requirement(
                &checked(key)?,
                "NotIn",
                vec![value.trim().into()],
            ));
        } else if let Some((key, value)) = term.split_once('=') {
            let value = value.strip_prefix('=').unwrap_or(value);
            out.push(requirement(&checked(key)?, "In", vec![value.trim().into()]));
        } else if let Some((key, rest)) = term.split_once(' ') {
            let rest = rest.trim();
            let (operator, list) = if let Some(list) = rest.strip_prefix("notin") {
                ("NotIn", list)
            } else if let Some(list) = rest.strip_prefix("in") {
                ("In", list)
            } else {
                return Err(bad(text, &format!("unknown operator in `{term}`")));
            };
            let list = list.trim();
            let Some(inner) = list.strip_prefix('(').and_then(|l| l.strip_suffix(')')) else {
                return Err(bad(text, &format!("`{term}` needs a (value, ...) list")));
            };
            let values = inner.split(',').map(|v| v.trim().to_string()).collect();
            out.push(requirement(&checked(key)?, operator, values));
        } else {
            out.push(requirement(&checked(term)?, "Exists", Vec::new()));
        }
    }
    Ok(out)
}

fn parse_fields(text: &str) -> Result<Vec<(String, bool, String)>, Failure> {
    let mut out = Vec::new();
    if text.trim().is_empty() {
        return Ok(out);
    }
    for term in text.split(',') {
        let (path, equal, value) = if let Some((p, v)) = term.split_once("!=") {
            (p, false, v)
        } else if let Some((p, v)) = term.split_once("==") {
            (p, true, v)
        } else if let Some((p, v)) = term.split_once('=') {
            (p, true, v)
        } else {
            return Err(bad(text, &format!("`{term}` is not field=value")));
        };
        let path = path.trim();
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(bad(text, &format!("`{path}` is not a field path")));
        }
        out.push((path.to_string(), equal, value.trim().to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(labels: Value) -> Value {
        json!({"metadata": {"name": "web-0", "labels": labels}, "spec": {"nodeName": "node-1"}})
    }

    #[test]
    fn label_selectors_select_as_kubernetes_does() {
        let object = pod(json!({"app": "web", "tier": "front"}));
        let cases = [
            ("", true),
            ("app=web", true),
            ("app==web", true),
            ("app=db", false),
            ("app!=db", true),
            ("app in (db, web),tier", true),
            ("app notin (web)", false),
            ("!tier", false),
            ("!spot,app", true),
        ];
        for (text, selected) in cases {
            let s = Selectors::parse(Some(text), None).unwrap();
            assert_eq!(s.matches(&object), selected, "{text}");
        }
        for text in ["app in web", "a b c", "=x", "app in (a"] {
            assert!(Selectors::parse(Some(text), None).is_err(), "{text}");
        }
    }

    #[test]
    fn field_selectors_compare_paths() {
        let object = pod(json!({}));
        let cases = [
            ("metadata.name=web-0", true),
            ("metadata.name!=web-0", false),
            ("spec.nodeName=node-2", false),
            ("spec.hostname=", true),
            ("metadata.name=web-0,spec.nodeName==node-1", true),
        ];
        for (text, selected) in cases {
            let s = Selectors::parse(None, Some(text)).unwrap();
            assert_eq!(s.matches(&object), selected, "{text}");
        }
        assert!(Selectors::parse(None, Some("metadata..name=x")).is_err());
        assert!(Selectors::parse(None, Some("name")).is_err());
    }
}
