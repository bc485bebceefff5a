//! In-process tests: the engine, controller, sequencer, router and OSC server run in this
//! process, rendering blocks directly; the audio side runs under `assert_no_alloc` (this
//! binary's global allocator is `AllocDisabler`). One module per file (`cargo test --test
//! engine NAME::` runs one file's tests): one binary links in a fraction of the time of one
//! per file.

#[path = "../support/mod.rs"]
mod support;

// assert_no_alloc checks in debug builds only (its default `disable_release` feature).
#[cfg(debug_assertions)]
#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

mod architecture;
mod backend_audio_no_alloc;
mod buffer_plan_random;
mod buffer_size_independence;
mod channel_messages;
mod console_ws_no_alloc;
mod controller;
mod cycle_stamp_no_alloc;
mod engine_edge_cases;
mod external_params;
mod host_callback;
mod http_scrape_no_alloc;
mod instrument;
mod live_sweep;
mod midi_clock_out;
mod note_start_params;
mod osc_flood_no_alloc;
mod osc_server;
mod outbound;
mod output_limit;
mod overload_no_alloc;
mod patches;
mod pinned_backend;
mod prop_edits;
mod prop_roundtrip;
mod rare_paths_no_alloc;
mod readme;
mod return_desk_no_alloc;
mod router;
mod sample_accuracy;
mod sample_file;
mod sampler_files;
mod scheduled_across_commit;
mod seq_control;
mod seq_engine;
mod sequencer_lanes_commit;
mod soak_no_alloc;
mod swap;
mod timeline_start;
mod voices;
