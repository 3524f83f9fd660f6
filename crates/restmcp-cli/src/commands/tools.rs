//! `restmcp tools`: prints the catalog — a table for people, `--json` for the
//! exact MCP `tools` array, `--stats` for sizes and counts.

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::Context as _;
use clap::Args;
use restmcp_catalog::{Catalog, ParamLocation, ToolDef};

use crate::args::{FilterArgs, SourceArgs};

#[derive(Debug, Args)]
pub struct ToolsArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Print exactly the MCP `tools` array that `tools/list` returns.
    #[arg(long, conflicts_with = "stats")]
    pub json: bool,
    /// Print counts, schema sizes and the longest names.
    #[arg(long)]
    pub stats: bool,
}

pub async fn run(args: ToolsArgs) -> anyhow::Result<()> {
    let spec = args.source.load().await?;
    let options = args.filter.catalog_options()?;
    let catalog = restmcp_catalog::build(&spec.document, &options)
        .context("Failed to turn the OpenAPI document into tools")?;
    // The document is not needed past this point; on big APIs it is most of
    // the memory.
    let restmcp_spec::Spec {
        document, warnings, ..
    } = spec;
    drop(document);

    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    for warning in &catalog.warnings {
        eprintln!("warning: {warning}");
    }

    let out = if args.json {
        // One tool's JSON at a time, rather than a copy of the whole array.
        let tools = McpTools(&catalog);
        let mut text = serde_json::to_string_pretty(&tools)?;
        text.push('\n');
        text
    } else if args.stats {
        stats(&catalog)
    } else {
        table(&catalog)
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`restmcp tools | head`) is not an error worth a message.
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("Failed to write to stdout"),
    }
}

/// The MCP `tools` array, serialized tool by tool.
struct McpTools<'a>(&'a Catalog);

impl serde::Serialize for McpTools<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.tools.iter().map(ToolDef::to_mcp_json))
    }
}

/// One row per tool: name, method, path, arguments (`*` marks required).
fn table(catalog: &Catalog) -> String {
    let rows: Vec<[String; 4]> = catalog
        .tools
        .iter()
        .map(|tool| {
            [
                tool.name.as_str().to_owned(),
                tool.binding.method.as_str().to_owned(),
                tool.binding.path.clone(),
                arguments(tool),
            ]
        })
        .collect();
    let header = ["NAME", "METHOD", "PATH", "ARGUMENTS"].map(str::to_owned);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "\n{}, {} (`*` = required argument)",
        count(catalog.tools.len(), "tool"),
        count(catalog.warnings.len(), "warning")
    );
    out
}

/// `title*, limit, X-User-ID (header)`: required marked, non-obvious locations named.
fn arguments(tool: &ToolDef) -> String {
    tool.binding
        .args
        .iter()
        .map(|arg| {
            let mut cell = arg.arg.clone();
            if arg.required {
                cell.push('*');
            }
            match arg.location {
                ParamLocation::Header | ParamLocation::Cookie => {
                    let _ = write!(cell, " ({})", arg.location.as_str());
                }
                ParamLocation::MultipartField { file: true } => cell.push_str(" (file)"),
                _ => {}
            }
            cell
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn stats(catalog: &Catalog) -> String {
    let mut out = String::new();
    let tools = &catalog.tools;
    let _ = writeln!(out, "tools:            {}", tools.len());
    let _ = writeln!(out, "warnings:         {}", catalog.warnings.len());
    let mut by_method = std::collections::BTreeMap::new();
    for tool in tools {
        *by_method
            .entry(tool.binding.method.as_str())
            .or_insert(0usize) += 1;
    }
    let methods: Vec<String> = by_method.iter().map(|(m, n)| format!("{m} {n}")).collect();
    let _ = writeln!(out, "by method:        {}", methods.join(", "));
    let args: usize = tools.iter().map(|t| t.binding.args.len()).sum();
    let _ = writeln!(out, "arguments:        {args}");
    let with_output = tools.iter().filter(|t| t.output_schema.is_some()).count();
    let _ = writeln!(out, "output schemas:   {with_output}");
    let deprecated = tools.iter().filter(|t| t.deprecated).count();
    let _ = writeln!(out, "deprecated:       {deprecated}");

    let sizes: Vec<(usize, usize, &str)> = tools
        .iter()
        .map(|t| {
            let input = json_len(&t.input_schema);
            let output = t.output_schema.as_ref().map_or(0, json_len);
            (input, output, t.name.as_str())
        })
        .collect();
    let input_total: usize = sizes.iter().map(|s| s.0).sum();
    let output_total: usize = sizes.iter().map(|s| s.1).sum();
    let list_bytes = serde_json::to_vec(&McpTools(catalog)).map_or(0, |v| v.len());
    let _ = writeln!(out, "input schemas:    {} bytes", input_total);
    let _ = writeln!(out, "output schemas:   {} bytes", output_total);
    let _ = writeln!(out, "tools/list JSON:  {list_bytes} bytes");
    if let Some((input, output, name)) = sizes.iter().max_by_key(|s| s.0 + s.1) {
        let _ = writeln!(out, "largest tool:     {name} ({input} + {output} bytes)");
    }

    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let _ = writeln!(out, "longest names:");
    for name in names.iter().take(5) {
        let _ = writeln!(out, "  {:>2}  {name}", name.len());
    }
    out
}

fn json_len(map: &serde_json::Map<String, serde_json::Value>) -> usize {
    serde_json::to_vec(map).map_or(0, |v| v.len())
}

/// `1 tool`, `2 tools`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
