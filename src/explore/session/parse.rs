//! The `:` command line: its text parsed into a [`Command`], and completion candidates for
//! what is typed so far.

use std::path::PathBuf;

use super::command::{CheckSpec, Command};
use super::settings::{parse_commit, parse_consistency, parse_lag, parse_relist};
use super::watch::WatchTarget;
use crate::explore::checker::Strategy;
use crate::model::history::ConsistencySetting;

/// The command words, with their arguments, for completion and help.
pub const COMMANDS: [(&str, &str); 19] = [
    ("goto", "N: go to step N"),
    ("first", "go to the start"),
    ("last", "go to the end of the path"),
    ("back", "back one step"),
    ("redo", "forward one step"),
    ("take", "N: take action line N"),
    (
        "check",
        "bfs|dfs|simulation [depth=N] [timeout=S]: check from here",
    ),
    ("cancel", "cancel the running check"),
    (
        "consistency",
        "LEVEL [read-your-writes] [relist=R] [lag=L]: what-if",
    ),
    ("commit", "kubernetes|atomic: what-if"),
    (
        "restore",
        "leave the what-if: the path and settings it started from",
    ),
    (
        "watch",
        "SUBJECT FIELD: watch Pod/web-0 spec.nodeName, node-1 running",
    ),
    ("unwatch", "N: stop watch N"),
    ("mark", "mark this step to diff against"),
    (
        "diff",
        "[A B]: diff steps A and B (or the mark or previous step and this one)",
    ),
    ("save", "[NAME]: save the path as traces/NAME.json"),
    ("open", "PATH: open a model or trace"),
    ("reload", "reload the model file and replay the path"),
    ("quit", "quit"),
];

/// Parses a command line (without its `:`).
pub fn parse(line: &str) -> Result<Command, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((&head, args)) = words.split_first() else {
        return Err("an empty command (try `goto 7`, `check bfs`, `save`)".into());
    };
    let number = |what: &str, s: Option<&&str>| -> Result<usize, String> {
        let s = s.ok_or_else(|| format!("{head}: give {what}"))?;
        s.parse()
            .map_err(|_| format!("{head}: `{s}` is not a number ({what})"))
    };
    let none = |c: Command| -> Result<Command, String> {
        if args.is_empty() {
            Ok(c)
        } else {
            Err(format!("{head} takes no argument"))
        }
    };
    match head {
        "goto" | "g" => Ok(Command::Goto(number("a step number", args.first())?)),
        "first" => none(Command::First),
        "last" => none(Command::Last),
        "back" => none(Command::Back),
        "redo" => none(Command::Redo),
        "take" => Ok(Command::TakeEntry(number("an action line", args.first())?)),
        "check" => parse_check(args).map(Command::Check),
        "cancel" => none(Command::CancelCheck),
        "consistency" => parse_setting(args).map(Command::Consistency),
        "commit" => match args {
            [mode] => parse_commit(mode).map(Command::Commit),
            _ => Err("commit: give kubernetes or atomic".into()),
        },
        "restore" => none(Command::RestoreSettings),
        "watch" => WatchTarget::parse(&args.join(" ")).map(Command::Watch),
        "unwatch" => Ok(Command::Unwatch(number("a watch number", args.first())?)),
        "mark" => none(Command::Mark),
        "unmark" => none(Command::Unmark),
        "diff" => match args {
            [] => Ok(Command::DiffMarked),
            [a, b] => Ok(Command::Diff(
                number("two step numbers", Some(a))?,
                number("two step numbers", Some(b))?,
            )),
            _ => Err("diff: give two step numbers, or none".into()),
        },
        "save" => match args {
            [] => Ok(Command::Save(None)),
            [name] => Ok(Command::Save(Some(name.to_string()))),
            _ => Err("save: give one name".into()),
        },
        "open" => match args {
            [path] => Ok(Command::Open(PathBuf::from(path))),
            _ => Err("open: give one path".into()),
        },
        "reload" => none(Command::Reload),
        "quit" | "q" => none(Command::Quit),
        other => {
            let names: Vec<&str> = COMMANDS.iter().map(|(n, _)| *n).collect();
            let hint = crate::model::suggest::did_you_mean(other, names.iter().copied());
            Err(format!("unknown command `{other}`{hint}"))
        }
    }
}

fn parse_check(args: &[&str]) -> Result<CheckSpec, String> {
    let Some((strategy, options)) = args.split_first() else {
        return Err("check: give bfs, dfs or simulation".into());
    };
    let mut spec = CheckSpec::of(strategy.parse::<Strategy>()?);
    for option in options {
        let (key, value) = option
            .split_once('=')
            .ok_or_else(|| format!("check: `{option}`: write depth=N or timeout=S"))?;
        let n: usize = value
            .parse()
            .map_err(|_| format!("check: {key}: `{value}` is not a number"))?;
        match key {
            "depth" => spec.max_depth = Some(n),
            "timeout" => spec.timeout_secs = Some(n as u64),
            _ => {
                return Err(format!(
                    "check: unknown option `{key}` (known: depth, timeout)"
                ));
            }
        }
    }
    Ok(spec)
}

