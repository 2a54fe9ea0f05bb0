//! `akscan merge`: reads the records of any number of audit shards and writes one report in
//! which each leaked secret is one incident, with every repository, path and commit that
//! holds it. Duplicate records (a shard file given twice, a repository scanned by two
//! runs) count once; a truncated last line (a worker killed while writing) is reported
//! and skipped.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};
use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, PhysicalLocation, PropertyBag, Region,
    ReportingDescriptor, Result as SarifResult, Run, Sarif, Tool, ToolComponent,
};

use super::Status;
use crate::detect::rules::{Kind, Severity};
use crate::report::sanitize::for_terminal;

/// One place an incident's secret was found.
#[derive(Debug, Clone, Serialize)]
pub struct Place {
    pub repository: String,
    /// The finding as the shard wrote it (redacted).
    pub finding: Value,
}

impl Place {
    fn str(&self, k: &str) -> &str {
        self.finding.get(k).and_then(Value::as_str).unwrap_or("")
    }
    fn num(&self, k: &str) -> u64 {
        self.finding.get(k).and_then(Value::as_u64).unwrap_or(0)
    }
    fn git(&self, k: &str) -> Option<&Value> {
        self.finding.get("git").and_then(|g| g.get(k))
    }
    fn date(&self) -> &str {
        self.git("date").and_then(Value::as_str).unwrap_or("")
    }
    fn commit(&self) -> &str {
        self.git("commit").and_then(Value::as_str).unwrap_or("")
    }
    fn at_head(&self) -> bool {
        self.git("present_at_head").and_then(Value::as_bool) == Some(true)
    }
}

/// One secret, wherever it was found.
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    pub secret_id: String,
    pub key_id: String,
    pub kind: String,
    pub rule_id: String,
    pub severity: String,
    /// The value, redacted.
    pub secret: String,
    pub repositories: Vec<String>,
    pub first_seen: String,
    pub last_seen: String,
    /// Whether some repository still holds it at HEAD (at the path it was found at).
    pub present_at_head: bool,
    pub places: Vec<Place>,
}

impl Incident {
    /// "3 places in 2 repositories".
    pub fn spread(&self) -> String {
        let (p, r) = (self.places.len(), self.repositories.len());
        format!(
            "{p} place{} in {r} repositor{}",
            if p == 1 { "" } else { "s" },
            if r == 1 { "y" } else { "ies" }
        )
    }
}

/// A repository's summary record.
#[derive(Debug, Clone, Serialize)]
pub struct RepoSummary {
    pub repository: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub seconds: f64,
    pub findings: u64,
    pub stats: Value,
}

/// Everything the shards said, merged.
#[derive(Debug, Default, Serialize)]
pub struct Merged {
    pub incidents: Vec<Incident>,
    pub repositories: Vec<RepoSummary>,
    /// Statistics of every repository, summed.
    pub stats: Value,
    /// Whether every record was made with the team's one key (so incidents span shards).
    pub keyed: bool,
    pub warnings: Vec<String>,
}

