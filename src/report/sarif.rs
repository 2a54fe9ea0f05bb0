//! SARIF 2.1.0 report (for GitHub code scanning and other SARIF viewers), built with the
//! `serde-sarif` types.
//!
//! Values appear only in result messages, redacted unless `--show-secrets`; regions carry
//! no snippet, so a SARIF file never holds a secret in clear by default. Locations are
//! relative to the repository's top (`%SRCROOT%`), and `partialFingerprints` carry the finding
//! fingerprint, which depends on the value and not the line.

use std::collections::BTreeMap;
use std::io::{self, Write};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_sarif::sarif::{
    ArtifactChange, ArtifactContent, ArtifactLocation, Fix, Location, Message,
    MultiformatMessageString, PhysicalLocation, PropertyBag, Region, Replacement,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif,
    Suppression as SarifSuppression, Tool, ToolComponent,
};

use super::{shown_value, Located, Locator, RenderOptions, ReportData};
use crate::detect::rules::{Kind, Severity};
use crate::finding::{advice, Finding, Language, Suppression};
use crate::fix::Plan;

/// The `uriBaseId` of every relative location.
pub const SRCROOT: &str = "%SRCROOT%";

/// The key of our entry in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "akscan/v1";

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Characters escaped in a URI path segment: everything but unreserved characters and the
/// sub-delimiters that are safe in a path (RFC 3986). `:` is escaped so a first segment like
/// `c:x` cannot read as a scheme.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b'@');

