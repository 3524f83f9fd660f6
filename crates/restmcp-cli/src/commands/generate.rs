//! `restmcp generate`: writes a Python MCP server project (the seed's v2.0
//! simple or v2.1 modular structure) from an OpenAPI document. The work is
//! in `restmcp-codegen`; this module maps flags and prints what happened.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use restmcp_codegen::{AuthPattern, Options, Structure, Transport};

use crate::args::{FilterArgs, SourceArgs};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StructureArg {
    /// Modular for service auth or 5+ tools, else simple.
    Auto,
    Simple,
    Modular,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AuthArg {
    /// No backend credentials; every argument as the backend defines it.
    None,
    /// Fill the backend's user-id parameter from the MCP caller.
    UserId,
    /// A session cookie from the environment.
    Session,
    /// A bearer JWT from the environment.
    Jwt,
    /// SERVICE_AUTH_TOKEN plus the MCP caller in X-User-ID (pattern 4).
    Service,
}

impl From<AuthArg> for AuthPattern {
    fn from(value: AuthArg) -> Self {
        match value {
            AuthArg::None => Self::None,
            AuthArg::UserId => Self::UserId,
            AuthArg::Session => Self::Session,
            AuthArg::Jwt => Self::Jwt,
            AuthArg::Service => Self::Service,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TransportArg {
    Stdio,
    Http,
}

/// Options shared by `generate`, `add-tool` and `backend-patch`.
#[derive(Debug, Args)]
pub struct ProjectArgs {
    /// The distribution name (default: the API title, e.g. `todo-api-mcp`).
    #[arg(long)]
    pub name: Option<String>,
    /// Where the backend is (default: the document's first absolute server, else the source's origin).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The header carrying the caller id in pattern 4.
    #[arg(long, default_value = "X-User-ID")]
    pub user_header: String,
    /// A folder of templates that replace built-in ones with the same file name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// The folder to write the project into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The project layout.
    #[arg(long, value_enum, default_value = "auto")]
    pub structure: StructureArg,
    /// How the generated server authenticates to the backend.
    #[arg(long, value_enum, default_value = "none")]
    pub auth: AuthArg,
    /// The transport the server starts with by default.
    #[arg(long, value_enum, default_value = "stdio")]
    pub transport: TransportArg,
    /// Regenerate into a non-empty folder; files edited since the last generation are kept.
    #[arg(long)]
    pub force: bool,
}

/// Loads the document and builds the catalog and the codegen options.
pub async fn load(
    source: &SourceArgs,
    filter: &FilterArgs,
    project: &ProjectArgs,
) -> anyhow::Result<(restmcp_catalog::Catalog, Options)> {
    let spec = source.load().await?;
    let catalog = restmcp_catalog::build(&spec.document, &filter.catalog_options()?)
        .context("Failed to turn the OpenAPI document into tools")?;
    for warning in &catalog.warnings {
        eprintln!("warning: {warning}");
    }
    let title = spec
        .document
        .pointer("/info/title")
        .and_then(|v| v.as_str())
        .unwrap_or("api")
        .to_owned();
    let name = project.name.clone().unwrap_or_else(|| {
        let slug: String = title
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let slug = slug
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        format!("{}-mcp", if slug.is_empty() { "api" } else { &slug })
    });
    let mut options = Options::new(name);
    options.api_title = title;
    options.user_header.clone_from(&project.user_header);
    options.templates.clone_from(&project.templates);
    options.source_label = source
        .source
        .clone()
        .or_else(|| source.app.clone().map(|a| format!("--app {a}")))
        .unwrap_or_default();
    options.base_url = project
        .base_url
        .clone()
        .unwrap_or_else(|| default_base_url(&spec.document, source));
    Ok((catalog, options))
}

fn default_base_url(document: &serde_json::Value, source: &SourceArgs) -> String {
    let server = document
        .pointer("/servers/0/url")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    if server.starts_with("http://") || server.starts_with("https://") {
        return server.trim_end_matches('/').to_owned();
    }
    if let Some(Ok(url)) = source
        .source
        .as_deref()
        .filter(|s| s.starts_with("http"))
        .map(url::Url::parse)
    {
        return format!(
            "{}{}",
            url.origin().ascii_serialization(),
            server.trim_end_matches('/')
        );
    }
    "http://127.0.0.1:8000".to_owned()
}

pub async fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let (catalog, mut options) = load(&args.source, &args.filter, &args.project).await?;
    options.auth = args.auth.into();
    options.transport = match args.transport {
        TransportArg::Stdio => Transport::Stdio,
        TransportArg::Http => Transport::Http,
    };
    options.structure = match args.structure {
        StructureArg::Auto => None,
        StructureArg::Simple => Some(Structure::Simple),
        StructureArg::Modular => Some(Structure::Modular),
    };
    let project =
        restmcp_codegen::generate(&catalog, &options).context("Failed to generate the project")?;
    let report =
        restmcp_codegen::write_project(&args.out, &project.files, &project.recorded, args.force)?;
    eprintln!(
        "structure: {} ({})",
        project.choice.structure.as_str(),
        project.choice.reason
    );
    eprintln!(
        "wrote {} files ({} unchanged) for {} tools into {}",
        report.written.len(),
        report.unchanged.len(),
        catalog.tools.len(),
        args.out.display()
    );
    if !report.kept.is_empty() {
        eprintln!(
            "kept {} files you edited since the last generation (not overwritten):",
            report.kept.len()
        );
        for path in &report.kept {
            eprintln!("  kept: {path}");
        }
    }
    Ok(())
}
