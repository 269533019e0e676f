//! Exporters (JSON node-link, Graphviz DOT) and the atomic file writer.

pub mod dot;
pub mod json;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// NetworkX node-link JSON.
    Json,
    /// Graphviz DOT.
    Dot,
}

impl Format {
    /// The format a file name's extension implies.
    pub fn from_path(p: &Path) -> Option<Format> {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "dot" | "gv" => Some(Format::Dot),
            _ => None,
        }
    }
}

/// The temporary file being written, if any: an interrupt removes it.
static PENDING: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

fn pending() -> std::sync::MutexGuard<'static, Option<PathBuf>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Makes Ctrl-C (and SIGTERM, SIGHUP) remove the temporary file that
/// [`write_atomic`] may be writing, then exit with status 130. The file
/// being replaced is never touched: it is either the old file or, when the
/// rename came first, the whole new one.
///
/// # Errors
/// When a handler cannot be installed.
pub fn clean_up_on_interrupt() -> std::result::Result<(), ctrlc::Error> {
    ctrlc::set_handler(|| {
        // holding the lock keeps a rename from starting while we exit
        let mut p = pending();
        if let Some(tmp) = p.take() {
            let _ = std::fs::remove_file(tmp);
        }
        std::process::exit(130);
    })
}

/// Refuses an output that is one of `inputs` (the same file by its
/// canonical path or, on Unix, by device and inode).
///
/// # Errors
/// [`Error::OutputIsInput`] naming `output`.
pub fn refuse_overwriting_inputs<'a>(
    output: &Path,
    inputs: impl IntoIterator<Item = &'a Path>,
) -> Result<()> {
    let Ok(out_meta) = std::fs::metadata(output) else {
        // a file that does not exist is no input
        return Ok(());
    };
    let out_canon = output.canonicalize().ok();
    for input in inputs {
        let same_path = out_canon.is_some() && input.canonicalize().ok() == out_canon;
        if same_path || same_inode(&out_meta, input) {
            return Err(Error::OutputIsInput(output.to_path_buf()));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_inode(out: &std::fs::Metadata, input: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(input).is_ok_and(|m| m.dev() == out.dev() && m.ino() == out.ino())
}

#[cfg(not(unix))]
fn same_inode(_out: &std::fs::Metadata, _input: &Path) -> bool {
    false
}

/// Writes `data` to `path` through a temporary file in the same folder and a
/// rename, so a reader never sees half a file and a failure leaves the old
/// file as it was. The temporary file is hidden (`.NAME.tmp-PID`) and
/// removed on any error, and on Ctrl-C once [`clean_up_on_interrupt`] is in
/// place. When `path` is a symbolic link, the file it points to is
/// replaced, and an existing file keeps its permissions.
///
/// # Errors
/// [`Error::Write`] when the folder is not writable.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    // write through a symbolic link rather than replacing the link
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => path.canonicalize().unwrap_or(path.to_path_buf()),
        _ => path.to_path_buf(),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let werr = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let old_perms = std::fs::metadata(&target).ok().map(|m| m.permissions());
    *pending() = Some(tmp.clone());
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        drop(f);
        if let Some(perms) = old_perms {
            std::fs::set_permissions(&tmp, perms)?;
        }
        let mut p = pending();
        if p.is_none() {
            // an interrupt removed the temporary file and is exiting
            return Err(std::io::Error::from(std::io::ErrorKind::Interrupted));
        }
        std::fs::rename(&tmp, &target)?;
        *p = None;
        Ok(())
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        *pending() = None;
        return Err(werr(e));
    }
    Ok(())
}
