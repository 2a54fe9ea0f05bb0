//! Walk: a parallel directory walker (the `ignore` crate, as in ripgrep) that hands
//! regular files to per-thread visitors and reports everything it does not scan.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use ignore::{WalkBuilder, WalkState};

use super::tracked::Tracked;

/// Why a path was not scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// Looked binary (a NUL byte near the start).
    Binary,
    /// Larger than the size limit.
    TooLarge,
    /// Could not be opened or read (permissions, vanished, I/O error).
    Unreadable,
    /// A FIFO, socket or device: never opened.
    Special,
    /// A symbolic link, not followed.
    Symlink,
    /// Excluded by a path glob of the configuration.
    Excluded,
    /// An archive member over the decompression limits (a zip bomb, or the archive's
    /// total budget spent): reported, not followed.
    ArchiveLimit,
    /// An archive nested deeper than `--archive-depth`.
    ArchiveDepth,
    /// An encrypted archive member.
    Encrypted,
    /// Matched by a `.gitignore` or `.ignore` file and not tracked by git (a directory
    /// counts once).
    Ignored,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too_large",
            SkipReason::Unreadable => "unreadable",
            SkipReason::Special => "special",
            SkipReason::Symlink => "symlink",
            SkipReason::Excluded => "excluded",
            SkipReason::ArchiveLimit => "archive_limit",
            SkipReason::ArchiveDepth => "archive_depth",
            SkipReason::Encrypted => "encrypted",
            SkipReason::Ignored => "ignored",
        }
    }
}

/// What the walker found.
#[derive(Debug)]
pub enum WalkItem {
    /// A file to scan.
    File { path: PathBuf },
    /// A directory the walk went into.
    Dir { path: PathBuf },
    /// A path that will not be scanned, with the reason and, for errors, the message.
    Skip {
        path: PathBuf,
        reason: SkipReason,
        detail: Option<String>,
    },
}

/// Options of the walk.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub threads: usize,
    /// Honour `.gitignore`, `.ignore` and git's exclude files.
    pub honor_ignore: bool,
    /// Follow symbolic links (loops are detected and reported).
    pub follow_symlinks: bool,
}

/// Receives walk items on one walker thread.
pub trait Visitor: Send {
    fn visit(&mut self, item: WalkItem);
}

