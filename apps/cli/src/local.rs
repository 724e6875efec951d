//! The local data directory: the SQLite store, the document archive, and the keys local mode
//! keeps (the pagination cursor key and the token signing key), each created on first use and
//! readable by the owner only.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use navsync_fs_archive::FsArchive;
use navsync_sqlite::{CacheSizes, SqliteStore};

#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub const DATABASE: &str = "navsync.db";
    pub const DOCUMENTS: &str = "documents";
    pub const CURSOR_KEY: &str = "cursor.key";
    pub const TOKEN_KEY: &str = "token.key";

    /// Opens (creating it, mode 0700) the data directory at `root`. An existing directory that
    /// group or others may enter is tightened to its owner's bits only: it holds every invoice,
    /// the database and the token signing key.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, String> {
        let root = root.into();
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&root)
            .map_err(|e| format!("cannot create the data directory {}: {e}", root.display()))?;
        let root = root
            .canonicalize()
            .map_err(|e| format!("cannot open the data directory {}: {e}", root.display()))?;
        let mode = fs::metadata(&root)
            .map_err(|e| format!("cannot open the data directory {}: {e}", root.display()))?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            let private = mode & 0o700;
            fs::set_permissions(&root, fs::Permissions::from_mode(private)).map_err(|e| {
                format!(
                    "the data directory {} may be read by group or others (mode {mode:03o}) and \
                     cannot be made private: {e}; run `chmod 700 {}`",
                    root.display(),
                    root.display()
                )
            })?;
            eprintln!(
                "navsync: the data directory {} was mode {mode:03o}; made it {private:03o} \
                 (only its owner may read invoices and keys)",
                root.display()
            );
        }
        Ok(Self { root })
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The invoice database, with page caches sized for `caches` (large for serving, small
    /// for a sync, whose memory then stays near one page of invoices).
    pub fn store(&self, caches: CacheSizes) -> Result<SqliteStore, String> {
        let path = self.root.join(Self::DATABASE);
        SqliteStore::open_with_caches(&path, self.key(Self::CURSOR_KEY)?.to_vec(), caches)
            .map_err(|e| format!("cannot open the invoice database {}: {e}", path.display()))
    }

    pub fn archive(&self) -> Result<FsArchive, String> {
        let path = self.root.join(Self::DOCUMENTS);
        FsArchive::new(&path)
            .map_err(|e| format!("cannot open the document archive {}: {e}", path.display()))
    }

    /// The 32-byte secret in the file `name`, made from the OS's random source the first time.
    /// A key file that group or others may read is refused: anyone who reads the token key can
    /// mint tokens for every taxpayer.
    pub fn key(&self, name: &str) -> Result<[u8; 32], String> {
        let path = self.root.join(name);
        match fs::read(&path) {
            Ok(bytes) => {
                let mode = fs::metadata(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?
                    .permissions()
                    .mode();
                if mode & 0o077 != 0 {
                    return Err(format!(
                        "{} may be read by group or others (mode {:03o}); run `chmod 600 {}`",
                        path.display(),
                        mode & 0o777,
                        path.display()
                    ));
                }
                bytes.try_into().map_err(|_| {
                    format!(
                        "{} is not a navsync key (32 bytes); remove it to make a new one",
                        path.display()
                    )
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.create_key(&path),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    fn create_key(&self, path: &Path) -> Result<[u8; 32], String> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| format!("no random source for a key: {e}"))?;
        // Written under a temporary name and renamed, so a crash never leaves half a key.
        let tmp = path.with_extension("tmp");
        let write = || -> std::io::Result<()> {
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            file.write_all(&key)?;
            file.sync_all()?;
            fs::rename(&tmp, path)
        };
        write().map_err(|e| format!("cannot write the key {}: {e}", path.display()))?;
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_and_kept_private() {
        let dir = std::env::temp_dir().join(format!("navsync-datadir-{}", std::process::id()));
        let data = DataDir::open(&dir).unwrap();
        let first = data.key("k").unwrap();
        assert_eq!(data.key("k").unwrap(), first);
        assert_ne!(first, [0u8; 32]);
        let mode = fs::metadata(dir.join("k")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        fs::set_permissions(dir.join("k"), fs::Permissions::from_mode(0o644)).unwrap();
        let err = data.key("k").unwrap_err();
        assert!(err.contains("chmod 600"), "{err}");
        fs::remove_dir_all(dir).unwrap();
    }
}
