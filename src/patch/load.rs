//! Reading and writing patch files (RON).
//!
//! [`parse`] turns text into a [`PatchDesc`] (syntax and duplicate ids), [`load`] also
//! validates it against a registry, [`load_file`] reads a file first. Every error comes
//! back as one line with the file name and the culprit's line and column. [`to_ron`]
//! writes a patch so that `parse(&to_ron(&p), None) == Ok(p)`.
//!
//! Parsing enables ron's `implicit_some` extension, so `voice: (...)` and `channel: 3`
//! need no `Some(...)` around them (which is still accepted).

use std::path::Path;

use chronus_modules::Registry;
use ron::extensions::Extensions;
use ron::ser::PrettyConfig;

use super::error::{closest, PatchError, PatchErrorKind, PatchErrors, Pos};
use super::model::PatchDesc;
use super::source_map::SourceMap;
use super::unique_map::duplicate_message;
use super::validate::validate;

/// The ron options patches are read and written with (`implicit_some` on by default).
pub fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME)
}

/// Parses patch text, without checking it against a registry. `source_name` (a file
/// path) prefixes every error. Refuses syntax errors and ids repeated in one map.
pub fn parse(text: &str, source_name: Option<&str>) -> Result<PatchDesc, PatchErrors> {
    ron_options()
        .from_str::<PatchDesc>(text)
        .map_err(|e| PatchErrors::from(syntax_error(&e, text)).in_file(source_name))
}

/// Parses and validates patch text: every error of docs/CONTRACTS.md §1.7 except cycles (the
/// graph compiler finds those), all of them with their positions.
pub fn load(
    text: &str,
    source_name: Option<&str>,
    registry: &Registry,
) -> Result<PatchDesc, PatchErrors> {
    load_with_source_map(text, source_name, registry).map(|(desc, _)| desc)
}

/// [`load`], also returning the [`SourceMap`] of the text, for errors found later (the
/// graph compiler's cycles).
pub fn load_with_source_map(
    text: &str,
    source_name: Option<&str>,
    registry: &Registry,
) -> Result<(PatchDesc, SourceMap), PatchErrors> {
    let desc = parse(text, source_name)?;
    let map = SourceMap::scan(text);
    validate(&desc, registry, Some(&map)).map_err(|e| e.in_file(source_name))?;
    Ok((desc, map))
}

/// Reads and [`load`]s a patch file; errors name the path.
pub fn load_file(path: impl AsRef<Path>, registry: &Registry) -> Result<PatchDesc, PatchErrors> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let text = read_text(path).map_err(|e| PatchErrors::from(e.in_file(name.clone())))?;
    load(&text, Some(&name), registry)
}

/// Reads a file as UTF-8 text; invalid UTF-8 is reported at its position.
fn read_text(path: &Path) -> Result<String, PatchError> {
    let bytes = std::fs::read(path).map_err(|e| {
        PatchError::new(PatchErrorKind::Io {
            message: e.to_string(),
        })
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // Valid by construction; lossy conversion only to avoid a panic path.
        let before = String::from_utf8_lossy(valid);
        let line = 1 + before.matches('\n').count();
        let col = 1 + before.rsplit('\n').next().unwrap_or("").chars().count();
        PatchError::new(PatchErrorKind::Syntax {
            message: "the file is not valid UTF-8".into(),
        })
        .at(Some(Pos::new(line, col)))
    })
}

