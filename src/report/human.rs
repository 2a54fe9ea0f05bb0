//! Human report: each finding with its location, redacted value and excerpt, then each
//! distinct piece of advice once.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::sanitize::for_terminal;
use super::{shown_value, RenderOptions, ReportData};
use crate::detect::rules::Severity;
use crate::finding::{Finding, VerifyStatus};

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    fn severity(&self, sev: Severity) -> String {
        let code = match sev {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(code, sev.as_str())
    }
}

/// Writes findings, then the advice for them, to `out`.
pub fn render(data: &ReportData<'_>, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let st = Style { on: opts.color };
    let by_fp: BTreeMap<&str, &Finding> = data
        .findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), f))
        .collect();
    for f in data.findings {
        let mut loc = format!("{}:{}:{}", for_terminal(&f.path), f.line, f.column);
        if let Some(c) = f.cell {
            loc.push_str(&format!(" (cell {c})"));
        }
        writeln!(
            out,
            "{}  {} {} {}",
            st.bold(&loc),
            st.severity(f.severity),
            for_terminal(&f.rule_name),
            st.dim(&format!("[{}]", for_terminal(&f.rule_id)))
        )?;
        let mut detail = format!("    {}", shown_value(f, opts));
        if let Some(p) = f.pair.as_deref().and_then(|fp| by_fp.get(fp)) {
            if p.path == f.path {
                detail.push_str(&format!(
                    "  (pairs with the {} on line {})",
                    p.kind.label(),
                    p.line
                ));
            } else {
                detail.push_str(&format!(
                    "  (pairs with the {} at {}:{})",
                    p.kind.label(),
                    for_terminal(&p.path),
                    p.line
                ));
            }
        }
        if let Some(enc) = &f.encoding {
            detail.push_str(&format!("  [{enc}]"));
        }
        writeln!(out, "{detail}")?;
        if let Some(g) = &f.git {
            let short = &g.commit[..g.commit.len().min(12)];
            let head = match g.present_at_head {
                Some(true) => ", still present at HEAD",
                Some(false) => ", no longer at HEAD (still in history: rotate it)",
                None => "",
            };
            writeln!(
                out,
                "    {}",
                st.dim(&for_terminal(&format!(
                    "commit {short} by {} <{}> on {}{head}",
                    g.author, g.email, g.date
                )))
            )?;
        }
        if let Some(v) = &f.verification {
            let code = match v.status {
                VerifyStatus::Active => "1;31",
                VerifyStatus::Invalid | VerifyStatus::Expired => "32",
                VerifyStatus::Unknown => "33",
            };
            writeln!(
                out,
                "    {} {}",
                st.paint(code, "verified"),
                for_terminal(&v.headline())
            )?;
        }
        if !f.excerpt.is_empty() && !opts.show_secrets {
            writeln!(out, "    {} {}", st.dim("│"), for_terminal(&f.excerpt))?;
        }
        if opts.compact {
            writeln!(out, "    {} {}", st.bold("fix:"), f.advice().summary)?;
        }
        writeln!(out)?;
    }
    if data.findings.is_empty() {
        return Ok(());
    }
    if opts.compact {
        compact_ending(data, &st, out)?;
    } else {
        advice_sections(data, opts, &st, out)?;
    }
    if data.findings.len() >= TALLY_MIN {
        tally(data.findings, &st, out)?;
    }
    Ok(())
}

/// Reports with at least this many findings end with a tally by rule and by directory.
pub const TALLY_MIN: usize = 10;

/// Most directories listed in the tally.
const TALLY_DIRS: usize = 10;

/// The end of a compact report: the command that fixes the findings, and what to do with
/// a false positive.
fn compact_ending(data: &ReportData<'_>, st: &Style, out: &mut dyn Write) -> io::Result<()> {
    // archive members cannot be fixed in place: name the archive
    let mut files: Vec<&str> = data
        .findings
        .iter()
        .map(|f| f.path.split('!').next().unwrap_or(&f.path))
        .collect();
    files.dedup();
    let shown: Vec<String> = files
        .iter()
        .take(5)
        .map(|p| shell_word(&for_terminal(p)))
        .collect();
    let more = if files.len() > 5 { " ..." } else { "" };
    writeln!(
        out,
        "{} akscan fix {}{more}   (prints the patch; --apply writes it)",
        st.bold("Fix:"),
        shown.join(" ")
    )?;
    writeln!(
        out,
        "A false positive? Add `akscan:allow` in a comment on its line, or allowlist the value in .akscan.toml."
    )
}

