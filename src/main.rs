//! The `orchard` command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    orchard::cli::main()
}

/// mimalloc: a search allocates and frees a state's parts at a high rate, on several threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
