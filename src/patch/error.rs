//! Patch errors: what is wrong, with whom, and where in the file.
//!
//! Every [`PatchError`] displays as one line, `file:line:col: message`, with the parts it
//! knows (`12:9: ...` without a file name, just the message without a position):
//!
//! ```text
//! patches/x.ron:12:9: module "osc": unknown kind "sawx" (did you mean "saw"?)
//! ```
//!
//! User-written names are quoted and escaped, so a message never spans several lines.
//! [`PatchErrors`] collects every error found in one file, one per line.

use std::fmt;

use chronus_modules::ParamError;
use thiserror::Error;

use super::model::PortRef;
use super::scope::Scope;

/// A position in a patch file: 1-based line and column (columns count characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub col: usize,
}

impl Pos {
    /// A position.
    pub const fn new(line: usize, col: usize) -> Self {
        Pos { line, col }
    }
}

impl fmt::Display for Pos {
    /// `line:col`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

impl From<ron::error::Position> for Pos {
    fn from(p: ron::error::Position) -> Self {
        Pos::new(p.line, p.col)
    }
}

/// A port's direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Receives a signal.
    Input,
    /// Sends a signal.
    Output,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Input => "input",
            Direction::Output => "output",
        })
    }
}

/// One end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum End {
    /// The first element: where the signal comes from (an output).
    Source,
    /// The second element: where the signal goes (an input).
    Destination,
}

impl End {
    /// The port direction this end must have.
    pub fn direction(self) -> Direction {
        match self {
            End::Source => Direction::Output,
            End::Destination => Direction::Input,
        }
    }
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            End::Source => "source",
            End::Destination => "destination",
        })
    }
}

/// What a duplicated id names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// A module id (in any `modules` map; unique across the whole patch).
    Module,
    /// An instrument id (in `instruments`).
    Instrument,
    /// A param id in the `params` of this module.
    Param {
        /// The module whose `params` map holds the duplicate.
        module: String,
    },
}

impl IdKind {
    /// What the serde duplicate check calls the key: `module id`, `instrument id`, `param`.
    pub fn label(&self) -> &'static str {
        match self {
            IdKind::Module => "module id",
            IdKind::Instrument => "instrument id",
            IdKind::Param { .. } => "param",
        }
    }
}

