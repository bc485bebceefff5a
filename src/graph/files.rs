//! Files a graph's modules read: the compiler resolves each [`File`](ParamKind::File)
//! param against the patch's folder, decodes it once per compilation (every voice and
//! every module naming the same file share one [`AudioFile`]) and hands it to the module
//! with [`Module::load_file`]. Runs on the control thread that compiles, never on the
//! audio thread. The host knows no kind that reads files: only the param kind.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chronus_modules::{AudioFile, Module, ModuleInfo, ParamKind, ParamValue};

use super::error::GraphError;
use crate::patch::{ModuleDesc, PatchError, PatchErrorKind, PatchErrors};

/// The files decoded so far in one compilation, by path.
pub(super) struct FileCache<'a> {
    folder: Option<&'a Path>,
    loaded: HashMap<PathBuf, Arc<AudioFile>>,
}

impl<'a> FileCache<'a> {
    /// An empty cache resolving names against `folder` (`None`: the current directory).
    pub(super) fn new(folder: Option<&'a Path>) -> Self {
        FileCache {
            folder,
            loaded: HashMap::new(),
        }
    }

    /// Gives `module` (the instance of `desc`, id `id`) every file its file params name.
    pub(super) fn load_into(
        &mut self,
        id: &str,
        desc: &ModuleDesc,
        info: &ModuleInfo,
        module: &mut dyn Module,
    ) -> Result<(), GraphError> {
        for (p, spec) in info.params.iter().enumerate() {
            if !matches!(spec.kind, ParamKind::File { .. }) {
                continue;
            }
            let Some(ParamValue::Text(name)) = desc.params.get(spec.id) else {
                continue;
            };
            let path = self.folder.unwrap_or(Path::new(".")).join(name);
            let refuse = |reason: String| {
                GraphError::Invalid(PatchErrors(vec![PatchError::new(
                    PatchErrorKind::BadFile {
                        module: id.to_string(),
                        param: spec.id.to_string(),
                        file: name.clone(),
                        path: path.display().to_string(),
                        reason,
                    },
                )]))
            };
            let file = match self.loaded.get(&path) {
                Some(file) => file.clone(),
                None => {
                    let file =
                        Arc::new(AudioFile::decode(&path).map_err(|e| refuse(e.to_string()))?);
                    self.loaded.insert(path.clone(), file.clone());
                    file
                }
            };
            module.load_file(p, file).map_err(refuse)?;
        }
        Ok(())
    }
}

/// The identity of a node for state hand-over and lineage: its kind, followed by the
/// files it reads (`sampler:kick.wav`), so a node whose file changed is a new node and
/// never inherits the old instance (which holds the old file).
pub(super) fn node_identity(desc: &ModuleDesc, info: &ModuleInfo) -> String {
    let mut identity = desc.kind.clone();
    for spec in info.params.iter().filter(|s| s.is_file()) {
        if let Some(ParamValue::Text(name)) = desc.params.get(spec.id) {
            identity.push(':');
            identity.push_str(name);
        }
    }
    identity
}
