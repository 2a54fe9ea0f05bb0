//! Walk: a parallel directory walker (the `ignore` crate, as in ripgrep) that hands
//! regular files to per-thread visitors and reports everything it does not scan.

use std::path::{Path, PathBuf};

use ignore::{WalkBuilder, WalkState};

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
        }
    }
}

/// What the walker found.
#[derive(Debug)]
pub enum WalkItem {
    /// A file to scan.
    File { path: PathBuf },
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
pub fn walk<'s, V, F>(roots: &[PathBuf], opts: &WalkOptions, make: F)
where
    V: Visitor + 's,
    F: Fn() -> V + Sync + 's,
{
    let Some((first, rest)) = roots.split_first() else {
        return;
    };
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
    }
    impl<'s, V: Visitor + 's, F: Fn() -> V + Sync> ignore::ParallelVisitorBuilder<'s>
        for Builder<'s, F>
    {
        fn build(&mut self) -> Box<dyn ignore::ParallelVisitor + 's> {
            Box::new(Adapter((self.make)()))
        }
    }
    struct Adapter<V>(V);
    impl<V: Visitor> ignore::ParallelVisitor for Adapter<V> {
        fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> WalkState {
            match entry {
                Ok(e) => {
                    if let Some(item) = classify(&e) {
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
    let mut builder = Builder { make: &make };
    b.build_parallel().visit(&mut builder);
}

fn classify(e: &ignore::DirEntry) -> Option<WalkItem> {
    let path = e.path().to_path_buf();
    let Some(ft) = e.file_type() else {
        // stdin: the walker never yields it here
        return None;
    };
    if ft.is_dir() {
        return None;
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

/// The path as shown to the user: `./` prefixes dropped, `/` separators, lossy UTF-8.
pub fn display_path(p: &Path) -> String {
    // valid UTF-8 (nearly every path) is checked by the fast validator, not the lossy one
    let s = match p.to_str() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => p.to_string_lossy(),
    };
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