/// What is wrong, one variant per error kind of docs/CONTRACTS.md §1.7. Displays without a
/// position; [`PatchError`] adds it.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum PatchErrorKind {
    /// The file could not be read.
    #[error("cannot read the patch: {message}")]
    Io {
        /// The operating system's reason.
        message: String,
    },
    /// A valid patch the compiler cannot build (its modules would hold too much state, a
    /// sample rate it cannot take): the compiler's one-line reason.
    #[error("{message}")]
    Unbuildable {
        /// The compiler's reason.
        message: String,
    },
    /// The text is not a RON patch (reported by `ron`, with its position).
    #[error("syntax error: {message}")]
    Syntax {
        /// `ron`'s description.
        message: String,
    },
    /// A struct field the patch format does not have (a misspelt `conections`).
    #[error("unknown field {field:?} in {within} ({})", list_hint(.suggestion, "fields", .known))]
    UnknownField {
        /// The field as written.
        field: String,
        /// Where: `the patch`, `a voice template`, `a module`.
        within: &'static str,
        /// The fields allowed there.
        known: Vec<String>,
        /// The closest of them, if one is close.
        suggestion: Option<String>,
    },
    /// An id used twice: in one map, or across the main graph, voice template and
    /// instruments (module ids are patch-wide).
    #[error("{}duplicate {} {id:?}{}", param_owner(.what), .what.label(), first_at(.first))]
    DuplicateId {
        /// What the id names.
        what: IdKind,
        /// The id.
        id: String,
        /// Where it was first defined.
        first: Option<Pos>,
    },
    /// A module of a kind the registry does not know.
    #[error("module {module:?}: unknown kind {kind:?} ({})", kind_hint(.suggestion, .known))]
    UnknownKind {
        /// The module id.
        module: String,
        /// The unknown kind.
        kind: String,
        /// The closest known kind, if one is close.
        suggestion: Option<String>,
        /// Every known kind, in registry order.
        known: Vec<String>,
    },
    /// A connection end naming a port the module does not have in that direction.
    #[error(
        "connection {end} \"{port}\": {kind} has no {} {:?} ({})",
        .end.direction(), .port.port, list_hint(.suggestion, &format!("{}s", .end.direction()), .available)
    )]
    UnknownPort {
        /// The connection end as written.
        port: PortRef,
        /// Which end of the connection.
        end: End,
        /// Kind of the module (`saw`, `output`, `note`, `instrument`).
        kind: String,
        /// The module's ports in the needed direction.
        available: Vec<String>,
        /// The closest of them, if one is close.
        suggestion: Option<String>,
    },
    /// A param the module's kind does not have.
    #[error("module {module:?}: {kind} has no param {param:?} ({})", list_hint(.suggestion, "params", .known))]
    UnknownParam {
        /// The module id.
        module: String,
        /// Its kind.
        kind: String,
        /// The unknown param id.
        param: String,
        /// The kind's params.
        known: Vec<String>,
        /// The closest of them, if one is close.
        suggestion: Option<String>,
    },
    /// Something wrong in the `sequence` section (the message names the field).
    #[error("sequence: {message}")]
    Sequence {
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A param value out of range or of the wrong type.
    #[error("module {module:?}: {error}")]
    BadValue {
        /// The module id.
        module: String,
        /// Why [`ParamSpec::accept`](chronus_modules::ParamSpec::accept) refused it.
        error: ParamError,
    },
    /// A connection end naming a module that does not exist in the connection's graph.
    #[error("connection {end} \"{port}\": no module {:?} in {scope}{}", .port.module, paren(.hint))]
    MissingModule {
        /// The connection end as written.
        port: PortRef,
        /// Which end of the connection.
        end: End,
        /// The graph holding the connection.
        scope: Scope,
        /// A close id in that graph, or where the module is instead.
        hint: Option<String>,
    },
    /// An id that cannot be written in the places ids are used (`id.port`, `/mod/id/param`,
    /// `INSTRUMENT/NOTE`).
    #[error("{what} {id:?} cannot be used: {reason}")]
    UnusableId {
        /// `module id` or `instrument id`.
        what: &'static str,
        /// The id.
        id: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A user module or instrument named with an id the patch reserves.
    #[error("{what} {id:?} is reserved: {reason}")]
    ReservedId {
        /// `module id` or `instrument id`.
        what: &'static str,
        /// The id.
        id: String,
        /// Why it is reserved.
        reason: &'static str,
    },
    /// More modules or connections than a patch may hold.
    #[error("the patch has {count} {what}; at most {max} are allowed")]
    TooLarge {
        /// `modules` or `connections`.
        what: &'static str,
        /// How many it has.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// An instrument's `count` of voices outside `1..=max`.
    #[error("instrument {instrument:?}: count {count} is out of range 1 .. {max}")]
    VoiceCount {
        /// The instrument id (`voices` for the `voice` shorthand).
        instrument: String,
        /// The refused count.
        count: usize,
        /// The largest count accepted.
        max: usize,
    },
    /// An instrument's MIDI `channel` outside `1..=16`.
    #[error("instrument {instrument:?}: channel {channel} is out of range 1 .. 16")]
    Channel {
        /// The instrument id.
        instrument: String,
        /// The refused channel.
        channel: u8,
    },
    /// An instrument's `backend` written wrong (an unknown kind, a field another kind
    /// has, a channel out of range, a MIDI instrument with a voice template).
    #[error("instrument {instrument:?}: {message}")]
    Backend {
        /// The instrument id.
        instrument: String,
        /// What is wrong (see `backend::check`).
        message: String,
    },
    /// A patch declaring both `voice` and `instruments`.
    #[error("a patch declares either `voice` or `instruments`, not both")]
    VoiceAndInstruments,
    /// A connection whose source is an input (or destination an output) only.
    #[error(
        "connection {end} \"{port}\": {:?} is an {} of {kind}, not an {}",
        .port.port, other(.end.direction()), .end.direction()
    )]
    WrongDirection {
        /// The connection end as written.
        port: PortRef,
        /// Which end of the connection.
        end: End,
        /// Kind of the module.
        kind: String,
    },
    /// Modules connected in a loop (found by the graph compiler).
    #[error("cycle through modules {}", cycle_text(.modules))]
    Cycle {
        /// The modules on the cycle, in signal order.
        modules: Vec<String>,
    },
    /// A file param naming a file the compiler cannot use (missing, not audio, refused by
    /// the module).
    #[error("module {module:?}: param `{param}`: file {file:?} ({path}): {reason}")]
    BadFile {
        /// Module id.
        module: String,
        /// Param id.
        param: String,
        /// The name as written in the patch.
        file: String,
        /// Where it was looked for.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

fn param_owner(what: &IdKind) -> String {
    match what {
        IdKind::Param { module } => format!("module {module:?}: "),
        _ => String::new(),
    }
}

fn first_at(first: &Option<Pos>) -> String {
    first
        .map(|p| format!(" (first at {p})"))
        .unwrap_or_default()
}

fn paren(hint: &Option<String>) -> String {
    hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
}

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_hint(suggestion: &Option<String>, known: &[String]) -> String {
    match suggestion {
        Some(s) => format!("did you mean {s:?}?"),
        None if known.is_empty() => "no kinds are registered".to_string(),
        None => format!("known kinds: {}", quoted_list(known)),
    }
}

fn list_hint(suggestion: &Option<String>, what: &str, items: &[String]) -> String {
    match suggestion {
        Some(s) => format!("did you mean {s:?}?"),
        None if items.is_empty() => format!("it has no {what}"),
        None => format!("{what}: {}", quoted_list(items)),
    }
}

fn other(d: Direction) -> Direction {
    match d {
        Direction::Input => Direction::Output,
        Direction::Output => Direction::Input,
    }
}

fn cycle_text(modules: &[String]) -> String {
    let mut parts: Vec<String> = modules.iter().map(|m| format!("{m:?}")).collect();
    if let Some(first) = parts.first().cloned() {
        parts.push(first);
    }
    parts.join(" -> ")
}

/// One error in a patch: what is wrong, and where, if known.
#[derive(Clone, Debug, PartialEq)]
pub struct PatchError {
    /// The file (or other source name) the patch came from.
    pub file: Option<String>,
    /// Position of the culprit in that file.
    pub pos: Option<Pos>,
    /// What is wrong (boxed, to keep `Result<_, PatchError>` small).
    pub kind: Box<PatchErrorKind>,
}

impl PatchError {
    /// An error without file or position.
    pub fn new(kind: PatchErrorKind) -> Self {
        PatchError {
            file: None,
            pos: None,
            kind: Box::new(kind),
        }
    }

    /// Sets the position (the graph compiler passes what
    /// [`SourceMap`](super::SourceMap) knows, which may be nothing).
    pub fn at(mut self, pos: Option<Pos>) -> Self {
        self.pos = pos;
        self
    }

    /// Sets the file name.
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }
}

impl From<PatchErrorKind> for PatchError {
    fn from(kind: PatchErrorKind) -> Self {
        PatchError::new(kind)
    }
}

impl From<ron::error::SpannedError> for PatchError {
    /// A syntax error at ron's position. ([`parse`](super::parse) does better: it turns
    /// duplicate ids and unknown fields into their own kinds.)
    fn from(e: ron::error::SpannedError) -> Self {
        PatchError::new(PatchErrorKind::Syntax {
            message: e.code.to_string(),
        })
        .at(Some(e.span.start.into()))
    }
}

impl fmt::Display for PatchError {
    /// One line: `file:line:col: message` (parts that are unknown are left out).
    /// Control characters (a newline inside a quoted value, say) are escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = String::new();
        if let Some(file) = &self.file {
            line.push_str(file);
            line.push(':');
        }
        if let Some(pos) = self.pos {
            line.push_str(&pos.to_string());
            line.push(':');
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&self.kind.to_string());
        write!(f, "{}", OneLine(&line))
    }
}

