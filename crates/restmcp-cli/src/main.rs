//! The `restmcp` binary: parses the command line, runs one subcommand, and
//! renders any error once (`error:`, `Caused by:` lines, a `hint:`).
//!
//! Kept thin on purpose: every subcommand lives in `commands/`, and all real
//! work happens in the library crates.

mod args;
mod commands;
mod config;
mod logging;
mod memory;
mod render;
mod secrets;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc, so that `serve` can hand the memory of the parsed OpenAPI
/// document back to the system once it is done with it (see `memory`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    let argv = match config::merged_args(std::env::args_os().collect()) {
        Ok(argv) => argv,
        Err(err) => return render::error(&err),
    };
    let cli = Cli::parse_from(argv);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            return render::error(
                &anyhow::Error::new(err).context("Failed to start the async runtime"),
            );
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Tools(args) => commands::tools::run(args).await,
            Command::Serve(args) => commands::serve::run(args).await,
            Command::Token(args) => commands::token::run(args),
            Command::Generate(args) => commands::generate::run(args).await,
            Command::AddTool(args) => commands::add_tool::run(args).await,
            Command::BackendPatch(args) => commands::backend_patch::run(args).await,
        }
    });
    // A blocking read of stdin (the stdio transport) cannot be interrupted:
    // do not wait for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => render::error(&err),
    }
}
