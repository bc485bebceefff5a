//! The built-in CC profiles, each with the synth's own controller numbers and the source
//! they were taken from.
//!
//! - `korg_nts1_mk2` — Korg NTS-1 digital kit. Numbers from Korg's NTS-1 MIDI
//!   implementation chart (the control-change table of "NTS-1 MIDI Implementation",
//!   korg.com › NTS-1 › Downloads), as also reproduced in the community instrument
//!   definitions (squarp.community "Instrument Definition: Korg NTS-1", and
//!   matthewscheffel.com "NTS1 MIDI CC codes", which gives the type selectors' value
//!   splits). The mk2 keeps the mk1's CC assignments for these params as far as we know;
//!   we could not check its own chart ("NTS-1 digital kit mk2 MIDI Implementation") from
//!   the build machine, so verify against it before relying on a number.
//! - `generic_analog` — the MIDI 1.0 / GM2 "sound controller" defaults most analog and
//!   virtual-analog synths follow (RP-021: CC 70–79; cutoff 74, resonance 71, attack 73,
//!   release 72, decay 75, vibrato rate 76 and depth 77), plus CC 94 (detune/celeste
//!   depth) for the oscillators' detune.
//! - `fm_synth` — the Elektron Digitone (first model): its FM "SYN 1" and "SYN 2" pages
//!   per the Digitone manual's appendix "MIDI CC & NRPN" (also midi.guide › Elektron ›
//!   Digitone): algorithm, operator ratios, harmonics, detune, feedback, mix, and each
//!   operator pair's envelope and level (the level is the modulation index). The
//!   operators' ratio offsets are sent as NRPNs (MSB 1), as the Digitone does. The SYN 1
//!   page is CC 90 (algorithm), 91 (ratio C), 92 (ratio A), 16–20 as the manual's table
//!   for OS 1.41 gives it (an older copy of midi.guide's table had 91–93, one off).

use super::profile::{Control, Curve, Profile, ProfileParam, DEFAULT_INITIAL};

/// The names of the built-in profiles, in the order they are documented.
pub const BUILTIN: [&str; 3] = ["korg_nts1_mk2", "generic_analog", "fm_synth"];

fn param(name: &str, control: Control, curve: Curve) -> ProfileParam {
    ProfileParam {
        name: name.to_string(),
        control,
        lo: 0,
        hi: control.max(),
        curve,
        initial: DEFAULT_INITIAL,
    }
}

fn cc(name: &str, n: u8) -> ProfileParam {
    param(name, Control::Cc(n), Curve::Linear)
}

fn cc_curve(name: &str, n: u8, curve: Curve) -> ProfileParam {
    param(name, Control::Cc(n), curve)
}

/// The built-in profile `id`.
pub fn builtin(id: &str) -> Option<Profile> {
    let (name, params) = match id {
        "korg_nts1_mk2" => ("Korg NTS-1 digital kit mk2", nts1()),
        "generic_analog" => ("Generic analog (MIDI sound controllers)", generic_analog()),
        "fm_synth" => ("FM synth (Elektron Digitone)", digitone()),
        _ => return None,
    };
    Some(Profile {
        id: id.to_string(),
        name: name.to_string(),
        params,
    })
}

