//! Checking a parsed patch against the module registry, before anything runs.
//!
//! [`validate`] collects every error, not just the first: instrument fields, reserved and
//! duplicate ids (patch-wide), unknown kinds, unknown params and refused values, and each
//! connection's ends (the module exists in the connection's own graph, the port exists and
//! points the right way). Cycles are left to the graph compiler, which reports them as
//! [`PatchErrorKind::Cycle`].
//!
//! What a connection sees: a voice template its own modules, `note` and `output`; the main
//! graph its own modules, `output`, and each instrument (`voices` for `voice`) as a source.

use std::collections::HashMap;

use chronus_modules::{ModuleInfo, Registry};

use super::error::{closest, End, IdKind, PatchError, PatchErrorKind, PatchErrors, Pos};
use super::implicit::{
    implicit_module, reserved, reserved_instrument_id, unusable, NOTE_ID, OUTPUT_ID, VOICES_ID,
};
use super::model::{Connection, ModuleDesc, PatchDesc, PortRef};
use super::scope::{find_module, graph, instruments, scopes, Scope};
use super::source_map::SourceMap;

/// The largest `count` of voices an instrument may ask for.
pub const MAX_VOICE_COUNT: usize = 128;

/// The most modules a patch may hold, main graph and voice templates together (a file, or
/// the standby patch grown by `/patch/create`).
pub const MAX_MODULES: usize = 1_024;

/// The most connections a patch may hold, main graph and voice templates together.
pub const MAX_CONNECTIONS: usize = 4_096;

/// The most module instances a patch may run: the main graph's modules plus each voice
/// template's modules once per voice (each instance holds its param blocks, smoothers and
/// output buffers).
pub const MAX_MODULE_INSTANCES: usize = 16_384;

/// Checks `desc` against `registry`. With the [`SourceMap`] of the text it came from,
/// every error carries the position of its culprit. Errors come in file order.
pub fn validate(
    desc: &PatchDesc,
    registry: &Registry,
    source: Option<&SourceMap>,
) -> Result<(), PatchErrors> {
    let mut v = Validator {
        desc,
        registry,
        map: source,
        errors: PatchErrors::new(),
    };
    v.instruments();
    v.size();
    v.volume();
    v.ids();
    for scope in scopes(desc) {
        if let Some((modules, connections)) = graph(desc, &scope) {
            v.modules(&scope, modules);
            v.connections(&scope, modules, connections);
        }
    }
    v.sequence();
    let mut errors = v.errors;
    errors.sort_by_position();
    errors.into_result()
}

/// The ports and params of module `id` as seen from graph `scope`: an implicit module
/// (`output`, `note`, an instrument) or a user module of a registered kind.
pub fn resolve(
    desc: &PatchDesc,
    registry: &Registry,
    scope: &Scope,
    id: &str,
) -> Option<&'static ModuleInfo> {
    if let Some(implicit) = implicit_module(desc, scope, id) {
        return Some(implicit.info());
    }
    let (modules, _) = graph(desc, scope)?;
    registry.get(&modules.get(id)?.kind).map(|e| e.info)
}

/// The graph and kind description of user module `id`, wherever it is in the patch
/// (for edits addressed by id alone, like `/patch/set id param value`).
pub fn module_info(
    desc: &PatchDesc,
    registry: &Registry,
    id: &str,
) -> Option<(Scope, &'static ModuleInfo)> {
    let (scope, module) = find_module(desc, id)?;
    registry.get(&module.kind).map(|e| (scope, e.info))
}

/// What is wrong with `id` as a `what` (`module id`, `instrument id`), if anything: it
/// cannot be written where ids are used ([`unusable`]), or it is reserved (`reserved`:
/// why, if it is).
fn id_problem(
    what: &'static str,
    id: &str,
    reserved: Option<&'static str>,
) -> Option<PatchErrorKind> {
    if let Some(reason) = unusable(id) {
        Some(PatchErrorKind::UnusableId {
            what,
            id: id.to_string(),
            reason,
        })
    } else {
        reserved.map(|reason| PatchErrorKind::ReservedId {
            what,
            id: id.to_string(),
            reason,
        })
    }
}

