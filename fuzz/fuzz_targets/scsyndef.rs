//! The bytes of a user's `.scsyndef` file (`backend: (kind: "supercollider", synthdef:
//! "mypad")`), read as `chronus play` reads `mypad.scsyndef`: `supercollider::def_file::
//! controls_in` (SCgf version 1 or 2, the def named after the file or the only one), then
//! names set on the instrument checked against its controls (`check_controls`).
//!
//! A finding: a panic; an allocation over libFuzzer's `-malloc_limit_mb` or a hang (every
//! count in the file is capped by the bytes left); a refusal of several lines; a def that,
//! written again by `synthdef::encode`, does not read back with the same names and
//! controls; a `check_controls` refusal that is not one line per unknown name.
#![no_main]

use std::path::Path;

use chronus::supercollider::def_file::{check_controls, controls_in, def_in};
use chronus::supercollider::synthdef::{decode, encode};
use chronus_fuzz::assert_one_line;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("synthdefs/mypad.scsyndef");
    let controls = match controls_in(path, data) {
        Ok(controls) => controls,
        Err(e) => {
            assert_one_line(&e.to_string());
            return;
        }
    };
    // What was read writes out and reads back the same (floats compared by their bits).
    let def = def_in(path, data).expect("read once, read again");
    let again = decode(&encode(std::slice::from_ref(&def)).expect("names read fit"))
        .expect("an encoded def reads back");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].name, def.name);
    assert_eq!(again[0].control_names, def.control_names);
    assert_eq!(again[0].ugens.len(), def.ugens.len());
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&again[0].controls), bits(&def.controls));
    assert_eq!(bits(&again[0].constants), bits(&def.constants));
    // Names set on the instrument: one line per unknown name, none for a known one.
    let mut names = vec![("freq", "p.ron:3:9"), ("no such control", "/mod/pad/x")];
    if let Some(first) = controls.first() {
        names.push((first.as_str(), "p.ron:4:9"));
    }
    let unknown = names
        .iter()
        .filter(|(n, _)| !controls.iter().any(|c| c == n))
        .count();
    match check_controls("mypad", &controls, &names) {
        Ok(()) => assert_eq!(unknown, 0),
        Err(e) => assert_eq!(e.lines().count(), unknown, "{e:?}"),
    }
});