fn nts1() -> Vec<ProfileParam> {
    vec![
        // Oscillator: type saw/tri/square/VPM/user (splits at 25, 50, 75, 100).
        cc_curve("osc_type", 53, Curve::Stepped(5)),
        cc("osc_shape", 54),
        cc("osc_alt", 55),
        cc("osc_lfo_rate", 24),
        cc("osc_lfo_depth", 26),
        // Filter: LP2, LP4, BP2, BP4, HP2, HP4, off.
        cc_curve("filter_type", 42, Curve::Stepped(7)),
        cc_curve("cutoff", 43, Curve::Linear),
        cc("resonance", 44),
        cc("sweep_depth", 45),
        cc("sweep_rate", 46),
        // Amp envelope: ADSR, AHR, AR, AR loop, open.
        cc_curve("eg_type", 14, Curve::Stepped(5)),
        cc("attack", 16),
        cc("release", 19),
        cc("tremolo_depth", 20),
        cc("tremolo_rate", 21),
        // Effects.
        cc_curve("mod_type", 88, Curve::Stepped(5)),
        cc("mod_time", 28),
        cc("mod_depth", 29),
        cc_curve("delay_type", 89, Curve::Stepped(5)),
        cc("delay_time", 30),
        cc("delay_depth", 31),
        cc("delay_mix", 33),
        cc_curve("reverb_type", 90, Curve::Stepped(5)),
        cc("reverb_time", 34),
        cc("reverb_depth", 35),
        cc("reverb_mix", 36),
        // Arpeggiator.
        cc("arp_pattern", 117),
        cc("arp_interval", 118),
        cc("arp_length", 119),
    ]
}

fn generic_analog() -> Vec<ProfileParam> {
    vec![
        cc_curve("cutoff", 74, Curve::Exponential),
        cc("resonance", 71),
        cc_curve("attack", 73, Curve::Exponential),
        cc_curve("decay", 75, Curve::Exponential),
        cc_curve("release", 72, Curve::Exponential),
        cc("lfo_rate", 76),
        cc("lfo_amount", 77),
        cc("lfo_delay", 78),
        cc("osc_shape", 70),
        cc("osc_detune", 94),
        // 14-bit modulation wheel (CC 1 + CC 33), for smooth sweeps; it rests at 0.
        ProfileParam {
            initial: 0.0,
            ..param("mod_wheel", Control::Cc14(1), Curve::Linear)
        },
    ]
}

