//! [`no_alloc`]: the guard every real-time callback runs its body under (the audio
//! callback, the JACK MIDI input's process callback), so debug builds catch an allocation
//! there.

/// Runs `f` under `assert_no_alloc` in debug builds, plainly in release builds.
#[inline]
pub(crate) fn no_alloc<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(debug_assertions)]
    {
        assert_no_alloc::assert_no_alloc(f)
    }
    #[cfg(not(debug_assertions))]
    {
        f()
    }
}