/// Walks `roots` in parallel. `make` is called once per walker thread for its visitor;
/// visitors are dropped when the walk ends, which is where they hand over their results.
/// Returns the directories the walk saw holding a `.git` or an `.ignore` entry: where
/// ignore files can have left something out (see [`ignored`]).
pub fn walk<'s, V, F>(roots: &[PathBuf], opts: &WalkOptions, make: F) -> IgnoreSources
where
    V: Visitor + 's,
    F: Fn() -> V + Sync + 's,
{
    let Some((first, rest)) = roots.split_first() else {
        return IgnoreSources::default();
    };
    let sources = std::sync::Mutex::new(IgnoreSources::default());
    // Each directory is asked for a `.git` and an `.ignore` by name: an ignore file that
    // matches itself (or `.git`) is never handed over, yet the walk honours it.
    let honor = opts.honor_ignore;
    let mut b = WalkBuilder::new(first);
    for r in rest {
        b.add(r);
    }
    b.hidden(false)
        .ignore(opts.honor_ignore)
        .git_ignore(opts.honor_ignore)
        .git_global(opts.honor_ignore)
        .git_exclude(opts.honor_ignore)
        .parents(opts.honor_ignore)
        .follow_links(opts.follow_symlinks)
        .threads(opts.threads.max(1))
        .filter_entry(|e| !(e.file_name() == ".git" && e.file_type().is_some_and(|t| t.is_dir())));

    struct Builder<'a, F> {
        make: &'a F,
        sources: Option<&'a std::sync::Mutex<IgnoreSources>>,
    }
    impl<'s, V: Visitor + 's, F: Fn() -> V + Sync> ignore::ParallelVisitorBuilder<'s>
        for Builder<'s, F>
    {
        fn build(&mut self) -> Box<dyn ignore::ParallelVisitor + 's> {
            Box::new(Adapter((self.make)(), self.sources, Vec::new()))
        }
    }
    /// The visitor, and where to hand over (when dropped) the directories holding an
    /// ignore source.
    struct Adapter<'a, V>(V, Option<&'a std::sync::Mutex<IgnoreSources>>, Vec<PathBuf>);
    impl<V> Drop for Adapter<'_, V> {
        fn drop(&mut self) {
            if let Some(Ok(mut s)) = self.1.map(|m| m.lock()) {
                s.dirs.append(&mut self.2);
            }
        }
    }
    impl<V: Visitor> ignore::ParallelVisitor for Adapter<'_, V> {
        fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> WalkState {
            match entry {
                Ok(e) => {
                    if let Some(item) = classify(&e) {
                        if let (WalkItem::Dir { path }, Some(_)) = (&item, self.1) {
                            if [".git", ".ignore"]
                                .iter()
                                .any(|n| std::fs::symlink_metadata(path.join(n)).is_ok())
                            {
                                self.2.push(path.clone());
                            }
                        }
                        self.0.visit(item);
                    }
                }
                Err(err) => {
                    let path = error_path(&err).unwrap_or_default();
                    let detail = err.to_string();
                    self.0.visit(WalkItem::Skip {
                        path,
                        reason: SkipReason::Unreadable,
                        detail: Some(detail),
                    });
                }
            }
            WalkState::Continue
        }
    }
    let mut builder = Builder {
        make: &make,
        sources: honor.then_some(&sources),
    };
    b.build_parallel().visit(&mut builder);
    let mut out = sources.into_inner().unwrap_or_else(|e| e.into_inner());
    // ignore files above a root apply to it (the walk reads its parents' ignore files)
    out.roots = roots
        .iter()
        .filter(|r| {
            let Ok(abs) = std::fs::canonicalize(r) else {
                return true;
            };
            abs.ancestors().any(|a| {
                [".git", ".ignore"]
                    .iter()
                    .any(|n| std::fs::symlink_metadata(a.join(n)).is_ok())
            })
        })
        .cloned()
        .collect();
    out.all_roots = roots.to_vec();
    out.follow = opts.follow_symlinks;
    out
}

/// Where the ignore files a walk honours can apply: below a repository (its `.gitignore`
/// files, `info/exclude`, the user's global excludes) or below an `.ignore` file. Outside
/// those, the walk left nothing out for an ignore file and [`ignored`] lists nothing.
#[derive(Debug, Default)]
pub struct IgnoreSources {
    /// Directories holding a `.git` (a repository) or an `.ignore` file.
    dirs: Vec<PathBuf>,
    /// Roots with a repository or an `.ignore` file above them.
    roots: Vec<PathBuf>,
    /// Every root of the walk.
    all_roots: Vec<PathBuf>,
    /// The walk followed symbolic links: a directory's path may then pass through one.
    follow: bool,
}

fn classify(e: &ignore::DirEntry) -> Option<WalkItem> {
    let path = e.path().to_path_buf();
    let Some(ft) = e.file_type() else {
        // stdin: the walker never yields it here
        return None;
    };
    if ft.is_dir() {
        return Some(WalkItem::Dir { path });
    }
    if ft.is_file() {
        return Some(WalkItem::File { path });
    }
    if ft.is_symlink() {
        // A root given on the command line is followed: the user named it.
        if e.depth() == 0 {
            return match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => Some(WalkItem::File { path }),
                Ok(_) => Some(WalkItem::Skip {
                    path,
                    reason: SkipReason::Special,
                    detail: None,
                }),
                Err(err) => Some(WalkItem::Skip {
                    path,
                    reason: SkipReason::Unreadable,
                    detail: Some(err.to_string()),
                }),
            };
        }
        return Some(WalkItem::Skip {
            path,
            reason: SkipReason::Symlink,
            detail: None,
        });
    }
    Some(WalkItem::Skip {
        path,
        reason: SkipReason::Special,
        detail: None,
    })
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