/// Turns ron's error into ours. A repeated id (raised by the model's map deserializers)
/// becomes [`PatchErrorKind::DuplicateId`] at the repetition, with the first occurrence;
/// an unknown struct field becomes [`PatchErrorKind::UnknownField`].
fn syntax_error(e: &ron::error::SpannedError, text: &str) -> PatchError {
    let pos = Pos::from(e.span.start);
    let kind = match &e.code {
        ron::Error::Message(message) if message.starts_with("duplicate ") => {
            // ron reads in text order and stops at the first repetition, so the one it
            // reports is the first repetition with this message in the text.
            let map = SourceMap::scan(text);
            let found = map
                .duplicates()
                .iter()
                .filter(|d| *message == duplicate_message(d.what.label(), &d.id))
                .min_by_key(|d| d.again);
            if let Some(d) = found {
                return PatchError::new(PatchErrorKind::DuplicateId {
                    what: d.what.clone(),
                    id: d.id.clone(),
                    first: Some(d.first),
                })
                .at(Some(d.again));
            }
            PatchErrorKind::Syntax {
                message: message.clone(),
            }
        }
        ron::Error::Message(message) if message.contains("untagged enum ParamValue") => {
            // ron stops after the whole value; point at its start instead.
            let map = SourceMap::scan(text);
            let start = map.param_values().filter(|p| *p <= pos).max();
            return PatchError::new(PatchErrorKind::Syntax {
                message: "a param value is a number, `true`, `false` or a string".into(),
            })
            .at(Some(start.unwrap_or(pos)));
        }
        ron::Error::NoSuchStructField {
            expected,
            found,
            outer,
        } => PatchErrorKind::UnknownField {
            field: found.clone(),
            within: match outer.as_deref() {
                Some("InstrumentDesc") => "a voice template",
                Some("ModuleDesc") => "a module",
                Some("BackendDesc") => "a backend",
                _ => "the patch",
            },
            known: expected.iter().map(|f| f.to_string()).collect(),
            suggestion: closest(found, expected.iter().copied()),
        },
        ron::Error::MissingStructField { field, outer } => PatchErrorKind::Syntax {
            message: format!(
                "missing field `{field}` in {}",
                match outer.as_deref() {
                    Some("ModuleDesc") => "a module",
                    Some("InstrumentDesc") => "a voice template",
                    Some("BackendDesc") => "a backend",
                    _ => "the patch",
                }
            ),
        },
        code => PatchErrorKind::Syntax {
            message: code.to_string(),
        },
    };
    PatchError::new(kind).at(Some(pos))
}

/// Writes a patch as pretty RON (as users write it: `voice: (...)` without `Some`, maps
/// in their order) that [`parse`] reads back to an equal patch.
pub fn to_ron(desc: &PatchDesc) -> String {
    let config = PrettyConfig::new()
        .indentor("    ")
        .struct_names(false)
        .separate_tuple_members(false)
        .compact_arrays(false);
    ron_options()
        .to_string_pretty(desc, config)
        // Strings, numbers, maps and lists only: writing to a String cannot fail.
        .expect("a PatchDesc always serializes to RON")
        + "\n"
}

#[cfg(test)]
mod tests {
    use chronus_modules::ParamValue;

    use super::*;
    use crate::patch::model::{InstrumentDesc, ModuleDesc, Steal};
    use crate::patch::test_support::{at, errors, find, registry, CONTRACT_EXAMPLE};

    #[test]
    fn syntax_error_reports_rons_position() {
        const T: &str = "(\n    modules: {\n        \"osc\": (kind: \"saw\")\n        \"vcf\": (kind: \"lowpass\"),\n    },\n)\n";
        assert_eq!(
            errors(T),
            [format!(
                "{}: syntax error: Expected comma",
                at(T, "\"vcf\"")
            )]
        );
    }

    #[test]
    fn misspelt_field_is_refused_with_a_suggestion() {
        const T: &str = "(\n    modules: {\"osc\": (kind: \"saw\")},\n    conections: [],\n)\n";
        assert_eq!(
            errors(T),
            [format!(
                "{}: unknown field \"conections\" in the patch (did you mean \"connections\"?)",
                at(T, "conections")
            )]
        );
        const M: &str = "(modules: {\"osc\": (kind: \"saw\", parms: {})})";
        assert_eq!(
            errors(M),
            [format!(
                "{}: unknown field \"parms\" in a module (did you mean \"params\"?)",
                at(M, "parms")
            )]
        );
    }