/// A path as one shell word (quoted when it holds anything but plain characters).
fn shell_word(p: &str) -> String {
    if !p.is_empty()
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+@%:,=".contains(c))
    {
        p.to_string()
    } else {
        format!("'{}'", p.replace('\'', r"'\''"))
    }
}

/// Findings counted by rule, then by directory (the largest first).
fn tally(findings: &[Finding], st: &Style, out: &mut dyn Write) -> io::Result<()> {
    let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
    let mut dirs: BTreeMap<String, usize> = BTreeMap::new();
    for f in findings {
        *rules.entry(f.rule_id.as_str()).or_default() += 1;
        // the directory of the file (of the archive, for a member)
        let file = f.path.split('!').next().unwrap_or(&f.path);
        let dir = match file.rsplit_once(['/', '\\']) {
            Some((d, _)) if !d.is_empty() => d.to_string(),
            _ => ".".to_string(),
        };
        *dirs.entry(dir).or_default() += 1;
    }
    let width = |n: usize| n.to_string().len();
    let rules = by_count(rules);
    let dirs = by_count(dirs);
    let w = width(findings.len());
    writeln!(
        out,
        "\n{}",
        st.bold(&format!("{} findings by rule", findings.len()))
    )?;
    for (r, n) in &rules {
        writeln!(out, "  {n:>w$}  {r}")?;
    }
    writeln!(out, "\n{}", st.bold("by directory"))?;
    for (d, n) in dirs.iter().take(TALLY_DIRS) {
        writeln!(out, "  {n:>w$}  {}/", for_terminal(d))?;
    }
    if dirs.len() > TALLY_DIRS {
        let rest: usize = dirs[TALLY_DIRS..].iter().map(|(_, n)| n).sum();
        writeln!(
            out,
            "  {rest:>w$}  in {} more directories",
            dirs.len() - TALLY_DIRS
        )?;
    }
    Ok(())
}

