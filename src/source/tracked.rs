//! Tracked: which files git tracks, read from the repository's index in-process (the
//! `gix-index` crate), so that a file git tracks is scanned even when a `.gitignore` or
//! `.ignore` matches it. Nothing is run: no `git`, no program the repository's
//! configuration names. The index is opened without blocking (a FIFO in its place is
//! refused) and read within a size limit.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{open_nonblocking, regular_size};

/// Largest index read (a repository of a few million files).
const MAX_INDEX: u64 = 512 << 20;

/// The files a repository's index tracks, as paths relative to its work tree, sorted.
#[derive(Debug, Default)]
pub struct Tracked {
    /// The work tree, canonical.
    pub root: PathBuf,
    paths: Vec<Vec<u8>>,
}

impl Tracked {
    /// The index of the repository that holds `dir` (found by going up from it), or None
    /// when `dir` is in no repository. An index that cannot be read is an error, with why.
    pub fn discover(dir: &Path) -> Result<Option<Tracked>, String> {
        let Ok(start) = std::fs::canonicalize(dir) else {
            return Ok(None);
        };
        let start = if start.is_dir() {
            start
        } else {
            match start.parent() {
                Some(p) => p.to_path_buf(),
                None => return Ok(None),
            }
        };
        for root in start.ancestors() {
            let dot_git = root.join(".git");
            let Ok(meta) = std::fs::symlink_metadata(&dot_git) else {
                continue;
            };
            let git_dir = if meta.is_dir() {
                dot_git
            } else if meta.is_file() {
                // a worktree or submodule: `gitdir: <path>`
                match gitdir_of(&dot_git, root) {
                    Some(d) => d,
                    None => continue,
                }
            } else {
                continue;
            };
            let index = git_dir.join("index");
            if std::fs::symlink_metadata(&index).is_err() {
                // a repository without an index (nothing added yet)
                return Ok(Some(Tracked {
                    root: root.to_path_buf(),
                    paths: Vec::new(),
                }));
            }
            let paths = read_index(&index).map_err(|e| format!("{}: {e}", index.display()))?;
            return Ok(Some(Tracked {
                root: root.to_path_buf(),
                paths,
            }));
        }
        Ok(None)
    }

    /// A tracked file at `rel` (relative to the work tree, `/`-separated).
    pub fn contains(&self, rel: &[u8]) -> bool {
        self.paths
            .binary_search_by(|p| p.as_slice().cmp(rel))
            .is_ok()
    }

    /// The tracked files under directory `rel` (relative to the work tree), relative to
    /// it.
    pub fn under<'a>(&'a self, rel: &[u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut prefix = rel.to_vec();
        if !prefix.is_empty() {
            prefix.push(b'/');
        }
        let from = self
            .paths
            .partition_point(|p| p.as_slice() < prefix.as_slice());
        let n = prefix.len();
        self.paths[from..]
            .iter()
            .take_while(move |p| p.starts_with(&prefix))
            .map(move |p| &p[n..])
    }

    /// `path` (an existing path under the work tree) relative to the work tree, as the
    /// index spells it; None outside it.
    pub fn relative(&self, path: &Path) -> Option<Vec<u8>> {
        let abs = std::fs::canonicalize(path).ok()?;
        let rel = abs.strip_prefix(&self.root).ok()?;
        Some(path_bytes(rel))
    }
}

/// A path's bytes with `/` separators.
pub fn path_bytes(p: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        p.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        p.to_string_lossy().replace('\\', "/").into_bytes()
    }
}

/// The directory a `.git` file points at (`gitdir: <path>`, relative to `root` when not
/// absolute).
fn gitdir_of(dot_git: &Path, root: &Path) -> Option<PathBuf> {
    let mut text = String::new();
    let f = open_nonblocking(dot_git).ok()?;
    regular_size(&f).ok()?;
    f.take(4096).read_to_string(&mut text).ok()?;
    let dir = text.lines().next()?.strip_prefix("gitdir:")?.trim();
    Some(root.join(dir))
}

/// The sorted paths of an index's entries (files, symbolic links and submodules alike).
fn read_index(path: &Path) -> Result<Vec<Vec<u8>>, String> {
    let f = open_nonblocking(path).map_err(|e| e.to_string())?;
    let size = regular_size(&f).map_err(|_| "not a regular file".to_string())?;
    if size > MAX_INDEX {
        return Err(format!("{size} bytes, over the {MAX_INDEX} read"));
    }
    let mut data = Vec::with_capacity(size as usize);
    f.take(MAX_INDEX)
        .read_to_end(&mut data)
        .map_err(|e| e.to_string())?;
    let options = gix_index::decode::Options {
        thread_limit: Some(1),
        alloc_limit_bytes: Some(MAX_INDEX as usize * 4),
        ..Default::default()
    };
    let mut last = None;
    for kind in [gix_index::hash::Kind::Sha1, gix_index::hash::Kind::Sha256] {
        match gix_index::State::from_bytes(&data, filetime::FileTime::zero(), kind, options) {
            Ok((state, _)) => {
                let mut paths: Vec<Vec<u8>> = state
                    .entries()
                    .iter()
                    .map(|e| e.path(&state).to_vec())
                    .collect();
                paths.sort_unstable();
                paths.dedup();
                return Ok(paths);
            }
            Err(e) => last = Some(e.to_string()),
        }
    }
    Err(last.unwrap_or_default())
}
