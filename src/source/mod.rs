//! Source: where bytes come from. Walks directories, opens files safely, reads them in
//! bounded chunks and decodes UTF-16. Git blobs and standard input feed the same reader.

pub mod archive;
pub mod decode;
pub mod git;
pub mod gitrun;
pub mod notebook;
pub mod read;
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
