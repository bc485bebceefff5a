//! Property: a patch saved and loaded back is the same patch.
//!
//! - Any patch model (ids, kinds and names of any text, numbers of any finite value,
//!   instruments, connections) written by `patch::to_ron` parses back equal
//!   (`patch::parse`), as `patch/load.rs` promises.
//! - Any shipped patch, after live param changes through the Controller, saved with
//!   `/patch/save` and read back with `/patch/load`, runs the same patch.

use chronus::control::Controller;
use chronus::engine::{Engine, EngineConfig};
use chronus::osc::{dispatch, Context, HostStatus, PatchFolder};
use chronus::patch::{
    self, BackendDesc, Connection, InstrumentDesc, ModuleDesc, PatchDesc, PortRef, Steal,
};
use chronus_modules::{ParamValue, Registry};
use indexmap::IndexMap;
use proptest::prelude::*;
use rosc::{OscMessage, OscType};

use crate::support::engine::value_at;

/// Any text (control characters, quotes, backslashes, any Unicode) of up to 12 chars.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,8}",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
    ]
}

/// A port reference as `PortRef`'s reader splits it: the port after the last `.`.
fn port_ref() -> impl Strategy<Value = PortRef> {
    (text(), "[a-z_]{1,6}").prop_filter_map("a module before the dot", |(m, p)| {
        (!m.is_empty()).then(|| PortRef::new(m, p))
    })
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |x| x.is_finite()),
        -1e6..1e6f64,
        (-1000i64..1000).prop_map(|i| i as f64),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        Just(-0.0),
        Just(1e300),
    ]
}

fn value() -> impl Strategy<Value = ParamValue> {
    prop_oneof![
        any::<bool>().prop_map(ParamValue::Bool),
        number().prop_map(ParamValue::Number),
        text().prop_map(ParamValue::Text),
    ]
}

fn module() -> impl Strategy<Value = ModuleDesc> {
    (text(), proptest::collection::vec((text(), value()), 0..4)).prop_map(|(kind, params)| {
        ModuleDesc {
            kind,
            params: params.into_iter().collect(),
        }
    })
}

fn graph() -> impl Strategy<Value = (IndexMap<String, ModuleDesc>, Vec<Connection>)> {
    (
        proptest::collection::vec((text(), module()), 0..4),
        proptest::collection::vec((port_ref(), port_ref()), 0..4),
    )
        .prop_map(|(modules, connections)| {
            (
                modules.into_iter().collect(),
                connections
                    .into_iter()
                    .map(|(a, b)| Connection(a, b))
                    .collect(),
            )
        })
}

/// An instrument's backend: none, `midi` or `supercollider`, with any field values (the
/// round trip does not validate).
fn backend() -> impl Strategy<Value = Option<BackendDesc>> {
    proptest::option::of(prop_oneof![
        (text(), any::<u8>(), proptest::option::of(text()))
            .prop_map(|(port, ch, profile)| BackendDesc::midi(&port, ch, profile.as_deref())),
        proptest::option::of(text()).prop_map(|s| BackendDesc::supercollider(s.as_deref())),
    ])
}

fn instrument() -> impl Strategy<Value = InstrumentDesc> {
    (
        0usize..100,
        proptest::sample::select(Steal::ALL.to_vec()),
        proptest::option::of(any::<u8>()),
        graph(),
        backend(),
    )
        .prop_map(
            |(count, steal, channel, (modules, connections), backend)| InstrumentDesc {
                count,
                steal,
                channel,
                modules,
                connections,
                backend,
            },
        )
}

fn patch_desc() -> impl Strategy<Value = PatchDesc> {
    (
        text(),
        (
            proptest::option::of(number()),
            proptest::option::of(number()),
        ),
        proptest::option::of(instrument()),
        proptest::collection::vec((text(), instrument()), 0..3),
        graph(),
    )
        .prop_map(
            |(name, (volume, limit), voice, instruments, (modules, connections))| PatchDesc {
                name,
                volume,
                limit,
                voice,
                instruments: instruments.into_iter().collect(),
                modules,
                connections,
                sequence: None,
                folder: None,
            },
        )
}

/// The shipped patches (and the benchmark voice), by name.
fn shipped() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("patches");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn message(addr: &str, name: &str) -> OscMessage {
    OscMessage {
        addr: addr.to_string(),
        args: vec![OscType::String(name.to_string())],
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn any_patch_written_out_reads_back_equal(p in patch_desc()) {
        let text = patch::to_ron(&p);
        match patch::parse(&text, None) {
            Ok(back) => prop_assert_eq!(back, p, "{}", text),
            Err(e) => prop_assert!(false, "{}\n{}", e, text),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn a_saved_patch_loads_back_the_same(
        which in any::<usize>(),
        changes in proptest::collection::vec((any::<usize>(), any::<usize>(), 0.0..=1.0f64), 0..8),
    ) {
        let patches = shipped();
        let (name, text) = &patches[which % patches.len()];
        let registry = Registry::builtin();
        let (_engine, handle) = Engine::new(EngineConfig::default());
        let mut control = Controller::new(registry.clone(), handle);
        let shipped_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("patches");
        let mut desc = patch::load(text, Some(name), &registry).unwrap();
        // File params (a sampler's sample) resolve against the shipped patches' folder.
        desc.folder = Some(shipped_dir.clone());
        control.load(desc).unwrap();
        // Live changes of params of any module, values along each param's range.
        let running = control.running();
        let modules: Vec<(String, String)> = patch::scope::scopes(running)
            .iter()
            .filter_map(|scope| patch::scope::graph(running, scope))
            .flat_map(|(modules, _)| modules.iter().map(|(id, m)| (id.clone(), m.kind.clone())))
            .collect();
        for (module, param, at) in changes {
            let (id, kind) = &modules[module % modules.len()];
            let params = registry.get(kind).unwrap().info.params;
            if params.is_empty() {
                continue;
            }
            let spec = &params[param % params.len()];
            if spec.is_file() {
                continue; // a file param changes with an edit and a commit, not live
            }
            control.set_live(id, spec.id, value_at(&spec.kind, at), None).unwrap();
        }
        let before = control.running_as_played();

        let dir = std::env::temp_dir().join(format!(
            "chronus-prop-roundtrip-{}-{:?}", std::process::id(), std::thread::current().id()
        ));
        std::fs::create_dir_all(dir.join("samples")).unwrap();
        // The saved patch names its samples relative to the folder it is saved in.
        for sample in std::fs::read_dir(shipped_dir.join("samples")).unwrap().flatten() {
            std::fs::copy(sample.path(), dir.join("samples").join(sample.file_name())).unwrap();
        }
        let folder = PatchFolder::new(&dir);
        let ctx = Context { folder: &folder, time: None, host: HostStatus::default() };
        let saved = dispatch(&mut control, &message("/patch/save", "roundtrip"), &ctx);
        prop_assert!(saved.is_ok(), "{:?}", saved);
        let loaded = dispatch(&mut control, &message("/patch/load", "roundtrip"), &ctx);
        prop_assert!(loaded.is_ok(), "{:?}\n{}", loaded,
            std::fs::read_to_string(dir.join("roundtrip.ron")).unwrap_or_default());
        // The folder file params resolve against is where the patch was read from: the
        // save folder now, not part of the patch itself.
        let mut after = control.running_as_played();
        after.folder = before.folder.clone();
        prop_assert_eq!(&after, &before);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
