//! What the user chose for a generated project: structure, auth pattern,
//! transport, names. Plain enums with `as_str`/`FromStr`; the CLI converts
//! its clap values into these.

use std::path::PathBuf;

/// The project layout of the seed: v2.0 simple or v2.1 modular.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Structure {
    /// `main.py`, `tools.py`, `client.py`, `config.py`.
    Simple,
    /// `src/server.py`, `src/tools/<tool>.py`, `src/schemas/`, tests by kind.
    Modular,
}

impl Structure {
    /// `simple` or `modular`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Simple => "simple",
            Self::Modular => "modular",
        }
    }
}

/// How the generated server authenticates to the backend (DESIGN.md's
/// patterns; `None` sends no credentials and keeps every argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthPattern {
    /// No backend credentials; the backend's own user parameter stays a tool argument.
    None,
    /// Pattern 1: the backend's user-id parameter is filled from the caller's identity.
    UserId,
    /// Pattern 2: a session cookie from the environment.
    Session,
    /// Pattern 3: a JWT bearer token from the environment.
    Jwt,
    /// Pattern 4: `Authorization: Bearer $SERVICE_AUTH_TOKEN` plus the caller in `X-User-ID`.
    Service,
}

impl AuthPattern {
    /// The CLI spelling: `none`, `user-id`, `session`, `jwt`, `service`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::UserId => "user-id",
            Self::Session => "session",
            Self::Jwt => "jwt",
            Self::Service => "service",
        }
    }

    /// The caller's identity replaces the backend's user parameter.
    #[must_use]
    pub const fn injects_caller(self) -> bool {
        matches!(self, Self::UserId | Self::Service)
    }
}

/// The MCP transport the generated server starts with by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// MCP over stdin/stdout.
    Stdio,
    /// Streamable HTTP.
    Http,
}

impl Transport {
    /// `stdio` or `http`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Stdio => "stdio",
            Self::Http => "http",
        }
    }
}

/// Everything `generate` needs besides the catalog.
#[derive(Debug, Clone)]
pub struct Options {
    /// `None`: choose as the seed does (modular for pattern 4 or 5+ tools).
    pub structure: Option<Structure>,
    /// The backend auth pattern.
    pub auth: AuthPattern,
    /// The default transport.
    pub transport: Transport,
    /// The distribution name, e.g. `todo-api-mcp`.
    pub name: String,
    /// The API's title, for documents.
    pub api_title: String,
    /// Where the backend is by default (`BACKEND_URL` overrides at run time).
    pub base_url: String,
    /// How the source was named on the command line (for documents; never a secret).
    pub source_label: String,
    /// The header that carries the caller id in pattern 4 (default `X-User-ID`).
    pub user_header: String,
    /// A folder whose files override built-in templates by name.
    pub templates: Option<PathBuf>,
}

impl Options {
    /// Options with defaults for everything but the name.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            structure: None,
            auth: AuthPattern::None,
            transport: Transport::Stdio,
            name: name.into(),
            api_title: String::new(),
            base_url: "http://127.0.0.1:8000".to_owned(),
            source_label: String::new(),
            user_header: "X-User-ID".to_owned(),
            templates: None,
        }
    }
}

/// The structure used and the sentence saying why (printed by the CLI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructureChoice {
    /// The structure.
    pub structure: Structure,
    /// Why, in words.
    pub reason: String,
}

/// The seed's selection logic: modular for service-to-service auth or 5+
/// tools, simple otherwise; an explicit choice wins.
#[must_use]
pub fn choose_structure(options: &Options, tool_count: usize) -> StructureChoice {
    if let Some(structure) = options.structure {
        return StructureChoice {
            structure,
            reason: format!("--structure {} was given", structure.as_str()),
        };
    }
    if options.auth == AuthPattern::Service {
        return StructureChoice {
            structure: Structure::Modular,
            reason: "service-to-service auth (pattern 4) uses the modular structure".to_owned(),
        };
    }
    if tool_count >= 5 {
        StructureChoice {
            structure: Structure::Modular,
            reason: format!("{tool_count} tools (5 or more) use the modular structure"),
        }
    } else {
        StructureChoice {
            structure: Structure::Simple,
            reason: format!(
                "{tool_count} tools (under 5) and no service auth use the simple structure"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_selection_logic() {
        let mut options = Options::new("x");
        assert_eq!(choose_structure(&options, 4).structure, Structure::Simple);
        assert_eq!(choose_structure(&options, 5).structure, Structure::Modular);
        options.auth = AuthPattern::Service;
        assert_eq!(choose_structure(&options, 1).structure, Structure::Modular);
        options.structure = Some(Structure::Simple);
        let choice = choose_structure(&options, 9);
        assert_eq!(choice.structure, Structure::Simple);
        assert!(choice.reason.contains("--structure"));
    }
}