/// The path as shown to the user: `./` prefixes dropped, `/` separators, and what would
/// make it ambiguous escaped ([`escape_name`]): two files never share a shown path, and a
/// file named `y.zip!in.py` never reads as member `in.py` of `y.zip`.
pub fn display_path(p: &Path) -> String {
    let mut b = p.as_os_str().as_encoded_bytes();
    while let Some(rest) = b.strip_prefix(b"./") {
        b = rest;
    }
    #[cfg(windows)]
    {
        let s = String::from_utf8_lossy(b).replace('\\', "/");
        return escape_name(s.as_bytes()).into_owned();
    }
    #[cfg(not(windows))]
    escape_name(b).into_owned()
}

/// The path as the walk's own globs see it: `./` prefixes dropped, `/` separators, not
/// valid UTF-8 replaced; nothing escaped.
pub fn plain_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    let mut s: &str = &s;
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    if std::path::MAIN_SEPARATOR != '/' {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    } else {
        s.to_string()
    }
}

/// A file or member name as reports show it: bytes that are not UTF-8, `\` and `!` (the
/// separator of an archive and its members) become `\xNN`; everything else, control
/// characters included (the output layer neutralises those), is kept.
pub fn escape_name(b: &[u8]) -> std::borrow::Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(b) {
        if !s.contains(['\\', '!']) {
            return std::borrow::Cow::Borrowed(s);
        }
    }
    let mut out = String::with_capacity(b.len() + 8);
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' | '!' => out.push_str(&format!("\\x{:02x}", c as u32)),
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The bytes a name escaped by [`escape_name`] stands for.
pub fn unescape_name(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') {
            if let Some(v) = b
                .get(i + 2..i + 4)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// The file a shown path names, and the member inside it when the path names an archive
/// member (everything after the first `!`, as shown).
pub fn shown_file(shown: &str) -> (PathBuf, Option<&str>) {
    let (file, member) = match shown.split_once('!') {
        Some((f, m)) => (f, Some(m)),
        None => (shown, None),
    };
    (bytes_path(&unescape_name(file)), member)
}

/// What a walk that honours ignore files went through: the directories it entered and
/// every path it handed over (files and skips).
#[derive(Debug, Default)]
pub struct Visited {
    pub dirs: Vec<PathBuf>,
    pub paths: Vec<PathBuf>,
}

impl Visited {
    pub fn append(&mut self, o: &mut Visited) {
        self.dirs.append(&mut o.dirs);
        self.paths.append(&mut o.paths);
    }
}

/// What the walk left out because an ignore file matched it.
#[derive(Debug, Default)]
pub struct Ignored {
    /// Files git tracks: scanned all the same.
    pub tracked: Vec<PathBuf>,
    /// Symbolic links git tracks: not followed, as the walk does not follow links.
    pub tracked_links: u64,
    /// Paths neither walked nor tracked (a directory counts once).
    pub untracked: u64,
    /// Repositories whose index could not be read, with why: their ignored files are
    /// counted, not scanned.
    pub warnings: Vec<String>,
}

/// Finds what a walk that honoured ignore files left out: every entry of a directory it
/// entered that it did not hand over. Of those, files git tracks (read from the index of
/// the repository holding them, never by running git) are returned to be scanned; the
/// rest are counted.
///
/// Only directories an ignore source reaches are listed again, and a directory whose
/// entries all were handed over (the usual case: the counts agree) costs one listing and
/// no path lookups.
pub fn ignored(visited: &Visited, sources: &IgnoreSources) -> Ignored {
    if sources.dirs.is_empty() && sources.roots.is_empty() {
        return Ignored::default();
    }
    let hasher = ahash::RandomState::with_seeds(1, 2, 3, 4);
    // the directories holding a source, with some roots
    fn with_roots<'a>(
        dirs: &'a [PathBuf],
        roots: &'a [PathBuf],
        h: &ahash::RandomState,
    ) -> HashSet<&'a [u8], ahash::RandomState> {
        dirs.iter()
            .chain(roots)
            .map(|p| path_key(p))
            .collect_with(h.clone())
    }
    let marks = with_roots(&sources.dirs, &sources.roots, &hasher);
    // how many entries of each directory the walk handed over
    let mut handed: HashMap<&[u8], u32, _> = HashMap::with_hasher(hasher.clone());
    for p in visited.paths.iter().chain(&visited.dirs) {
        // `.git` is left out of both counts: a directory is never handed over, a file is
        if p.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if let Some(parent) = p.parent() {
            *handed.entry(path_key(parent)).or_insert(0) += 1;
        }
    }
    let reached = |dir: &Path| dir.ancestors().any(|a| marks.contains(path_key(a)));
    let repos = std::sync::Mutex::new(HashMap::<PathBuf, Option<Arc<Tracked>>>::new());
    let warnings = std::sync::Mutex::new(Vec::new());
    // A directory's place in its repository is found from the nearest directory above it
    // that holds a `.git` or is a root (its anchor): one canonical lookup per anchor, the
    // rest by the walk's own path below it, which has no symbolic link unless the walk
    // followed them (then each directory is looked up).
    let anchors = with_roots(&sources.dirs, &sources.all_roots, &hasher);
    type Anchored = Option<(Arc<Tracked>, Vec<u8>)>;
    let anchored = std::sync::Mutex::new(HashMap::<PathBuf, Anchored>::new());
    let place = |dir: &Path| -> Anchored {
        let anchor = match sources.follow {
            true => dir,
            false => dir
                .ancestors()
                .find(|a| anchors.contains(path_key(a)))
                .unwrap_or(dir),
        };
        let base = {
            let cached = anchored.lock().ok()?.get(anchor).cloned();
            match cached {
                Some(b) => b,
                None => {
                    let b = repo_of(anchor, &repos, &warnings)
                        .and_then(|t| t.relative(anchor).map(|rel| (t, rel)));
                    anchored
                        .lock()
                        .ok()?
                        .insert(anchor.to_path_buf(), b.clone());
                    b
                }
            }
        };
        let (t, mut rel) = base?;
        let below = dir.strip_prefix(anchor).ok()?;
        if !below.as_os_str().is_empty() {
            if !rel.is_empty() {
                rel.push(b'/');
            }
            rel.extend(super::tracked::path_bytes(below));
        }
        Some((t, rel))
    };
    let seen: std::sync::OnceLock<HashSet<&[u8], ahash::RandomState>> = std::sync::OnceLock::new();
    let parts: Vec<Ignored> = visited
        .dirs
        .par_iter()
        .filter(|dir| reached(dir))
        .map(|dir| {
            let mut out = Ignored::default();
            let Ok(entries) = std::fs::read_dir(dir) else {
                return out;
            };
            let entries: Vec<std::fs::DirEntry> = entries
                .flatten()
                .filter(|e| e.file_name() != ".git")
                .collect();
            let walked = handed.get(path_key(dir)).copied().unwrap_or(0) as usize;
            if entries.len() == walked {
                return out;
            }
            let seen = seen.get_or_init(|| {
                visited
                    .paths
                    .iter()
                    .chain(&visited.dirs)
                    .map(|p| path_key(p))
                    .collect_with(hasher.clone())
            });
            let mut repo: Option<Option<(Arc<Tracked>, Vec<u8>)>> = None;
            for e in entries {
                let name = e.file_name();
                let path = dir.join(&name);
                if seen.contains(path_key(&path)) {
                    continue;
                }
                let repo = repo.get_or_insert_with(|| place(dir));
                let Some((t, rel)) = repo.as_ref() else {
                    out.untracked += 1;
                    continue;
                };
                let mut child = rel.clone();
                if !child.is_empty() {
                    child.push(b'/');
                }
                child.extend(super::tracked::path_bytes(Path::new(&name)));
                let Ok(ft) = e.file_type() else {
                    out.untracked += 1;
                    continue;
                };
                if ft.is_dir() {
                    for sub in t.under(&child) {
                        let p = path.join(bytes_path(sub));
                        match std::fs::symlink_metadata(&p) {
                            Ok(m) if m.is_file() => out.tracked.push(p),
                            Ok(m) if m.file_type().is_symlink() => out.tracked_links += 1,
                            _ => {}
                        }
                    }
                    out.untracked += 1;
                } else if !t.contains(&child) {
                    out.untracked += 1;
                } else if ft.is_file() {
                    out.tracked.push(path);
                } else if ft.is_symlink() {
                    out.tracked_links += 1;
                }
            }
            out
        })
        .collect();
    let mut all = Ignored::default();
    for mut p in parts {
        all.tracked.append(&mut p.tracked);
        all.tracked_links += p.tracked_links;
        all.untracked += p.untracked;
    }
    all.tracked.sort();
    all.warnings = warnings.into_inner().unwrap_or_default();
    all
}

