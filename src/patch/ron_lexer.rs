//! The RON lexer under [`SourceMap`](super::SourceMap) and [`RonTree`](super::RonTree):
//! text to tokens with their positions. It knows strings (with escapes and raw strings),
//! character literals, `//` and nested `/* */` comments and brackets, so `"osc"` inside a
//! comment or inside another string is never a token of its own. Tolerant: it accepts any
//! text and never panics. Positions are 1-based line and column counted in characters,
//! as `ron` counts them.

use super::error::Pos;

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Open(char),
    Close(char),
    Colon,
    Comma,
    Str(String),
    Ident(String),
    /// Numbers, char literals, `#`, `!` and anything else without structure.
    Other,
}

/// A token and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) pos: Pos,
}

/// Reads text into [`Token`]s.
pub(super) struct Lexer {
    chars: Vec<char>,
    i: usize,
    line: usize,
    col: usize,
}

impl Lexer {
    pub(super) fn new(text: &str) -> Self {
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

    pub(super) fn tokens(mut self) -> Vec<Token> {
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