/// A tally's entries, the largest count first (then by name).
fn by_count<K: Ord>(m: BTreeMap<K, usize>) -> Vec<(K, usize)> {
    let mut v: Vec<(K, usize)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// The full advice: each distinct piece once with the files it applies to, what to do
/// after a leak, and the commands that contain the leaked keys.
fn advice_sections(
    data: &ReportData<'_>,
    opts: &RenderOptions,
    st: &Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    // each distinct piece of advice once, with the files it applies to
    let mut groups: BTreeMap<&str, (&crate::finding::Advice, Vec<&str>)> = BTreeMap::new();
    for f in data.findings {
        let a = f.advice();
        let e = groups.entry(a.id).or_insert((a, Vec::new()));
        if !e.1.contains(&f.path.as_str()) {
            e.1.push(&f.path);
        }
    }
    writeln!(out, "{}", st.bold("How to fix"))?;
    let mut responses: Vec<&str> = Vec::new();
    for (advice, files) in groups.values() {
        let shown: Vec<String> = files
            .iter()
            .take(5)
            .map(|p| for_terminal(p).into_owned())
            .collect();
        let more = if files.len() > 5 {
            format!(" and {} more", files.len() - 5)
        } else {
            String::new()
        };
        writeln!(
            out,
            "\n  {} {}{}",
            st.bold(&format!("[{}]", advice.id)),
            shown.join(", "),
            more
        )?;
        writeln!(out, "  {}", advice.summary)?;
        for l in advice.fix.lines() {
            writeln!(out, "      {l}")?;
        }
        if !responses.contains(&advice.response) {
            responses.push(advice.response);
        }
    }
    if data
        .findings
        .iter()
        .any(|f| f.verification.as_ref().is_some_and(|v| v.is_root()))
    {
        writeln!(
            out,
            "\n  {} an active key of the root account was found",
            st.paint("1;35", "[root-account-key]")
        )?;
        for l in wrap(crate::finding::verification::ROOT_ACCOUNT_ADVICE, 88) {
            writeln!(out, "  {l}")?;
        }
    }
    writeln!(out, "\n{}", st.bold("After a leak"))?;
    for r in responses {
        writeln!(out, "  {r}")?;
    }
    let ids = leaked_ids(data.findings, opts);
    if !ids.is_empty() {
        writeln!(out, "\n{}", st.bold("Contain the leaked keys (aliyun CLI)"))?;
        let redacted = !opts.show_secrets && ids.iter().any(|(id, _)| id != UNKNOWN_ID);
        for l in crate::finding::advice::containment_block(&ids, redacted).lines() {
            if l.is_empty() {
                writeln!(out)?;
            } else {
                writeln!(out, "  {}", for_terminal(l))?;
            }
        }
    }
    writeln!(
        out,
        "\n  A false positive? Add `akscan:allow` in a comment on its line, or allowlist the value in .akscan.toml."
    )?;
    writeln!(
        out,
        "  `akscan fix` prints a patch that replaces the keys with environment lookups (--apply writes it)."
    )?;
    Ok(())
}

/// What stands for an AccessKey ID that was not found next to its secret.
pub const UNKNOWN_ID: &str = "<AccessKeyId>";

/// The permanent AccessKey IDs to contain, as shown (redacted unless `show_secrets`), each
/// with its RAM user when `--verify` found it; `<AccessKeyId>` for a secret found alone.
pub fn leaked_ids(findings: &[Finding], opts: &RenderOptions) -> Vec<(String, Option<String>)> {
    use crate::detect::rules::Kind;
    let by_fp: BTreeMap<&str, &Finding> = findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), f))
        .collect();
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    // where each shown ID is in `out`: one look-up per finding, not a search
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for f in findings {
        let id = match f.kind {
            Kind::AccessKeyId => Some(f),
            Kind::AccessKeySecret => f
                .pair
                .as_deref()
                .and_then(|p| by_fp.get(p).copied())
                .filter(|p| p.kind == Kind::AccessKeyId),
            _ => continue,
        };
        let shown = id.map_or(UNKNOWN_ID.to_string(), |i| shown_value(i, opts));
        let user = [Some(f), id]
            .into_iter()
            .flatten()
            .filter_map(|x| x.verification.as_ref()?.identity.as_ref())
            .find_map(|i| i.arn.rsplit_once(":user/").map(|(_, u)| u.to_string()));
        match at.get(&shown) {
            Some(&i) => {
                if out[i].1.is_none() {
                    out[i].1 = user;
                }
            }
            None => {
                at.insert(shown.clone(), out.len());
                out.push((shown, user));
            }
        }
    }
    out
}

/// The one-paragraph summary printed on stderr after a scan.
pub fn summary(data: &ReportData<'_>, st_color: bool) -> String {
    let st = Style { on: st_color };
    let s = data.stats;
    let files_with: std::collections::BTreeSet<&str> =
        data.findings.iter().map(|f| f.path.as_str()).collect();
    let mut line = format!(
        "akscan: {} in {} file{}; scanned {} file{} ({}) in {}",
        if s.findings == 0 {
            st.paint("32", "no findings")
        } else {
            st.paint(
                "1;31",
                &format!("{} finding{}", s.findings, plural(s.findings)),
            )
        },
        files_with.len(),
        plural(files_with.len() as u64),
        s.files_scanned,
        plural(s.files_scanned),
        human_bytes(s.bytes_scanned),
        human_ms(s.elapsed_ms),
    );
    let k = &s.skipped;
    let parts: Vec<String> = [
        (k.binary, "binary"),
        (k.too_large, "too large"),
        (k.unreadable, "unreadable"),
        (k.special, "special (FIFO, socket, device)"),
        (k.symlink, "symlinks not followed"),
        (k.excluded, "excluded by config"),
        (k.archive_limit, "archive members over the size limits"),
        (k.archive_depth, "archives nested too deep"),
        (k.encrypted, "encrypted archive members"),
        (
            k.ignored,
            "ignored by .gitignore/.ignore and not tracked (--no-ignore scans them)",
        ),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !parts.is_empty() {
        line.push_str(&format!("; skipped: {}", parts.join(", ")));
    }
    if s.suppressed > 0 {
        line.push_str(&format!("; {} suppressed", s.suppressed));
    }
    if s.baseline_stale > 0 {
        line.push_str(&format!(
            "; {} stale baseline entr{}",
            s.baseline_stale,
            if s.baseline_stale == 1 { "y" } else { "ies" }
        ));
    }
    line
}

/// Splits text into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `1.5 MiB`
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn human_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.2} s", ms as f64 / 1000.0)
    }
}
