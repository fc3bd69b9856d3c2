//! What makes a well-formed object invalid (422), checked before it reaches the API server:
//! names as Kubernetes allows them (DNS subdomains), no negative counts, workload selectors
//! that are not empty and select their own template, pods with containers. The model's apply
//! rules assume these; a real API server checks them in its validation.

use super::status::Failure;
use crate::model::resources::{LabelSelector, Object, PodTemplateSpec};

/// The longest name Kubernetes accepts (a DNS subdomain).
pub const MAX_NAME: usize = 253;

/// Why a name is not a DNS subdomain, if it is not.
fn name_error(name: &str) -> Option<String> {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if name.len() > MAX_NAME {
        return Some(format!("must be no more than {MAX_NAME} characters"));
    }
    let ok = name.chars().all(|c| alnum(c) || c == '-' || c == '.')
        && name.starts_with(alnum)
        && name.ends_with(alnum);
    (!ok).then(|| {
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \
         '-' or '.', and must start and end with an alphanumeric character"
            .to_string()
    })
}

fn invalid(object: &Object, field: &str, why: impl std::fmt::Display) -> Failure {
    Failure::invalid(format!(
        "{} \"{}\" is invalid: {field}: {why}",
        object.kind(),
        object.name()
    ))
}

fn replicas(object: &Object, field: &str, value: Option<i32>) -> Result<(), Failure> {
    match value {
        Some(n) if n < 0 => Err(invalid(
            object,
            field,
            format!("Invalid value: {n}: must be greater than or equal to 0"),
        )),
        _ => Ok(()),
    }
}

fn selects_template(
    object: &Object,
    selector: &LabelSelector,
    template: &PodTemplateSpec,
) -> Result<(), Failure> {
    if selector.is_empty() {
        return Err(invalid(object, "spec.selector", "Required value"));
    }
    if !selector.matches(&template.metadata.labels) {
        return Err(invalid(
            object,
            "spec.template.metadata.labels",
            "Invalid value: `selector` does not match template `labels`",
        ));
    }
    Ok(())
}

/// Checks an object sent to be created or written (`generated`: its name may come from
/// `generateName`).
pub fn validate(object: &Object, generated: bool) -> Result<(), Failure> {
    let meta = object.metadata();
    if meta.name.is_empty() {
        if !generated || meta.generate_name.is_empty() {
            return Err(invalid(
                object,
                "metadata.name",
                "Required value: name or generateName is required",
            ));
        }
    } else if let Some(why) = name_error(&meta.name) {
        return Err(invalid(
            object,
            "metadata.name",
            format!("Invalid value: \"{}\": {why}", meta.name),
        ));
    }
    match object {
        Object::StatefulSet(s) => {
            replicas(object, "spec.replicas", s.spec.replicas)?;
            selects_template(object, &s.spec.selector, &s.spec.template)
        }
        Object::ReplicaSet(r) => {
            replicas(object, "spec.replicas", r.spec.replicas)?;
            selects_template(object, &r.spec.selector, &r.spec.template)
        }
        Object::Deployment(d) => {
            replicas(object, "spec.replicas", d.spec.replicas)?;
            selects_template(object, &d.spec.selector, &d.spec.template)
        }
        Object::Job(j) => {
            replicas(object, "spec.parallelism", j.spec.parallelism)?;
            replicas(object, "spec.completions", j.spec.completions)
        }
        Object::Pod(p) if p.spec.containers.is_empty() => {
            Err(invalid(object, "spec.containers", "Required value"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_dns_subdomains() {
        for good in ["web", "web-0", "a.b", "0"] {
            assert_eq!(name_error(good), None, "{good}");
        }
        for bad in ["Web", "-a", "a-", "a_b", "", &"a".repeat(254)] {
            assert!(name_error(bad).is_some(), "{bad}");
        }
    }
}
