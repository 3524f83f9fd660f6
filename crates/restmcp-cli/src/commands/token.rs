//! `restmcp token`: prints a fresh secret for a service token or a caller's
//! bearer token — 32 bytes from the operating system's CSPRNG, URL-safe
//! base64 without padding (43 characters).

use base64::Engine as _;
use clap::Args;
use rand::TryRngCore as _;

#[derive(Debug, Args)]
pub struct TokenArgs {}

pub fn run(_args: TokenArgs) -> anyhow::Result<()> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.try_fill_bytes(&mut bytes).map_err(|e| {
        anyhow::anyhow!("Failed to read random bytes from the operating system: {e}")
    })?;
    println!(
        "{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    Ok(())
}
