//! 300 mutated shipped patches (byte flips, token swaps, truncations, numeric extremes)
//! through `chronus check` and `/patch/load` of a running `chronus play --host null`:
//! `fuzz/mutate_patches.py` (which CI's proof runs with 10,000). No crash, every refusal
//! one line placed in its file, and the player commits exactly what `check` accepts.

use std::process::Command;

#[test]
fn mutated_patches_are_refused_in_one_line_each_and_never_crash() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("python3")
        .arg(format!("{root}/fuzz/mutate_patches.py"))
        .args(["--count", "300", "--seed", "300", "--chronus"])
        .arg(env!("CARGO_BIN_EXE_chronus"))
        .output()
        .expect("python3 runs fuzz/mutate_patches.py");
    let report = String::from_utf8_lossy(&out.stdout);
    eprintln!("{report}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{report}");
    assert!(report.contains("0 failures"), "{report}");
}