    #[test]
    fn non_scalar_param_value_is_refused_at_the_value() {
        const T: &str = "(modules: {\"vcf\": (kind: \"lowpass\", params: {\"q\": [1, 2]})})";
        assert_eq!(
            errors(T),
            [format!(
                "{}: syntax error: a param value is a number, `true`, `false` or a string",
                at(T, "[1, 2]")
            )]
        );
    }

    #[test]
    fn duplicate_module_id_in_one_map() {
        const T: &str = "(\n    modules: {\n        \"osc\": (kind: \"saw\"),\n        \"osc\": (kind: \"sine\"),\n    },\n)\n";
        assert_eq!(
            errors(T),
            [format!(
                "{}: duplicate module id \"osc\" (first at {})",
                at(T, "\"osc\": (kind: \"sine\")"),
                find(T, "\"osc\": (kind: \"saw\")")
            )]
        );
    }

    #[test]
    fn duplicate_module_id_in_a_voice_template_map() {
        const T: &str = "(voice: (modules: {\"env\": (kind: \"adsr\"), \"env\": (kind: \"adsr\", params: {})}))";
        assert_eq!(
            errors(T),
            [format!(
                "{}: duplicate module id \"env\" (first at {})",
                at(T, "\"env\": (kind: \"adsr\", params"),
                find(T, "\"env\": (kind: \"adsr\")")
            )]
        );
    }

    #[test]
    fn duplicate_param() {
        const T: &str = "(modules: {\n  \"vcf\": (kind: \"lowpass\", params: {\"q\": 1.0, \"cutoff\": 900, \"q\": 2.0}),\n})";
        assert_eq!(
            errors(T),
            [format!(
                "{}: module \"vcf\": duplicate param \"q\" (first at {})",
                at(T, "\"q\": 2.0"),
                find(T, "\"q\": 1.0")
            )]
        );
    }

    #[test]
    fn duplicate_instrument() {
        const T: &str = "(\n  instruments: {\n    \"lead\": (count: 2),\n    \"bass\": (),\n    \"lead\": (count: 3),\n  },\n)";
        assert_eq!(
            errors(T),
            [format!(
                "{}: duplicate instrument id \"lead\" (first at {})",
                at(T, "\"lead\": (count: 3)"),
                find(T, "\"lead\": (count: 2)")
            )]
        );
    }

    #[test]
    fn duplicate_in_a_map_is_refused_by_plain_ron_too() {
        let e = ron::from_str::<PatchDesc>(
            "(modules: {\"a\": (kind: \"saw\"), \"a\": (kind: \"saw\")})",
        )
        .unwrap_err();
        assert!(e.to_string().contains("duplicate module id \"a\""), "{e}");
    }

    #[test]
    fn implicit_some_and_explicit_some_read_the_same() {
        let implicit = parse("(voice: (count: 4, channel: 2))", None).unwrap();
        let explicit = parse("(voice: Some((count: 4, channel: Some(2))))", None).unwrap();
        assert_eq!(implicit, explicit);
        let voice = implicit.voice.unwrap();
        assert_eq!((voice.count, voice.channel), (4, Some(2)));
        assert_eq!(parse("(voice: None)", None).unwrap().voice, None);
        assert_eq!(parse("()", None).unwrap(), PatchDesc::default());
    }

    #[test]
    fn voice_is_shorthand_for_the_instrument_voices() {
        let desc = load(CONTRACT_EXAMPLE, Some("poly.ron"), &registry()).unwrap();
        let (scope, voice) = crate::patch::scope::instrument(&desc, "voices").unwrap();
        assert_eq!(scope, crate::patch::Scope::Voice);
        assert_eq!(
            (voice.count, voice.steal, voice.channel),
            (8, Steal::Oldest, None)
        );
        assert_eq!(voice.modules.len(), 4);
        assert_eq!(desc.connections[0].from().to_string(), "voices.left");
    }

