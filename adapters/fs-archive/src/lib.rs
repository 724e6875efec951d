//! The archive of original invoice documents on the local filesystem, for local mode.
//!
//! Files live under a root directory at [`navsync_domain::archive::document_key`], the same
//! browsable layout as the S3 archive, and each [`DocumentRef`] carries the SHA-256 (lowercase
//! hex) of the bytes, which [`FsArchive::get`] checks on every read.
//!
//! Writes are crash safe: the bytes go to a temporary file in the target's directory, are
//! fsynced, renamed over the target (atomic on POSIX), and the directory is fsynced so the
//! rename itself survives a power loss. A reader therefore sees the old file, the new file, or
//! none, never a part of one; a crash leaves at most a stray `.tmp-*` file beside it, which
//! no key can name, so it is never read as a document.
//!
//! Those strays are swept when an archive is opened while no other process has it open: every
//! open archive holds a shared lock on `<root>/.writers.lock` (released by the kernel when its
//! process dies, however it dies), and [`FsArchive::new`] removes temporary files only when it
//! can take that lock exclusively, so a live writer's temporary file is never removed.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use navsync_domain::DocumentRef;
use navsync_domain::ports::{ArchiveError, DocumentArchive};
use sha2::{Digest, Sha256};

/// Temporary files of interrupted writes start with this.
const TMP_PREFIX: &str = ".tmp-";

/// Held shared by every open archive, exclusively by the sweep of dead writers' temporary files.
const WRITERS_LOCK: &str = ".writers.lock";

/// Tells temporary files of concurrent puts in one process apart (the pid does across processes).
static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A document archive under one root directory.
#[derive(Debug, Clone)]
pub struct FsArchive {
    root: PathBuf,
    /// Keeps this process's shared lock on [`WRITERS_LOCK`] for as long as any clone lives.
    _writers: Arc<File>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn unavailable(what: &str, path: &Path, e: io::Error) -> ArchiveError {
    ArchiveError::Unavailable(format!("{what} {}: {e}", path.display()))
}

impl FsArchive {
    /// An archive under `root`, which is created if missing. When no other process has the
    /// archive open, temporary files left by killed writers are removed first.
    ///
    /// Errors: [`ArchiveError::Unavailable`] when `root` cannot be created, is not a directory,
    /// or its lock file cannot be opened or locked.
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, ArchiveError> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(|e| unavailable("cannot create", &root, e))?;
        // Absolute, so a later change of the working directory cannot move the archive.
        let root = root
            .canonicalize()
            .map_err(|e| unavailable("cannot resolve", &root, e))?;
        let lock_path = root.join(WRITERS_LOCK);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| unavailable("cannot open", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {
                // No other process has the archive open: every temporary file is a dead writer's.
                sweep_temporary_files(&root).map_err(|e| unavailable("cannot sweep", &root, e))?;
                lock.unlock()
                    .map_err(|e| unavailable("cannot unlock", &lock_path, e))?;
            }
            Err(fs::TryLockError::WouldBlock) => {}
            Err(fs::TryLockError::Error(e)) => {
                return Err(unavailable("cannot lock", &lock_path, e));
            }
        }
        // Another opener may sweep between the unlock and this; this process has written nothing yet.
        lock.lock_shared()
            .map_err(|e| unavailable("cannot lock", &lock_path, e))?;
        Ok(Self {
            root,
            _writers: Arc::new(lock),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of `key`, when `key` is a relative path of plain names that stays under the
    /// root. Keys come from stored records, which a person could edit; `..`, absolute paths,
    /// empty or dot components and backslashes are refused rather than followed.
    fn path_of(&self, key: &str) -> Option<PathBuf> {
        let plain = !key.is_empty()
            && !key.contains(['\\', '\0'])
            && key.split('/').all(|part| {
                !part.is_empty() && part != "." && part != ".." && !part.starts_with(TMP_PREFIX)
            })
            && Path::new(key)
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        plain.then(|| self.root.join(key))
    }

    fn put_blocking(&self, key: String, xml: &[u8]) -> Result<DocumentRef, ArchiveError> {
        let path = self.path_of(&key).ok_or_else(|| {
            ArchiveError::Unavailable(format!("document key {key:?} is not a plain relative path"))
        })?;
        let document = DocumentRef {
            sha256: sha256_hex(xml),
            size: xml.len() as u64,
            key,
        };
        // Idempotent: the same bytes already there are left alone (no rewrite, no new mtime).
        // Different bytes (a corrupt file, or a document NAV changed) are replaced whole.
        if let Ok(existing) = fs::read(&path)
            && sha256_hex(&existing) == document.sha256
        {
            return Ok(document);
        }
        let dir = path.parent().expect("a joined key has a parent");
        create_dirs_durably(&self.root, dir)?;
        let name = path.file_name().unwrap_or(OsStr::new("document"));
        let tmp = dir.join(format!(
            "{TMP_PREFIX}{}-{}-{}",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed),
            name.to_string_lossy()
        ));
        let result = write_synced(&tmp, xml)
            .and_then(|()| fs::rename(&tmp, &path))
            .and_then(|()| sync_dir(dir));
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(unavailable("cannot write", &path, e));
        }
        Ok(document)
    }