fn digitone() -> Vec<ProfileParam> {
    vec![
        cc_curve("algorithm", 90, Curve::Stepped(8)),
        cc("ratio_c", 91),
        cc("ratio_a", 92),
        cc("ratio_b", 16),
        cc("harmonics", 17),
        cc("detune", 18),
        cc("feedback", 19),
        cc("mix", 20),
        cc("a_attack", 75),
        cc("a_decay", 76),
        cc("a_end", 77),
        cc("a_level", 78),
        cc("b_attack", 79),
        cc("b_decay", 80),
        cc("b_end", 81),
        cc("b_level", 82),
        // Fine ratio offsets of each operator: NRPN MSB 1, LSB 95..98 (7-bit values).
        ProfileParam {
            lo: 0,
            hi: 127,
            ..param("ratio_c_offset", Control::Nrpn(128 + 95), Curve::Linear)
        },
        ProfileParam {
            lo: 0,
            hi: 127,
            ..param("ratio_a_offset", Control::Nrpn(128 + 96), Curve::Linear)
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every built-in param maps 0, 0.5 and 1 to the values its curve documents.
    #[test]
    fn builtin_params_map_the_documented_values() {
        for id in BUILTIN {
            let p = builtin(id).unwrap();
            assert!(p.params.len() >= 10, "{id}");
            for param in &p.params {
                let v = [0.0, 0.5, 1.0].map(|x| param.value(x));
                let (lo, hi) = (param.lo as f64, param.hi as f64);
                let mid = match param.curve {
                    Curve::Linear => 0.5,
                    Curve::Exponential => 0.25,
                    Curve::Logarithmic => 0.5f64.sqrt(),
                    Curve::Stepped(n) => {
                        (n as f64 / 2.0).floor().min(n as f64 - 1.0) / (n as f64 - 1.0)
                    }
                };
                assert_eq!(
                    v,
                    [param.lo, (lo + (hi - lo) * mid).round() as u16, param.hi],
                    "{id}.{}",
                    param.name
                );
            }
        }
        let nts = builtin("korg_nts1_mk2").unwrap();
        assert!(nts.params.len() >= 15);
        assert_eq!(nts.param("cutoff").unwrap().1.control, Control::Cc(43));
        assert_eq!(nts.param("resonance").unwrap().1.control, Control::Cc(44));
        assert_eq!(nts.param("osc_type").unwrap().1.value(0.5), 64);
        let ga = builtin("generic_analog").unwrap();
        assert_eq!(ga.param("cutoff").unwrap().1.value(0.5), 32);
        assert_eq!(ga.param("mod_wheel").unwrap().1.value(0.5), 8_192);
        let fm = builtin("fm_synth").unwrap();
        assert_eq!(fm.param("feedback").unwrap().1.control, Control::Cc(19));
        assert!(builtin("nope").is_none());
    }

    /// The bytes a param sends on channel 1 for `x`, through the same path as play
    /// ([`Voicing`](super::super::voicing::Voicing)).
    fn wire(profile: &Profile, name: &str, x: f32) -> Vec<Vec<u8>> {
        use crate::engine::OutEvent;
        let index = profile
            .param(name)
            .unwrap_or_else(|| panic!("{}: no param {name}", profile.id))
            .0;
        let mut v = super::super::voicing::Voicing::new(1, 1, Some(profile.clone()));
        let mut out = Vec::new();
        v.event(
            OutEvent::Param {
                param: index as u16,
                value: x,
                glide: 0,
            },
            &mut out,
        );
        out.iter()
            .flat_map(|(_, m)| m.parts().map(<[u8]>::to_vec))
            .collect()
    }

    /// Checks `profile` against a table of literal 7-bit CC params: (name, CC number,
    /// values sent for 0, 0.5 and 1), and that the table names every param the profile has
    /// but `others`.
    fn check_ccs(id: &str, table: &[(&str, u8, [u8; 3])], others: &[&str]) {
        let profile = builtin(id).unwrap();
        for &(name, cc, values) in table {
            for (x, v) in [0.0, 0.5, 1.0].into_iter().zip(values) {
                assert_eq!(
                    wire(&profile, name, x),
                    [vec![0xB0, cc, v]],
                    "{id}.{name} at {x}: CC {cc} = {v}"
                );
            }
        }
        let mut named: Vec<&str> = table
            .iter()
            .map(|t| t.0)
            .chain(others.iter().copied())
            .collect();
        let mut all: Vec<&str> = profile.params.iter().map(|p| p.name.as_str()).collect();
        named.sort_unstable();
        all.sort_unstable();
        assert_eq!(named, all, "{id}: the table is every param");
    }

    /// Linear and stepped on 0..127 at 0, 0.5, 1 (stepped(n): step ⌊x·n⌋ of n values).
    const LIN: [u8; 3] = [0, 64, 127];
    const EXP: [u8; 3] = [0, 32, 127];
    const STEP5: [u8; 3] = [0, 64, 127];
    const STEP7: [u8; 3] = [0, 64, 127];
    const STEP8: [u8; 3] = [0, 73, 127];

    /// The Korg NTS-1's control changes, literally from its MIDI implementation chart
    /// (29 CCs; the type selectors' splits: osc type 0/25/50/75/127, filter type
    /// 0/18/36/54/72/90/127, EG type 0/25/50/75/127).
    #[test]
    fn nts1_sends_the_charts_control_numbers() {
        check_ccs(
            "korg_nts1_mk2",
            &[
                ("osc_type", 53, STEP5),
                ("osc_shape", 54, LIN),
                ("osc_alt", 55, LIN),
                ("osc_lfo_rate", 24, LIN),
                ("osc_lfo_depth", 26, LIN),
                ("filter_type", 42, STEP7),
                ("cutoff", 43, LIN),
                ("resonance", 44, LIN),
                ("sweep_depth", 45, LIN),
                ("sweep_rate", 46, LIN),
                ("eg_type", 14, STEP5),
                ("attack", 16, LIN),
                ("release", 19, LIN),
                ("tremolo_depth", 20, LIN),
                ("tremolo_rate", 21, LIN),
                ("mod_type", 88, STEP5),
                ("mod_time", 28, LIN),
                ("mod_depth", 29, LIN),
                ("delay_type", 89, STEP5),
                ("delay_time", 30, LIN),
                ("delay_depth", 31, LIN),
                ("delay_mix", 33, LIN),
                ("reverb_type", 90, STEP5),
                ("reverb_time", 34, LIN),
                ("reverb_depth", 35, LIN),
                ("reverb_mix", 36, LIN),
                ("arp_pattern", 117, LIN),
                ("arp_interval", 118, LIN),
                ("arp_length", 119, LIN),
            ],
            &[],
        );
        // The selectors' values land in the chart's bands: osc type 32 is the triangle
        // (25..49), filter type 21 the 4-pole low-pass (18..35).
        let nts = builtin("korg_nts1_mk2").unwrap();
        assert_eq!(wire(&nts, "osc_type", 0.25), [vec![0xB0, 53, 32]]);
        assert_eq!(wire(&nts, "filter_type", 1.0 / 7.0), [vec![0xB0, 42, 21]]);
    }

    /// The MIDI sound-controller defaults (RP-021), and the 14-bit mod wheel (CC 1 + 33).
    #[test]
    fn generic_analog_sends_the_sound_controller_numbers() {
        check_ccs(
            "generic_analog",
            &[
                ("cutoff", 74, EXP),
                ("resonance", 71, LIN),
                ("attack", 73, EXP),
                ("decay", 75, EXP),
                ("release", 72, EXP),
                ("lfo_rate", 76, LIN),
                ("lfo_amount", 77, LIN),
                ("lfo_delay", 78, LIN),
                ("osc_shape", 70, LIN),
                ("osc_detune", 94, LIN),
            ],
            &["mod_wheel"],
        );
        let ga = builtin("generic_analog").unwrap();
        let wheel = |x| wire(&ga, "mod_wheel", x);
        assert_eq!(wheel(0.0), [vec![0xB0, 1, 0], vec![0xB0, 33, 0]]);
        // 8192 = 64·128 + 0; 16383 = 127·128 + 127.
        assert_eq!(wheel(0.5), [vec![0xB0, 1, 64], vec![0xB0, 33, 0]]);
        assert_eq!(wheel(1.0), [vec![0xB0, 1, 127], vec![0xB0, 33, 127]]);
    }

    /// The Elektron Digitone's SYN 1 and SYN 2 pages (manual, appendix "MIDI CC & NRPN",
    /// OS 1.41): algorithm 90, ratio C 91, ratio A 92, ratio B 16, harmonics 17, detune
    /// 18, feedback 19, mix 20, operator envelopes and levels 75..82; ratio offsets NRPN
    /// 1:95 and 1:96.
    #[test]
    fn fm_synth_sends_the_digitone_numbers() {
        check_ccs(
            "fm_synth",
            &[
                ("algorithm", 90, STEP8),
                ("ratio_c", 91, LIN),
                ("ratio_a", 92, LIN),
                ("ratio_b", 16, LIN),
                ("harmonics", 17, LIN),
                ("detune", 18, LIN),
                ("feedback", 19, LIN),
                ("mix", 20, LIN),
                ("a_attack", 75, LIN),
                ("a_decay", 76, LIN),
                ("a_end", 77, LIN),
                ("a_level", 78, LIN),
                ("b_attack", 79, LIN),
                ("b_decay", 80, LIN),
                ("b_end", 81, LIN),
                ("b_level", 82, LIN),
            ],
            &["ratio_c_offset", "ratio_a_offset"],
        );
        let fm = builtin("fm_synth").unwrap();
        for (name, lsb) in [("ratio_c_offset", 95), ("ratio_a_offset", 96)] {
            for (x, v) in [(0.0, 0), (0.5, 64), (1.0, 127)] {
                assert_eq!(
                    wire(&fm, name, x),
                    [vec![0xB0, 99, 1], vec![0xB0, 98, lsb], vec![0xB0, 6, v]],
                    "{name} at {x}"
                );
            }
        }
    }
}
