//! Adding one voice's stereo output into its instrument's mix, and measuring how loud it
//! was (the peak that frees silent voices and picks the quietest to steal).
//!
//! The loops are written so the compiler vectorizes them: the peak is kept in
//! [`LANES`] independent running maxima (one per lane) instead of one serial `f32::max`
//! chain, which had been the single most expensive loop of the voice path. The result is
//! the same value: `max` is exact, and `if x > m { x } else { m }` ignores a NaN sample
//! just as `f32::max` does.

/// Independent running maxima in the peak loops (two SSE or NEON registers, one AVX).
const LANES: usize = 8;

/// Adds `l[i]·gain[i]` into `left[i]` and `r[i]·gain[i]` into `right[i]` for every frame
/// and returns the largest magnitude added (NaNs ignored; 0 for an empty block). All
/// slices are one block long. **Real-time safe.**
pub fn mix_scaled(left: &mut [f32], right: &mut [f32], l: &[f32], r: &[f32], gain: &[f32]) -> f32 {
    let gain = &gain[..left.len()];
    if std::ptr::eq(l, r) {
        mix_with::<true, true>(left, right, l, r, |i| gain[i])
    } else {
        mix_with::<false, true>(left, right, l, r, |i| gain[i])
    }
}

/// [`mix_scaled`] with one gain for the whole block.
pub fn mix_constant(left: &mut [f32], right: &mut [f32], l: &[f32], r: &[f32], gain: f32) -> f32 {
    if std::ptr::eq(l, r) {
        mix_with::<true, true>(left, right, l, r, |_| gain)
    } else {
        mix_with::<false, true>(left, right, l, r, |_| gain)
    }
}

/// [`mix_constant`] without measuring the peak, for a voice whose level nothing reads
/// this block (held, in an instrument that does not steal the quietest).
pub fn add_constant(left: &mut [f32], right: &mut [f32], l: &[f32], r: &[f32], gain: f32) {
    if std::ptr::eq(l, r) {
        mix_with::<true, false>(left, right, l, r, |_| gain);
    } else {
        mix_with::<false, false>(left, right, l, r, |_| gain);
    }
}

/// The loop behind both: whole groups of [`LANES`] frames, each frame's peak kept in its
/// own lane, then the remaining frames. `SAME`: `l` and `r` are one slice (a mono voice
/// sent to both channels), so each frame's product and magnitude is computed once; the
/// sums and the peak are the same values (`larger(larger(p, |a|), |a|)` is
/// `larger(p, |a|)`).
#[inline(always)]
fn mix_with<const SAME: bool, const PEAK: bool>(
    left: &mut [f32],
    right: &mut [f32],
    l: &[f32],
    r: &[f32],
    gain: impl Fn(usize) -> f32,
) -> f32 {
    let n = left.len();
    let (right, l, r) = (&mut right[..n], &l[..n], &r[..n]);
    let mut peaks = [0.0f32; LANES];
    let whole = n - n % LANES;
    for start in (0..whole).step_by(LANES) {
        let end = start + LANES;
        let (dl, dr) = (&mut left[start..end], &mut right[start..end]);
        let (xl, xr) = (&l[start..end], &r[start..end]);
        for k in 0..LANES {
            let g = gain(start + k);
            let a = xl[k] * g;
            let b = if SAME { a } else { xr[k] * g };
            dl[k] += a;
            dr[k] += b;
            if PEAK {
                peaks[k] = peak_of::<SAME>(peaks[k], a, b);
            }
        }
    }
    for i in whole..n {
        let g = gain(i);
        let a = l[i] * g;
        let b = if SAME { a } else { r[i] * g };
        left[i] += a;
        right[i] += b;
        if PEAK {
            peaks[0] = peak_of::<SAME>(peaks[0], a, b);
        }
    }
    // The lanes are never NaN (they start at 0 and only take larger values).
    peaks.into_iter().fold(0.0, larger)
}

/// The running peak `m` after a frame's two samples `a` and `b` (`b` is `a` when `SAME`).
#[inline(always)]
fn peak_of<const SAME: bool>(m: f32, a: f32, b: f32) -> f32 {
    if SAME {
        larger(m, a.abs())
    } else {
        larger(larger(m, a.abs()), b.abs())
    }
}

