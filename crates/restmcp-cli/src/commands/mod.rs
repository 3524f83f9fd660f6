//! One module per subcommand.

pub mod add_tool;
pub mod backend_patch;
pub mod generate;
pub mod serve;
pub mod token;
pub mod tools;