/// Percent-encodes a `/`-separated path, segment by segment.
pub fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|seg| utf8_percent_encode(seg, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// What is escaped in a file's own path: a `!` too, which in a URI of ours separates an
/// archive from its member.
const FILE_SEGMENT: &AsciiSet = &SEGMENT.add(b'!');

/// Percent-encodes a path given as bytes (`/`-separated), segment by segment: a file name
/// that is not UTF-8 keeps its bytes.
fn encode_bytes(path: &[u8]) -> String {
    path.split(|&b| b == b'/')
        .map(|seg| percent_encoding::percent_encode(seg, FILE_SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// The URI of a shown path (escaped, an archive member after `!`): the file's real bytes
/// percent-encoded, then the member.
fn encode_shown(shown: &str) -> String {
    let (file, member) = shown
        .split_once('!')
        .map_or((shown, None), |(f, m)| (f, Some(m)));
    let mut uri = encode_bytes(&crate::source::walk::unescape_name(file));
    if let Some(m) = member {
        uri.push('!');
        uri.push_str(&encode_path(m));
    }
    uri
}

/// `file:///abs/path` (with a trailing `/` for directories when `dir`).
pub(crate) fn file_uri(path: &std::path::Path, dir: bool) -> String {
    let mut s = crate::source::walk::display_path(path);
    if !s.starts_with('/') {
        // Windows: C:/x -> /C:/x
        s.insert(0, '/');
    }
    let mut uri = format!("file://{}", encode_shown(&s));
    if dir && !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// SARIF level for a severity.
pub fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// GitHub's `security-severity` score for a severity.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// What the rules list needs to know about a rule.
struct RuleInfo<'a> {
    id: &'a str,
    name: &'a str,
    description: &'a str,
    kind: Kind,
    severity: Severity,
}

/// The SARIF descriptor of a rule (full description, help with the advice, severity), for
/// reports that know a rule only by its parts (`akscan merge`).
pub(crate) fn rule_descriptor(
    id: &str,
    name: &str,
    description: &str,
    kind: Kind,
    severity: Severity,
) -> ReportingDescriptor {
    descriptor(&RuleInfo {
        id,
        name,
        description,
        kind,
        severity,
    })
}

fn help(r: &RuleInfo<'_>) -> MultiformatMessageString {
    let sts = matches!(
        r.kind,
        Kind::StsAccessKeyId | Kind::StsAccessKeySecret | Kind::StsSecurityToken
    );
    let general = advice::for_finding(Language::Other, r.kind);
    let mut text = format!(
        "{}\n\nHow to fix: {}\n{}\n\nAfter a leak: {}\n\nA false positive? Add `akscan:allow` in a comment on its line, or allowlist the value in .akscan.toml.",
        r.description, general.summary, general.fix, general.response
    );
    let mut md = format!(
        "{}\n\n## How to fix\n\n{}\n\n```\n{}\n```\n",
        r.description, general.summary, general.fix
    );
    if !sts {
        md.push_str("\n### By language\n");
        text.push_str("\n\nBy language:");
        for a in advice::all() {
            if a.id == advice::STS.id || a.id == general.id {
                continue;
            }
            md.push_str(&format!(
                "\n**{}**: {}\n\n```\n{}\n```\n",
                a.id, a.summary, a.fix
            ));
            text.push_str(&format!("\n\n[{}] {}\n{}", a.id, a.summary, a.fix));
        }
    }
    if !sts {
        let cmds = advice::containment_commands("<AccessKeyId>", None, false);
        text.push_str(&format!("\n\nContain a leaked key (aliyun CLI):\n{cmds}"));
        md.push_str(&format!("\n## Contain a leaked key\n\n```sh\n{cmds}```\n"));
    }
    md.push_str(&format!(
        "\n## After a leak\n\n{}\n\n## False positives\n\nAdd `akscan:allow` in a comment on the line (or `akscan:allow({})` to allow only this rule), or allowlist the value in `.akscan.toml`.\n",
        general.response, r.id
    ));
    MultiformatMessageString::builder()
        .text(text)
        .markdown(md)
        .build()
}

fn descriptor(r: &RuleInfo<'_>) -> ReportingDescriptor {
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_string(),
        serde_json::Value::from(security_severity(r.severity)),
    );
    props.insert("precision".to_string(), serde_json::Value::from("high"));
    props.insert(
        "severity".to_string(),
        serde_json::Value::from(r.severity.as_str()),
    );
    ReportingDescriptor::builder()
        .id(r.id)
        .name(r.name)
        .short_description(
            MultiformatMessageString::builder()
                .text(format!("Hardcoded Alibaba Cloud {}", r.kind.label()))
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(r.description)
                .build(),
        )
        .help(help(r))
        .default_configuration(
            ReportingConfiguration::builder()
                .level(serde_json::to_value(level(r.severity)).unwrap_or_default())
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(vec![
                    "security".to_string(),
                    "secret".to_string(),
                    "alibaba-cloud".to_string(),
                    r.kind.as_str().to_string(),
                ])
                .additional_properties(props)
                .build(),
        )
        .build()
}

pub(crate) fn message(
    f: &Finding,
    by_fp: &BTreeMap<&str, &Finding>,
    opts: &RenderOptions,
) -> String {
    let mut m = format!("{} `{}`", f.kind.label(), shown_value(f, opts));
    if let Some(n) = &f.assigned_to {
        m.push_str(&format!(" assigned to `{n}`"));
    }
    m.push_str(" is hardcoded");
    if let Some(p) = f.pair.as_deref().and_then(|fp| by_fp.get(fp)) {
        if p.path == f.path {
            m.push_str(&format!(
                " (it pairs with the {} on line {})",
                p.kind.label(),
                p.line
            ));
        } else {
            m.push_str(&format!(
                " (it pairs with the {} in {})",
                p.kind.label(),
                p.path
            ));
        }
    }
    if let Some(enc) = &f.encoding {
        m.push_str(&format!(" [{enc}]"));
    }
    if let Some(g) = &f.git {
        let short = &g.commit[..g.commit.len().min(12)];
        m.push_str(&format!(" in commit {short}"));
        if g.present_at_head == Some(false) {
            m.push_str(" (no longer at HEAD, still in history)");
        }
    }
    m.push_str(". ");
    if let Some(v) = &f.verification {
        m.push_str(&format!("Verified: {}. ", v.headline()));
    }
    m.push_str(f.advice().summary);
    m
}

fn artifact(path: &str, loc: &Locator) -> ArtifactLocation {
    match loc.locate(path) {
        Located::Relative(rel) => ArtifactLocation::builder()
            .uri(encode_shown(&rel))
            .uri_base_id(SRCROOT)
            .build(),
        Located::Absolute(abs, member) => {
            let mut uri = file_uri(&abs, false);
            if let Some(m) = member {
                uri.push('!');
                uri.push_str(&encode_path(&m));
            }
            ArtifactLocation::builder().uri(uri).build()
        }
    }
}

/// The SARIF `fixes` entry of a finding the plan fixes: the same edits `akscan fix` makes,
/// as replacements of regions of the original file (columns in code points).
fn fix_entry(f: &Finding, plan: &Plan, loc: &Locator) -> Option<Fix> {
    let (file, edits) = plan.fix_for(&f.fingerprint)?;
    let replacements: Vec<Replacement> = edits
        .iter()
        .map(|e| {
            let (sl, sc) = file.position(e.start);
            let (el, ec) = file.position(e.end);
            let region = Region::builder()
                .start_line(sl as i64)
                .start_column(sc as i64)
                .end_line(el as i64)
                .end_column(ec as i64)
                .build();
            Replacement::builder()
                .deleted_region(region)
                .inserted_content(ArtifactContent::builder().text(e.text.clone()).build())
                .build()
        })
        .collect();
    let change = ArtifactChange::builder()
        .artifact_location(artifact(&f.path, loc))
        .replacements(replacements)
        .build();
    Some(
        Fix::builder()
            .description(
                Message::builder()
                    .text(format!(
                        "Replace the hardcoded {} with a lookup (the value is removed, not moved)",
                        f.kind.label()
                    ))
                    .build(),
            )
            .artifact_changes(vec![change])
            .build(),
    )
}

fn location(f: &Finding, loc: &Locator) -> Location {
    let artifact = artifact(&f.path, loc);
    let region = Region::builder()
        .start_line(f.line as i64)
        .start_column(f.column as i64)
        .end_line(f.line as i64)
        .end_column(f.end_column as i64)
        .build();
    Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(artifact)
                .region(region)
                .build(),
        )
        .build()
}

/// Builds the SARIF log.
pub fn build(data: &ReportData<'_>, opts: &RenderOptions) -> Sarif {
    build_with_fixes(data, opts, None)
}

/// Builds the SARIF log; results that `fixes` fixes carry the change as a `fixes` entry.
pub fn build_with_fixes(
    data: &ReportData<'_>,
    opts: &RenderOptions,
    fixes: Option<&Plan>,
) -> Sarif {
    let loc = Locator::new(data.root, data.base);
    // the rules: every rule in use, then any rule only known from a finding
    let mut infos: Vec<RuleInfo<'_>> = match data.rules {
        Some(set) => set
            .rules
            .iter()
            .map(|r| RuleInfo {
                id: &r.id,
                name: &r.name,
                description: &r.description,
                kind: r.kind,
                severity: r.severity,
            })
            .collect(),
        None => Vec::new(),
    };
    let suppressed = data.suppressed.iter().map(|s| &s.finding);
    for f in data.findings.iter().chain(suppressed.clone()) {
        if !infos.iter().any(|r| r.id == f.rule_id) {
            infos.push(RuleInfo {
                id: &f.rule_id,
                name: &f.rule_name,
                description: &f.rule_name,
                kind: f.kind,
                severity: f.severity,
            });
        }
    }
    let index: BTreeMap<&str, usize> = infos.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let by_fp: BTreeMap<&str, &Finding> = data
        .findings
        .iter()
        .chain(suppressed)
        .map(|f| (f.fingerprint.as_str(), f))
        .collect();

    let result = |f: &Finding| {
        let mut fps = BTreeMap::new();
        fps.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.clone());
        let mut props = BTreeMap::new();
        props.insert(
            "severity".to_string(),
            serde_json::Value::from(f.severity.as_str()),
        );
        props.insert("kind".to_string(), serde_json::Value::from(f.kind.as_str()));
        props.insert("advice".to_string(), serde_json::Value::from(f.advice().id));
        if let Some(p) = &f.pair {
            props.insert("pair".to_string(), serde_json::Value::from(p.as_str()));
        }
        if let Some(c) = f.cell {
            props.insert("cell".to_string(), serde_json::Value::from(c));
        }
        if let Some(v) = &f.verification {
            if let Ok(j) = serde_json::to_value(v) {
                props.insert("verification".to_string(), j);
            }
        }
        if let Some(g) = &f.git {
            props.insert(
                "commit".to_string(),
                serde_json::Value::from(g.commit.as_str()),
            );
            if let Some(h) = g.present_at_head {
                props.insert("present_at_head".to_string(), serde_json::Value::from(h));
            }
        }
        SarifResult::builder()
            .rule_id(f.rule_id.as_str())
            .rule_index(index[f.rule_id.as_str()] as i64)
            .level(level(f.severity))
            .message(Message::builder().text(message(f, &by_fp, opts)).build())
            .locations(vec![location(f, &loc)])
            .partial_fingerprints(fps)
            .properties(PropertyBag::builder().additional_properties(props).build())
            .build()
    };
    let mut results: Vec<SarifResult> = data
        .findings
        .iter()
        .map(|f| {
            let mut r = result(f);
            r.fixes = fixes.and_then(|p| fix_entry(f, p, &loc)).map(|x| vec![x]);
            r
        })
        .collect();
    // suppressed findings: listed with the suppression, so a viewer shows them as
    // dismissed (and a finding suppressed later closes instead of vanishing)
    results.extend(data.suppressed.iter().map(|s| {
        let mut r = result(&s.finding);
        let kind = match s.by {
            Suppression::Inline => "inSource",
            Suppression::Allowlist | Suppression::Baseline => "external",
        };
        r.suppressions = Some(vec![SarifSuppression::builder()
            .kind(serde_json::Value::from(kind))
            .status(serde_json::Value::from("accepted"))
            .justification(s.by.justification())
            .build()]);
        r
    }));

    let driver = ToolComponent::builder()
        .name("akscan")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(infos.iter().map(descriptor).collect::<Vec<_>>())
        .build();

    let mut bases = BTreeMap::new();
    bases.insert(
        SRCROOT.to_string(),
        ArtifactLocation::builder()
            .uri(file_uri(loc.root(), true))
            .build(),
    );

    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(serde_json::Value::from("unicodeCodePoints"))
        .original_uri_base_ids(bases)
        .build();

    Sarif::builder()
        .schema(SCHEMA)
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![run])
        .build()
}