/// A path's bytes, the key of the walk's path sets (hashed as bytes, not component by
/// component as `Path` hashes).
fn path_key(p: &Path) -> &[u8] {
    p.as_os_str().as_encoded_bytes()
}

/// `collect` into a set with a given hasher.
trait CollectWith<T> {
    fn collect_with(self, h: ahash::RandomState) -> HashSet<T, ahash::RandomState>;
}

impl<T: std::hash::Hash + Eq, I: Iterator<Item = T>> CollectWith<T> for I {
    fn collect_with(self, h: ahash::RandomState) -> HashSet<T, ahash::RandomState> {
        let mut s = HashSet::with_hasher(h);
        s.extend(self);
        s
    }
}

/// The index of the repository that holds `dir`, read once per repository.
fn repo_of(
    dir: &Path,
    repos: &std::sync::Mutex<HashMap<PathBuf, Option<Arc<Tracked>>>>,
    warnings: &std::sync::Mutex<Vec<String>>,
) -> Option<Arc<Tracked>> {
    let abs = std::fs::canonicalize(dir).ok()?;
    let root = abs
        .ancestors()
        .find(|a| std::fs::symlink_metadata(a.join(".git")).is_ok())?
        .to_path_buf();
    let mut repos = repos.lock().ok()?;
    if let Some(t) = repos.get(&root) {
        return t.clone();
    }
    let t = match Tracked::discover(&root) {
        Ok(t) => t.map(Arc::new),
        Err(e) => {
            if let Ok(mut w) = warnings.lock() {
                w.push(format!(
                    "{e}: cannot read the git index; files ignored by .gitignore or .ignore \
                     under {} are not scanned even if tracked (--no-ignore scans them)",
                    display_path(&root)
                ));
            }
            None
        }
    };
    repos.insert(root, t.clone());
    t
}

