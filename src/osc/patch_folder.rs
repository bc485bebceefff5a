//! [`PatchFolder`]: the one folder `/patch/load` and `/patch/save` may touch. A network
//! client must never read or write other files, so names are checked before any file is
//! opened: no absolute paths, no `..`, no links leading out of the folder. A refused name
//! or a file that cannot be read or written is a [`FolderError`].

use std::path::{Component, Path, PathBuf};

/// Why a patch name was refused, or its file could not be read or written. Every variant
/// displays as the one line the client receives.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    /// An empty name.
    #[error("empty patch name")]
    EmptyName,
    /// A name with a `..` component.
    #[error("patch name \"{name}\" may not contain `..`")]
    ParentDir {
        /// The name given.
        name: String,
    },
    /// An absolute name.
    #[error("patch name \"{name}\" must be relative to the patch folder")]
    NotRelative {
        /// The name given.
        name: String,
    },
    /// A name that resolves (through links) outside the folder.
    #[error("patch \"{name}\" leads outside the patch folder")]
    Outside {
        /// The name given.
        name: String,
    },
    /// A save over a link (it could point anywhere).
    #[error("patch \"{name}\" is a link; refusing to write through it")]
    Link {
        /// The name given.
        name: String,
    },
    /// The folder itself cannot be resolved (it does not exist, for example).
    #[error("patch folder {} is not usable: {error}", .root.display())]
    Unusable {
        /// The folder as given.
        root: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The patch cannot be read (it does not exist, for example).
    #[error("cannot read patch \"{name}\": {error}")]
    Read {
        /// The name given.
        name: String,
        /// Why.
        error: std::io::Error,
    },
    /// The patch cannot be written.
    #[error("cannot write patch \"{name}\": {error}")]
    Write {
        /// The name given.
        name: String,
        /// Why.
        error: std::io::Error,
    },
}

/// The patch folder (`--patch-dir`, default `./patches`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchFolder {
    root: PathBuf,
}

impl PatchFolder {
    /// A folder rooted at `root` (which need not exist yet for loads to be refused
    /// cleanly).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        PatchFolder { root: root.into() }
    }

    /// The folder as given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of an existing patch `name` inside the folder (`.ron` is added when the
    /// name has no extension). Refused: empty names, absolute paths, `..`, and names that
    /// resolve (through links) outside the folder.
    pub fn existing(&self, name: &str) -> Result<PathBuf, FolderError> {
        let path = self.join(name)?;
        let root = self.canonical_root()?;
        let real = path.canonicalize().map_err(|error| FolderError::Read {
            name: name.to_string(),
            error,
        })?;
        if !real.starts_with(&root) {
            return Err(FolderError::Outside {
                name: name.to_string(),
            });
        }
        Ok(real)
    }

    /// The path to write patch `name` to inside the folder. Refused like
    /// [`existing`](Self::existing); an existing file that is a link is refused too (it
    /// could point anywhere).
    pub fn writable(&self, name: &str) -> Result<PathBuf, FolderError> {
        let path = self.join(name)?;
        let root = self.canonical_root()?;
        let parent = path
            .parent()
            .unwrap_or(&self.root)
            .canonicalize()
            .map_err(|error| FolderError::Write {
                name: name.to_string(),
                error,
            })?;
        if !parent.starts_with(&root) {
            return Err(FolderError::Outside {
                name: name.to_string(),
            });
        }
        if let Ok(meta) = std::fs::symlink_metadata(&path) {
            if meta.file_type().is_symlink() {
                return Err(FolderError::Link {
                    name: name.to_string(),
                });
            }
        }
        Ok(parent.join(path.file_name().expect("join checked the name")))
    }

    fn canonical_root(&self) -> Result<PathBuf, FolderError> {
        self.root
            .canonicalize()
            .map_err(|error| FolderError::Unusable {
                root: self.root.clone(),
                error,
            })
    }

    fn join(&self, name: &str) -> Result<PathBuf, FolderError> {
        if name.is_empty() {
            return Err(FolderError::EmptyName);
        }
        let rel = Path::new(name);
        for c in rel.components() {
            match c {
                Component::Normal(_) => {}
                Component::CurDir => {}
                Component::ParentDir => {
                    return Err(FolderError::ParentDir {
                        name: name.to_string(),
                    })
                }
                Component::RootDir | Component::Prefix(_) => {
                    return Err(FolderError::NotRelative {
                        name: name.to_string(),
                    })
                }
            }
        }
        let mut path = self.root.join(rel);
        if path.extension().is_none() {
            path.set_extension("ron");
        }
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> (PathBuf, PatchFolder) {
        let dir = std::env::temp_dir().join(format!(
            "chronus-patch-folder-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("patches/sub")).unwrap();
        std::fs::write(dir.join("patches/a.ron"), "()").unwrap();
        std::fs::write(dir.join("patches/sub/b.ron"), "()").unwrap();
        std::fs::write(dir.join("secret.ron"), "()").unwrap();
        (dir.clone(), PatchFolder::new(dir.join("patches")))
    }

    #[test]
    fn names_inside_the_folder_resolve() {
        let (_dir, f) = folder();
        assert!(f.existing("a").unwrap().ends_with("patches/a.ron"));
        assert!(f.existing("a.ron").is_ok());
        assert!(f.existing("sub/b.ron").is_ok());
        assert!(f
            .writable("new-one")
            .unwrap()
            .ends_with("patches/new-one.ron"));
    }

    #[test]
    fn escapes_are_refused() {
        let (dir, f) = folder();
        assert!(f
            .existing("../secret")
            .unwrap_err()
            .to_string()
            .contains("`..`"));
        assert!(f
            .writable("sub/../../secret")
            .unwrap_err()
            .to_string()
            .contains("`..`"));
        let abs = dir.join("secret.ron");
        assert!(f
            .existing(abs.to_str().unwrap())
            .unwrap_err()
            .to_string()
            .contains("relative"));
        assert!(f.existing("").is_err());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.join("secret.ron"), dir.join("patches/link.ron"))
                .unwrap();
            std::os::unix::fs::symlink(&dir, dir.join("patches/out")).unwrap();
            assert!(f
                .existing("link")
                .unwrap_err()
                .to_string()
                .contains("outside"));
            assert!(f
                .existing("out/secret")
                .unwrap_err()
                .to_string()
                .contains("outside"));
            assert!(f.writable("link").unwrap_err().to_string().contains("link"));
            assert!(f
                .writable("out/new")
                .unwrap_err()
                .to_string()
                .contains("outside"));
        }
        assert!(f
            .existing("missing")
            .unwrap_err()
            .to_string()
            .starts_with("cannot read patch \"missing\""));
    }
}
