//! The pre-commit hook: `akscan install-hook` writes it (honouring `core.hooksPath`),
//! `akscan uninstall-hook` removes it. Neither touches a hook akscan did not write, unless
//! told to with `--force` (and then the other hook is kept aside and put back on uninstall).

use std::path::{Path, PathBuf};

use crate::source::git::Repo;

/// The line that marks a hook as akscan's.
pub const MARKER: &str = "# akscan pre-commit hook";

/// Where a foreign hook is kept when `--force` replaces it.
const BACKUP_SUFFIX: &str = "akscan-backup";

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Installed(PathBuf),
    /// Replaced akscan's own earlier hook.
    Updated(PathBuf),
    /// Replaced a foreign hook, kept at the second path.
    Replaced(PathBuf, PathBuf),
    Removed(PathBuf),
    /// Removed, and the foreign hook kept at install time was put back.
    Restored(PathBuf),
    /// There was no hook to remove.
    Absent(PathBuf),
}

impl Outcome {
    pub fn message(&self) -> String {
        match self {
            Outcome::Installed(p) => format!(
                "installed the pre-commit hook at {}: each commit's staged changes are scanned",
                p.display()
            ),
            Outcome::Updated(p) => format!("updated the pre-commit hook at {}", p.display()),
            Outcome::Replaced(p, b) => format!(
                "installed the pre-commit hook at {}; the previous hook was moved to {} (akscan uninstall-hook puts it back)",
                p.display(),
                b.display()
            ),
            Outcome::Removed(p) => format!("removed the pre-commit hook at {}", p.display()),
            Outcome::Restored(p) => format!(
                "removed akscan's pre-commit hook and put back the previous one at {}",
                p.display()
            ),
            Outcome::Absent(p) => format!("no pre-commit hook at {}: nothing to remove", p.display()),
        }
    }
}

/// Quotes a string for a POSIX shell.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The hook script. It runs the akscan that installed it, or the one on PATH if that one
/// has moved.
pub fn script(exe: Option<&Path>) -> String {
    let exe = exe
        .map(|p| sh_quote(&p.to_string_lossy()))
        .unwrap_or_else(|| "akscan".into());
    format!(
        "#!/bin/sh\n\
         {MARKER} (written by `akscan install-hook`; remove it with `akscan uninstall-hook`).\n\
         # Blocks a commit that adds an Alibaba Cloud credential; the report says how to fix it.\n\
         akscan={exe}\n\
         if [ ! -x \"$akscan\" ]; then akscan=akscan; fi\n\
         exec \"$akscan\" git --staged\n"
    )
}

fn is_ours(path: &Path) -> bool {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).contains(MARKER))
        .unwrap_or(false)
}

fn backup_of(hook: &Path) -> PathBuf {
    hook.with_extension(BACKUP_SUFFIX)
}

fn io_err(what: &str, p: &Path, e: std::io::Error) -> String {
    format!("cannot {what} {}: {e}", p.display())
}

/// Writes the hook into `repo`'s hooks directory.
pub fn install(repo: &Repo, force: bool) -> Result<Outcome, String> {
    let dir = repo.hooks_dir().map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&dir).map_err(|e| io_err("create", &dir, e))?;
    let hook = dir.join("pre-commit");
    let exe = std::env::current_exe().ok();
    let text = script(exe.as_deref());
    let exists = hook.symlink_metadata().is_ok();
    let mut outcome = Outcome::Installed(hook.clone());
    if exists {
        if is_ours(&hook) {
            outcome = Outcome::Updated(hook.clone());
        } else if !force {
            return Err(format!(
                "{} already exists and was not written by akscan: add `akscan git --staged` to it, or pass --force to replace it (it is kept aside and put back by uninstall-hook)",
                hook.display()
            ));
        } else {
            let backup = backup_of(&hook);
            if backup.symlink_metadata().is_ok() {
                return Err(format!(
                    "{} already exists: move it away first, so that no hook is lost",
                    backup.display()
                ));
            }
            std::fs::rename(&hook, &backup).map_err(|e| io_err("move", &hook, e))?;
            outcome = Outcome::Replaced(hook.clone(), backup);
        }
    }
    let tmp = dir.join(".pre-commit.akscan-tmp");
    std::fs::write(&tmp, text).map_err(|e| io_err("write", &tmp, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| io_err("make executable", &tmp, e))?;
    }
    std::fs::rename(&tmp, &hook).map_err(|e| io_err("write", &hook, e))?;
    Ok(outcome)
}

/// Removes akscan's hook (and puts back the hook `--force` replaced); leaves any other
/// hook alone.
pub fn uninstall(repo: &Repo) -> Result<Outcome, String> {
    let dir = repo.hooks_dir().map_err(|e| e.to_string())?;
    let hook = dir.join("pre-commit");
    if hook.symlink_metadata().is_err() {
        return Ok(Outcome::Absent(hook));
    }
    if !is_ours(&hook) {
        return Err(format!(
            "{} was not written by akscan: left as it is",
            hook.display()
        ));
    }
    std::fs::remove_file(&hook).map_err(|e| io_err("remove", &hook, e))?;
    let backup = backup_of(&hook);
    if backup.symlink_metadata().is_ok() {
        std::fs::rename(&backup, &hook).map_err(|e| io_err("restore", &backup, e))?;
        return Ok(Outcome::Restored(hook));
    }
    Ok(Outcome::Removed(hook))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_quotes_the_path() {
        let s = script(Some(Path::new("/opt/it's here/akscan")));
        assert!(s.starts_with("#!/bin/sh\n"));
        assert!(s.contains(MARKER));
        assert!(s.contains(r"akscan='/opt/it'\''s here/akscan'"));
        assert!(s.contains("git --staged"));
    }
}
