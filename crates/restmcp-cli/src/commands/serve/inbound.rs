//! `serve` flags for who may call restmcp over HTTP (inbound auth): static
//! bearer tokens, or an OAuth 2.1 resource server. Turned into the
//! gateway's inbound auth settings here.

use clap::Args;

/// Who may call the HTTP transport.
#[derive(Debug, Args)]
pub struct InboundArgs {}
