//! akscan: finds hardcoded Alibaba Cloud credentials and says how to fix them.
//!
//! The pipeline runs one way: [`source`] (files, stdin, git blobs) → [`detect`] (rules from
//! `patterns/`) → [`finding`] (location, redacted value, fingerprint, advice) → [`report`].
//! [`scan`] drives the stages; [`verify`] (opt-in, `--verify`) checks found credentials with
//! Alibaba Cloud STS between finding and report; [`cli`] is the command line over them.
//!
//! ```
//! let scanner = akscan::scan::Scanner::builtin();
//! let found = scanner.scan_bytes("app.py", b"sk = 'Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e'\n");
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].redacted, "Vq8************************J6e");
//! ```

pub mod atomic;
pub mod audit;
pub mod baseline;
pub mod ci;
pub mod cli;
pub mod config;
pub mod detect;
pub mod finding;
pub mod fix;
pub mod hook;
pub mod progress;
pub mod report;
pub mod rulecheck;
pub mod scan;
pub mod source;
pub mod suppress;
pub mod text;
pub mod verify;
