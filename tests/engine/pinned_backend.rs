//! A `supercollider` instrument scsynth plays live is pinned while it plays: scsynth has
//! the def it was given at start, so a commit that would add, remove or change such an
//! instrument is refused in one line naming it, and changes nothing; every other edit
//! (the main graph, an internal instrument) commits as before.

use chronus::control::Controller;
use chronus::patch::{BackendDesc, PatchDesc};
use chronus_modules::ParamValue;

use crate::support::engine::{engine, patch};

/// A pad scsynth plays (its template compiled to a def) beside an internal lead.
const PATCH: &str = r#"(instruments: {
    "pad": (count: 4, backend: (kind: "supercollider"), modules: {"osc": (kind: "sine")},
        connections: [("note.freq", "osc.freq"), ("osc.out", "output.left")]),
    "lead": (count: 2, modules: {"osc2": (kind: "saw")},
        connections: [("note.freq", "osc2.freq"), ("osc2.out", "output.left")]),
}, modules: {"vol": (kind: "vca")},
connections: [("lead.left", "vol.in"), ("vol.out", "output.left")])"#;

/// Loads `desc`; the refusal's text, or `None` when it committed.
fn refusal(control: &mut Controller, desc: PatchDesc) -> Option<String> {
    let before = control.revision();
    match control.load(desc) {
        Ok(_) => None,
        Err(e) => {
            assert_eq!(
                control.revision(),
                before,
                "a refused commit changes nothing"
            );
            Some(e.to_string())
        }
    }
}

#[test]
fn a_live_supercollider_instrument_cannot_change_and_the_rest_can() {
    let (_engine, mut control) = engine(PATCH);
    control.set_played_outside(vec!["pad".into()]);
    control.commit().unwrap_or_else(|e| panic!("{e}"));
    let start = patch(PATCH);
    let pinned = |id: &str| {
        format!(
            "instrument \"{id}\": a supercollider instrument cannot be added, removed or \
             changed while playing (scsynth plays the def it was given at start; \
             /mod/{id}/NAME sets its controls); restart play to apply the change"
        )
    };

    // Its template edited (a param's value, a module's kind), its count, its removal.
    let mut edit = start.clone();
    let osc = edit.instruments["pad"].modules.get_mut("osc").unwrap();
    osc.params.insert("detune".into(), ParamValue::Number(5.0));
    assert_eq!(refusal(&mut control, edit), Some(pinned("pad")));
    let mut edit = start.clone();
    edit.instruments["pad"].modules.get_mut("osc").unwrap().kind = "saw".into();
    assert_eq!(refusal(&mut control, edit), Some(pinned("pad")));
    let mut edit = start.clone();
    edit.instruments["pad"].count = 8;
    assert_eq!(refusal(&mut control, edit), Some(pinned("pad")));
    let mut edit = start.clone();
    edit.instruments.shift_remove("pad");
    assert_eq!(refusal(&mut control, edit), Some(pinned("pad")));
    // A second one added, or the internal lead moved to scsynth.
    let bell = r#""bell": (backend: (kind: "supercollider"), modules: {"osc3": (kind: "sine")},
        connections: [("note.freq", "osc3.freq"), ("osc3.out", "output.left")]),
    "lead":"#;
    let edit = patch(&PATCH.replacen(r#""lead":"#, bell, 1));
    assert_eq!(refusal(&mut control, edit), Some(pinned("bell")));
    let mut edit = start.clone();
    edit.instruments["lead"].backend = Some(BackendDesc::supercollider(None));
    assert_eq!(refusal(&mut control, edit), Some(pinned("lead")));
    assert_eq!(control.running(), &start, "nothing changed");

    // The main graph and the internal instrument still change live.
    let mut edit = start.clone();
    edit.instruments["lead"].count = 6;
    edit.modules.get_mut("vol").unwrap().kind = "vca".into();
    assert_eq!(refusal(&mut control, edit.clone()), None);
    assert_eq!(control.running().instruments["lead"].count, 6);

    // Without a live backend (scsynth missing: the pad plays on the engine) nothing is
    // pinned.
    control.set_played_outside(Vec::new());
    let mut edit = start.clone();
    edit.instruments["pad"].count = 8;
    assert_eq!(refusal(&mut control, edit), None);
}
