//! The `orchard` command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    orchard::cli::main()
}