/// Adds the numbers of `b` into `a`, field by field.
fn add_into(a: &mut Value, b: &Value) {
    match b {
        Value::Object(bm) => {
            if a.is_null() {
                *a = Value::Object(Map::new());
            }
            if let Value::Object(am) = a {
                for (k, v) in bm {
                    add_into(am.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        Value::Number(y) => match a {
            Value::Null => *a = b.clone(),
            Value::Number(x) => {
                if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
                    *a = Value::from(x + y);
                }
            }
            _ => {}
        },
        _ => {}
    }
}

/// Orders dates of different offsets by the instant they name.
fn instant(date: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(date, &time::format_description::well_known::Rfc3339).ok()
}

/// Reads the shard files and merges them.
pub fn merge(files: &[&Path]) -> Result<Merged, String> {
    let mut merged = Merged::default();
    let mut seen_findings: HashSet<String> = HashSet::new();
    // (key id, secret id) -> places
    let mut groups: BTreeMap<(String, String), Vec<Place>> = BTreeMap::new();
    let mut repos: BTreeMap<String, RepoSummary> = BTreeMap::new();
    let mut with_findings: BTreeSet<String> = BTreeSet::new();
    let mut keys: BTreeSet<String> = BTreeSet::new();
    let mut unkeyed = false;
    for file in files {
        let text = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let text = String::from_utf8_lossy(&text);
        let mut good = 0usize;
        // what the worker's start record promised, and the summaries it wrote
        let mut expected: Option<u64> = None;
        let mut shard_names: Vec<String> = Vec::new();
        let mut summaries = 0u64;
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let bad = |why: &str| format!("{}:{}: {why}", file.display(), i + 1);
            let rec: Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(e) => {
                    let last = i + 1 == lines.len() && !text.ends_with('\n');
                    if last && good > 0 {
                        merged.warnings.push(bad(
                            "a truncated last record (was the worker stopped while writing?) \
                             is skipped",
                        ));
                        continue;
                    }
                    return Err(bad(&format!("not an akscan audit record: {e}")));
                }
            };
            let field = |k: &str| rec.get(k).and_then(Value::as_str).map(str::to_string);
            if field("type").as_deref() == Some("audit") {
                good += 1;
                let n = rec.get("repositories").and_then(Value::as_u64);
                expected = Some(expected.unwrap_or(0) + n.unwrap_or(0));
                shard_names.push(field("shard").unwrap_or_else(|| "the whole list".into()));
                continue;
            }
            let (Some(kind), Some(repository), Some(key_id)) =
                (field("type"), field("repository"), field("key_id"))
            else {
                return Err(bad(
                    "not an akscan audit record (no type, repository or key_id): merge reads \
                     the output of `akscan audit`",
                ));
            };
            good += 1;
            keys.insert(key_id.clone());
            unkeyed |= key_id.starts_with("unkeyed-");
            match kind.as_str() {
                "finding" => {
                    let (Some(secret_id), Some(Value::Object(f))) =
                        (field("secret_id"), rec.get("finding"))
                    else {
                        return Err(bad("a finding record without secret_id or finding"));
                    };
                    let identity = serde_json::to_string(&(
                        &repository,
                        &key_id,
                        f.get("fingerprint"),
                        f.get("path"),
                        f.get("line"),
                        f.get("column"),
                        f.get("rule_id"),
                        f.get("git").and_then(|g| g.get("commit")),
                    ))
                    .unwrap_or_default();
                    if !seen_findings.insert(identity) {
                        continue;
                    }
                    with_findings.insert(repository.clone());
                    groups.entry((key_id, secret_id)).or_default().push(Place {
                        repository,
                        finding: Value::Object(f.clone()),
                    });
                }
                "repository" => {
                    summaries += 1;
                    let status: Status = rec
                        .get("status")
                        .cloned()
                        .and_then(|s| serde_json::from_value(s).ok())
                        .ok_or_else(|| bad("a repository record without a known status"))?;
                    let summary = RepoSummary {
                        repository: repository.clone(),
                        status,
                        error: field("error"),
                        seconds: rec.get("seconds").and_then(Value::as_f64).unwrap_or(0.0),
                        findings: rec.get("findings").and_then(Value::as_u64).unwrap_or(0),
                        stats: rec.get("stats").cloned().unwrap_or(Value::Null),
                    };
                    // a repository scanned twice: a successful run wins over a failed one
                    match repos.get(&repository) {
                        Some(old) if old.status != Status::Error || status == Status::Error => {}
                        _ => {
                            repos.insert(repository, summary);
                        }
                    }
                }
                other => return Err(bad(&format!("unknown record type {other:?}"))),
            }
        }
        if good == 0 {
            merged.warnings.push(format!(
                "{}: no audit records (did its worker start?)",
                file.display()
            ));
        } else if let Some(n) = expected.filter(|&n| summaries < n) {
            merged.warnings.push(format!(
                "{}: {summaries} of the {n} repositories of {} finished: the worker stopped \
                 early (run that shard again)",
                file.display(),
                shard_names.join(", ")
            ));
        }
    }
    for r in with_findings.iter().filter(|r| !repos.contains_key(*r)) {
        merged.warnings.push(format!(
            "{}: findings but no summary record: its scan did not finish (the worker stopped?) \
             and may be incomplete",
            for_terminal(r)
        ));
    }
    if unkeyed {
        merged.warnings.push(format!(
            "some shards ran without {}: the same secret is grouped only within one run; set \
             the same key on every worker to group it across shards",
            super::identity::KEY_VAR
        ));
    } else if keys.len() > 1 {
        merged.warnings.push(format!(
            "the shards used {} different keys: the same secret is grouped only among shards \
             that used the same key",
            keys.len()
        ));
    }
    merged.keyed = !unkeyed && keys.len() <= 1;
    for ((key_id, secret_id), mut places) in groups {
        places.sort_by(|a, b| {
            (&a.repository, a.str("path"), a.num("line"), a.commit()).cmp(&(
                &b.repository,
                b.str("path"),
                b.num("line"),
                b.commit(),
            ))
        });
        let by_date = |pick_max: bool| {
            places
                .iter()
                .map(Place::date)
                .filter(|d| !d.is_empty())
                .fold(None::<&str>, |best, d| match best {
                    None => Some(d),
                    Some(b) => {
                        let later = instant(d) > instant(b);
                        Some(if later == pick_max { d } else { b })
                    }
                })
                .unwrap_or("")
                .to_string()
        };
        let first = &places[0];
        let severity = places
            .iter()
            .filter_map(|p| Severity::parse(p.str("severity")))
            .max()
            .map_or_else(|| first.str("severity").to_string(), |s| s.as_str().into());
        let repositories: BTreeSet<String> = places.iter().map(|p| p.repository.clone()).collect();
        merged.incidents.push(Incident {
            secret_id,
            key_id,
            kind: first.str("kind").to_string(),
            rule_id: first.str("rule_id").to_string(),
            severity,
            secret: first.str("secret").to_string(),
            repositories: repositories.into_iter().collect(),
            first_seen: by_date(false),
            last_seen: by_date(true),
            present_at_head: places.iter().any(Place::at_head),
            places,
        });
    }
    // the worst first, then the most widespread
    merged.incidents.sort_by(|a, b| {
        let sev = |i: &Incident| Severity::parse(&i.severity);
        sev(b)
            .cmp(&sev(a))
            .then(b.repositories.len().cmp(&a.repositories.len()))
            .then(a.first_seen.cmp(&b.first_seen))
            .then(a.secret_id.cmp(&b.secret_id))
    });
    let mut stats = Value::Null;
    for r in repos.values() {
        add_into(&mut stats, &r.stats);
    }
    merged.stats = stats;
    merged.repositories = repos.into_values().collect();
    Ok(merged)
}

/// Counts shown at the top of every merged report.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub repositories: usize,
    pub scanned: usize,
    pub empty: usize,
    pub failed: usize,
    pub incidents: usize,
    pub places: usize,
    pub present_at_head: usize,
}