/// Parses `LEVEL [read-your-writes] [relist=R] [lag=L]`.
pub fn parse_setting(args: &[&str]) -> Result<ConsistencySetting, String> {
    let Some((level, options)) = args.split_first() else {
        return Err("consistency: give a level".into());
    };
    let mut setting = ConsistencySetting::of(parse_consistency(level)?);
    for option in options {
        match option.split_once('=') {
            None if *option == "read-your-writes" || *option == "ryw" => {
                setting.read_your_writes = true
            }
            Some(("relist", v)) => setting.relist = parse_relist(v)?,
            Some(("lag", v)) => setting.lag = parse_lag(v)?,
            Some(("read-your-writes", v)) => {
                setting.read_your_writes = match v {
                    "true" | "on" => true,
                    "false" | "off" => false,
                    _ => {
                        return Err(format!(
                            "consistency: read-your-writes=`{v}`: true or false"
                        ));
                    }
                }
            }
            _ => {
                return Err(format!(
                    "consistency: unknown option `{option}` (known: read-your-writes, relist=R, lag=L)"
                ));
            }
        }
    }
    Ok(setting)
}

/// What completion knows of the session: the names it can offer.
#[derive(Clone, Debug, Default)]
pub struct CompletionContext {
    /// Resources of the cursor's state (`Pod/web-0`) with their field paths.
    pub resources: Vec<(String, Vec<String>)>,
    /// Controllers with their local states' field paths (and their parents: `running`).
    pub controllers: Vec<(String, Vec<String>)>,
    /// Files that `open` may take.
    pub files: Vec<String>,
}

/// Completion candidates for a partly typed line: each a whole line that extends it, sorted.
pub fn complete(line: &str, context: &CompletionContext) -> Vec<String> {
    let ends_in_space = line.ends_with(' ');
    let mut words: Vec<&str> = line.split_whitespace().collect();
    let partial = if ends_in_space {
        ""
    } else {
        words.pop().unwrap_or("")
    };
    let prefix = if words.is_empty() {
        String::new()
    } else {
        format!("{} ", words.join(" "))
    };
    let options: Vec<String> = match words.as_slice() {
        [] => COMMANDS.iter().map(|(n, _)| n.to_string()).collect(),
        ["check"] => Strategy::ALL.iter().map(|s| s.name().to_string()).collect(),
        ["check", _, ..] => vec!["depth=".into(), "timeout=".into()],
        ["consistency"] => crate::model::history::Consistency::ALL
            .iter()
            .map(|c| c.name().to_string())
            .collect(),
        ["consistency", _, ..] => vec![
            "read-your-writes".into(),
            "relist=any-revision".into(),
            "relist=latest".into(),
            "lag=any".into(),
            "lag=zero".into(),
        ],
        ["commit"] => vec!["kubernetes".into(), "atomic".into()],
        ["watch"] => context
            .resources
            .iter()
            .chain(&context.controllers)
            .map(|(n, _)| n.clone())
            .collect(),
        ["watch", subject] => context
            .resources
            .iter()
            .chain(&context.controllers)
            .filter(|(n, _)| n == subject)
            .flat_map(|(_, paths)| paths.clone())
            .collect(),
        ["open"] => context.files.clone(),
        _ => Vec::new(),
    };
    let mut out: Vec<String> = options
        .into_iter()
        .filter(|o| o.starts_with(partial))
        .map(|o| format!("{prefix}{o}"))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::history::{CommitMode, Consistency, Relist};

    #[test]
    fn lines_parse_into_commands_and_errors_say_what_is_wrong() {
        assert!(matches!(parse("goto 7"), Ok(Command::Goto(7))));
        assert!(matches!(
            parse("check bfs depth=5"),
            Ok(Command::Check(CheckSpec {
                strategy: Strategy::Bfs,
                max_depth: Some(5),
                ..
            }))
        ));
        match parse("consistency informer relist=latest") {
            Ok(Command::Consistency(s)) => {
                assert_eq!(s.level, Consistency::Informer);
                assert_eq!(s.relist, Relist::Latest);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse("commit atomic"),
            Ok(Command::Commit(CommitMode::Atomic))
        ));
        match parse("watch Pod/web-0 spec.nodeName") {
            Ok(Command::Watch(w)) => assert_eq!(w.to_string(), "Pod/web-0 spec.nodeName"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse("save mine"), Ok(Command::Save(Some(n))) if n == "mine"));
        assert!(matches!(parse("open traces/x.json"), Ok(Command::Open(_))));
        assert!(matches!(parse("diff 3 7"), Ok(Command::Diff(3, 7))));
        assert!(parse("goto x").unwrap_err().contains("`x` is not a number"));
        assert!(
            parse("chek bfs")
                .unwrap_err()
                .contains("did you mean check")
        );
        assert!(parse("consistency casual").unwrap_err().contains("casual"));
    }

    #[test]
    fn completion_offers_what_fits_the_words_typed() {
        let context = CompletionContext {
            resources: vec![("Pod/web-0".into(), vec!["spec.nodeName".into()])],
            controllers: vec![("node-1".into(), vec!["running".into()])],
            files: vec!["models/a.yaml".into()],
        };
        assert_eq!(complete("ch", &context), vec!["check"]);
        assert_eq!(complete("check ", &context).len(), 3);
        assert_eq!(
            complete("consistency mono", &context),
            vec!["consistency monotonic-session"]
        );
        assert_eq!(complete("commit a", &context), vec!["commit atomic"]);
        assert_eq!(complete("watch P", &context), vec!["watch Pod/web-0"]);
        assert_eq!(
            complete("watch Pod/web-0 spec", &context),
            vec!["watch Pod/web-0 spec.nodeName"]
        );
        assert_eq!(complete("open m", &context), vec!["open models/a.yaml"]);
        assert!(complete("goto ", &context).is_empty());
    }
}
