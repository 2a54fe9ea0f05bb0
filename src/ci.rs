//! `akscan ci`: which commits a CI job should scan, read from the CI's own environment
//! (GitHub Actions' event file, GitLab CI's predefined variables), so that no pipeline
//! needs shell logic to work out a range. Only decides; `source::git` scans.

use std::path::Path;

use serde_json::Value;

use crate::source::git::is_null;

/// Which CI runs us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    GitHub,
    GitLab,
    Other,
}

/// What to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The commits of `to` that are not in `from` (a push onto an existing branch, a pull
    /// or merge request: `from` is its base).
    Range { from: String, to: String },
    /// A new branch (its previous head is all zeros): the commits of `to` that no other
    /// branch of the remote has. `branch` is its name, whose own remote-tracking ref does
    /// not count as another branch.
    NewBranch { to: String, branch: Option<String> },
    /// Nothing: the push deleted a branch.
    Nothing(String),
}

/// What [`plan`] decided, and how to say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub provider: Provider,
    pub target: Target,
    /// One line: the event and what it covers (for the summary and the log).
    pub what: String,
    /// The pushed branch, whose own remote-tracking ref is not "another branch".
    pub branch: Option<String>,
    /// A push onto an existing branch: after a force push its old head may be gone.
    pub push: bool,
}

/// Largest event file read (GitHub's are a few hundred KiB at most).
const MAX_EVENT_BYTES: u64 = 64 << 20;

fn sha(v: &Value) -> Option<String> {
    v.as_str()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
}

fn short(s: &str) -> &str {
    &s[..s.len().min(12)]
}

/// Reads GitHub's event file.
fn read_event(path: &Path) -> Result<Value, String> {
    use std::io::Read;
    let f = std::fs::File::open(path)
        .map_err(|e| format!("cannot read GITHUB_EVENT_PATH {}: {e}", path.display()))?;
    let mut text = String::new();
    f.take(MAX_EVENT_BYTES)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read GITHUB_EVENT_PATH {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "GITHUB_EVENT_PATH {}: not a JSON event: {e}",
            path.display()
        )
    })
}

fn range_flag(range: &str, provider: Provider) -> Result<Plan, String> {
    let r = crate::source::git::Range::parse(range)?;
    Ok(Plan {
        provider,
        target: match r.from {
            Some(from) => Target::Range { from, to: r.to },
            None => Target::NewBranch {
                to: r.to,
                branch: None,
            },
        },
        what: format!("--range {range}"),
        branch: None,
        push: false,
    })
}

