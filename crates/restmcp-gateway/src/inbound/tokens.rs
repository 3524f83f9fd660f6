//! Static bearer tokens: the mapping of caller ids to tokens (a file or an
//! environment variable), and the constant-time lookup of a presented token.
//!
//! Owns: parsing and checking the mapping, and [`StaticTokens::caller_of`].
//! Tokens are kept only as SHA-256 hashes, and no error ever repeats one.

use sha2::{Digest as _, Sha256};
use subtle::{Choice, ConditionallySelectable as _, ConstantTimeEq as _};

use super::InboundError;

/// The shortest plain token accepted (what `restmcp token` prints is 43).
pub const MIN_TOKEN_CHARS: usize = 32;

/// Where a token mapping came from: decides the separators and how errors
/// name the place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// A file: one entry per line.
    File(std::path::PathBuf),
    /// An environment variable: entries separated by newlines or `,`.
    Env(String),
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "`{}`", path.display()),
            Self::Env(var) => write!(f, "${var}"),
        }
    }
}

/// Caller ids and the SHA-256 of their tokens.
pub struct StaticTokens {
    entries: Vec<Entry>,
}

struct Entry {
    id: String,
    hash: [u8; 32],
}

impl std::fmt::Debug for StaticTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticTokens")
            .field("callers", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl StaticTokens {
    /// Parses a mapping: `CALLER_ID TOKEN` or `CALLER_ID sha256:<64 hex>`
    /// per entry, `#` starts a comment line, blank entries are skipped.
    pub fn parse(text: &str, source: &TokenSource) -> Result<Self, InboundError> {
        let invalid = |entry: usize, reason: String| InboundError::TokenMapping {
            origin: source.to_string(),
            entry,
            reason,
        };
        let raw_entries: Vec<&str> = match source {
            TokenSource::File(_) => text.lines().collect(),
            TokenSource::Env(_) => text.split(['\n', ',']).collect(),
        };
        let mut entries: Vec<Entry> = Vec::new();
        for (index, raw) in raw_entries.into_iter().enumerate() {
            let number = index + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [id, secret] = fields[..] else {
                // Never show the entry: it may hold a token.
                return Err(invalid(
                    number,
                    format!(
                        "expected two fields, `CALLER_ID TOKEN` or `CALLER_ID sha256:<64 hex digits>`, found {}",
                        fields.len()
                    ),
                ));
            };
            if !id.chars().all(|c| c.is_ascii_graphic()) {
                return Err(invalid(
                    number,
                    "the caller id must be visible ASCII characters (it is sent to the backend in a header)".into(),
                ));
            }
            let hash = match secret.strip_prefix("sha256:") {
                Some(hex) => decode_sha256_hex(hex).ok_or_else(|| {
                    invalid(
                        number,
                        format!(
                            "the hash of caller `{id}` is not 64 hexadecimal digits after `sha256:`"
                        ),
                    )
                })?,
                None => {
                    if secret.chars().count() < MIN_TOKEN_CHARS {
                        return Err(invalid(
                            number,
                            format!(
                                "the token of caller `{id}` is shorter than {MIN_TOKEN_CHARS} characters; make one with `restmcp token`"
                            ),
                        ));
                    }
                    sha256(secret.as_bytes())
                }
            };
            if let Some(other) = entries.iter().find(|e| e.id == id) {
                return Err(invalid(
                    number,
                    format!(
                        "caller id `{}` appears twice; give each caller one token",
                        other.id
                    ),
                ));
            }
            if let Some(other) = entries.iter().find(|e| e.hash == hash) {
                return Err(invalid(
                    number,
                    format!(
                        "caller `{id}` has the same token as caller `{}`; give each caller its own token (`restmcp token`)",
                        other.id
                    ),
                ));
            }
            entries.push(Entry {
                id: id.to_owned(),
                hash,
            });
        }
        if entries.is_empty() {
            return Err(InboundError::NoTokens {
                origin: source.to_string(),
            });
        }
        Ok(Self { entries })
    }

    /// How many callers the mapping names.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the mapping is empty (never, once parsed).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The caller id whose token this is. Hashes the presented token and
    /// compares it with every stored hash in constant time, without an early
    /// exit, so the time taken says nothing about which (if any) matched.
    #[must_use]
    pub fn caller_of(&self, presented: &str) -> Option<&str> {
        let hash = sha256(presented.as_bytes());
        let mut found = Choice::from(0);
        let mut index: u64 = 0;
        for (i, entry) in self.entries.iter().enumerate() {
            let equal = entry.hash.ct_eq(&hash);
            index = u64::conditional_select(&index, &(i as u64), equal);
            found |= equal;
        }
        if bool::from(found) {
            usize::try_from(index)
                .ok()
                .and_then(|i| self.entries.get(i))
                .map(|entry| entry.id.as_str())
        } else {
            None
        }
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn decode_sha256_hex(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let high = char::from(pair[0]).to_digit(16)?;
        let low = char::from(pair[1]).to_digit(16)?;
        *slot = u8::try_from(high * 16 + low).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "alice-token-0123456789abcdefghijklmnop";
    const BOB: &str = "bob-token-0123456789abcdefghijklmnopqrs";

    fn env() -> TokenSource {
        TokenSource::Env("RESTMCP_AUTH_TOKENS".into())
    }

    fn file() -> TokenSource {
        TokenSource::File("tokens.txt".into())
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn file_entries_comments_and_hashes() {
        let text = format!(
            "# callers\n\nalice {ALICE}\n  bob   sha256:{}  \n",
            hex(&sha256(BOB.as_bytes())).to_uppercase()
        );
        let tokens = StaticTokens::parse(&text, &file()).expect("valid mapping");
        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens.caller_of(ALICE), Some("alice"));
        assert_eq!(tokens.caller_of(BOB), Some("bob"));
        assert_eq!(tokens.caller_of("sha256:whatever"), None);
        assert_eq!(tokens.caller_of(&ALICE[1..]), None);
        assert_eq!(tokens.caller_of(""), None);
    }

    #[test]
    fn env_entries_split_on_commas_and_newlines() {
        let text = format!("alice {ALICE},bob {BOB}\n");
        let tokens = StaticTokens::parse(&text, &env()).expect("valid mapping");
        assert_eq!(tokens.caller_of(BOB), Some("bob"));
        // A file keeps the comma inside the line, so this is one bad line.
        let error = StaticTokens::parse(&text, &file())
            .expect_err("commas do not separate in a file")
            .to_string();
        assert!(error.contains("found 3"), "{error}");
    }

    #[test]
    fn errors_name_the_entry_and_never_the_token() {
        let cases = [
            (format!("alice {ALICE}\nalice {BOB}"), "appears twice"),
            (format!("alice {ALICE}\nbob {ALICE}"), "same token"),
            ("alice short-token".to_owned(), "restmcp token"),
            (
                format!("alice sha256:{}", "zz".repeat(32)),
                "64 hexadecimal",
            ),
            (
                format!("alice sha256:{}", "ab".repeat(31)),
                "64 hexadecimal",
            ),
            (ALICE.to_owned(), "found 1"),
            (format!("alice {ALICE} extra"), "found 3"),
            ("# nothing but a comment\n".to_owned(), "no caller"),
        ];
        for (text, expected) in cases {
            let error = StaticTokens::parse(&text, &file())
                .expect_err("invalid mapping")
                .to_string();
            assert!(error.contains(expected), "{error:?} lacks {expected:?}");
            assert!(!error.contains(ALICE) && !error.contains(BOB), "{error}");
            assert!(!error.contains("short-token"), "{error}");
        }
    }

    #[test]
    fn later_entries_match_too() {
        // The lookup scans every entry; the last one must be found as well
        // as the first.
        let text: String = (0..20)
            .map(|i| format!("caller{i} token-number-{i:02}-0123456789abcdefghijkl\n"))
            .collect();
        let tokens = StaticTokens::parse(&text, &file()).expect("valid mapping");
        assert_eq!(
            tokens.caller_of("token-number-19-0123456789abcdefghijkl"),
            Some("caller19")
        );
        assert_eq!(
            tokens.caller_of("token-number-00-0123456789abcdefghijkl"),
            Some("caller0")
        );
    }
}