    #[test]
    fn several_instruments_with_channels_load_in_order() {
        const T: &str = r#"(
    name: "two hands",
    instruments: {
        "lead": (count: 6, steal: "oldest", channel: 1,
            modules: {"osc": (kind: "saw"), "vcf": (kind: "lowpass", params: {"q": 2})},
            connections: [("note.freq", "osc.freq"), ("osc.out", "vcf.in"), ("vcf.out", "output.left")]),
        "bass": (count: 2, steal: "quietest", channel: 16,
            modules: {"sub": (kind: "sine")},
            connections: [("note.freq", "sub.freq"), ("sub.out", "output.right")]),
        "pad": (steal: "none", modules: {"hiss": (kind: "noise", params: {"color": "pink"})},
            connections: [("hiss.out", "output.left")]),
    },
    modules: {"rev": (kind: "reverb")},
    connections: [
        ("lead.left", "rev.left"),
        ("bass.right", "rev.right"),
        ("pad.left", "rev.left"),
        ("rev.left", "output.left"),
        ("rev.right", "output.right"),
    ],
)"#;
        let desc = load(T, None, &registry()).unwrap();
        let summary: Vec<(&str, usize, Steal, Option<u8>)> = desc
            .instruments
            .iter()
            .map(|(id, i)| (id.as_str(), i.count, i.steal, i.channel))
            .collect();
        assert_eq!(
            summary,
            [
                ("lead", 6, Steal::Oldest, Some(1)),
                ("bass", 2, Steal::Quietest, Some(16)),
                ("pad", 8, Steal::None, None),
            ]
        );
        // Integers load as numbers.
        assert_eq!(
            desc.instruments["lead"].modules["vcf"].params["q"],
            ParamValue::Number(2.0)
        );
        assert_eq!(parse(&to_ron(&desc), None), Ok(desc));
    }

    #[test]
    fn integers_load_where_numbers_are_expected() {
        let desc = parse(
            "(voice: (count: 3), modules: {\"o\": (kind: \"saw\", params: {\"freq\": 440, \"detune\": -7, \"x\": 1e3})})",
            None,
        )
        .unwrap();
        let params = &desc.modules["o"].params;
        assert_eq!(params["freq"], ParamValue::Number(440.0));
        assert_eq!(params["detune"], ParamValue::Number(-7.0));
        assert_eq!(params["x"], ParamValue::Number(1000.0));
        assert_eq!(desc.voice.unwrap().count, 3);
    }

    #[test]
    fn contract_example_round_trips() {
        let desc = parse(CONTRACT_EXAMPLE, None).unwrap();
        let text = to_ron(&desc);
        assert_eq!(parse(&text, None), Ok(desc.clone()), "{text}");
        assert_eq!(to_ron(&parse(&text, None).unwrap()), text);
        // Written the way users write it.
        assert!(text.contains("voice: ("), "{text}");
        assert!(text.contains("steal: \"oldest\""), "{text}");
        assert!(text.contains("(\"note.freq\", \"osc.freq\")"), "{text}");
        assert!(text.contains("\"cutoff\": 1800.0"), "{text}");
        assert!(!text.contains("Some("), "{text}");
        load(&text, None, &registry()).unwrap();
    }

    #[test]
    fn every_value_type_round_trips() {
        let mut module = ModuleDesc::new("noise");
        let values = [
            ("int", ParamValue::Number(2.0)),
            ("frac", ParamValue::Number(0.1)),
            ("neg", ParamValue::Number(-1200.5)),
            ("tiny", ParamValue::Number(1e-7)),
            ("huge", ParamValue::Number(1e300)),
            ("zero", ParamValue::Number(0.0)),
            ("on", ParamValue::Bool(true)),
            ("off", ParamValue::Bool(false)),
            ("color", ParamValue::Text("pink".into())),
            (
                "odd",
                ParamValue::Text("a \"quoted\" \\ back\nslash ü // not /* a comment".into()),
            ),
            ("empty", ParamValue::Text(String::new())),
        ];
        for (k, v) in values {
            module.params.insert(k.into(), v);
        }
        let mut lead = InstrumentDesc {
            count: 3,
            steal: Steal::Quietest,
            channel: Some(10),
            ..InstrumentDesc::default()
        };
        lead.modules
            .insert("osc ü \"x\"".into(), ModuleDesc::new("saw"));
        lead.connections.push(crate::patch::Connection(
            "note.freq".parse().unwrap(),
            "osc ü \"x\".freq".parse().unwrap(),
        ));
        let mut desc = PatchDesc {
            name: "all \"types\"\n".into(),
            ..PatchDesc::default()
        };
        desc.instruments.insert("lead".into(), lead);
        desc.instruments.insert(
            "none".into(),
            InstrumentDesc {
                steal: Steal::None,
                ..InstrumentDesc::default()
            },
        );
        desc.modules.insert("n".into(), module);
        let text = to_ron(&desc);
        assert_eq!(parse(&text, None), Ok(desc), "{text}");
    }

    #[test]
    fn load_file_names_an_unreadable_path() {
        let path = std::env::temp_dir().join(format!("chronus-missing-{}.ron", std::process::id()));
        let errs = load_file(&path, &registry()).unwrap_err();
        let line = errs.to_string();
        assert!(
            line.starts_with(&format!("{}: cannot read the patch: ", path.display())),
            "{line}"
        );
        assert_eq!(errs.len(), 1);
    }

    #[test]
    fn load_file_reads_a_patch_and_reports_invalid_utf8_at_its_position() {
        let dir = std::env::temp_dir();
        let good = dir.join(format!("chronus-good-{}.ron", std::process::id()));
        std::fs::write(&good, CONTRACT_EXAMPLE).unwrap();
        let desc = load_file(&good, &registry()).unwrap();
        assert_eq!(desc.name, "poly-subtractive");
        let bad = dir.join(format!("chronus-bad-{}.ron", std::process::id()));
        std::fs::write(&bad, b"(\n  name: \"caf\xe9\",\n)").unwrap();
        let errs = load_file(&bad, &registry()).unwrap_err();
        assert_eq!(
            errs.to_string(),
            format!(
                "{}:2:13: syntax error: the file is not valid UTF-8",
                bad.display()
            )
        );
        let _ = std::fs::remove_file(good);
        let _ = std::fs::remove_file(bad);
    }

    /// xorshift64*: deterministic noise without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Runs everything that reads text on `text`; none of it may panic.
    fn read_everything(text: &str) {
        let map = SourceMap::scan(text);
        let _ = map.module(&crate::patch::Scope::Main, "osc");
        let _ = parse(text, Some("fuzz.ron")).map_err(|e| e.to_string());
        let _ = load(text, Some("fuzz.ron"), &registry()).map_err(|e| e.to_string());
    }

    #[test]
    fn truncated_and_random_texts_never_panic() {
        for open in ["(", "[", "{", "Some(", "(voice: ", "(modules: {\"a\": "] {
            read_everything(&open.repeat(20_000));
        }
        for (i, _) in CONTRACT_EXAMPLE.char_indices() {
            read_everything(&CONTRACT_EXAMPLE[..i]);
            read_everything(&CONTRACT_EXAMPLE[i..]);
        }
        const ALPHABET: &[char] = &[
            '(', ')', '[', ']', '{', '}', ':', ',', '"', '\'', '\\', '/', '*', '#', 'r', 'b', ' ',
            '\n', '.', '-', '0', '9', 'a', 'e', 'S', 'o', 'm', '_', 'ü', '€', '\u{0}',
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3000 {
            let len = rng.below(120);
            let text: String = (0..len)
                .map(|_| {
                    if rng.below(8) == 0 {
                        char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('x')
                    } else {
                        ALPHABET[rng.below(ALPHABET.len())]
                    }
                })
                .collect();
            read_everything(&text);
        }
        // Mutations of a valid patch reach deeper into the structure.
        let chars: Vec<char> = CONTRACT_EXAMPLE.chars().collect();
        for _ in 0..1500 {
            let mut c = chars.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(c.len());
                match rng.below(3) {
                    0 => c[at] = ALPHABET[rng.below(ALPHABET.len())],
                    1 => {
                        c.remove(at);
                    }
                    _ => c.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
                }
            }
            read_everything(&c.into_iter().collect::<String>());
        }
    }
}
