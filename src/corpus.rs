//! Reading inputs: files or folders (recursively, `*.txt`); each file is a
//! document whose id is its file stem.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::extract::Document;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let rd = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "txt") {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads a UTF-8 text file.
///
/// # Errors
/// [`Error::Read`] or [`Error::NotUtf8`], naming the file.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Reads one file as a document.
///
/// # Errors
/// [`Error::Read`] or [`Error::NotUtf8`].
pub fn read_file(path: &Path) -> Result<Document> {
    let text = read_text(path)?;
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    Ok(Document {
        id,
        path: path.display().to_string().replace('\\', "/"),
        text,
    })
}

/// Reads every input: files as given, folders recursively (`*.txt`, sorted).
///
/// # Errors
/// [`Error::MissingInput`] for a path that does not exist,
/// [`Error::NoArticles`] for a folder without `.txt` files, and the errors of
/// [`read_file`].
pub fn read_inputs(inputs: &[PathBuf]) -> Result<Vec<Document>> {
    let mut files = Vec::new();
    for p in inputs {
        if !p.exists() {
            return Err(Error::MissingInput(p.clone()));
        }
        if p.is_dir() {
            let before = files.len();
            walk(p, &mut files)?;
            if files.len() == before {
                return Err(Error::NoArticles(p.clone()));
            }
        } else {
            files.push(p.clone());
        }
    }
    let mut docs: Vec<Document> = files.iter().map(|f| read_file(f)).collect::<Result<_>>()?;
    // ids are file stems; the same stem twice gets its path instead
    let mut seen = std::collections::HashMap::new();
    for d in &docs {
        *seen.entry(d.id.clone()).or_insert(0) += 1;
    }
    for d in &mut docs {
        if seen[&d.id] > 1 {
            d.id = d.path.trim_end_matches(".txt").to_string();
        }
    }
    Ok(docs)
}