/// `x` when it is larger than `m`, else `m`: a NaN `x` leaves `m` (as `f32::max` would)
/// and the compiler turns it into one vector max instruction.
#[inline(always)]
fn larger(m: f32, x: f32) -> f32 {
    if x > m {
        x
    } else {
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loop this replaces: one serial `f32::max` chain.
    fn reference(left: &mut [f32], right: &mut [f32], l: &[f32], r: &[f32], g: &[f32]) -> f32 {
        let mut peak = 0.0f32;
        for i in 0..left.len() {
            let (a, b) = (l[i] * g[i], r[i] * g[i]);
            left[i] += a;
            right[i] += b;
            peak = peak.max(a.abs()).max(b.abs());
        }
        peak
    }

    fn signal(n: usize, seed: u32) -> Vec<f32> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (x >> 8) as f32 / 8_388_608.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn same_sums_and_peak_as_the_serial_loop_for_every_block_length() {
        for n in [0, 1, 7, 8, 9, 63, 64] {
            let (l, r) = (signal(n, 1), signal(n, 2));
            let gain: Vec<f32> = signal(n, 3).iter().map(|g| g.abs()).collect();
            let (mut left, mut right) = (signal(n, 4), signal(n, 5));
            let (mut ref_left, mut ref_right) = (left.clone(), right.clone());
            let peak = mix_scaled(&mut left, &mut right, &l, &r, &gain);
            let expected = reference(&mut ref_left, &mut ref_right, &l, &r, &gain);
            assert_eq!(peak.to_bits(), expected.to_bits(), "block of {n}");
            assert_eq!((left, right), (ref_left, ref_right), "block of {n}");
        }
    }

    #[test]
    fn one_signal_in_both_channels_gives_the_serial_loops_sums_and_peak() {
        for n in [0, 1, 7, 8, 9, 63, 64] {
            let mut x = signal(n, 1);
            if n > 3 {
                x[3] = f32::NAN;
            }
            let gain: Vec<f32> = signal(n, 3).iter().map(|g| g.abs()).collect();
            let (mut left, mut right) = (signal(n, 4), signal(n, 5));
            let (mut ref_left, mut ref_right) = (left.clone(), right.clone());
            let peak = mix_scaled(&mut left, &mut right, &x, &x, &gain);
            let expected = reference(&mut ref_left, &mut ref_right, &x, &x, &gain);
            assert_eq!(peak.to_bits(), expected.to_bits(), "block of {n}");
            let bits = |v: &[f32]| v.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&left), bits(&ref_left), "block of {n}");
            assert_eq!(bits(&right), bits(&ref_right), "block of {n}");
            let (mut left, mut right) = (signal(n, 4), signal(n, 5));
            let (mut ref_left, mut ref_right) = (left.clone(), right.clone());
            let peak = mix_constant(&mut left, &mut right, &x, &x, 0.7);
            let expected = reference(&mut ref_left, &mut ref_right, &x, &x, &vec![0.7; n]);
            assert_eq!(peak.to_bits(), expected.to_bits(), "constant, block of {n}");
            assert_eq!(bits(&left), bits(&ref_left), "constant, block of {n}");
        }
    }

    #[test]
    fn adding_without_the_peak_gives_the_same_sums() {
        for n in [0, 1, 7, 8, 9, 63, 64] {
            let (l, r) = (signal(n, 1), signal(n, 2));
            for (a, b) in [(&l, &r), (&l, &l)] {
                let (mut left, mut right) = (signal(n, 4), signal(n, 5));
                let (mut ref_left, mut ref_right) = (left.clone(), right.clone());
                add_constant(&mut left, &mut right, a, b, 0.3);
                mix_constant(&mut ref_left, &mut ref_right, a, b, 0.3);
                assert_eq!((left, right), (ref_left, ref_right), "block of {n}");
            }
        }
    }

    #[test]
    fn the_peak_is_found_in_any_lane_and_nan_is_ignored() {
        for at in 0..64 {
            let mut l = vec![0.25f32; 64];
            l[at] = -3.0;
            l[(at + 5) % 64] = f32::NAN;
            let r = vec![0.5f32; 64];
            let (mut left, mut right) = (vec![0.0; 64], vec![0.0; 64]);
            let peak = mix_constant(&mut left, &mut right, &l, &r, 2.0);
            assert_eq!(peak, 6.0, "peak at frame {at}");
            assert_eq!(left[at], -6.0);
            assert_eq!(right[at], 1.0);
        }
    }
}