impl Merged {
    pub fn summary(&self) -> Summary {
        let count = |s: Status| self.repositories.iter().filter(|r| r.status == s).count();
        Summary {
            repositories: self.repositories.len(),
            scanned: count(Status::Ok),
            empty: count(Status::Empty),
            failed: count(Status::Error),
            incidents: self.incidents.len(),
            places: self.incidents.iter().map(|i| i.places.len()).sum(),
            present_at_head: self.incidents.iter().filter(|i| i.present_at_head).count(),
        }
    }
}

/// Version of the merged JSON report.
pub const MERGED_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonDoc<'a> {
    version: u32,
    tool: BTreeMap<&'static str, &'static str>,
    summary: Summary,
    keyed: bool,
    incidents: Vec<JsonIncident<'a>>,
    repositories: &'a [RepoSummary],
    stats: &'a Value,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct JsonIncident<'a> {
    #[serde(flatten)]
    incident: &'a Incident,
}

fn tool() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([("name", "akscan"), ("version", env!("CARGO_PKG_VERSION"))])
}

/// `{"version", "summary", "keyed", "incidents": [...], "repositories": [...], "stats",
/// "warnings"}`; each incident lists its places, each the finding as the shard wrote it.
pub fn render_json(m: &Merged, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonDoc {
        version: MERGED_VERSION,
        tool: tool(),
        summary: m.summary(),
        keyed: m.keyed,
        incidents: m
            .incidents
            .iter()
            .map(|incident| JsonIncident { incident })
            .collect(),
        repositories: &m.repositories,
        stats: &m.stats,
        warnings: &m.warnings,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn label(kind: &str) -> &'static str {
    Kind::parse(kind).map_or("credential", Kind::label)
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

fn day(date: &str) -> &str {
    date.get(..10).unwrap_or(date)
}

/// What to do about an incident, by kind and whether it is still at HEAD.
fn next_step(i: &Incident) -> &'static str {
    match Kind::parse(&i.kind) {
        Some(k) if k.is_permanent() => {
            "disable the AccessKey in the RAM console now, check ActionTrail for its use, \
             rotate it, and replace it in each place with the credentials default chain"
        }
        Some(Kind::StsSecurityToken | Kind::StsAccessKeyId | Kind::StsAccessKeySecret) => {
            "STS credentials expire by themselves; find how they were issued (the RAM role) \
             and check ActionTrail for their use"
        }
        _ => "revoke the credential, check who used it, and remove it from each place",
    }
}

/// A readable report: a summary line, then each incident with every place.
pub fn render_human(m: &Merged, out: &mut dyn Write) -> io::Result<()> {
    let s = m.summary();
    for (n, i) in m.incidents.iter().enumerate() {
        writeln!(
            out,
            "INCIDENT {}  {} {} ({}, {})  {}{}",
            n + 1,
            label(&i.kind),
            for_terminal(&i.secret),
            for_terminal(&i.rule_id),
            for_terminal(&i.severity),
            i.spread(),
            if i.present_at_head {
                ", STILL AT HEAD"
            } else {
                ""
            }
        )?;
        if !i.first_seen.is_empty() {
            writeln!(
                out,
                "  first committed {}, last {}",
                for_terminal(day(&i.first_seen)),
                for_terminal(day(&i.last_seen))
            )?;
        }
        for p in &i.places {
            let author = p.git("author").and_then(Value::as_str).unwrap_or("");
            writeln!(
                out,
                "  - {}  {}:{}  commit {} ({}, {}){}",
                for_terminal(&p.repository),
                for_terminal(p.str("path")),
                p.num("line"),
                for_terminal(short(p.commit())),
                for_terminal(day(p.date())),
                for_terminal(author),
                if p.at_head() { "  at HEAD" } else { "" }
            )?;
        }
        writeln!(out, "  next: {}", next_step(i))?;
        writeln!(out)?;
    }
    let failed: Vec<&RepoSummary> = m
        .repositories
        .iter()
        .filter(|r| r.status == Status::Error)
        .collect();
    if !failed.is_empty() {
        writeln!(out, "Repositories that could not be scanned:")?;
        for r in &failed {
            writeln!(
                out,
                "  - {}: {}",
                for_terminal(&r.repository),
                for_terminal(r.error.as_deref().unwrap_or("unknown error"))
            )?;
        }
        writeln!(out)?;
    }
    for w in &m.warnings {
        writeln!(out, "warning: {}", for_terminal(w))?;
    }
    let num = |k: &str| m.stats.get(k).and_then(Value::as_u64).unwrap_or(0);
    writeln!(
        out,
        "akscan merge: {} incident{} ({} still at HEAD) in {} place{}; {} repositor{}: {} \
         scanned, {} empty, {} failed; {} commits, {} blobs, {} bytes",
        s.incidents,
        if s.incidents == 1 { "" } else { "s" },
        s.present_at_head,
        s.places,
        if s.places == 1 { "" } else { "s" },
        s.repositories,
        if s.repositories == 1 { "y" } else { "ies" },
        s.scanned,
        s.empty,
        s.failed,
        num("commits"),
        num("files_scanned"),
        num("bytes_scanned"),
    )
}

/// The base URI of a repository, for SARIF's `originalUriBaseIds`: its URL (scp-like
/// `user@host:path` as `ssh://user@host/path`) or, for a local path, a `file:` URI; always
/// ending in `/`.
fn repository_uri(repo: &str) -> String {
    let mut u = if repo.contains("://") {
        repo.to_string()
    } else if crate::source::remote::is_remote(repo) {
        let (host, path) = repo.split_once(':').unwrap_or((repo, ""));
        format!("ssh://{host}/{}", path.trim_start_matches('/'))
    } else {
        let p = std::path::Path::new(repo);
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        crate::report::sarif::file_uri(&abs, true)
    };
    if !u.ends_with('/') {
        u.push('/');
    }
    u
}

fn place_location(p: &Place, base: &str, id: Option<i64>, text: Option<String>) -> Location {
    let line = p.num("line").max(1) as i64;
    let column = p.num("column").max(1) as i64;
    let end = p.num("end_column").max(column as u64) as i64;
    let mut b = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(
                    ArtifactLocation::builder()
                        .uri(crate::report::sarif::encode_path(p.str("path")))
                        .uri_base_id(base)
                        .build(),
                )
                .region(
                    Region::builder()
                        .start_line(line)
                        .start_column(column)
                        .end_line(line)
                        .end_column(end)
                        .build(),
                )
                .build(),
        )
        .build();
    b.id = id;
    b.message = text.map(|t| Message::builder().text(t).build());
    b
}