impl std::error::Error for PatchError {}

/// Every error found in one patch, in file order; displays one per line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PatchErrors(pub Vec<PatchError>);

impl PatchErrors {
    /// No errors yet.
    pub fn new() -> Self {
        PatchErrors(Vec::new())
    }

    /// Adds an error.
    pub fn push(&mut self, error: PatchError) {
        self.0.push(error);
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The errors, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, PatchError> {
        self.0.iter()
    }

    /// Sets the file name of every error that has none.
    pub fn in_file(mut self, file: Option<&str>) -> Self {
        if let Some(file) = file {
            for e in &mut self.0 {
                e.file.get_or_insert_with(|| file.to_string());
            }
        }
        self
    }

    /// Orders errors by position (stable; errors without a position go last).
    pub fn sort_by_position(&mut self) {
        self.0.sort_by_key(|e| (e.pos.is_none(), e.pos));
    }

    /// `Ok(())` when empty, else `Err(self)`.
    pub fn into_result(self) -> Result<(), PatchErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for PatchErrors {
    /// One error per line (no trailing newline).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PatchErrors {}

impl From<PatchError> for PatchErrors {
    fn from(e: PatchError) -> Self {
        PatchErrors(vec![e])
    }
}

impl IntoIterator for PatchErrors {
    type Item = PatchError;
    type IntoIter = std::vec::IntoIter<PatchError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a PatchErrors {
    type Item = &'a PatchError;
    type IntoIter = std::slice::Iter<'a, PatchError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Text from outside (a file, a datagram, a name) shown inside one line of a message or
/// log: control characters escaped (a newline as `\n`), everything else as it is. Every
/// error and log line that quotes outside text goes through it, so it stays one line.
pub struct OneLine<'a>(pub &'a str);

impl fmt::Display for OneLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

/// `text` as one line ([`OneLine`]).
pub fn one_line(text: &str) -> String {
    OneLine(text).to_string()
}

/// The closest of `candidates` to `word`, if one is close enough to be a likely typo
/// (edit distance at most a third of the longer word, and at least 1).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= (word.chars().count().max(c.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_with_file_and_position() {
        let e = PatchError::new(PatchErrorKind::UnknownKind {
            module: "osc".into(),
            kind: "sawx".into(),
            suggestion: Some("saw".into()),
            known: vec!["saw".into()],
        })
        .at(Some(Pos::new(12, 9)))
        .in_file("patches/x.ron");
        assert_eq!(
            e.to_string(),
            "patches/x.ron:12:9: module \"osc\": unknown kind \"sawx\" (did you mean \"saw\"?)"
        );
        let e = PatchError::new(PatchErrorKind::VoiceAndInstruments);
        assert_eq!(
            e.to_string(),
            "a patch declares either `voice` or `instruments`, not both"
        );
        let e = PatchError::new(PatchErrorKind::Syntax {
            message: "bad\nthing".into(),
        })
        .at(Some(Pos::new(1, 2)));
        assert_eq!(e.to_string(), "1:2: syntax error: bad\\nthing");
    }

    #[test]
    fn cycle_names_the_modules_on_it() {
        let e = PatchError::new(PatchErrorKind::Cycle {
            modules: vec!["vcf".into(), "dly".into()],
        })
        .at(Some(Pos::new(7, 5)));
        assert_eq!(
            e.to_string(),
            "7:5: cycle through modules \"vcf\" -> \"dly\" -> \"vcf\""
        );
    }

    #[test]
    fn errors_display_one_per_line_and_sort_by_position() {
        let mut errs = PatchErrors::new();
        errs.push(PatchError::new(PatchErrorKind::VoiceAndInstruments));
        errs.push(
            PatchError::new(PatchErrorKind::Syntax {
                message: "b".into(),
            })
            .at(Some(Pos::new(3, 1))),
        );
        errs.push(
            PatchError::new(PatchErrorKind::Syntax {
                message: "a".into(),
            })
            .at(Some(Pos::new(2, 5))),
        );
        errs.sort_by_position();
        let errs = errs.in_file(Some("p.ron"));
        assert_eq!(
            errs.to_string(),
            "p.ron:2:5: syntax error: a\np.ron:3:1: syntax error: b\n\
             p.ron: a patch declares either `voice` or `instruments`, not both"
        );
    }

    #[test]
    fn closest_suggests_only_near_words() {
        let kinds = ["sine", "saw", "square", "lowpass"];
        assert_eq!(closest("sawx", kinds), Some("saw".into()));
        assert_eq!(closest("lowpas", kinds), Some("lowpass".into()));
        assert_eq!(closest("granular", kinds), None);
    }
}
