//! `restmcp backend-patch`: prints (or writes) the backend side of pattern 4
//! — the `get_current_user_or_service` FastAPI dependency with a
//! constant-time token check, the setting, and the endpoints to switch.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use crate::args::{FilterArgs, SourceArgs};
use crate::commands::generate::ProjectArgs;

#[derive(Debug, Args)]
pub struct BackendPatchArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub async fn run(args: BackendPatchArgs) -> anyhow::Result<()> {
    let (catalog, options) =
        crate::commands::generate::load(&args.source, &args.filter, &args.project).await?;
    let text = restmcp_codegen::backend_patch(&catalog, &options)
        .context("Failed to render the backend patch")?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text)
                .with_context(|| format!("Failed to write `{}`", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}