/// Writes the SARIF log as pretty JSON.
pub fn render(data: &ReportData<'_>, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    render_with_fixes(data, opts, None, out)
}

/// Writes the SARIF log as pretty JSON, with `fixes` entries from the plan.
pub fn render_with_fixes(
    data: &ReportData<'_>,
    opts: &RenderOptions,
    fixes: Option<&Plan>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let log = build_with_fixes(data, opts, fixes);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::verification::{Verification, VerifyStatus};
    use crate::scan::{Scanner, Stats};

    #[test]
    fn verification_shows_in_message_and_properties() {
        let mut found = Scanner::builtin().scan_bytes(
            "a.py",
            b"access_key_id = 'LTAI5tQ8bFz2KcVw9YhN3xRm'\naccess_key_secret = 'Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e'\n",
        );
        assert_eq!(found.len(), 2);
        found[1].verification = Some(Verification {
            status: VerifyStatus::Invalid,
            reason: "the AccessKey ID does not exist".into(),
            code: Some("InvalidAccessKeyId.NotFound".into()),
            http_status: Some(404),
            request_id: None,
            identity: None,
            endpoint: "https://sts.aliyuncs.com/".into(),
            advice: None,
        });
        let stats = Stats::default();
        let data = ReportData {
            findings: &found,
            suppressed: &[],
            stats: &stats,
            rules: None,
            root: None,
            base: None,
        };
        let log = serde_json::to_value(build(&data, &RenderOptions::default())).unwrap();
        let results = &log["runs"][0]["results"];
        assert!(results[0]["properties"].get("verification").is_none());
        let r = &results[1];
        assert_eq!(r["properties"]["verification"]["status"], "invalid");
        assert_eq!(
            r["properties"]["verification"]["code"],
            "InvalidAccessKeyId.NotFound"
        );
        let msg = r["message"]["text"].as_str().unwrap();
        assert!(msg.contains("Verified: invalid"), "{msg}");
        // rules of the findings only, when the rule set is not given
        assert_eq!(
            log["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(encode_path("src/a b/c.py"), "src/a%20b/c.py");
        assert_eq!(encode_path("<stdin>"), "%3Cstdin%3E");
        assert_eq!(encode_path("x/100%.txt"), "x/100%25.txt");
        assert_eq!(encode_path("c:x/é#?.go"), "c%3Ax/%C3%A9%23%3F.go");
        assert_eq!(encode_path("a-b_c.d~e/f+g@h"), "a-b_c.d~e/f+g@h");
    }
}
