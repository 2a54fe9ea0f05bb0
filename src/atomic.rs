//! Replaces a file whole or not at all: the new contents go to a temporary file beside it,
//! which takes the old file's owner, group, mode and extended attributes, is flushed to
//! disk and then renamed over the old one. A full disk, a file size limit or a crash leaves
//! the old file as it was. Used for `-o FILE`, `--write-baseline FILE` and `fix --apply`.

use std::fs::{self, File, Metadata};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What a replacement must find just before its rename, else nothing is replaced.
pub type Recheck<'a> = &'a mut dyn FnMut() -> Result<(), String>;

/// Writes `data` to `path` atomically (see the module). A path that names something other
/// than a regular file (a terminal, `/dev/null`, a pipe) is written in place, since renaming
/// over it would replace the device or pipe with a file. A symbolic link is followed: its
/// target is replaced and the link kept.
pub fn write(path: &Path, data: &[u8]) -> Result<(), String> {
    let shown = path.display();
    match fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(path)
                .map_err(|e| format!("cannot write {shown}: {e}"))?;
            f.write_all(data)
                .and_then(|_| f.flush())
                .map_err(|e| format!("cannot write {shown}: {e}"))
        }
        Ok(m) => {
            let real = fs::canonicalize(path).map_err(|e| format!("cannot write {shown}: {e}"))?;
            replace(&real, Some(&m), data, None).map_err(|e| format!("cannot write {shown}: {e}"))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            replace(path, None, data, None).map_err(|e| format!("cannot write {shown}: {e}"))
        }
        Err(e) => Err(format!("cannot write {shown}: {e}")),
    }
}

/// Replaces the regular file `path`, whose metadata was `old` (`None`: a new file, made
/// with the mode the umask allows), with `data`. `recheck` runs after the new file is on
/// disk and just before the rename; an error from it cancels the replacement. On any error
/// the temporary file is removed and `path` is untouched.
pub fn replace(
    path: &Path,
    old: Option<&Metadata>,
    data: &[u8],
    recheck: Option<Recheck<'_>>,
) -> Result<(), String> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".akscan-tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // the kernel applies the umask to a new file, as for any file a program creates;
        // an old file's exact mode is set below
        let mode = old.map_or(0o666, |m| m.permissions().mode() & 0o777);
        builder.permissions(fs::Permissions::from_mode(mode));
    }
    let mut tmp = builder
        .tempfile_in(&dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))?;
    tmp.write_all(data).map_err(|e| e.to_string())?;
    if let Some(m) = old {
        keep_metadata(tmp.as_file(), path, m)?;
    }
    tmp.as_file().sync_all().map_err(|e| e.to_string())?;
    if let Some(check) = recheck {
        check()?;
    }
    tmp.persist(path).map_err(|e| e.error.to_string())?;
    // the rename itself is durable once the directory is
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Gives `file` (the replacement of `path`) the owner, group, mode and extended attributes
/// of `old`. Ownership first: `chown` clears set-user-ID and set-group-ID bits, which the
/// mode then restores for the same owner.
#[cfg(unix)]
fn keep_metadata(file: &File, path: &Path, old: &Metadata) -> Result<(), String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let now = file.metadata().map_err(|e| e.to_string())?;
    if (now.uid(), now.gid()) != (old.uid(), old.gid()) {
        std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid())).map_err(|e| {
            format!(
                "cannot give the new file the owner {}:{} of the old one ({e}); nothing written",
                old.uid(),
                old.gid()
            )
        })?;
    }
    file.set_permissions(fs::Permissions::from_mode(old.mode() & 0o7777))
        .map_err(|e| format!("cannot set the mode: {e}"))?;
    copy_xattrs(path, file)
}

#[cfg(not(unix))]
fn keep_metadata(file: &File, _path: &Path, old: &Metadata) -> Result<(), String> {
    file.set_permissions(old.permissions())
        .map_err(|e| format!("cannot set the permissions: {e}"))
}

/// Copies every extended attribute of `from` (ACLs, SELinux labels, user attributes) to
/// `to`. Where the file system has none, there is nothing to copy.
#[cfg(unix)]
fn copy_xattrs(from: &Path, to: &File) -> Result<(), String> {
    use xattr::FileExt;
    if !xattr::SUPPORTED_PLATFORM {
        return Ok(());
    }
    let names = match xattr::list(from) {
        Ok(n) => n,
        Err(e) if e.raw_os_error() == Some(libc::ENOTSUP) => return Ok(()),
        Err(e) => return Err(format!("cannot list its extended attributes: {e}")),
    };
    for name in names {
        let shown = name.to_string_lossy().into_owned();
        let Some(value) = xattr::get(from, &name)
            .map_err(|e| format!("cannot read its extended attribute {shown}: {e}"))?
        else {
            continue;
        };
        // the temporary file may already carry it (a default ACL, a label): same value
        if to.get_xattr(&name).ok().flatten().as_deref() == Some(&value[..]) {
            continue;
        }
        to.set_xattr(&name, &value).map_err(|e| {
            format!("cannot keep its extended attribute {shown} ({e}); nothing written")
        })?;
    }
    Ok(())
}