    fn get_blocking(&self, document: &DocumentRef) -> Result<Vec<u8>, ArchiveError> {
        let not_found = || ArchiveError::NotFound(document.key.clone());
        let path = self.path_of(&document.key).ok_or_else(not_found)?;
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(not_found()),
            // A directory where the file should be, etc.: the document is not there.
            Err(e) if e.kind() == io::ErrorKind::IsADirectory => return Err(not_found()),
            Err(e) => return Err(unavailable("cannot read", &path, e)),
        };
        let actual = sha256_hex(&bytes);
        if !actual.eq_ignore_ascii_case(&document.sha256) {
            return Err(ArchiveError::Corrupt {
                key: document.key.clone(),
                expected: document.sha256.clone(),
                actual,
            });
        }
        Ok(bytes)
    }
}

/// Removes every temporary file under `dir`; only called while holding [`WRITERS_LOCK`] exclusively.
fn sweep_temporary_files(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            sweep_temporary_files(&entry.path())?;
        } else if kind.is_file() && entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
            match fs::remove_file(entry.path()) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
    }
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create_new(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates `dir` and its missing parents below `root`, fsyncing each parent after a new entry
/// so a power loss cannot drop the directory a document was renamed into.
fn create_dirs_durably(root: &Path, dir: &Path) -> Result<(), ArchiveError> {
    if dir.is_dir() {
        return Ok(());
    }
    if dir != root
        && let Some(parent) = dir.parent()
    {
        create_dirs_durably(root, parent)?;
        match fs::create_dir(dir) {
            Ok(()) => sync_dir(parent).map_err(|e| unavailable("cannot sync", parent, e))?,
            // Another put created it meanwhile.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(unavailable("cannot create", dir, e)),
        }
    }
    Ok(())
}

fn joined(e: tokio::task::JoinError) -> ArchiveError {
    ArchiveError::Unavailable(format!("archive task failed: {e}"))
}

#[async_trait]
impl DocumentArchive for FsArchive {
    async fn put_at(&self, key: &str, xml: &[u8]) -> Result<DocumentRef, ArchiveError> {
        let this = self.clone();
        let key = key.to_owned();
        let xml = xml.to_vec();
        tokio::task::spawn_blocking(move || this.put_blocking(key, &xml))
            .await
            .map_err(joined)?
    }

    async fn get(&self, document: &DocumentRef) -> Result<Vec<u8>, ArchiveError> {
        let this = self.clone();
        let document = document.clone();
        tokio::task::spawn_blocking(move || this.get_blocking(&document))
            .await
            .map_err(joined)?
    }

    /// Always `None`: the API serves the bytes itself.
    async fn download_url(
        &self,
        _document: &DocumentRef,
        _ttl: Duration,
    ) -> Result<Option<String>, ArchiveError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempfile_for_lock() -> File {
        File::open("/dev/null").unwrap()
    }

    #[test]
    fn keys_that_leave_the_root_have_no_path() {
        let archive = FsArchive {
            root: PathBuf::from("/srv/archive"),
            _writers: Arc::new(tempfile_for_lock()),
        };
        for bad in [
            "",
            "../etc/passwd",
            "a/../../b.xml",
            "/etc/passwd",
            "a//b.xml",
            "./a.xml",
            "a/./b.xml",
            "a\\..\\b.xml",
            "a/b.xml/",
            "a/.tmp-1-2-b.xml",
            "a\0b",
        ] {
            assert_eq!(archive.path_of(bad), None, "{bad:?}");
        }
        assert_eq!(
            archive.path_of("11111111/INBOUND/2024/03/99999999_SZ%2F1.xml"),
            Some(PathBuf::from(
                "/srv/archive/11111111/INBOUND/2024/03/99999999_SZ%2F1.xml"
            ))
        );
        assert_eq!(
            archive.path_of("a/..b.xml"),
            Some(PathBuf::from("/srv/archive/a/..b.xml"))
        );
    }
}
