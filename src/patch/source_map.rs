//! Where each part of a patch is written in its RON text.
//!
//! # Why this exists
//! `ron` 0.12 reports a position only when parsing fails; the values it hands to serde
//! carry no spans (there is no `Spanned<T>` in ron, and serde has no notion of one). Yet
//! most patch errors are found after parsing succeeded — an unknown kind, a param out of
//! range, a connection to a missing module — and docs/CONTRACTS.md §1.7 promises each of them
//! with its line and column. So [`SourceMap::scan`] reads the text a second time with a
//! small RON-aware scanner and records where every module id, kind, param, connection and
//! instrument was written. It knows strings (with escapes and raw strings), character
//! literals, `//` and nested `/* */` comments, and bracket nesting, so `"osc"` inside a
//! comment or inside another string is never mistaken for the module `osc`.
//!
//! The scanner is tolerant: it accepts any text, never panics, bounds its nesting depth
//! and simply records less when the text is not a well-formed patch. Positions are 1-based
//! line and column counted in characters, as `ron` counts them.

use std::collections::HashMap;

use super::error::{End, IdKind, Pos};
use super::scope::Scope;

/// Deepest bracket nesting the scanner descends into; deeper groups are skipped whole
/// (a patch needs about 8).
const MAX_DEPTH: usize = 64;

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
        };
        for (name, _, value) in fields {
            match name.as_str() {
                "count" => span.count = Some(value.pos()),
                "channel" => span.channel = Some(value.unwrap_some().pos()),
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

// ---------------------------------------------------------------------------------------
// Lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Open(char),
    Close(char),
    Colon,
    Comma,
    Str(String),
    Ident(String),
    /// Numbers, char literals, `#`, `!` and anything else without structure.
    Other,
}

#[derive(Clone, Debug, PartialEq)]
struct Token {
    tok: Tok,
    pos: Pos,
}

struct Lexer {
    chars: Vec<char>,
    i: usize,
    line: usize,
    col: usize,
}

impl Lexer {
    fn new(text: &str) -> Self {
        Lexer {
            chars: text.chars().collect(),
            i: 0,
            line: 1,
            col: 1,
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.i + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn pos(&self) -> Pos {
        Pos::new(self.line, self.col)
    }

    fn tokens(mut self) -> Vec<Token> {
        let mut out = Vec::new();
        while let Some(c) = self.peek(0) {
            let pos = self.pos();
            let tok = match c {
                c if c.is_whitespace() => {
                    self.bump();
                    continue;
                }
                '/' if self.peek(1) == Some('/') => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                    continue;
                }
                '/' if self.peek(1) == Some('*') => {
                    self.block_comment();
                    continue;
                }
                '"' => {
                    self.bump();
                    Tok::Str(self.string())
                }
                'b' if self.peek(1) == Some('"') => {
                    self.bump();
                    self.bump();
                    Tok::Str(self.string())
                }
                'b' if self.peek(1) == Some('\'') => {
                    self.bump();
                    if !self.char_literal() {
                        self.bump();
                    }
                    Tok::Other
                }
                'b' if self.raw_string_hashes(1).is_some() => {
                    self.bump();
                    Tok::Str(self.raw_string())
                }
                'r' if self.raw_string_hashes(0).is_some() => Tok::Str(self.raw_string()),
                'r' if self.peek(1) == Some('#') && self.peek(2).is_some_and(is_ident_start) => {
                    self.bump();
                    self.bump();
                    Tok::Ident(self.ident())
                }
                '\'' => {
                    if !self.char_literal() {
                        self.bump();
                    }
                    Tok::Other
                }
                '(' | '[' | '{' => {
                    self.bump();
                    Tok::Open(c)
                }
                ')' | ']' | '}' => {
                    self.bump();
                    Tok::Close(c)
                }
                ':' => {
                    self.bump();
                    Tok::Colon
                }
                ',' => {
                    self.bump();
                    Tok::Comma
                }
                c if is_ident_start(c) => Tok::Ident(self.ident()),
                c if c.is_ascii_digit() || matches!(c, '+' | '-' | '.') => {
                    self.bump();
                    while self
                        .peek(0)
                        .is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '+' | '-'))
                    {
                        self.bump();
                    }
                    Tok::Other
                }
                _ => {
                    self.bump();
                    Tok::Other
                }
            };
            out.push(Token { tok, pos });
        }
        out
    }

    /// After `/*`-start: skips a block comment, nested ones included, to its end or EOF.
    fn block_comment(&mut self) {
        self.bump();
        self.bump();
        let mut depth = 1usize;
        while depth > 0 {
            match (self.peek(0), self.peek(1)) {
                (None, _) => break,
                (Some('/'), Some('*')) => {
                    self.bump();
                    self.bump();
                    depth += 1;
                }
                (Some('*'), Some('/')) => {
                    self.bump();
                    self.bump();
                    depth -= 1;
                }
                _ => {
                    self.bump();
                }
            }
        }
    }

    /// After the opening `"`: reads to the closing quote (or EOF), decoding escapes.
    fn string(&mut self) -> String {
        let mut s = String::new();
        while let Some(c) = self.bump() {
            match c {
                '"' => break,
                '\\' => match self.bump() {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some('r') => s.push('\r'),
                    Some('0') => s.push('\0'),
                    Some('u') if self.peek(0) == Some('{') => {
                        self.bump();
                        let mut hex = String::new();
                        while let Some(c) = self.peek(0) {
                            if c == '}' {
                                self.bump();
                                break;
                            }
                            if !c.is_ascii_hexdigit() || hex.len() >= 6 {
                                break;
                            }
                            hex.push(c);
                            self.bump();
                        }
                        if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                        {
                            s.push(c);
                        }
                    }
                    Some('x') => {
                        let mut hex = String::new();
                        for _ in 0..2 {
                            match self.peek(0) {
                                Some(c) if c.is_ascii_hexdigit() => {
                                    hex.push(c);
                                    self.bump();
                                }
                                _ => break,
                            }
                        }
                        if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                        {
                            s.push(c);
                        }
                    }
                    Some('\n') => {
                        while self.peek(0).is_some_and(char::is_whitespace) {
                            self.bump();
                        }
                    }
                    Some(other) => s.push(other),
                    None => break,
                },
                c => s.push(c),
            }
        }
        s
    }

    /// If a raw string (`r"`, `r#"`, ...) starts `at` chars ahead, its number of `#`.
    fn raw_string_hashes(&self, at: usize) -> Option<usize> {
        if self.peek(at) != Some('r') {
            return None;
        }
        let mut n = 0;
        while self.peek(at + 1 + n) == Some('#') {
            n += 1;
        }
        (self.peek(at + 1 + n) == Some('"')).then_some(n)
    }

    /// At `r`: reads a raw string to its closing quote and hashes (or EOF).
    fn raw_string(&mut self) -> String {
        let hashes = self.raw_string_hashes(0).unwrap_or(0);
        for _ in 0..hashes + 2 {
            self.bump();
        }
        let mut s = String::new();
        while let Some(c) = self.bump() {
            if c == '"' && (0..hashes).all(|k| self.peek(k) == Some('#')) {
                for _ in 0..hashes {
                    self.bump();
                }
                break;
            }
            s.push(c);
        }
        s
    }

    /// At `'`: consumes a char literal (`'a'`, `'\''`, `'\u{41}'`) and returns true, or
    /// consumes nothing and returns false when none starts here.
    fn char_literal(&mut self) -> bool {
        let end = match (self.peek(1), self.peek(2)) {
            (Some('\\'), Some(_)) => (3..16)
                .take_while(|&k| self.peek(k).is_some_and(|c| c != '\n'))
                .find(|&k| self.peek(k) == Some('\'')),
            (Some(c), Some('\'')) if c != '\n' => Some(2),
            _ => None,
        };
        match end {
            Some(end) => {
                for _ in 0..=end {
                    self.bump();
                }
                true
            }
            None => false,
        }
    }

    fn ident(&mut self) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek(0) {
            if c.is_alphanumeric() || c == '_' {
                s.push(c);
                self.bump();
            } else {
                break;
            }
        }
        s
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

// ---------------------------------------------------------------------------------------
// Tree

/// A struct field: name, position of the name, value.
/// One step of a path into a RON document, for [`RonTree::find`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// A struct field by name (through any `Some(...)`).
    Field(&'a str),
    /// An item of a list or a tuple (also the fields of an enum variant written
    /// `variant(a, b)`), from 0.
    Index(usize),
}

/// Any RON text as a tree with the position of every value: the same tolerant scanner as
/// [`SourceMap`], for other RON files (the `--config` file) whose errors are found after
/// parsing and must point into the text.
#[derive(Clone, Debug, PartialEq)]
pub struct RonTree {
    root: Node,
}

impl RonTree {
    /// Scans RON text. Accepts anything.
    pub fn scan(text: &str) -> RonTree {
        let tokens = Lexer::new(text).tokens();
        let mut parser = Parser {
            toks: &tokens,
            i: 0,
        };
        RonTree {
            root: parser.value(0),
        }
    }

    /// Where the value at `path` starts (`[]`: the document itself).
    pub fn find(&self, path: &[Step]) -> Option<Pos> {
        self.node_at(path).map(Node::pos)
    }

    /// Where the field `name` of the struct at `path` is written (its name, not its value).
    pub fn field_name(&self, path: &[Step], name: &str) -> Option<Pos> {
        self.node_at(path)?
            .unwrap_some()
            .fields()?
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, pos, _)| *pos)
    }

    fn node_at(&self, path: &[Step]) -> Option<&Node> {
        let mut node = &self.root;
        for step in path {
            node = match (step, node.unwrap_some()) {
                (Step::Field(name), n) => &n.fields()?.iter().find(|(f, _, _)| f == name)?.2,
                (Step::Index(i), Node::Seq { items, .. } | Node::Tuple { items, .. }) => {
                    items.get(*i)?
                }
                _ => return None,
            };
        }
        Some(node)
    }
}

