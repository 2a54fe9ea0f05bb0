//! The project configuration file, `.akscan.toml`: paths to skip, values to allow, extra
//! rule files, rules to disable, severity overrides and the size limit.
//!
//! It is looked up in the scanned directory, then at the root of the git repository that
//! holds it; `--config FILE` names one, `--no-config` ignores them. Every problem is an error
//! that names the file, the line and the key. README.md documents every key.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::detect::rules::{line_col, RuleSet, Severity};

/// The file name looked up in the scanned directory and the repository root.
pub const FILE_NAME: &str = ".akscan.toml";

/// Largest configuration file read; a larger one is an error.
pub const MAX_CONFIG_FILE: u64 = 1 << 20;

/// Largest compiled size of an allowlist regex.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A problem in a configuration file: where, which key, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    /// 1-based; 0 when the problem is not at a place in the text (unreadable file).
    pub line: usize,
    pub column: usize,
    /// The dotted key, e.g. `rules.severity.alibaba-access-key-id`, when known.
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        } else {
            write!(f, "{}: ", self.file)?;
        }
        if let Some(k) = &self.key {
            write!(f, "key `{k}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigSpec {
    #[serde(default)]
    max_file_size: Option<Spanned<toml::Value>>,
    #[serde(default)]
    baseline: Option<Spanned<String>>,
    #[serde(default)]
    paths: PathsSpec,
    #[serde(default)]
    allowlist: AllowSpec,
    #[serde(default)]
    rules: RulesSpec,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PathsSpec {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AllowSpec {
    #[serde(default)]
    values: Vec<Spanned<String>>,
    #[serde(default)]
    regexes: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RulesSpec {
    #[serde(default)]
    files: Vec<Spanned<String>>,
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// Where a setting was written, for errors found after loading (an unknown rule id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub line: usize,
    pub column: usize,
}

/// Values that are never reported: exact values, SHA-256 hashes of values, regexes.
#[derive(Debug, Clone, Default)]
pub struct ValueAllowlist {
    exact: HashSet<String>,
    sha256: HashSet<[u8; 32]>,
    regexes: Vec<regex::Regex>,
}

impl ValueAllowlist {
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.sha256.is_empty() && self.regexes.is_empty()
    }

    /// Whether `value` is allowed.
    pub fn allows(&self, value: &str) -> bool {
        if self.exact.contains(value) {
            return true;
        }
        if !self.sha256.is_empty() {
            let d: [u8; 32] = Sha256::digest(value.as_bytes()).into();
            if self.sha256.contains(&d) {
                return true;
            }
        }
        self.regexes.iter().any(|r| r.is_match(value))
    }
}

/// Path globs of files not to scan.
#[derive(Debug, Clone)]
pub struct PathFilter {
    set: GlobSet,
    /// The directory the globs are relative to (the config file's), absolute.
    base: PathBuf,
    /// The current directory when the filter was made, to resolve relative paths.
    cwd: PathBuf,
}

impl PathFilter {
    /// Compiles gitignore-like globs: a pattern without `/` matches a name at any depth, one
    /// with `/` matches from `base`; a match on a directory excludes everything under it.
    pub fn new(patterns: &[&str], base: &Path) -> Result<PathFilter, (usize, String)> {
        let mut b = GlobSetBuilder::new();
        for (i, p) in patterns.iter().enumerate() {
            b.add(compile_glob(p).map_err(|e| (i, e))?);
        }
        let set = b.build().map_err(|e| (0, e.to_string()))?;
        let cwd = std::env::current_dir().unwrap_or_default();
        let base = normalize(&cwd.join(base));
        Ok(PathFilter { set, base, cwd })
    }

    /// Whether a `/`-separated path relative to the base directory is excluded.
    pub fn is_excluded_rel(&self, rel: &str) -> bool {
        let rel = rel.trim_start_matches("./");
        if rel.is_empty() {
            return false;
        }
        // the path itself, then each parent directory
        if self.set.is_match(rel) {
            return true;
        }
        let mut end = rel.len();
        while let Some(i) = rel[..end].rfind('/') {
            if i > 0 && self.set.is_match(&rel[..i]) {
                return true;
            }
            end = i;
        }
        false
    }

    /// Whether a file found by the walker (a path as given or joined by it) is excluded.
    /// Files outside the base directory are matched by their path as shown in reports.
    pub fn is_excluded(&self, path: &Path) -> bool {
        let abs = normalize(&self.cwd.join(path));
        match abs.strip_prefix(&self.base) {
            Ok(rel) => self.is_excluded_rel(&crate::source::walk::plain_path(rel)),
            Err(_) => self.is_excluded_rel(&crate::source::walk::plain_path(path)),
        }
    }
}

fn compile_glob(p: &str) -> Result<globset::Glob, String> {
    let t = p.trim();
    if t.is_empty() {
        return Err("empty glob".into());
    }
    let t = t.trim_end_matches('/');
    let pattern = if let Some(anchored) = t.strip_prefix('/') {
        anchored.to_string()
    } else if t.contains('/') {
        t.to_string()
    } else {
        format!("**/{t}")
    };
    GlobBuilder::new(&pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| format!("invalid glob `{p}`: {}", e.kind()))
}

/// Lexical normalization: drops `.` and resolves `..` without touching the file system.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The top of the git work tree that holds `dir` (absolute): the nearest ancestor with a
/// `.git` entry (a directory, or the file of a linked work tree or submodule). Found by
/// looking at the file system only, so nothing the repository configures runs.
pub fn repo_top(dir: &Path) -> Option<&Path> {
    dir.ancestors().find(|d| d.join(".git").exists())
}

/// A loaded configuration. [`Config::default`] is "no configuration file".
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from, as shown in messages.
    pub file: Option<String>,
    pub max_file_size: Option<u64>,
    /// The baseline file (`baseline = "…"`), resolved against the config file's directory;
    /// used when no `--baseline` is given.
    pub baseline: Option<PathBuf>,
    pub exclude: Option<PathFilter>,
    pub allow: ValueAllowlist,
    /// Extra rule files, resolved against the config file's directory.
    pub rule_files: Vec<PathBuf>,
    pub disable: Vec<(String, Origin)>,
    pub severity: Vec<(String, Severity, Origin)>,
}

impl Config {
    /// Finds the configuration for a scan of `root` (a directory): `root/.akscan.toml`, then
    /// `.akscan.toml` at the root of the git repository that holds `root`.
    pub fn discover(root: &Path) -> Option<PathBuf> {
        let here = root.join(FILE_NAME);
        if here.is_file() {
            return Some(here);
        }
        // lexically, so the config's directory is spelled like the scanned paths
        let cwd = std::env::current_dir().ok()?;
        let abs = normalize(&cwd.join(root));
        let repo = repo_top(&abs)?;
        let there = repo.join(FILE_NAME);
        there.is_file().then_some(there)
    }

    /// Loads a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = crate::source::walk::display_path(path);
        let fail = |message: String| ConfigError {
            file: shown.clone(),
            line: 0,
            column: 0,
            key: None,
            message,
        };
        let bytes = crate::source::read_bounded(path, MAX_CONFIG_FILE)
            .map_err(|e| fail(format!("cannot read: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|_| fail("not valid UTF-8".into()))?;
        let base = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Config::from_text(&shown, &text, &base)
    }

    /// Parses a configuration text; `file` names it in errors and `base` is the directory
    /// that relative paths (globs, rule files) start from.
    pub fn from_text(file: &str, text: &str, base: &Path) -> Result<Config, ConfigError> {
        let err = |span: Option<std::ops::Range<usize>>, key: Option<String>, message: String| {
            let (line, column) = span.as_ref().map_or((1, 1), |s| line_col(text, s.start));
            let key = key.or_else(|| span.and_then(|s| key_at(text, s.start)));
            ConfigError {
                file: file.to_string(),
                line,
                column,
                key,
                message,
            }
        };
        let spec: ConfigSpec = toml::from_str(text).map_err(|e| {
            let msg = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
            err(e.span(), None, msg)
        })?;
        let origin = |span: std::ops::Range<usize>| {
            let (line, column) = line_col(text, span.start);
            Origin { line, column }
        };

        let mut cfg = Config {
            file: Some(file.to_string()),
            ..Config::default()
        };

        if let Some(v) = &spec.max_file_size {
            let key = Some("max_file_size".to_string());
            let n = match v.get_ref() {
                toml::Value::Integer(n) if *n > 0 => *n as u64,
                toml::Value::String(s) => {
                    parse_size(s).map_err(|m| err(Some(v.span()), key.clone(), m))?
                }
                _ => {
                    return Err(err(
                        Some(v.span()),
                        key,
                        "expected a size such as \"10M\" or a number of bytes".into(),
                    ))
                }
            };
            cfg.max_file_size = Some(n);
        }

        if let Some(b) = &spec.baseline {
            if b.get_ref().trim().is_empty() {
                return Err(err(
                    Some(b.span()),
                    Some("baseline".into()),
                    "empty path".into(),
                ));
            }
            cfg.baseline = Some(base.join(b.get_ref()));
        }

        if !spec.paths.exclude.is_empty() {
            let pats: Vec<&str> = spec
                .paths
                .exclude
                .iter()
                .map(|s| s.get_ref().as_str())
                .collect();
            let filter = PathFilter::new(&pats, base).map_err(|(i, m)| {
                err(
                    Some(spec.paths.exclude[i].span()),
                    Some("paths.exclude".into()),
                    m,
                )
            })?;
            cfg.exclude = Some(filter);
        }

        for v in &spec.allowlist.values {
            let key = Some("allowlist.values".to_string());
            let s = v.get_ref();
            if let Some(hex) = s.strip_prefix("sha256:") {
                let d = parse_sha256(hex).ok_or_else(|| {
                    err(
                        Some(v.span()),
                        key.clone(),
                        "`sha256:` must be followed by 64 hex digits (the SHA-256 of the value)"
                            .into(),
                    )
                })?;
                cfg.allow.sha256.insert(d);
            } else if s.is_empty() {
                return Err(err(Some(v.span()), key, "empty value".into()));
            } else {
                cfg.allow.exact.insert(s.clone());
            }
        }
        for r in &spec.allowlist.regexes {
            let re = regex::RegexBuilder::new(r.get_ref())
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| {
                    let one_line = e
                        .to_string()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ");
                    err(
                        Some(r.span()),
                        Some("allowlist.regexes".into()),
                        format!("invalid regex: {one_line}"),
                    )
                })?;
            if re.is_match("") {
                return Err(err(
                    Some(r.span()),
                    Some("allowlist.regexes".into()),
                    "regex matches the empty string, so it would allow every value".into(),
                ));
            }
            cfg.allow.regexes.push(re);
        }

        for f in &spec.rules.files {
            if f.get_ref().trim().is_empty() {
                return Err(err(
                    Some(f.span()),
                    Some("rules.files".into()),
                    "empty path".into(),
                ));
            }
            cfg.rule_files.push(base.join(f.get_ref()));
        }
        for d in &spec.rules.disable {
            cfg.disable.push((d.get_ref().clone(), origin(d.span())));
        }
        for (k, v) in &spec.rules.severity {
            let key = Some(format!("rules.severity.{}", k.get_ref()));
            let sev = Severity::parse(v.get_ref()).ok_or_else(|| {
                err(
                    Some(v.span()),
                    key.clone(),
                    format!(
                        "unknown severity `{}` (use info, low, medium, high or critical)",
                        v.get_ref()
                    ),
                )
            })?;
            cfg.severity
                .push((k.get_ref().clone(), sev, origin(k.span())));
        }
        Ok(cfg)
    }

    /// Adds the config's rule files to `rules`, then disables rules and overrides
    /// severities ([`Config::add_rule_files`] then [`Config::adjust_rules`]).
    pub fn apply_to_rules(&self, rules: &mut RuleSet) -> Result<(), String> {
        self.add_rule_files(rules)?;
        self.adjust_rules(rules)
    }

    /// Adds the rule files named in `rules.files`.
    pub fn add_rule_files(&self, rules: &mut RuleSet) -> Result<(), String> {
        let file = self.file.as_deref().unwrap_or(FILE_NAME);
        for f in &self.rule_files {
            rules
                .add_file(f)
                .map_err(|e| format!("{e} (from `rules.files` in {file})"))?;
        }
        Ok(())
    }

    /// Disables the rules of `rules.disable` and applies `rules.severity`. Unknown rule ids
    /// are errors at their line.
    pub fn adjust_rules(&self, rules: &mut RuleSet) -> Result<(), String> {
        let file = self.file.as_deref().unwrap_or(FILE_NAME);
        let at = |o: &Origin, key: String, message: String| {
            ConfigError {
                file: file.to_string(),
                line: o.line,
                column: o.column,
                key: Some(key),
                message,
            }
            .to_string()
        };
        for (id, o) in &self.disable {
            if rules.get(id).is_none() {
                return Err(at(
                    o,
                    "rules.disable".into(),
                    format!("unknown rule `{id}`"),
                ));
            }
        }
        let ids: Vec<String> = self.disable.iter().map(|(id, _)| id.clone()).collect();
        rules.disable(&ids)?;
        for (id, sev, o) in &self.severity {
            let disabled = ids.contains(id);
            match rules.rules.iter_mut().find(|r| &r.id == id) {
                Some(r) => r.severity = *sev,
                None if disabled => {}
                None => {
                    return Err(at(
                        o,
                        format!("rules.severity.{id}"),
                        format!("unknown rule `{id}`"),
                    ))
                }
            }
        }
        Ok(())
    }
}

fn parse_sha256(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The dotted key written at or before `offset`: the nearest `key = ...` line above it,
/// prefixed by the `[table]` it sits in. A best effort for messages; `None` if unclear.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let upto = &text[..line_end];
    let mut key: Option<String> = None;
    for line in upto.lines().rev() {
        let t = line.trim();
        if t.starts_with('[') {
            let table = t
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            return Some(match key {
                Some(k) => format!("{table}.{k}"),
                None => table,
            });
        }
        if key.is_none() {
            if let Some((k, _)) = t.split_once('=') {
                let k = k.trim();
                let plain = !k.is_empty()
                    && k.chars().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"' | '\'')
                    });
                if plain {
                    key = Some(k.replace(['"', '\''], ""));
                }
            }
        }
    }
    key
}

/// Parses `100M`, `100MiB`, `512k`, `2G`, `1024` into bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (examples: 100M, 512K, 2G, 1048576)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => {
            return Err(format!(
                "`{s}`: unknown size unit `{unit}` (use K, M, G or T)"
            ))
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_text("cfg.toml", text, Path::new("."))
    }

    #[test]
    fn full_config_parses() {
        let text = r#"
max_file_size = "10M"

[paths]
exclude = ["vendor/", "*.min.js", "/docs/examples/**"]

[allowlist]
values = ["LTAI5tQ8bFz2KcVw9YhN3xRm", "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"]
regexes = ['^LTAI5tTEST']

[rules]
disable = ["alibaba-sts-security-token"]

[rules.severity]
alibaba-access-key-id = "low"
"#;
        let c = parse(text).unwrap();
        assert_eq!(c.max_file_size, Some(10 << 20));
        assert!(c.allow.allows("LTAI5tQ8bFz2KcVw9YhN3xRm"));
        assert!(c.allow.allows("foo")); // sha256("foo")
        assert!(c.allow.allows("LTAI5tTESTxxxxxxxxxxxxxx"));
        assert!(!c.allow.allows("LTAI5tQ8bFz2KcVw9YhN3xRn"));
        let f = c.exclude.as_ref().unwrap();
        assert!(f.is_excluded_rel("vendor/a/b.py"));
        assert!(f.is_excluded_rel("src/vendor/x.py"));
        assert!(f.is_excluded_rel("web/app.min.js"));
        assert!(f.is_excluded_rel("docs/examples/a/b.md"));
        assert!(!f.is_excluded_rel("src/docs/examples/a.md"));
        assert!(!f.is_excluded_rel("src/app.js"));
        assert!(!f.is_excluded_rel("vendorx/a.py"));

        let mut rules = RuleSet::builtin().unwrap();
        c.apply_to_rules(&mut rules).unwrap();
        assert!(rules.get("alibaba-sts-security-token").is_none());
        assert_eq!(
            rules.get("alibaba-access-key-id").unwrap().severity,
            Severity::Low
        );
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let e = parse("[paths]\nexclude = []\nexlude = [\"x\"]\n").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("cfg.toml", 3), "{e}");
        assert!(e.to_string().contains("exlude"), "{e}");
    }

    #[test]
    fn bad_value_names_line_and_key() {
        let e = parse("# c\n[allowlist]\nvalues = \"one\"\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert_eq!(e.key.as_deref(), Some("allowlist.values"), "{e}");

        let e = parse("[rules.severity]\nalibaba-access-key-id = \"urgent\"\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(
            e.to_string()
                .contains("rules.severity.alibaba-access-key-id"),
            "{e}"
        );

        let e = parse("[allowlist]\nregexes = [\n  'ok',\n  '(unclosed',\n]\n").unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert_eq!(e.key.as_deref(), Some("allowlist.regexes"), "{e}");

        let e = parse("max_file_size = \"ten\"\n").unwrap_err();
        assert_eq!(
            (e.line, e.key.as_deref()),
            (1, Some("max_file_size")),
            "{e}"
        );

        let e = parse("[allowlist]\nvalues = [\"sha256:abc\"]\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn syntax_errors_are_one_line() {
        let e = parse("[paths]\nexclude = [\"a\"\n").unwrap_err();
        assert!(!e.to_string().contains('\n'), "{e}");
        assert!(e.to_string().starts_with("cfg.toml:"), "{e}");
    }

    #[test]
    fn unknown_rule_is_an_error_at_its_line() {
        let c = parse("[rules]\ndisable = [\n \"nope\"]\n").unwrap();
        let e = c
            .apply_to_rules(&mut RuleSet::builtin().unwrap())
            .unwrap_err();
        assert!(e.starts_with("cfg.toml:3:"), "{e}");
        assert!(e.contains("nope"), "{e}");
        let c = parse("[rules.severity]\n\nmissing = \"low\"\n").unwrap();
        let e = c
            .apply_to_rules(&mut RuleSet::builtin().unwrap())
            .unwrap_err();
        assert!(e.starts_with("cfg.toml:3:"), "{e}");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("100M"), Ok(100 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("10X").is_err());
    }
}
