//! Jobs (`pkg/apis/batch/validation`: `ValidateJobSpec`, `ValidateJobSpecUpdate`).

use super::pod::template;
use super::{Cause, Causes, count, immutable, selector_selects};
use crate::model::resources::Job;

/// `ValidateJobSpec` for the modelled fields.
pub(super) fn job(j: &Job, out: &mut Causes) {
    let spec = &j.spec;
    count("spec.parallelism", spec.parallelism, out);
    count("spec.completions", spec.completions, out);
    count("spec.backoffLimit", spec.backoff_limit, out);
    match spec.completion_mode.as_deref() {
        None | Some("NonIndexed") => {}
        Some("Indexed") => {
            if spec.completions.is_none() {
                out.push(Cause::required(
                    "spec.completions",
                    "when completion mode is Indexed",
                ));
            }
        }
        Some(other) => out.push(Cause::not_supported(
            "spec.completionMode",
            other,
            &["NonIndexed", "Indexed"],
        )),
    }
    if spec.manual_selector == Some(true) && spec.selector.is_none() {
        out.push(Cause::required("spec.selector", ""));
    }
    if let Some(selector) = &spec.selector {
        selector_selects(selector, &spec.template.metadata.labels, "job", out);
    }
    template(&spec.template, &["OnFailure", "Never"], out);
}

/// `ValidateJobSpecUpdate`: the selector, `manualSelector` and `completionMode` are
/// immutable; `completions` too, except for an Indexed job that keeps `completions` equal to
/// `parallelism` (an elastic Indexed job); the template too, except labels, annotations,
/// node selector and tolerations of a suspended job that never started (orchard has no
/// `startTime`: a job with no pod counted, active or finished).
pub(super) fn job_update(new: &Job, old: &Job, out: &mut Causes) {
    if new.spec == old.spec {
        return;
    }
    let (n, o) = (&*new.spec, &*old.spec);
    immutable("spec.selector", &n.selector, &o.selector, out);
    immutable(
        "spec.manualSelector",
        &n.manual_selector,
        &o.manual_selector,
        out,
    );
    immutable(
        "spec.completionMode",
        &n.completion_mode,
        &o.completion_mode,
        out,
    );
    let elastic =
        new.is_indexed() && n.completions == n.parallelism && o.completions == o.parallelism;
    if !elastic {
        immutable("spec.completions", &n.completions, &o.completions, out);
    }
    if n.template != o.template {
        let never_started = old.is_suspended()
            && old.status.active == 0
            && old.status.succeeded == 0
            && old.status.failed == 0;
        let mut rest = n.template.clone();
        if never_started {
            rest.metadata.clone_from(&o.template.metadata);
            let spec = &mut *rest.spec;
            spec.node_selector
                .clone_from(&o.template.spec.node_selector);
            spec.tolerations.clone_from(&o.template.spec.tolerations);
        }
        if rest != o.template {
            out.push(Cause::invalid(
                "spec.template",
                "(the new template)",
                "field is immutable",
            ));
        }
    }
}
