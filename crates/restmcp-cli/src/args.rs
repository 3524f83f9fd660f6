//! The command line as clap sees it. Argument groups shared by several
//! subcommands (where the spec comes from, which operations become tools)
//! live here, with their conversion into library types, so libraries never
//! depend on clap.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};
use restmcp_catalog::{CatalogOptions, Filter, HttpMethod};
use restmcp_spec::{AppSource, LoadOptions, Source};

/// Turn a FastAPI app or any OpenAPI service into an MCP server.
#[derive(Debug, Parser)]
#[command(name = "restmcp", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once
pub enum Command {
    /// List the MCP tools an OpenAPI document becomes.
    Tools(crate::commands::tools::ToolsArgs),
    /// Serve the API's operations as MCP tools (stdio or Streamable HTTP),
    /// proxying each call to the backend.
    Serve(crate::commands::serve::ServeArgs),
    /// Print a fresh random token (32 bytes, URL-safe base64), e.g. for
    /// SERVICE_AUTH_TOKEN.
    Token(crate::commands::token::TokenArgs),
    /// Write a standalone Python MCP server project (FastMCP) for the API.
    Generate(crate::commands::generate::GenerateArgs),
    /// Add one operation's tool to a modular project `generate` wrote.
    AddTool(crate::commands::add_tool::AddToolArgs),
    /// Print the backend side of service-to-service auth (pattern 4).
    BackendPatch(crate::commands::backend_patch::BackendPatchArgs),
}

/// Where the OpenAPI document comes from.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// An OpenAPI document: a file (JSON or YAML) or an http(s) URL. A base
    /// URL such as `http://127.0.0.1:8000` also tries `/openapi.json`.
    #[arg(
        value_name = "SOURCE",
        required_unless_present = "app",
        conflicts_with = "app"
    )]
    pub source: Option<String>,

    /// A FastAPI app to import (without starting it), as `package.module:app`.
    #[arg(long, value_name = "MODULE:ATTR")]
    pub app: Option<String>,

    /// The folder to import `--app` from (put first on `sys.path`).
    #[arg(long, value_name = "DIR", requires = "app")]
    pub app_dir: Option<PathBuf>,

    /// The Python interpreter for `--app` (default: `$VIRTUAL_ENV/bin/python`, else `python3`).
    #[arg(long, value_name = "PATH", requires = "app")]
    pub python: Option<PathBuf>,

    /// Follow `$ref`s into other files under the document's own folder.
    #[arg(long)]
    pub allow_external_refs: bool,

    /// Seconds to wait for a URL or an app import.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub load_timeout: u64,
}

impl SourceArgs {
    pub fn source(&self) -> anyhow::Result<Source> {
        match (&self.source, &self.app) {
            (_, Some(target)) => {
                if !target.contains(':') {
                    bail!(
                        "Failed to read `--app {target}`: expected `package.module:attribute`, e.g. `todo_app.main:app`"
                    );
                }
                Ok(Source::App(AppSource {
                    target: target.clone(),
                    app_dir: self.app_dir.clone(),
                    python: self.python.clone(),
                }))
            }
            (Some(source), None) => Ok(Source::parse(source)),
            (None, None) => bail!(
                "Missing the OpenAPI source: give a file, a URL, or `--app package.module:app`"
            ),
        }
    }

    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            allow_external_refs: self.allow_external_refs,
            timeout: Some(Duration::from_secs(self.load_timeout)),
        }
    }

    /// Loads and normalizes the document.
    pub async fn load(&self) -> anyhow::Result<restmcp_spec::Spec> {
        let source = self.source()?;
        restmcp_spec::load(&source, &self.load_options())
            .await
            .context("Failed to load the OpenAPI document")
    }
}

/// Which operations become tools.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Keep only operations with this tag (repeatable).
    #[arg(long = "include-tag", value_name = "TAG")]
    pub include_tags: Vec<String>,
    /// Drop operations with this tag (repeatable).
    #[arg(long = "exclude-tag", value_name = "TAG")]
    pub exclude_tags: Vec<String>,
    /// Keep only these operationIds (repeatable).
    #[arg(long = "include-operation", value_name = "OPERATION_ID")]
    pub include_operations: Vec<String>,
    /// Drop these operationIds (repeatable).
    #[arg(long = "exclude-operation", value_name = "OPERATION_ID")]
    pub exclude_operations: Vec<String>,
    /// Keep only tools whose name matches this glob (repeatable), e.g. `*_task*`.
    #[arg(long = "include-name", value_name = "GLOB")]
    pub include_names: Vec<String>,
    /// Drop tools whose name matches this glob (repeatable).
    #[arg(long = "exclude-name", value_name = "GLOB")]
    pub exclude_names: Vec<String>,
    /// Keep only these HTTP methods (repeatable), e.g. `--method get`.
    #[arg(long = "method", value_name = "METHOD", value_parser = parse_method)]
    pub methods: Vec<HttpMethod>,
}

fn parse_method(s: &str) -> Result<HttpMethod, String> {
    s.parse()
}

impl FilterArgs {
    pub fn catalog_options(&self) -> anyhow::Result<CatalogOptions> {
        let filter = Filter {
            include_tags: self.include_tags.clone(),
            exclude_tags: self.exclude_tags.clone(),
            include_operations: self.include_operations.clone(),
            exclude_operations: self.exclude_operations.clone(),
            include_names: self.include_names.clone(),
            exclude_names: self.exclude_names.clone(),
            methods: self.methods.clone(),
        };
        Ok(CatalogOptions {
            filter,
            ..CatalogOptions::default()
        })
    }
}