type Field = (String, Pos, Node);

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Str {
        value: String,
        pos: Pos,
    },
    Struct {
        pos: Pos,
        fields: Vec<Field>,
    },
    Tuple {
        pos: Pos,
        name: Option<String>,
        items: Vec<Node>,
    },
    Map {
        pos: Pos,
        entries: Vec<(Node, Node)>,
    },
    Seq {
        pos: Pos,
        items: Vec<Node>,
    },
    /// Numbers, identifiers, skipped groups, anything else.
    Atom {
        pos: Pos,
    },
}

impl Node {
    fn pos(&self) -> Pos {
        match self {
            Node::Str { pos, .. }
            | Node::Struct { pos, .. }
            | Node::Tuple { pos, .. }
            | Node::Map { pos, .. }
            | Node::Seq { pos, .. }
            | Node::Atom { pos } => *pos,
        }
    }

    /// The fields of a struct (`()` is a struct without fields).
    fn fields(&self) -> Option<&[Field]> {
        match self {
            Node::Struct { fields, .. } => Some(fields),
            Node::Tuple { items, .. } if items.is_empty() => Some(&[]),
            _ => None,
        }
    }

    /// `Some(x)` → `x`; anything else as is.
    fn unwrap_some(&self) -> &Node {
        match self {
            Node::Tuple {
                name: Some(name),
                items,
                ..
            } if name == "Some" && items.len() == 1 => &items[0],
            other => other,
        }
    }
}

