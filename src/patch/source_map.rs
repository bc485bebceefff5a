//! Where each part of a patch is written in its RON text.
//!
//! # Why this exists
//! `ron` 0.12 reports a position only when parsing fails; the values it hands to serde
//! carry no spans (there is no `Spanned<T>` in ron, and serde has no notion of one). Yet
//! most patch errors are found after parsing succeeded — an unknown kind, a param out of
//! range, a connection to a missing module — and docs/CONTRACTS.md §1.7 promises each of them
//! with its line and column. So [`SourceMap::scan`] reads the text a second time with a
//! small RON-aware scanner ([`ron_lexer`](super::ron_lexer), [`ron_tree`](super::ron_tree))
//! and records where every module id, kind, param, connection and instrument was written.
//! The scanner knows strings, comments and bracket nesting, so `"osc"` inside a comment or
//! inside another string is never mistaken for the module `osc`.
//!
//! The scanner is tolerant: it accepts any text, never panics, bounds its nesting depth
//! and simply records less when the text is not a well-formed patch. Positions are 1-based
//! line and column counted in characters, as `ron` counts them.

use std::collections::HashMap;

use super::error::{End, IdKind, Pos};
use super::ron_lexer::{Lexer, Tok};
use super::ron_tree::{Field, Node, Parser};
use super::scope::Scope;

/// An id written twice in one map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKey {
    /// What the map holds.
    pub what: IdKind,
    /// The repeated id.
    pub id: String,
    /// Its first occurrence.
    pub first: Pos,
    /// The repetition.
    pub again: Pos,
}

#[derive(Clone, Debug, PartialEq)]
struct ModuleSpan {
    scope: Scope,
    id: String,
    pos: Pos,
    kind: Option<Pos>,
    /// Param id, key position, value position.
    params: Vec<(String, Pos, Pos)>,
}

#[derive(Clone, Debug, PartialEq)]
struct ConnectionSpan {
    scope: Scope,
    index: usize,
    pos: Pos,
    from: Option<Pos>,
    to: Option<Pos>,
}

#[derive(Clone, Debug, PartialEq)]
struct TemplateSpan {
    scope: Scope,
    pos: Pos,
    count: Option<Pos>,
    channel: Option<Pos>,
    /// The `backend` field's name, and each of its fields' values.
    backend: Option<Pos>,
    backend_fields: Vec<(String, Pos)>,
}

/// Positions of a patch's parts in its text, for error messages. Built by
/// [`SourceMap::scan`]; every lookup returns `None` for what it did not find.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceMap {
    modules: Vec<ModuleSpan>,
    connections: Vec<ConnectionSpan>,
    templates: Vec<TemplateSpan>,
    voice: Option<Pos>,
    instruments: Option<Pos>,
    volume: Option<Pos>,
    duplicates: Vec<DuplicateKey>,
    /// Positions inside the `sequence` section by path (see [`SourceMap::sequence`]).
    sequence: Vec<(String, Pos)>,
}

impl SourceMap {
    /// Scans RON text. Accepts anything; records what it recognises of a patch.
    pub fn scan(text: &str) -> SourceMap {
        let tokens = Lexer::new(text).tokens();
        let mut parser = Parser {
            toks: &tokens,
            i: 0,
        };
        let mut map = SourceMap::default();
        while let Some(t) = parser.toks.get(parser.i) {
            if matches!(t.tok, Tok::Close(_)) {
                parser.i += 1;
                continue;
            }
            let node = parser.value(0);
            if let Some(fields) = node.fields() {
                if !fields.is_empty() {
                    map.patch(fields);
                    break;
                }
            }
        }
        map
    }

    /// Where the module `id` of graph `scope` is declared (its key in `modules`).
    pub fn module(&self, scope: &Scope, id: &str) -> Option<Pos> {
        self.module_span(scope, id).map(|m| m.pos)
    }