fn github(env: &dyn Fn(&str) -> Option<String>) -> Result<Plan, String> {
    let event_name = env("GITHUB_EVENT_NAME").unwrap_or_default();
    let path = env("GITHUB_EVENT_PATH")
        .ok_or("GITHUB_ACTIONS is set but GITHUB_EVENT_PATH is not: cannot tell what to scan")?;
    let ev = read_event(Path::new(&path))?;
    let field = |v: &Value, name: &str| {
        sha(v).ok_or_else(|| format!("the {event_name} event in {path} has no commit in {name}"))
    };
    let branch = ev["ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("refs/heads/"))
        .map(str::to_string);
    let push = event_name == "push";
    let plan = |target, what| {
        Ok(Plan {
            provider: Provider::GitHub,
            push: matches!(&target, Target::Range { .. }) && push,
            what,
            branch: branch.clone(),
            target,
        })
    };
    match event_name.as_str() {
        "push" => {
            let after = field(&ev["after"], "after")?;
            let branch = branch.clone();
            if ev["deleted"].as_bool() == Some(true) || is_null(&after) {
                return plan(
                    Target::Nothing("the push deleted a branch or tag".into()),
                    format!("push deleting {}", branch.unwrap_or_default()),
                );
            }
            let before = sha(&ev["before"]);
            match before {
                Some(b) if !is_null(&b) => plan(
                    Target::Range {
                        from: b.clone(),
                        to: after.clone(),
                    },
                    format!("push {}..{}", short(&b), short(&after)),
                ),
                _ => plan(
                    Target::NewBranch {
                        to: after.clone(),
                        branch: branch.clone(),
                    },
                    format!(
                        "push of the new branch {} at {}",
                        branch.unwrap_or_default(),
                        short(&after)
                    ),
                ),
            }
        }
        "pull_request" | "pull_request_target" => {
            let pr = &ev["pull_request"];
            let base = field(&pr["base"]["sha"], "pull_request.base.sha")?;
            let head = field(&pr["head"]["sha"], "pull_request.head.sha")?;
            let number = ev["number"]
                .as_u64()
                .or_else(|| pr["number"].as_u64())
                .map(|n| format!(" #{n}"))
                .unwrap_or_default();
            plan(
                Target::Range {
                    from: base.clone(),
                    to: head.clone(),
                },
                format!("pull request{number}: {}..{}", short(&base), short(&head)),
            )
        }
        "merge_group" => {
            let mg = &ev["merge_group"];
            let base = field(&mg["base_sha"], "merge_group.base_sha")?;
            let head = field(&mg["head_sha"], "merge_group.head_sha")?;
            plan(
                Target::Range {
                    from: base.clone(),
                    to: head.clone(),
                },
                format!("merge group {}..{}", short(&base), short(&head)),
            )
        }
        other => Err(format!(
            "the GitHub event {other:?} names no commits to scan (akscan ci reads push, \
             pull_request, pull_request_target and merge_group): pass --range A..B, or run \
             `akscan scan .` for the whole tree"
        )),
    }
}

fn gitlab(env: &dyn Fn(&str) -> Option<String>) -> Result<Plan, String> {
    let get = |name: &str| env(name).filter(|v| !v.is_empty());
    let hex = |name: &str| get(name).filter(|v| v.bytes().all(|b| b.is_ascii_hexdigit()));
    let head = hex("CI_COMMIT_SHA").ok_or("GITLAB_CI is set but CI_COMMIT_SHA is not a commit")?;
    let branch = get("CI_COMMIT_BRANCH").or_else(|| get("CI_COMMIT_REF_NAME"));
    let push = hex("CI_MERGE_REQUEST_DIFF_BASE_SHA").is_none();
    let plan = |target, what| {
        Ok(Plan {
            provider: Provider::GitLab,
            push: matches!(&target, Target::Range { .. }) && push,
            what,
            branch: branch.clone(),
            target,
        })
    };
    if let Some(base) = hex("CI_MERGE_REQUEST_DIFF_BASE_SHA") {
        // in a merged-results pipeline CI_COMMIT_SHA is the merge commit: the source
        // branch's own head is the change under review
        let to = hex("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA").unwrap_or(head);
        let iid = get("CI_MERGE_REQUEST_IID")
            .map(|n| format!(" !{n}"))
            .unwrap_or_default();
        return plan(
            Target::Range {
                from: base.clone(),
                to: to.clone(),
            },
            format!("merge request{iid}: {}..{}", short(&base), short(&to)),
        );
    }
    match hex("CI_COMMIT_BEFORE_SHA") {
        Some(b) if !is_null(&b) => plan(
            Target::Range {
                from: b.clone(),
                to: head.clone(),
            },
            format!("push {}..{}", short(&b), short(&head)),
        ),
        _ => plan(
            Target::NewBranch {
                to: head.clone(),
                branch: branch.clone(),
            },
            format!(
                "pipeline of {} at {} (no previous push: the commits no other branch has)",
                branch.as_deref().unwrap_or_default(),
                short(&head)
            ),
        ),
    }
}

/// Decides what to scan from the environment (`env` looks a variable up) and `--range`,
/// which wins when given.
pub fn plan(env: &dyn Fn(&str) -> Option<String>, range: Option<&str>) -> Result<Plan, String> {
    let provider = if env("GITHUB_ACTIONS").as_deref() == Some("true") {
        Provider::GitHub
    } else if env("GITLAB_CI").as_deref() == Some("true") {
        Provider::GitLab
    } else {
        Provider::Other
    };
    if let Some(r) = range {
        return range_flag(r, provider);
    }
    match provider {
        Provider::GitHub => github(env),
        Provider::GitLab => gitlab(env),
        Provider::Other => Err(
            "no CI environment found (GITHUB_ACTIONS or GITLAB_CI): pass --range A..B \
             (e.g. --range origin/main..HEAD)"
                .into(),
        ),
    }
}

/// The fix for a clone that lacks the history a scan needs, for `provider`.
pub fn depth_fix(provider: Provider) -> &'static str {
    match provider {
        Provider::GitHub => "set `fetch-depth: 0` on actions/checkout",
        Provider::GitLab => "set the CI/CD variable `GIT_DEPTH: \"0\"` for this job",
        Provider::Other => "fetch the full history (git fetch --unshallow)",
    }
}