/// A path from the index's bytes.
fn bytes_path(b: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(b))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(b).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Escaping is reversible and leaves no `!` (the member separator) in a name.
        #[test]
        fn escaped_names_round_trip(b in proptest::collection::vec(any::<u8>(), 0..40)) {
            let shown = escape_name(&b);
            prop_assert!(!shown.contains('!'));
            prop_assert_eq!(unescape_name(&shown), b);
        }

        /// Two different names never share a shown form.
        #[test]
        fn distinct_names_stay_distinct(
            a in proptest::collection::vec(prop_oneof![Just(b'!'), Just(b'\\'), Just(b'x'),
                Just(b'2'), Just(b'1'), Just(0xff), Just(b'a')], 0..8),
            b in proptest::collection::vec(prop_oneof![Just(b'!'), Just(b'\\'), Just(b'x'),
                Just(b'2'), Just(b'1'), Just(0xff), Just(b'a')], 0..8),
        ) {
            if a != b {
                prop_assert_ne!(escape_name(&a), escape_name(&b));
            }
        }
    }

    #[test]
    fn shown_paths() {
        assert_eq!(display_path(Path::new("./a/b.py")), "a/b.py");
        assert_eq!(display_path(Path::new("y.zip!in.py")), "y.zip\\x21in.py");
        let (f, m) = shown_file("d/y.zip\\x21in.py");
        assert_eq!((f, m), (PathBuf::from("d/y.zip!in.py"), None));
        let (f, m) = shown_file("d/y.zip!in/x!z.py");
        assert_eq!((f, m), (PathBuf::from("d/y.zip"), Some("in/x!z.py")));
    }
}
