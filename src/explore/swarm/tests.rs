use super::*;
use crate::model::config::parse_model;
use crate::model::properties;

const STALE_READS: &str = include_str!("../../../models/statefulset-stale-reads.yaml");

fn system() -> Arc<System> {
    let config = parse_model(STALE_READS, "stale.yaml", &|_| Err("no includes".into()))
        .expect("the model loads")
        .config;
    Arc::new(System::new(config).expect("the system builds"))
}

#[test]
fn a_shard_is_written_i_of_n_and_nothing_else_is_one() {
    let s: Shard = "1/4".parse().unwrap();
    assert_eq!((s.index, s.count), (1, 4));
    assert_eq!(s.to_string(), "1/4");
    for bad in ["4/4", "1", "a/4", "0/0", "-1/3", "1/20000"] {
        assert!(bad.parse::<Shard>().is_err(), "{bad}");
    }
}

#[test]
fn every_fingerprint_and_seed_belongs_to_exactly_one_shard() {
    let shards: Vec<Shard> = (0..3).map(|i| format!("{i}/3").parse().unwrap()).collect();
    for fp in [0u64, 1, 2, 3, 17, u64::MAX] {
        assert_eq!(shards.iter().filter(|s| s.keeps(fp)).count(), 1, "{fp}");
    }
    let mut seeds: Vec<u64> = shards.iter().flat_map(|s| s.seeds(10, 4)).collect();
    seeds.sort_unstable();
    assert_eq!(seeds, (10..22).collect::<Vec<_>>());
}

/// Two shards split the breadth-first search: each searches less than the whole, and
/// together at least the whole (states above the split depth are searched by both).
#[test]
fn shards_split_the_breadth_first_search_and_cover_it() {
    let system = system();
    let p8 = vec![properties::by_id("P8").unwrap()];
    let options = CheckOptions {
        max_depth: 5,
        ..CheckOptions::default()
    };
    let whole = check(system.clone(), p8.clone(), &options, &mut |_| {});
    let parts: Vec<CheckOutcome> = (0..2)
        .map(|index| {
            let shard = Shard {
                index,
                count: 2,
                split_depth: 3,
            };
            let options = CheckOptions {
                shard: Some(shard),
                ..options.clone()
            };
            check(system.clone(), p8.clone(), &options, &mut |_| {})
        })
        .collect();
    for part in &parts {
        assert!(
            part.unique_states < whole.unique_states,
            "{} of {}",
            part.unique_states,
            whole.unique_states
        );
    }
    let sum: usize = parts.iter().map(|p| p.unique_states).sum();
    assert!(
        sum >= whole.unique_states,
        "{sum} of {}",
        whole.unique_states
    );
    // Without a split depth inside the bound, a shard is the whole search.
    let unsplit = CheckOptions {
        shard: Some(Shard {
            index: 0,
            count: 2,
            split_depth: 9,
        }),
        ..options.clone()
    };
    let same = check(system, p8, &unsplit, &mut |_| {});
    assert_eq!(same.unique_states, whole.unique_states);
}

#[test]
fn a_shard_finds_p8_by_simulation_and_merging_groups_by_cause() {
    let system = system();
    let p8 = vec![properties::by_id("P8").unwrap()];
    let shard = Shard {
        index: 0,
        count: 2,
        split_depth: 3,
    };
    let options = CheckOptions {
        max_depth: 30,
        ..CheckOptions::default()
    };
    let result = run_shard(&system, &p8, &options, shard, 4, Duration::from_secs(4));
    assert_eq!(result.seeds, vec![0, 2, 4, 6]);
    assert_eq!(result.properties[0].verdict, "FAILED");
    assert!(!result.counterexamples.is_empty());
    assert!(result.counterexamples.iter().all(|f| f.shard == Some(0)));
    // The same result twice (as from two shards): every counterexample twice, no new cause.
    let mut other = result.clone();
    other.shard = Some(1);
    let once = merge(vec![result.clone()]).unwrap();
    let twice = merge(vec![other, result.clone()]).unwrap();
    assert_eq!(twice.shards[0].shard, Some(0), "sorted by shard");
    assert_eq!(
        twice.counterexamples.len(),
        2 * result.counterexamples.len()
    );
    assert_eq!(twice.groups.len(), once.groups.len());
    assert_eq!(twice.states, 2 * result.states());
    for (a, b) in once.groups.iter().zip(&twice.groups) {
        assert_eq!(b.size, 2 * a.size);
        assert_eq!(a.signature, b.signature);
    }
    // Results of other swarms are not merged.
    let mut alien = result.clone();
    alien.shards = 3;
    assert!(matches!(
        merge(vec![result, alien]),
        Err(MergeError::Mixed(_))
    ));
    assert!(matches!(merge(vec![]), Err(MergeError::Empty)));
}
