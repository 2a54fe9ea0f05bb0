//! The integration tests: one binary (one link, one runner), a module per subject. Each
//! runs the built `akscan` (`CARGO_BIN_EXE_akscan`) or the library on real files, real git
//! repositories in temporary directories, real validators and a local HTTP server on
//! 127.0.0.1; none leaves the machine. Helpers shared by several modules are in `common`.

mod advice;
mod architecture;
mod audit;
mod baseline_scope;
mod ci;
mod ci_files;
mod cli;
mod common;
mod corpus;
mod deploy;
mod dist;
mod encoded;
mod fix;
mod git;
mod git_safety;
mod hostile;
mod nothing_lost;
mod precommit;
mod properties;
mod redact;
mod statistics;
mod verify;
mod workflow;
mod writes;
