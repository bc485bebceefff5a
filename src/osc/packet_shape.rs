//! [`check_shape`]: limits on a packet's bundle structure, checked on its bytes *before*
//! decoding (docs/CONTRACTS.md §2, "Limits").
//!
//! The decoder (rosc) recurses once per nested bundle with no limit of its own: a datagram
//! of 64 KiB holds about 3 000 levels, enough to overflow the thread's stack, which aborts
//! the process (no panic to catch). So the nesting depth and the number of elements are
//! counted here, walking only the bundle headers and element sizes. Element sizes that
//! lie (past the end of the packet) stop the walk: the decoder refuses those itself.
//! Strings and blobs need no limit of their own: a datagram holds at most 64 KiB.

/// Most levels of bundles in one packet (a bundle in a bundle is level 2).
pub const MAX_BUNDLE_DEPTH: usize = 8;

/// Most elements (messages and bundles) in all the bundles of one packet.
pub const MAX_PACKET_ELEMENTS: usize = 1_024;

/// A packet whose structure is over the limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// More than [`MAX_BUNDLE_DEPTH`] levels of bundles.
    #[error("bundles nested deeper than {MAX_BUNDLE_DEPTH} levels; the packet was ignored")]
    TooDeep,
    /// More than [`MAX_PACKET_ELEMENTS`] elements.
    #[error("more than {MAX_PACKET_ELEMENTS} elements in one packet; the packet was ignored")]
    TooManyElements,
}

const BUNDLE_TAG: &[u8] = b"#bundle\0";
/// The tag and the 8-byte time tag.
const BUNDLE_HEADER: usize = 16;

/// Checks `bytes` (one datagram) against [`MAX_BUNDLE_DEPTH`] and [`MAX_PACKET_ELEMENTS`].
/// A message, or bytes that are no packet at all, pass: the decoder judges those.
pub fn check_shape(bytes: &[u8]) -> Result<(), ShapeError> {
    let mut elements = 0;
    walk(bytes, 1, &mut elements)
}

/// Walks the bundle in `bytes` (if it is one) at nesting level `depth`.
fn walk(bytes: &[u8], depth: usize, elements: &mut usize) -> Result<(), ShapeError> {
    if !bytes.starts_with(BUNDLE_TAG) {
        return Ok(());
    }
    if depth > MAX_BUNDLE_DEPTH {
        return Err(ShapeError::TooDeep);
    }
    let mut rest = bytes.get(BUNDLE_HEADER..).unwrap_or_default();
    while let Some((size, after)) = rest.split_first_chunk::<4>() {
        let size = u32::from_be_bytes(*size) as usize;
        let Some(element) = after.get(..size) else {
            break;
        };
        *elements += 1;
        if *elements > MAX_PACKET_ELEMENTS {
            return Err(ShapeError::TooManyElements);
        }
        walk(element, depth + 1, elements)?;
        rest = &after[size..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(elements: &[Vec<u8>]) -> Vec<u8> {
        let mut b = BUNDLE_TAG.to_vec();
        b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
        for e in elements {
            b.extend_from_slice(&(e.len() as u32).to_be_bytes());
            b.extend_from_slice(e);
        }
        b
    }

    const MESSAGE: &[u8] = b"/a\0\0,\0\0\0";

    #[test]
    fn depth_is_counted_in_levels_of_bundles() {
        let mut p = MESSAGE.to_vec();
        for _ in 0..MAX_BUNDLE_DEPTH {
            p = bundle(&[p]);
        }
        assert_eq!(check_shape(&p), Ok(()));
        assert_eq!(check_shape(&bundle(&[p])), Err(ShapeError::TooDeep));
    }

    #[test]
    fn elements_are_counted_across_levels() {
        let inner = bundle(&vec![MESSAGE.to_vec(); MAX_PACKET_ELEMENTS - 1]);
        assert_eq!(check_shape(&bundle(std::slice::from_ref(&inner))), Ok(()));
        assert_eq!(
            check_shape(&bundle(&[inner, MESSAGE.to_vec()])),
            Err(ShapeError::TooManyElements)
        );
    }

    #[test]
    fn lying_sizes_and_junk_pass_to_the_decoder() {
        let mut p = bundle(&[MESSAGE.to_vec()]);
        p[16..20].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(check_shape(&p), Ok(()));
        assert_eq!(check_shape(b"#bundle\0"), Ok(()));
        assert_eq!(check_shape(b"#bund"), Ok(()));
        assert_eq!(check_shape(&[]), Ok(()));
    }
}
