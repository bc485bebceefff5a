//! Tests of the `chronus` binary as a user runs it: the command line, renders, `chronus
//! bench`, `chronus play` on the null host, OSC with liblo's `oscsend`/`oscdump`. One
//! module per file (`cargo test --test programs NAME::` runs one file's tests): one binary
//! links in a fraction of the time of one per file.

#[path = "../support/mod.rs"]
mod support;

mod bench_cli;
mod cli;
mod clock_cli;
mod cue_sinks;
mod deploy;
mod http_api;
mod logs_and_reload;
mod mutated_patches;
mod osc_flood_play;
mod osc_play;
mod osc_seq;
mod overload_play;
mod play_null;
mod render_config;
mod sc_live_bad_input;
mod sd_notify;
mod soak;
mod supercollider_kinds;
mod supercollider_lanes;
mod supercollider_limit;
mod supercollider_render;
mod web_console;