struct Parser<'t> {
    toks: &'t [Token],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self, ahead: usize) -> Option<&Tok> {
        self.toks.get(self.i + ahead).map(|t| &t.tok)
    }

    /// Parses one value. Consumes at least one token unless at the end or at a closing
    /// bracket (which belongs to an enclosing group).
    fn value(&mut self, depth: usize) -> Node {
        let Some(token) = self.toks.get(self.i) else {
            return Node::Atom {
                pos: Pos::new(0, 0),
            };
        };
        let pos = token.pos;
        match &token.tok {
            Tok::Close(_) => Node::Atom { pos },
            Tok::Open(c) => {
                if depth >= MAX_DEPTH {
                    self.skip_group();
                    return Node::Atom { pos };
                }
                let c = *c;
                self.i += 1;
                match c {
                    '(' => self.parens(pos, None, depth),
                    '[' => self.seq(pos, depth),
                    _ => self.map(pos, depth),
                }
            }
            Tok::Ident(name) => {
                self.i += 1;
                if self.peek(0) == Some(&Tok::Open('(')) {
                    if depth >= MAX_DEPTH {
                        self.skip_group();
                        return Node::Atom { pos };
                    }
                    let name = name.clone();
                    self.i += 1;
                    self.parens(pos, Some(name), depth)
                } else {
                    Node::Atom { pos }
                }
            }
            Tok::Str(value) => {
                self.i += 1;
                Node::Str {
                    value: value.clone(),
                    pos,
                }
            }
            Tok::Colon | Tok::Comma | Tok::Other => {
                self.i += 1;
                Node::Atom { pos }
            }
        }
    }

    /// At an opening bracket: skips to after its matching close (or EOF), iteratively.
    fn skip_group(&mut self) {
        let mut depth = 0usize;
        while let Some(tok) = self.peek(0) {
            match tok {
                Tok::Open(_) => depth += 1,
                Tok::Close(_) => depth = depth.saturating_sub(1),
                _ => {}
            }
            self.i += 1;
            if depth == 0 {
                break;
            }
        }
    }

    /// Handles the end of a group's element loop: `Some(true)` to stop (after consuming
    /// the matching close), `Some(false)` to go on after a comma, `None` for an element.
    fn group_step(&mut self, close: char) -> Option<bool> {
        match self.peek(0) {
            None => Some(true),
            Some(Tok::Close(c)) => {
                if *c == close {
                    self.i += 1;
                }
                Some(true)
            }
            Some(Tok::Comma) => {
                self.i += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// After `(`: a struct (`ident: value, ...`) or a tuple.
    fn parens(&mut self, pos: Pos, name: Option<String>, depth: usize) -> Node {
        let is_struct = matches!(
            (self.peek(0), self.peek(1)),
            (Some(Tok::Ident(_)), Some(Tok::Colon))
        );
        let mut fields = Vec::new();
        let mut items = Vec::new();
        loop {
            match self.group_step(')') {
                Some(true) => break,
                Some(false) => continue,
                None => {}
            }
            if is_struct {
                if let (Some(Tok::Ident(field)), Some(Tok::Colon)) = (self.peek(0), self.peek(1)) {
                    let field = field.clone();
                    let field_pos = self.toks[self.i].pos;
                    self.i += 2;
                    let value = self.value(depth + 1);
                    fields.push((field, field_pos, value));
                } else {
                    self.value(depth + 1);
                }
            } else {
                items.push(self.value(depth + 1));
            }
        }
        if is_struct {
            Node::Struct { pos, fields }
        } else {
            Node::Tuple { pos, name, items }
        }
    }

    /// After `[`.
    fn seq(&mut self, pos: Pos, depth: usize) -> Node {
        let mut items = Vec::new();
        loop {
            match self.group_step(']') {
                Some(true) => break,
                Some(false) => continue,
                None => items.push(self.value(depth + 1)),
            }
        }
        Node::Seq { pos, items }
    }

    /// After `{`.
    fn map(&mut self, pos: Pos, depth: usize) -> Node {
        let mut entries = Vec::new();
        loop {
            match self.group_step('}') {
                Some(true) => break,
                Some(false) => continue,
                None => {}
            }
            let key = self.value(depth + 1);
            let value = if self.peek(0) == Some(&Tok::Colon) {
                self.i += 1;
                self.value(depth + 1)
            } else {
                Node::Atom { pos: key.pos() }
            };
            entries.push((key, value));
        }
        Node::Map { pos, entries }
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
