//! `restmcp add-tool`: adds one operation's tool (its file, its test, its
//! registration) to a modular project `restmcp generate` wrote.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use crate::args::SourceArgs;

#[derive(Debug, Args)]
pub struct AddToolArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The project folder (written by `restmcp generate --structure modular`).
    #[arg(long, value_name = "DIR")]
    pub project: PathBuf,
    /// The operationId (or tool name) to add.
    #[arg(long, value_name = "OPERATION_ID")]
    pub operation: String,
    /// A folder of templates that replace built-in ones with the same file name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

pub async fn run(args: AddToolArgs) -> anyhow::Result<()> {
    let spec = args.source.load().await?;
    let catalog =
        restmcp_catalog::build(&spec.document, &restmcp_catalog::CatalogOptions::default())
            .context("Failed to turn the OpenAPI document into tools")?;
    let report = restmcp_codegen::add_tool(
        &catalog,
        &args.project,
        &args.operation,
        args.templates.as_deref(),
    )?;
    eprintln!("added tool `{}`", report.tool);
    for path in &report.created {
        eprintln!("  created: {path}");
    }
    eprintln!("  edited:  {} (import and registration)", report.edited);
    Ok(())
}