    /// A position inside the `sequence` section: `path` is `sequence` followed by
    /// `/field`, `/map key` or `/list index` steps (`sequence/tracks/lead/instrument`);
    /// the name of a field or key, or with a trailing `=` its value.
    pub fn sequence(&self, path: &str) -> Option<Pos> {
        self.sequence
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, pos)| *pos)
    }

    /// Where the `kind` value of module `id` is written.
    pub fn kind(&self, scope: &Scope, id: &str) -> Option<Pos> {
        self.module_span(scope, id).and_then(|m| m.kind)
    }

    /// Where the key of `param` in the `params` of module `id` is written.
    pub fn param(&self, scope: &Scope, id: &str, param: &str) -> Option<Pos> {
        self.param_span(scope, id, param).map(|p| p.1)
    }

    /// Where the value of `param` in the `params` of module `id` is written.
    pub fn param_value(&self, scope: &Scope, id: &str, param: &str) -> Option<Pos> {
        self.param_span(scope, id, param).map(|p| p.2)
    }

    /// Where connection number `index` (from 0) of graph `scope` starts (its `(`).
    pub fn connection(&self, scope: &Scope, index: usize) -> Option<Pos> {
        self.connection_span(scope, index).map(|c| c.pos)
    }

    /// Where one end (`"id.port"`) of connection number `index` of graph `scope` is
    /// written.
    pub fn connection_end(&self, scope: &Scope, index: usize, end: End) -> Option<Pos> {
        self.connection_span(scope, index).and_then(|c| match end {
            End::Source => c.from,
            End::Destination => c.to,
        })
    }

    /// Where a voice template is declared: the `voice` field for [`Scope::Voice`], the
    /// instrument's id key for [`Scope::Instrument`].
    pub fn template(&self, scope: &Scope) -> Option<Pos> {
        self.template_span(scope).map(|t| t.pos)
    }

    /// Where the `count` value of a voice template is written.
    pub fn count(&self, scope: &Scope) -> Option<Pos> {
        self.template_span(scope).and_then(|t| t.count)
    }

    /// Where the `channel` value of a voice template is written.
    pub fn channel(&self, scope: &Scope) -> Option<Pos> {
        self.template_span(scope).and_then(|t| t.channel)
    }

    /// Where an instrument's `backend` is written: the value of its field `field`
    /// (`kind`, `port`, ...), or the backend itself for `None` or a field not written.
    pub fn backend(&self, scope: &Scope, field: Option<&str>) -> Option<Pos> {
        let t = self.template_span(scope)?;
        field
            .and_then(|f| t.backend_fields.iter().find(|(n, _)| n == f))
            .map(|(_, p)| *p)
            .or(t.backend)
    }

    /// Where the `voice` field is written.
    pub fn voice(&self) -> Option<Pos> {
        self.voice
    }

    /// Where the top-level `volume` field is written.
    pub fn volume(&self) -> Option<Pos> {
        self.volume
    }

    /// Where the `instruments` field is written.
    pub fn instruments(&self) -> Option<Pos> {
        self.instruments
    }

    /// Every id written twice in one map (modules, params or instruments), in file order.
    pub fn duplicates(&self) -> &[DuplicateKey] {
        &self.duplicates
    }

    /// Where every param value is written, in no particular order.
    pub fn param_values(&self) -> impl Iterator<Item = Pos> + '_ {
        self.modules
            .iter()
            .flat_map(|m| m.params.iter().map(|p| p.2))
    }

    fn module_span(&self, scope: &Scope, id: &str) -> Option<&ModuleSpan> {
        self.modules
            .iter()
            .find(|m| &m.scope == scope && m.id == id)
    }

    fn param_span(&self, scope: &Scope, id: &str, param: &str) -> Option<&(String, Pos, Pos)> {
        self.module_span(scope, id)
            .and_then(|m| m.params.iter().find(|p| p.0 == param))
    }

    fn connection_span(&self, scope: &Scope, index: usize) -> Option<&ConnectionSpan> {
        self.connections
            .iter()
            .find(|c| &c.scope == scope && c.index == index)
    }

    fn template_span(&self, scope: &Scope) -> Option<&TemplateSpan> {
        self.templates.iter().find(|t| &t.scope == scope)
    }

    /// Records the top-level struct of a patch.
    fn patch(&mut self, fields: &[Field]) {
        for (name, pos, value) in fields {
            match name.as_str() {
                "volume" => self.volume = Some(*pos),
                "voice" => {
                    self.voice = Some(*pos);
                    self.record_template(Scope::Voice, *pos, value.unwrap_some());
                }
                "instruments" => {
                    self.instruments = Some(*pos);
                    let entries = match value {
                        Node::Map { entries, .. } => entries,
                        _ => continue,
                    };
                    let mut seen = HashMap::new();
                    for (key, value) in entries {
                        if let Node::Str { value: id, pos } = key {
                            self.note_key(&mut seen, IdKind::Instrument, id, *pos);
                            self.record_template(Scope::Instrument(id.clone()), *pos, value);
                        }
                    }
                }
                "modules" => self.modules_map(&Scope::Main, value),
                "connections" => self.connections_list(&Scope::Main, value),
                "sequence" => self.record_paths("sequence".to_string(), *pos, value.unwrap_some()),
                _ => {}
            }
        }
    }

    /// Records `path` at `pos` and every field, map key and list item under `node`.
    fn record_paths(&mut self, path: String, pos: Pos, node: &Node) {
        match node {
            Node::Struct { fields, .. } => {
                for (name, p, value) in fields {
                    self.record_paths(format!("{path}/{name}"), *p, value.unwrap_some());
                }
            }
            Node::Map { entries, .. } => {
                for (key, value) in entries {
                    if let Node::Str { value: k, pos: p } = key {
                        self.record_paths(format!("{path}/{k}"), *p, value.unwrap_some());
                    }
                }
            }
            Node::Seq { items, .. } => {
                for (i, item) in items.iter().enumerate() {
                    self.record_paths(format!("{path}/{i}"), item.pos(), item.unwrap_some());
                }
            }
            _ => {}
        }
        // A field's position is its name; a value's own position is kept as `path=`.
        self.sequence.push((format!("{path}="), node.pos()));
        self.sequence.push((path, pos));
    }

    fn record_template(&mut self, scope: Scope, pos: Pos, node: &Node) {
        let Some(fields) = node.fields() else {
            return;
        };
        let mut span = TemplateSpan {
            scope: scope.clone(),
            pos,
            count: None,
            channel: None,
            backend: None,
            backend_fields: Vec::new(),
        };
        for (name, _, value) in fields {
            match name.as_str() {
                "count" => span.count = Some(value.pos()),
                "channel" => span.channel = Some(value.unwrap_some().pos()),
                "backend" => {
                    span.backend = Some(value.pos());
                    for (field, _, v) in value.unwrap_some().fields().unwrap_or_default() {
                        span.backend_fields
                            .push((field.clone(), v.unwrap_some().pos()));
                    }
                }
                "modules" => self.modules_map(&scope, value),
                "connections" => self.connections_list(&scope, value),
                _ => {}
            }
        }
        self.templates.push(span);
    }

    fn modules_map(&mut self, scope: &Scope, node: &Node) {
        let Node::Map { entries, .. } = node else {
            return;
        };
        let mut seen = HashMap::new();
        for (key, value) in entries {
            let Node::Str { value: id, pos } = key else {
                continue;
            };
            self.note_key(&mut seen, IdKind::Module, id, *pos);
            let mut span = ModuleSpan {
                scope: scope.clone(),
                id: id.clone(),
                pos: *pos,
                kind: None,
                params: Vec::new(),
            };
            for (name, _, value) in value.fields().unwrap_or_default() {
                match name.as_str() {
                    "kind" => span.kind = Some(value.pos()),
                    "params" => {
                        let Node::Map { entries, .. } = value else {
                            continue;
                        };
                        let mut seen = HashMap::new();
                        let what = IdKind::Param { module: id.clone() };
                        for (key, value) in entries {
                            if let Node::Str { value: param, pos } = key {
                                self.note_key(&mut seen, what.clone(), param, *pos);
                                span.params.push((param.clone(), *pos, value.pos()));
                            }
                        }
                    }
                    _ => {}
                }
            }
            self.modules.push(span);
        }
    }

    fn connections_list(&mut self, scope: &Scope, node: &Node) {
        let Node::Seq { items, .. } = node else {
            return;
        };
        for (index, item) in items.iter().enumerate() {
            let ends = match item {
                Node::Tuple { items, .. } => items.as_slice(),
                _ => &[],
            };
            let end_pos = |i: usize| match ends.get(i) {
                Some(Node::Str { pos, .. }) => Some(*pos),
                _ => None,
            };
            self.connections.push(ConnectionSpan {
                scope: scope.clone(),
                index,
                pos: item.pos(),
                from: end_pos(0),
                to: end_pos(1),
            });
        }
    }

    fn note_key(&mut self, seen: &mut HashMap<String, Pos>, what: IdKind, id: &str, pos: Pos) {
        if let Some(first) = seen.get(id) {
            self.duplicates.push(DuplicateKey {
                what,
                id: id.to_string(),
                first: *first,
                again: pos,
            });
        } else {
            seen.insert(id.to_string(), pos);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::test_support::find;

    const PATCH: &str = r##"// "osc" in a comment: (kind: "nope")
(
    name: "osc \"osc\" /* not a comment */",
    /* block /* nested "osc" */ still comment */
    voice: Some((
        count: 4,
        channel: 3,
        modules: {
            "osc": (kind: "saw", params: {"freq": 440, "detune": -3.5}),
            r#"env"#: (kind: "adsr"),
        },
        connections: [
            ("note.freq", "osc.freq"), // trailing
            ("osc.out", "output.left"),
        ],
    )),
    instruments: {"lead": (modules: {"sub": (kind: 'x', params: {"a": 1, "a": 2})}), "lead": ()},
    modules: {"rev": (kind: "reverb")},
    connections: [("voices.left", "rev.left")],
)
"##;

    #[test]
    fn finds_ids_kinds_params_and_connections_not_in_comments_or_strings() {
        let map = SourceMap::scan(PATCH);
        let at = |needle| Some(find(PATCH, needle));
        let voice = Scope::Voice;
        assert_eq!(map.voice(), at("voice:"));
        assert_eq!(map.template(&voice), at("voice:"));
        assert_eq!(map.count(&voice), at("4,"));
        assert_eq!(map.channel(&voice), at("3,"));
        assert_eq!(map.module(&voice, "osc"), at("\"osc\": ("));
        assert_eq!(map.kind(&voice, "osc"), at("\"saw\""));
        assert_eq!(map.param(&voice, "osc", "freq"), at("\"freq\": 440"));
        assert_eq!(map.param_value(&voice, "osc", "detune"), at("-3.5"));
        assert_eq!(map.module(&voice, "env"), at("r#\"env"));
        assert_eq!(map.connection(&voice, 1), at("(\"osc.out\""));
        assert_eq!(
            map.connection_end(&voice, 1, End::Destination),
            at("\"output.left\"")
        );
        assert_eq!(map.connection(&voice, 2), None);
        let lead = Scope::Instrument("lead".into());
        assert_eq!(map.instruments(), at("instruments:"));
        assert_eq!(map.template(&lead), at("\"lead\": (modules"));
        assert_eq!(map.module(&lead, "sub"), at("\"sub\""));
        assert_eq!(map.kind(&lead, "sub"), at("'x'"));
        assert_eq!(map.module(&Scope::Main, "rev"), at("\"rev\""));
        assert_eq!(
            map.connection_end(&Scope::Main, 0, End::Source),
            at("\"voices.left\"")
        );
        assert_eq!(map.module(&Scope::Main, "osc"), None);
        assert_eq!(
            map.duplicates(),
            [
                DuplicateKey {
                    what: IdKind::Param {
                        module: "sub".into()
                    },
                    id: "a".into(),
                    first: find(PATCH, "\"a\": 1"),
                    again: find(PATCH, "\"a\": 2"),
                },
                DuplicateKey {
                    what: IdKind::Instrument,
                    id: "lead".into(),
                    first: find(PATCH, "\"lead\": (modules"),
                    again: find(PATCH, "\"lead\": ()"),
                },
            ]
        );
    }

    #[test]
    fn skips_an_enable_attribute_and_a_struct_name() {
        const T: &str = "#![enable(implicit_some)]\nPatchDesc(modules: {\"a\": (kind: \"saw\")})";
        let map = SourceMap::scan(T);
        assert_eq!(map.module(&Scope::Main, "a"), Some(find(T, "\"a\"")));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let map = SourceMap::scan("(name: \"ünï\", modules: {\"é\": (kind: \"saw\")})");
        assert_eq!(map.module(&Scope::Main, "é"), Some(Pos::new(1, 25)));
        assert_eq!(map.kind(&Scope::Main, "é"), Some(Pos::new(1, 37)));
    }

    #[test]
    fn deep_nesting_and_garbage_do_not_overflow() {
        let deep = "(".repeat(100_000) + &")".repeat(3);
        let _ = SourceMap::scan(&deep);
        let _ = SourceMap::scan("}}}]]]))) \"unterminated");
        let _ = SourceMap::scan("/* unterminated /* nested */");
        let _ = SourceMap::scan("r##\"raw never closed\"#");
        let _ = SourceMap::scan("'\\u{");
        let _ = SourceMap::scan("(modules: {\"a\": (kind: \"\\u{110000}\\x\")})");
        let map = SourceMap::scan(&format!(
            "(x: {}, modules: {{\"a\": (kind: \"saw\")}})",
            "[".repeat(200) + &"]".repeat(200)
        ));
        assert_eq!(map.module(&Scope::Main, "a"), Some(Pos::new(1, 417)));
    }
}
