//! Writes a [`Plan`]: only files inside the scanned roots, only files with findings, only
//! when their contents are still the ones the plan was made from; each through a temporary
//! file in the same directory and a rename ([`crate::atomic`]), so a crash leaves the old
//! file or the new one. The new file keeps the old one's owner, group, mode and extended
//! attributes; a file with several hard links is refused (a new file would split them), and
//! a file that changes between the check and the rename is left alone.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::{content_hash, Plan};

/// What [`apply`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ApplyReport {
    /// (path, number of findings fixed).
    pub written: Vec<(String, usize)>,
    /// (path, why it was not written).
    pub skipped: Vec<(String, String)>,
}

/// Writes the planned files. `roots` are the scanned paths: a file outside all of them
/// (after resolving links) is not written.
pub fn apply(plan: &Plan, roots: &[PathBuf]) -> ApplyReport {
    let roots: Vec<PathBuf> = roots
        .iter()
        .filter_map(|r| fs::canonicalize(r).ok())
        .collect();
    let mut report = ApplyReport::default();
    for f in &plan.files {
        let (file, _) = crate::source::walk::shown_file(&f.path);
        match write_one(&file, &roots, &f.hash, f.fixed.as_bytes()) {
            Ok(()) => report.written.push((f.path.clone(), f.fixes.len())),
            Err(why) => report.skipped.push((f.path.clone(), why)),
        }
    }
    report
}

/// What identifies a file's contents without reading them: which file it is, its size and
/// when its data or metadata last changed.
#[cfg(unix)]
fn identity(m: &fs::Metadata) -> impl PartialEq + std::fmt::Debug {
    use std::os::unix::fs::MetadataExt;
    (
        m.dev(),
        m.ino(),
        m.len(),
        (m.mtime(), m.mtime_nsec()),
        (m.ctime(), m.ctime_nsec()),
    )
}

#[cfg(not(unix))]
fn identity(m: &fs::Metadata) -> impl PartialEq + std::fmt::Debug {
    (m.len(), m.modified().ok())
}

/// When the data of a file last changed, and its size.
fn written(m: &fs::Metadata) -> (u64, Option<std::time::SystemTime>) {
    (m.len(), m.modified().ok())
}

#[cfg(unix)]
fn links(m: &fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(m)
}

#[cfg(not(unix))]
fn links(_: &fs::Metadata) -> u64 {
    1
}

/// Reads the whole of an open file from its start.
fn read_all(mut file: &fs::File) -> std::io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(0))?;
    let mut data = Vec::new();
    file.read_to_end(&mut data)?;
    Ok(data)
}

fn write_one(path: &Path, roots: &[PathBuf], hash: &[u8; 32], data: &[u8]) -> Result<(), String> {
    let meta = fs::symlink_metadata(path).map_err(|e| format!("cannot read it: {e}"))?;
    if !meta.file_type().is_file() {
        return Err("not a regular file (a link or a special file)".into());
    }
    let real = fs::canonicalize(path).map_err(|e| format!("cannot resolve it: {e}"))?;
    if !roots.iter().any(|r| real.starts_with(r)) {
        return Err("outside the scanned tree".into());
    }
    // the file itself, held open: what is checked is what is replaced
    let file =
        crate::source::open_nonblocking(&real).map_err(|e| format!("cannot read it: {e}"))?;
    let before = file
        .metadata()
        .map_err(|e| format!("cannot read it: {e}"))?;
    if !before.is_file() || identity(&before) != identity(&meta) {
        return Err("changed since the scan; run akscan fix again".into());
    }
    if links(&before) > 1 {
        return Err(format!(
            "it has {} hard links: a new file would take the key out of this name only, and \
             the other names would keep it; edit it in place by hand",
            links(&before)
        ));
    }
    let now = read_all(&file).map_err(|e| format!("cannot read it: {e}"))?;
    if &content_hash(&now) != hash {
        return Err("changed since the scan; run akscan fix again".into());
    }
    let seen = identity(&before);
    // last look, after the new file is on disk and just before the rename: the same file
    // at the path, unchanged in size, times and contents, or nothing is replaced
    let mut recheck = || -> Result<(), String> {
        let changed = || "changed while being fixed; run akscan fix again".to_string();
        let at_path = fs::symlink_metadata(&real).map_err(|e| e.to_string())?;
        let held = file.metadata().map_err(|e| e.to_string())?;
        if identity(&at_path) != seen || identity(&held) != seen {
            return Err(changed());
        }
        if &content_hash(&read_all(&file).map_err(|e| e.to_string())?) != hash {
            return Err(changed());
        }
        Ok(())
    };
    crate::atomic::replace(&real, Some(&before), data, Some(&mut recheck))
        .map_err(|e| format!("not written: {e}"))?;
    // a write to the old file in the instant between the last look and the rename went to
    // the replaced copy: say so rather than lose it without a word (its size or data time
    // changed; the rename itself changes its link count and status time)
    match file.metadata() {
        Ok(m) if written(&m) == written(&before) => Ok(()),
        _ => Err(
            "fixed, but another program wrote to the file while it was being \
                  replaced: that write went to the old copy and is not in the file now; \
                  check the file"
                .into(),
        ),
    }
}
