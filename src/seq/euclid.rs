//! Euclidean rhythms: `k` hits spread as evenly as possible over `n` steps (Bjorklund /
//! Toussaint), rotated. Computed with the bresenham form, which gives the same necklaces
//! as Bjorklund's algorithm up to rotation; the rotation is normalised so that the
//! pattern starts on a hit, as the published tables do.

use crate::patch::MAX_STEPS;

/// Hits of E(k, n) rotated right by `rotation` steps: bit `i` set = step `i` plays.
/// `n` is clamped to 1..=64 and `k` to 0..=n.
pub fn euclid(k: u32, n: u32, rotation: u32) -> u64 {
    let n = n.clamp(1, MAX_STEPS as u32);
    let k = k.min(n);
    if k == 0 {
        return 0;
    }
    // Step i is a hit when floor(i·k/n) changes: k hits, gaps differing by at most one.
    let mut bits = 0u64;
    for i in 0..n {
        if (i * k) % n < k {
            bits |= 1 << i;
        }
    }
    rotate(bits, n, rotation % n)
}

/// Rotates the low `n` bits right by `r` (step i moves to step i + r).
fn rotate(bits: u64, n: u32, r: u32) -> u64 {
    let mask = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
    if r == 0 {
        return bits & mask;
    }
    ((bits << r) | (bits >> (n - r))) & mask
}

/// `x.` text of a pattern (tests and logs).
pub fn to_text(bits: u64, n: u32) -> String {
    (0..n)
        .map(|i| if bits >> i & 1 == 1 { 'x' } else { '.' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Toussaint, "The Euclidean algorithm generates traditional musical rhythms" (2005).
    #[test]
    fn known_tables() {
        let table = [
            (1, 2, "x."),
            (1, 3, "x.."),
            (1, 4, "x..."),
            (2, 3, "x.x"),
            (2, 5, "x.x.."),
            (3, 4, "x.xx"),
            (3, 5, "x.x.x"),
            (3, 7, "x.x.x.."),
            (3, 8, "x..x..x."),
            (4, 7, "x.x.x.x"),
            (4, 9, "x.x.x.x.."),
            (4, 11, "x..x..x..x."),
            (5, 6, "x.xxxx"),
            (5, 7, "x.xx.xx"),
            (5, 8, "x.xx.xx."),
            (5, 9, "x.x.x.x.x"),
            (5, 11, "x.x.x.x.x.."),
            (5, 12, "x..x.x..x.x."),
            (5, 16, "x..x..x..x..x..."),
            (7, 8, "x.xxxxxx"),
            (7, 12, "x.xx.x.xx.x."),
            (7, 16, "x..x.x.x..x.x.x."),
            (9, 16, "x.xx.x.x.xx.x.x."),
            (11, 24, "x..x.x.x.x.x..x.x.x.x.x."),
            (13, 24, "x.xx.x.x.x.x.xx.x.x.x.x."),
        ];
        for (k, n, want) in table {
            let bits = euclid(k, n, 0);
            assert_eq!(bits.count_ones(), k, "E({k},{n})");
            // Same necklace as the published pattern: some rotation matches exactly.
            let found = (0..n).any(|r| to_text(euclid(k, n, r), n) == want);
            assert!(
                found,
                "E({k},{n}) = {} is not a rotation of {want}",
                to_text(bits, n)
            );
        }
    }

    #[test]
    fn rotation_moves_hits_and_edges_hold() {
        assert_eq!(to_text(euclid(3, 8, 0), 8), "x..x..x.");
        assert_eq!(to_text(euclid(3, 8, 1), 8), ".x..x..x");
        assert_eq!(euclid(3, 8, 8), euclid(3, 8, 0));
        assert_eq!(euclid(0, 8, 3), 0);
        assert_eq!(euclid(9, 8, 0), 0xff, "k clamped to n");
        assert_eq!(euclid(64, 64, 5), u64::MAX);
        assert_eq!(euclid(1, 0, 0), 1, "n clamped to 1");
    }
}
