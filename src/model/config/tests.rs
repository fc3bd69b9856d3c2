//! Tests of model loading: good models resolve, bad ones name file, line and field, and every
//! shipped model builds a system.

use super::*;

fn no_files(path: &str) -> Result<String, String> {
    Err(format!("no file {path} in this test"))
}

#[test]
fn shipped_stale_reads_model_loads() {
    let text = include_str!("../../../models/statefulset-stale-reads.yaml");
    let loaded = parse_model(text, "models/statefulset-stale-reads.yaml", &no_files).unwrap();
    assert_eq!(loaded.config.controllers.len(), 4);
    let ignored: Vec<String> = loaded.ignored.iter().map(|i| i.to_string()).collect();
    assert_eq!(
        ignored,
        vec!["StatefulSet/web: spec.template.spec.containers[0].ports"]
    );
    crate::model::system::System::new(loaded.config).unwrap();
}
