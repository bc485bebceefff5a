//! Tests against a real JACK server: `chronus play --host jack` and JACK MIDI input, each
//! test with its own `jackd` dummy server (serialized in this binary by
//! `support::jack::jack_test_lock`). One module per file (`cargo test --test jack NAME::`
//! runs one file's tests): one binary links in a fraction of the time of one per file.

#[path = "../support/mod.rs"]
mod support;

mod clock_in_jack;
mod clock_out_jack;
mod latency_jack;
mod midi_jack;
mod midi_out_jack;
mod midi_out_ports_jack;
mod midi_out_replan_jack;
mod midi_out_sustain_jack;
mod play_jack;
mod sc_live_jack;
mod sc_return_jack;
mod sc_return_renew_jack;
mod sc_return_restart_jack;
mod scsynth_defs;
