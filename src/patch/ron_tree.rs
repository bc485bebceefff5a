//! [`RonTree`]: any RON text as a tree of `Node`s with the position of every value,
//! read by a tolerant parser over the [`ron_lexer`](super::ron_lexer) tokens. The
//! [`SourceMap`](super::SourceMap) of a patch and the `--config` file's error positions
//! both read their text through it.

use super::error::Pos;
use super::ron_lexer::{Lexer, Tok, Token};

/// Deepest bracket nesting the parser descends into; deeper groups are skipped whole
/// (a patch needs about 8).
const MAX_DEPTH: usize = 64;

/// One step of a path into a RON document, for [`RonTree::find`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// A struct field by name (through any `Some(...)`).
    Field(&'a str),
    /// An item of a list or a tuple (also the fields of an enum variant written
    /// `variant(a, b)`), from 0.
    Index(usize),
    /// The value of a map entry by its string key (`{"my_synth": ...}`).
    Key(&'a str),
}

/// Any RON text as a tree with the position of every value: the same tolerant scanner as
/// [`SourceMap`](super::SourceMap), for other RON files (the `--config` file) whose errors are found after
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
                (Step::Key(k), Node::Map { entries, .. }) => {
                    &entries
                        .iter()
                        .find(|(key, _)| matches!(key, Node::Str { value, .. } if value == k))?
                        .1
                }
                _ => return None,
            };
        }
        Some(node)
    }
}

/// A struct field: name, position of the name, value.
pub(super) type Field = (String, Pos, Node);

/// A scanned value and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Node {
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
    pub(super) fn pos(&self) -> Pos {
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
    pub(super) fn fields(&self) -> Option<&[Field]> {
        match self {
            Node::Struct { fields, .. } => Some(fields),
            Node::Tuple { items, .. } if items.is_empty() => Some(&[]),
            _ => None,
        }
    }

    /// `Some(x)` → `x`; anything else as is.
    pub(super) fn unwrap_some(&self) -> &Node {
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

/// Reads tokens into [`Node`]s, tolerantly: never panics, bounds its nesting depth.
pub(super) struct Parser<'t> {
    /// The tokens.
    pub(super) toks: &'t [Token],
    /// The next token.
    pub(super) i: usize,
}

impl Parser<'_> {
    fn peek(&self, ahead: usize) -> Option<&Tok> {
        self.toks.get(self.i + ahead).map(|t| &t.tok)
    }

    /// Parses one value. Consumes at least one token unless at the end or at a closing
    /// bracket (which belongs to an enclosing group).
    pub(super) fn value(&mut self, depth: usize) -> Node {
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