/// SARIF 2.1.0: one result per incident, at its first place, with every other place as a
/// related location; each repository is a `uriBaseId` (`REPO1`, ...) whose URI is the
/// repository's, and `partialFingerprints` carry the secret's keyed identity.
pub fn render_sarif(m: &Merged, out: &mut dyn Write) -> io::Result<()> {
    let bases: BTreeMap<&str, String> = m
        .repositories
        .iter()
        .map(|r| r.repository.as_str())
        .chain(
            m.incidents
                .iter()
                .flat_map(|i| i.repositories.iter().map(String::as_str)),
        )
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .enumerate()
        .map(|(n, r)| (r, format!("REPO{}", n + 1)))
        .collect();
    let mut rules: BTreeMap<String, ReportingDescriptor> = BTreeMap::new();
    let builtin = crate::detect::rules::RuleSet::builtin().ok();
    let mut results = Vec::new();
    for i in &m.incidents {
        let first = &i.places[0];
        rules.entry(i.rule_id.clone()).or_insert_with(|| {
            // the built-in rule's own description when it is one, else its name
            let builtin = builtin.as_ref().and_then(|set| {
                set.rules
                    .iter()
                    .find(|r| r.id == i.rule_id)
                    .map(|r| r.description.clone())
            });
            crate::report::sarif::rule_descriptor(
                &i.rule_id,
                first.str("rule_name"),
                builtin.as_deref().unwrap_or(first.str("rule_name")),
                Kind::parse(&i.kind).unwrap_or(Kind::Other),
                Severity::parse(&i.severity).unwrap_or(Severity::High),
            )
        });
        let text = format!(
            "Alibaba Cloud {} {} found in {}{}{}. Next: {}.",
            label(&i.kind),
            i.secret,
            i.spread(),
            if i.first_seen.is_empty() {
                String::new()
            } else {
                format!(
                    ", first committed {}, last {}",
                    day(&i.first_seen),
                    day(&i.last_seen)
                )
            },
            if i.present_at_head {
                ", still at HEAD"
            } else {
                ""
            },
            next_step(i)
        );
        let related: Vec<Location> = i.places[1..]
            .iter()
            .enumerate()
            .map(|(n, p)| {
                place_location(
                    p,
                    &bases[p.repository.as_str()],
                    Some(n as i64 + 1),
                    Some(format!("{} at commit {}", p.repository, short(p.commit()))),
                )
            })
            .collect();
        let mut props = BTreeMap::new();
        props.insert(
            "repositories".to_string(),
            serde_json::json!(i.repositories),
        );
        props.insert("firstSeen".to_string(), Value::from(i.first_seen.clone()));
        props.insert("lastSeen".to_string(), Value::from(i.last_seen.clone()));
        props.insert("presentAtHead".to_string(), Value::from(i.present_at_head));
        let mut r = SarifResult::builder()
            .rule_id(i.rule_id.clone())
            .level(crate::report::sarif::level(
                Severity::parse(&i.severity).unwrap_or(Severity::High),
            ))
            .message(Message::builder().text(text).build())
            .locations(vec![place_location(
                first,
                &bases[first.repository.as_str()],
                None,
                None,
            )])
            .partial_fingerprints(BTreeMap::from([(
                "akscanSecret/v1".to_string(),
                format!("{}:{}", i.key_id, i.secret_id),
            )]))
            .properties(PropertyBag::builder().additional_properties(props).build())
            .build();
        if !related.is_empty() {
            r.related_locations = Some(related);
        }
        results.push(r);
    }
    let driver = ToolComponent::builder()
        .name("akscan")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(rules.into_values().collect::<Vec<_>>())
        .build();
    let base_ids: BTreeMap<String, ArtifactLocation> = bases
        .iter()
        .map(|(repo, id)| {
            (
                id.clone(),
                ArtifactLocation::builder()
                    .uri(repository_uri(repo))
                    .build(),
            )
        })
        .collect();
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(Value::from("unicodeCodePoints"))
        .build();
    if !base_ids.is_empty() {
        run.original_uri_base_ids = Some(base_ids);
    }
    let log = Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .version(Value::from("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_add_field_by_field() {
        let mut a = Value::Null;
        add_into(&mut a, &serde_json::json!({"x": 1, "s": {"y": 2}}));
        add_into(&mut a, &serde_json::json!({"x": 3, "s": {"y": 4, "z": 1}}));
        assert_eq!(a, serde_json::json!({"x": 4, "s": {"y": 6, "z": 1}}));
    }

    #[test]
    fn dates_compare_as_instants() {
        assert!(instant("2024-01-01T09:00:00+08:00") < instant("2024-01-01T02:00:00+00:00"));
    }

    #[test]
    fn repository_base_uris() {
        assert_eq!(repository_uri("https://h/o/r.git"), "https://h/o/r.git/");
        assert_eq!(repository_uri("git@h:o/r.git"), "ssh://git@h/o/r.git/");
        assert!(repository_uri("/tmp/x").starts_with("file:///tmp/x"));
    }
}