struct Validator<'a> {
    desc: &'a PatchDesc,
    registry: &'a Registry,
    map: Option<&'a SourceMap>,
    errors: PatchErrors,
}

impl Validator<'_> {
    fn error(&mut self, kind: PatchErrorKind, pos: Option<Pos>) {
        self.errors.push(PatchError::new(kind).at(pos));
    }

    /// Looks a position up in the source map, if there is one.
    fn at(&self, find: impl FnOnce(&SourceMap) -> Option<Pos>) -> Option<Pos> {
        self.map.and_then(find)
    }

    /// The `sequence` section (checked by the sequencer's own rules).
    fn sequence(&mut self) {
        for issue in super::sequence_check::check_sequence(self.desc, self.registry) {
            let pos = self.at(|m| {
                m.sequence(&issue.path)
                    .or_else(|| m.sequence(issue.path.trim_end_matches('=')))
                    .or_else(|| m.sequence("sequence"))
            });
            self.error(
                PatchErrorKind::Sequence {
                    message: issue.message,
                },
                pos,
            );
        }
    }

    /// The top-level `volume` (the implicit output's param).
    fn volume(&mut self) {
        if let Some(volume) = self.desc.volume {
            let spec = &super::implicit::OUTPUT_PARAMS[0];
            if let Err(error) = spec.accept(&chronus_modules::ParamValue::Number(volume)) {
                let kind = PatchErrorKind::BadValue {
                    module: super::implicit::OUTPUT_ID.to_string(),
                    error,
                };
                let pos = self.at(|m| m.volume());
                self.error(kind, pos);
            }
        }
    }

    /// The patch's size against [`MAX_MODULES`] and [`MAX_CONNECTIONS`].
    fn size(&mut self) {
        let (mut modules, mut connections) = (0, 0);
        for scope in scopes(self.desc) {
            if let Some((m, c)) = graph(self.desc, &scope) {
                modules += m.len();
                connections += c.len();
            }
        }
        let instances = self.desc.modules.len()
            + instruments(self.desc)
                .map(|(_, _, inst)| inst.count.saturating_mul(inst.modules.len()))
                .fold(0usize, usize::saturating_add);
        if instances > MAX_MODULE_INSTANCES {
            let kind = PatchErrorKind::TooLarge {
                what: "module instances (each voice template's modules once per voice, \
                       plus the main graph's)",
                count: instances,
                max: MAX_MODULE_INSTANCES,
            };
            self.error(kind, None);
        }
        if modules > MAX_MODULES {
            let kind = PatchErrorKind::TooLarge {
                what: "modules",
                count: modules,
                max: MAX_MODULES,
            };
            self.error(kind, None);
        }
        if connections > MAX_CONNECTIONS {
            let kind = PatchErrorKind::TooLarge {
                what: "connections",
                count: connections,
                max: MAX_CONNECTIONS,
            };
            self.error(kind, None);
        }
    }

    fn instruments(&mut self) {
        if self.desc.voice.is_some() && !self.desc.instruments.is_empty() {
            let pos = self.at(|m| m.instruments().max(m.voice()));
            self.error(PatchErrorKind::VoiceAndInstruments, pos);
        }
        for (scope, id, inst) in instruments(self.desc) {
            let template = self.at(|m| m.template(&scope));
            if let Scope::Instrument(_) = scope {
                if let Some(kind) = id_problem("instrument id", id, reserved_instrument_id(id)) {
                    self.error(kind, template);
                }
            }
            if inst.count == 0 || inst.count > MAX_VOICE_COUNT {
                let kind = PatchErrorKind::VoiceCount {
                    instrument: id.to_string(),
                    count: inst.count,
                    max: MAX_VOICE_COUNT,
                };
                let pos = self.at(|m| m.count(&scope)).or(template);
                self.error(kind, pos);
            }
            if let Some(channel) = inst.channel {
                if !(1..=16).contains(&channel) {
                    let kind = PatchErrorKind::Channel {
                        instrument: id.to_string(),
                        channel,
                    };
                    let pos = self.at(|m| m.channel(&scope)).or(template);
                    self.error(kind, pos);
                }
            }
            if let Some(backend) = &inst.backend {
                let has_template = !inst.modules.is_empty() || !inst.connections.is_empty();
                for issue in super::backend::check(backend, has_template) {
                    let kind = PatchErrorKind::Backend {
                        instrument: id.to_string(),
                        message: issue.message,
                    };
                    let pos = self.at(|m| m.backend(&scope, issue.field)).or(template);
                    self.error(kind, pos);
                }
            }
        }
    }

    /// Module ids: not reserved, and unique across every graph of the patch.
    fn ids(&mut self) {
        let mut seen: HashMap<&str, Option<Pos>> = HashMap::new();
        for scope in scopes(self.desc) {
            let Some((modules, _)) = graph(self.desc, &scope) else {
                continue;
            };
            for id in modules.keys() {
                let pos = self.at(|m| m.module(&scope, id));
                if let Some(kind) = id_problem("module id", id, reserved(self.desc, id)) {
                    self.error(kind, pos);
                } else if let Some(&first) = seen.get(id.as_str()) {
                    // Report at whichever occurrence comes later in the file.
                    let (first, again) = match (first, pos) {
                        (Some(a), Some(b)) if b < a => (Some(b), Some(a)),
                        _ => (first, pos),
                    };
                    let kind = PatchErrorKind::DuplicateId {
                        what: IdKind::Module,
                        id: id.clone(),
                        first,
                    };
                    self.error(kind, again);
                } else {
                    seen.insert(id, pos);
                }
            }
        }
    }

    fn modules(&mut self, scope: &Scope, modules: &indexmap::IndexMap<String, ModuleDesc>) {
        for (id, module) in modules {
            let module_pos = self.at(|m| m.module(scope, id));
            let Some(entry) = self.registry.get(&module.kind) else {
                let kind = PatchErrorKind::UnknownKind {
                    module: id.clone(),
                    kind: module.kind.clone(),
                    suggestion: closest(&module.kind, self.registry.kinds()),
                    known: self.registry.kinds().map(String::from).collect(),
                };
                let pos = self.at(|m| m.kind(scope, id)).or(module_pos);
                self.error(kind, pos);
                continue;
            };
            let info = entry.info;
            for (param, value) in &module.params {
                let key_pos = self.at(|m| m.param(scope, id, param)).or(module_pos);
                match info.param(param) {
                    None => {
                        let kind = PatchErrorKind::UnknownParam {
                            module: id.clone(),
                            kind: info.kind.to_string(),
                            param: param.clone(),
                            known: info.params.iter().map(|p| p.id.to_string()).collect(),
                            suggestion: closest(param, info.params.iter().map(|p| p.id)),
                        };
                        self.error(kind, key_pos);
                    }
                    Some(i) => {
                        if let Err(error) = info.params[i].accept(value) {
                            let kind = PatchErrorKind::BadValue {
                                module: id.clone(),
                                error,
                            };
                            let pos = self.at(|m| m.param_value(scope, id, param)).or(key_pos);
                            self.error(kind, pos);
                        }
                    }
                }
            }
        }
    }

    fn connections(
        &mut self,
        scope: &Scope,
        modules: &indexmap::IndexMap<String, ModuleDesc>,
        connections: &[Connection],
    ) {
        for (index, connection) in connections.iter().enumerate() {
            for (end, port) in [
                (End::Source, connection.from()),
                (End::Destination, connection.to()),
            ] {
                let pos = self
                    .at(|m| m.connection_end(scope, index, end))
                    .or_else(|| self.at(|m| m.connection(scope, index)));
                self.end(scope, modules, end, port, pos);
            }
        }
    }

    /// Checks one end of a connection.
    fn end(
        &mut self,
        scope: &Scope,
        modules: &indexmap::IndexMap<String, ModuleDesc>,
        end: End,
        port: &PortRef,
        pos: Option<Pos>,
    ) {
        let info = match implicit_module(self.desc, scope, &port.module) {
            Some(implicit) => implicit.info(),
            None => match modules.get(&port.module) {
                // An unknown kind is reported with the module; nothing to check here.
                Some(module) => match self.registry.get(&module.kind) {
                    Some(entry) => entry.info,
                    None => return,
                },
                None => {
                    let kind = PatchErrorKind::MissingModule {
                        port: port.clone(),
                        end,
                        scope: scope.clone(),
                        hint: self.missing_hint(scope, modules, &port.module),
                    };
                    self.error(kind, pos);
                    return;
                }
            },
        };
        let (wanted, other) = match end {
            End::Source => (info.outputs, info.inputs),
            End::Destination => (info.inputs, info.outputs),
        };
        if wanted.iter().any(|p| p.id == port.port) {
            return;
        }
        let kind = if other.iter().any(|p| p.id == port.port) {
            PatchErrorKind::WrongDirection {
                port: port.clone(),
                end,
                kind: info.kind.to_string(),
            }
        } else {
            PatchErrorKind::UnknownPort {
                port: port.clone(),
                end,
                kind: info.kind.to_string(),
                available: wanted.iter().map(|p| p.id.to_string()).collect(),
                suggestion: closest(&port.port, wanted.iter().map(|p| p.id)),
            }
        };
        self.error(kind, pos);
    }

    /// Why a connection's module may be missing: it is in another graph, or a typo.
    fn missing_hint(
        &self,
        scope: &Scope,
        modules: &indexmap::IndexMap<String, ModuleDesc>,
        id: &str,
    ) -> Option<String> {
        if let Some((other, _)) = find_module(self.desc, id) {
            return Some(format!(
                "{id:?} is in {other}; a connection stays inside one graph"
            ));
        }
        if !scope.is_template() && id == NOTE_ID {
            return Some("`note` exists only inside a voice template".to_string());
        }
        if !scope.is_template() && id == VOICES_ID {
            return Some("`voices` exists only in a patch with `voice`".to_string());
        }
        let mut visible: Vec<&str> = modules.keys().map(String::as_str).collect();
        visible.push(OUTPUT_ID);
        if scope.is_template() {
            visible.push(NOTE_ID);
        } else {
            visible.extend(instruments(self.desc).map(|(_, id, _)| id));
        }
        closest(id, visible).map(|s| format!("did you mean {s:?}?"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::load::{load_with_source_map, parse};
    use crate::patch::test_support::{at, errors, find, registry, CONTRACT_EXAMPLE};

    /// A voice with an oscillator into a filter, and a main graph with a reverb; tests
    /// splice one mistake into it.
    fn patch(voice_modules: &str, voice_connections: &str, main: &str) -> String {
        format!(
            "(\n    voice: (\n        modules: {{\n            \"osc\": (kind: \"saw\"),\n            \"vcf\": (kind: \"lowpass\"),\n{voice_modules}        }},\n        connections: [\n            (\"osc.out\", \"vcf.in\"),\n{voice_connections}        ],\n    ),\n    modules: {{\"rev\": (kind: \"reverb\")}},\n    connections: [\n        (\"voices.left\", \"rev.left\"),\n{main}    ],\n)\n"
        )
    }

    #[test]
    fn the_contract_example_is_the_one_docs_contracts_shows() {
        let docs = include_str!("../../docs/CONTRACTS.md");
        assert!(
            docs.contains(CONTRACT_EXAMPLE.trim()),
            "docs/CONTRACTS.md §1 no longer shows CONTRACT_EXAMPLE (src/patch/test_support.rs): \
             keep the two equal"
        );
    }

    #[test]
    fn the_base_patch_and_the_contract_example_are_valid() {
        assert_eq!(errors(&patch("", "", "")), Vec::<String>::new());
        assert_eq!(errors(CONTRACT_EXAMPLE), Vec::<String>::new());
    }

    #[test]
    fn the_contract_example_is_valid_with_the_builtin_modules() {
        let registry = Registry::builtin();
        let desc = crate::patch::load(CONTRACT_EXAMPLE, Some("poly.ron"), &registry)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(desc.name, "poly-subtractive");
        // A mistake is still found with the real kinds.
        let text = CONTRACT_EXAMPLE.replace("\"cutoff\": 1800.0", "\"cutoff\": -5");
        let errs = crate::patch::load(&text, Some("poly.ron"), &registry).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs}");
        assert!(
            errs.to_string().starts_with(&format!(
                "poly.ron:{}: module \"vcf\": param `cutoff`: -5 is out of range",
                find(&text, "-5")
            )),
            "{errs}"
        );
    }

    #[test]
    fn unknown_kind_suggests_the_closest_kind() {
        let t = patch("            \"lfo1\": (kind: \"lfox\"),\n", "", "");
        assert_eq!(
            errors(&t),
            [format!(
                "{}: module \"lfo1\": unknown kind \"lfox\" (did you mean \"lfo\"?)",
                at(&t, "\"lfox\"")
            )]
        );
    }

    #[test]
    fn unknown_kind_lists_the_known_kinds() {
        let t = patch("            \"g\": (kind: \"granular\"),\n", "", "");
        assert_eq!(
            errors(&t),
            [format!(
                "{}: module \"g\": unknown kind \"granular\" (known kinds: \"saw\", \"sine\", \
                 \"noise\", \"lowpass\", \"adsr\", \"vca\", \"reverb\", \"lfo\", \"delay\")",
                at(&t, "\"granular\"")
            )]
        );
    }

    #[test]
    fn unknown_output_port() {
        let t = patch("", "            (\"osc.outt\", \"output.left\"),\n", "");
        assert_eq!(
            errors(&t),
            [format!(
                "{}: connection source \"osc.outt\": saw has no output \"outt\" (did you mean \"out\"?)",
                at(&t, "\"osc.outt\"")
            )]
        );
    }

    #[test]
    fn unknown_input_port_lists_the_inputs() {
        let t = patch("", "            (\"osc.out\", \"vcf.sidechain\"),\n", "");
        assert_eq!(
            errors(&t),
            [format!(
                "{}: connection destination \"vcf.sidechain\": lowpass has no input \"sidechain\" \
                 (inputs: \"in\", \"cutoff\", \"q\")",
                at(&t, "\"vcf.sidechain\"")
            )]
        );
    }

    #[test]
    fn unknown_port_of_an_implicit_module() {
        let t = patch("", "            (\"note.breath\", \"vcf.q\"),\n", "");
        assert_eq!(
            errors(&t),
            [format!(
                "{}: connection source \"note.breath\": note has no output \"breath\" \
                 (outputs: \"freq\", \"gate\", \"velocity\", \"pitch\", \"pressure\")",
                at(&t, "\"note.breath\"")
            )]
        );
        let t = patch("", "", "        (\"rev.left\", \"output.volume\"),\n");
        assert_eq!(
            errors(&t),
            [format!(
                "{}: connection destination \"output.volume\": output has no input \"volume\" \
                 (inputs: \"left\", \"right\")",
                at(&t, "\"output.volume\"")
            )]
        );
    }

    #[test]
    fn unknown_param() {
        let t = patch(
            "            \"f2\": (kind: \"lowpass\", params: {\"q\": 1, \"cutof\": 300}),\n",
            "",
            "",
        );
        assert_eq!(
            errors(&t),
            [format!(
                "{}: module \"f2\": lowpass has no param \"cutof\" (did you mean \"cutoff\"?)",
                at(&t, "\"cutof\"")
            )]
        );
        let t = patch(
            "            \"e\": (kind: \"adsr\", params: {\"hold\": 1}),\n",
            "",
            "",
        );
        assert_eq!(
            errors(&t),
            [format!(
                "{}: module \"e\": adsr has no param \"hold\" \
                 (params: \"attack\", \"decay\", \"sustain\", \"release\")",
                at(&t, "\"hold\"")
            )]
        );
    }

    #[test]
    fn value_out_of_range() {
        let t = patch(
            "            \"f2\": (kind: \"lowpass\", params: {\"cutoff\": 5}),\n",
            "",
            "",
        );
        assert_eq!(
            errors(&t),
            [format!(
                "{}: module \"f2\": param `cutoff`: 5 is out of range 20 .. 20000 Hz",
                at(&t, "5}")
            )]
        );
    }

    #[test]
    fn value_of_the_wrong_type() {
        let t = patch(
            "            \"f2\": (kind: \"lowpass\", params: {\"cutoff\": true}),\n",
            "",
            "",
        );
        assert_eq!(
            errors(&t),
            [format!(
                "{}: module \"f2\": param `cutoff`: expected a number in 20 .. 20000 Hz, got true",
                at(&t, "true")
            )]
        );
        let t = patch(
            "            \"n\": (kind: \"noise\", params: {\"color\": \"purple\"}),\n",
            "",
            "",
        );
        assert_eq!(
            errors(&t),
            [format!(
                "{}: module \"n\": param `color`: \"purple\" is out of range \"white\" | \"pink\" | \"brown\"",
                at(&t, "\"purple\"")
            )]
        );
    }

    #[test]
    fn connection_to_a_missing_module() {
        let t = patch("", "            (\"vcf.out\", \"vcaa.in\"),\n", "");
        assert_eq!(
            errors(&t),
            [format!(
                "{}: connection destination \"vcaa.in\": no module \"vcaa\" in the voice template",
                at(&t, "\"vcaa.in\"")
            )]
        );
        let t = patch("", "            (\"osx.out\", \"vcf.in\"),\n", "");
        assert_eq!(
            errors(&t),
            [format!(
                "{}: connection source \"osx.out\": no module \"osx\" in the voice template \
                 (did you mean \"osc\"?)",
                at(&t, "\"osx.out\"")
            )]
        );
    }

    #[test]
    fn connection_across_graphs_says_where_the_module_is() {
        let t = patch("", "", "        (\"vcf.out\", \"rev.right\"),\n");
        assert_eq!(
            errors(&t),
            [format!(
                "{}: connection source \"vcf.out\": no module \"vcf\" in the main graph \
                 (\"vcf\" is in the voice template; a connection stays inside one graph)",
                at(&t, "\"vcf.out\", \"rev.right\"")
            )]
        );
        let t = patch("", "", "        (\"note.gate\", \"rev.right\"),\n");
        assert_eq!(
            errors(&t),
            [format!(
                "{}: connection source \"note.gate\": no module \"note\" in the main graph \
                 (`note` exists only inside a voice template)",
                at(&t, "\"note.gate\"")
            )]
        );
    }

    #[test]
    fn ids_that_cannot_be_written_in_addresses_are_refused_at_their_position() {
        let t = patch(
            "            \"osc.2\": (kind: \"saw\"),\n            \"lead/x\": (kind: \"saw\"),\n",
            "",
            "",
        );
        assert_eq!(
            errors(&t),
            [
                format!(
                    "{}: module id \"osc.2\" cannot be used: it contains `.`, which separates \
                     an id from its port (`id.port`)",
                    at(&t, "\"osc.2\"")
                ),
                format!(
                    "{}: module id \"lead/x\" cannot be used: it contains `/`, which separates \
                     OSC address parts (`/mod/id/param`)",
                    at(&t, "\"lead/x\"")
                ),
            ]
        );
        const T: &str = "(instruments: {\"my lead\": ()})";
        let desc = parse(T, None).unwrap();
        let e = validate(&desc, &Registry::builtin(), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("instrument id \"my lead\" cannot be used: it contains a space"),
            "{e}"
        );
    }

    #[test]
    fn reserved_module_ids() {
        let t = patch("            \"output\": (kind: \"vca\"),\n", "", "");
        assert_eq!(
            errors(&t),
            [format!(
                "{}: module id \"output\" is reserved: it names the implicit output module",
                at(&t, "\"output\": (kind")
            )]
        );
        const T: &str = "(\n  instruments: {\"lead\": (modules: {\"lead\": (kind: \"saw\")}), \"note\": ()},\n  modules: {\"voices\": (kind: \"vca\")},\n)";
        assert_eq!(
            errors(T),
            [
                format!(
                    "{}: module id \"lead\" is reserved: it is the id of an instrument",
                    at(T, "\"lead\": (kind")
                ),
                format!(
                    "{}: instrument id \"note\" is reserved: it names the implicit note module \
                     of voice templates",
                    at(T, "\"note\"")
                ),
                format!(
                    "{}: module id \"voices\" is reserved: it names the instrument declared by `voice`",
                    at(T, "\"voices\"")
                ),
            ]
        );
    }

    #[test]
    fn duplicate_id_across_voice_and_main_graph() {
        let t = "(\n  voice: (modules: {\"vcf\": (kind: \"lowpass\")}),\n  modules: {\"vcf\": (kind: \"lowpass\")},\n)";
        assert_eq!(
            errors(t),
            [format!(
                "{}: duplicate module id \"vcf\" (first at {})",
                at(t, "\"vcf\": (kind: \"lowpass\")},"),
                find(t, "\"vcf\": (kind: \"lowpass\")}),")
            )]
        );
    }

    #[test]
    fn duplicate_id_across_instruments() {
        let t = "(instruments: {\n  \"a\": (modules: {\"osc\": (kind: \"saw\")}),\n  \"b\": (modules: {\"osc\": (kind: \"sine\")}),\n})";
        assert_eq!(
            errors(t),
            [format!(
                "{}: duplicate module id \"osc\" (first at {})",
                at(t, "\"osc\": (kind: \"sine\")"),
                find(t, "\"osc\": (kind: \"saw\")")
            )]
        );
    }

    #[test]
    fn voice_count_out_of_range() {
        let t = "(voice: (count: 0))";
        assert_eq!(
            errors(t),
            [format!(
                "{}: instrument \"voices\": count 0 is out of range 1 .. 128",
                at(t, "0")
            )]
        );
        let t = "(instruments: {\"lead\": (count: 500)})";
        assert_eq!(
            errors(t),
            [format!(
                "{}: instrument \"lead\": count 500 is out of range 1 .. 128",
                at(t, "500")
            )]
        );
    }

    #[test]
    fn channel_out_of_range() {
        let t = "(instruments: {\"lead\": (channel: 17), \"bass\": (channel: Some(0))})";
        assert_eq!(
            errors(t),
            [
                format!(
                    "{}: instrument \"lead\": channel 17 is out of range 1 .. 16",
                    at(t, "17")
                ),
                format!(
                    "{}: instrument \"bass\": channel 0 is out of range 1 .. 16",
                    at(t, "0)")
                ),
            ]
        );
    }

    #[test]
    fn voice_and_instruments_together() {
        let t = "(\n  voice: (),\n  instruments: {\"lead\": ()},\n)";
        assert_eq!(
            errors(t),
            [format!(
                "{}: a patch declares either `voice` or `instruments`, not both",
                at(t, "instruments")
            )]
        );
    }

    #[test]
    fn connection_against_port_directions() {
        let t = patch("", "            (\"vcf.in\", \"osc.out\"),\n", "");
        assert_eq!(
            errors(&t),
            [
                format!(
                    "{}: connection source \"vcf.in\": \"in\" is an input of lowpass, not an output",
                    at(&t, "\"vcf.in\", \"osc.out\"")
                ),
                format!(
                    "{}: connection destination \"osc.out\": \"out\" is an output of saw, not an input",
                    at(&t, "\"osc.out\"),\n        ]")
                ),
            ]
        );
        let t = patch("", "", "        (\"output.left\", \"voices.left\"),\n");
        assert_eq!(errors(&t).len(), 2, "{:?}", errors(&t));
    }

    #[test]
    fn cycle_errors_take_their_position_from_the_source_map() {
        let (desc, map) =
            load_with_source_map(CONTRACT_EXAMPLE, Some("p.ron"), &registry()).unwrap();
        assert!(desc.voice.is_some());
        let e = PatchError::new(PatchErrorKind::Cycle {
            modules: vec!["vcf".into(), "vca".into()],
        })
        .at(map.module(&Scope::Voice, "vcf"))
        .in_file("p.ron");
        assert_eq!(
            e.to_string(),
            format!(
                "p.ron:{}: cycle through modules \"vcf\" -> \"vca\" -> \"vcf\"",
                find(CONTRACT_EXAMPLE, "\"vcf\"")
            )
        );
    }

    #[test]
    fn every_error_is_collected_in_file_order() {
        let t = patch(
            "            \"e\": (kind: \"adsr\", params: {\"sustain\": 2}),\n            \"x\": (kind: \"sawx\"),\n",
            "            (\"osc.out\", \"nowhere.in\"),\n",
            "        (\"rev.left\", \"output.center\"),\n",
        );
        let errs = errors(&t);
        assert_eq!(errs.len(), 4, "{errs:#?}");
        assert!(
            errs[0].contains("param `sustain`: 2 is out of range"),
            "{errs:#?}"
        );
        assert!(errs[1].contains("unknown kind \"sawx\""), "{errs:#?}");
        assert!(errs[2].contains("no module \"nowhere\""), "{errs:#?}");
        assert!(errs[3].contains("no input \"center\""), "{errs:#?}");
    }

    #[test]
    fn without_a_source_map_errors_have_no_position() {
        let desc = parse(
            &patch("            \"x\": (kind: \"sawx\"),\n", "", ""),
            None,
        )
        .unwrap();
        let errs = validate(&desc, &registry(), None).unwrap_err();
        assert_eq!(
            errs.to_string(),
            "module \"x\": unknown kind \"sawx\" (did you mean \"saw\"?)"
        );
    }

    #[test]
    fn resolve_and_module_info_find_ports_across_the_patch() {
        let desc = parse(CONTRACT_EXAMPLE, None).unwrap();
        let reg = registry();
        assert_eq!(
            resolve(&desc, &reg, &Scope::Voice, "vcf").unwrap().kind,
            "lowpass"
        );
        assert_eq!(
            resolve(&desc, &reg, &Scope::Voice, "note").unwrap().kind,
            "note"
        );
        assert_eq!(
            resolve(&desc, &reg, &Scope::Main, "voices").unwrap().kind,
            "instrument"
        );
        assert_eq!(
            resolve(&desc, &reg, &Scope::Main, "output").unwrap().kind,
            "output"
        );
        assert!(resolve(&desc, &reg, &Scope::Main, "vcf").is_none());
        let (scope, info) = module_info(&desc, &reg, "env").unwrap();
        assert_eq!((scope, info.kind), (Scope::Voice, "adsr"));
        assert!(module_info(&desc, &reg, "output").is_none());
    }
}
