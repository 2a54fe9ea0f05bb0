//! Source: where bytes come from. Walks directories, opens files safely, reads them in
//! bounded chunks and decodes UTF-16. Git blobs and standard input feed the same reader.

pub mod archive;
pub mod decode;
pub mod git;
pub mod gitrun;
pub mod notebook;
pub mod read;
pub mod remote;
pub mod tracked;
pub mod walk;

use std::fs::File;
use std::io;
use std::path::Path;

/// Why a path could not be opened for scanning.
#[derive(Debug)]
pub enum OpenError {
    /// Not a regular file (FIFO, socket, device, directory).
    NotRegular,
    Io(io::Error),
}

/// Opens a regular file for reading without ever blocking on a FIFO or taking a terminal,
/// and returns it with its size. Anything but a regular file is refused after `fstat`, so
/// a path swapped for a FIFO between the walk and the open cannot hang the scan.
pub fn open_regular(path: &Path) -> Result<(File, u64), OpenError> {
    let file = open_nonblocking(path).map_err(OpenError::Io)?;
    let size = regular_size(&file)?;
    Ok((file, size))
}

/// Opens `path` for reading without blocking on a FIFO or taking a terminal, and without
/// looking at what it is: a read of a FIFO then fails or ends rather than waits. Check it
/// with [`regular_size`] before reading more than a little of it.
pub fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    opts.open(path)
}

/// The size of an open file (`fstat`); anything but a regular file is refused.
pub fn regular_size(file: &File) -> Result<u64, OpenError> {
    let meta = file.metadata().map_err(OpenError::Io)?;
    if !meta.is_file() {
        return Err(OpenError::NotRegular);
    }
    Ok(meta.len())
}

/// Reads a small file whole (a configuration, rule or baseline file): only a regular file
/// of at most `limit` bytes. A pipe, a device (`/dev/stdin`, `/dev/zero`) or a directory is
/// refused at once, never read, and a file that grows past the limit while being read is
/// refused too. The error says what was wrong, without the path (callers name the file).
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let (file, size) = open_regular(path).map_err(|e| match e {
        OpenError::NotRegular => {
            "not a regular file (a pipe, device or directory cannot be read as one)".to_string()
        }
        OpenError::Io(e) => e.to_string(),
    })?;
    let over = |n: u64| format!("{n} bytes is over the limit of {limit} bytes for this file");
    if size > limit {
        return Err(over(size));
    }
    let mut data = Vec::with_capacity(size as usize);
    file.take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|e| e.to_string())?;
    if data.len() as u64 > limit {
        return Err(format!(
            "grew past the limit of {limit} bytes for this file while being read"
        ));
    }
    Ok(data)
}
