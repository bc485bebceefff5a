#!/usr/bin/env bash
# CI's fuzz step: builds the cargo-fuzz targets, then for each target replays its corpus
# (fuzz/corpus/<target>: every seed and every past finding) and fuzzes it for a short,
# bounded time. Fails when a target crashes, hangs or cannot build, so the harness cannot
# rot. Needs the nightly toolchain (not cargo-fuzz: see build() below).
#
#   fuzz/ci.sh                 # 20 s of fuzzing per target
#   FUZZ_SECONDS=60 fuzz/ci.sh # longer
#   fuzz/ci.sh build           # only the build (.ci/run starts it in the background)
#   fuzz/ci.sh run             # only replay and fuzz, the build already done
#
# What it finds is in fuzz/artifacts/<target>/ (crash-*, timeout-*): see fuzz/README.md,
# "Findings become regression tests".
set -euo pipefail

cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${FUZZ_SECONDS:-20}"
TARGETS=(osc_packet patch_load config_load midi_stream notes_spec http_body scsyndef scsynth_reply)
TRIPLE="$(rustc +nightly -vV | sed -n 's/^host: //p')"
BIN="fuzz/target/$TRIPLE/release"

phase=all
case "${1:-}" in build | run) phase=$1 ;; esac

# What `cargo +nightly fuzz build -s none -a` runs (cargo-fuzz 0.13, src/project.rs), spelled
# out so CI needs no cargo-fuzz: it cannot be downloaded prebuilt here, and building it
# from source costs about 3 of CI's 30 minutes on a fresh machine. The harness is the same
# libfuzzer-sys either way; `cargo fuzz run TARGET` stays the tool for fuzzing by hand
# (README.md). -s none: no AddressSanitizer (the code under test is safe Rust; ASan costs
# a second build of every dependency and half the speed). -a: debug assertions and
# overflow checks on, so assert_no_alloc is armed and integer overflows are findings.
build() {
    local flags=(
        -Cpasses=sancov-module
        -Cllvm-args=-sanitizer-coverage-level=4
        -Cllvm-args=-sanitizer-coverage-inline-8bit-counters
        -Cllvm-args=-sanitizer-coverage-pc-table
        -Cllvm-args=-sanitizer-coverage-trace-compares
        --cfg fuzzing
        -Cllvm-args=-simplifycfg-branch-fold-threshold=0
        -Cllvm-args=-sanitizer-coverage-stack-depth
        -Cdebug-assertions
        -Ccodegen-units=1
    )
    RUSTFLAGS="${flags[*]}" cargo +nightly build --manifest-path fuzz/Cargo.toml \
        --target "$TRIPLE" --release --config 'profile.release.debug="line-tables-only"' \
        --bins
}

start=$(date +%s)
if [ "$phase" != run ]; then
    build
    echo "fuzz: built in $(($(date +%s) - start)) s"
    if [ "$phase" = build ]; then exit 0; fi
fi

failed=()
for t in "${TARGETS[@]}"; do
    work="$(mktemp -d)"
    mkdir -p "fuzz/artifacts/$t"
    t0=$(date +%s)
    # The fresh work folder comes first: libFuzzer adds what it finds there, leaving the
    # committed corpus as it is. The committed corpus is replayed in full before fuzzing.
    if "$BIN/$t" "$work" "fuzz/corpus/$t" \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=2048 \
        -artifact_prefix="fuzz/artifacts/$t/" -print_final_stats=1 \
        >"$work.log" 2>&1; then
        stats="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work.log" | tail -1 || true)"
        echo "fuzz: $t ok in $(($(date +%s) - t0)) s: $stats"
    else
        echo "fuzz: $t FAILED (see fuzz/artifacts/$t/):"
        grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$work.log" | head -20 || true
        failed+=("$t")
    fi
    rm -rf "$work" "$work.log"
done

echo "fuzz: total $(($(date +%s) - start)) s"
if ((${#failed[@]})); then
    echo "fuzz: crashed: ${failed[*]}"
    exit 1
fi
