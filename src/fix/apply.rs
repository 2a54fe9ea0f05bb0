//! Writes a [`Plan`]: only files inside the scanned roots, only files with findings, only
//! when their contents are still the ones the plan was made from; each through a temporary
//! file in the same directory and a rename, so a crash leaves the old file or the new one.

use std::fs;
use std::io::Write;
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
        match write_one(Path::new(&f.path), &roots, &f.hash, f.fixed.as_bytes()) {
            Ok(()) => report.written.push((f.path.clone(), f.fixes.len())),
            Err(why) => report.skipped.push((f.path.clone(), why)),
        }
    }
    report
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
    let now = fs::read(&real).map_err(|e| format!("cannot read it: {e}"))?;
    if &content_hash(&now) != hash {
        return Err("changed since the scan; run akscan fix again".into());
    }
    let dir = real.parent().ok_or("no parent directory")?;
    let name = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut rnd = [0u8; 8];
    let _ = getrandom::fill(&mut rnd);
    let suffix: String = rnd.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = dir.join(format!(".{name}.akscan-{suffix}.tmp"));
    let result = (|| -> std::io::Result<()> {
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        out.write_all(data)?;
        out.set_permissions(meta.permissions())?;
        out.sync_all()?;
        drop(out);
        // last look: a writer between our read and now loses nothing
        if content_hash(&fs::read(&real)?) != *hash {
            return Err(std::io::Error::other("changed since the scan"));
        }
        fs::rename(&tmp, &real)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(format!("cannot write it: {e}"));
    }
    Ok(())
}
