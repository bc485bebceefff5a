//! [`CountingAlloc`]: a global allocator that counts the allocations and deallocations
//! made on one thread while [`count_allocations`] runs, and hands every request on to the
//! allocator it wraps.
//!
//! A program has one `#[global_allocator]`. The `chronus` binary installs
//! `CountingAlloc::checked()`, which wraps assert_no_alloc's `AllocDisabler` in builds
//! with debug assertions (so the audio callback's no-allocation check keeps working) and
//! the system allocator otherwise (assert_no_alloc's default `disable_release` feature
//! removes `AllocDisabler` from release builds). Test binaries can install it the same way:
//!
//! ```no_run
//! #[global_allocator]
//! static ALLOCATOR: chronus::bench::CountingAlloc<chronus::bench::Checked> =
//!     chronus::bench::CountingAlloc::checked();
//! # fn main() {}
//! ```
//!
//! Counting costs one thread-local read per allocation while it is off, so it can stay
//! installed in every build.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;

thread_local! {
    /// Whether this thread's allocations are being counted now.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    /// Allocations counted on this thread so far.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    /// Deallocations counted on this thread so far.
    static DEALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// The allocator [`CountingAlloc::checked`] wraps in this build: assert_no_alloc's
/// `AllocDisabler` when debug assertions are on.
#[cfg(debug_assertions)]
pub type Checked = assert_no_alloc::AllocDisabler;

/// The allocator [`CountingAlloc::checked`] wraps in this build: the system allocator
/// (assert_no_alloc has no `AllocDisabler` without debug assertions).
#[cfg(not(debug_assertions))]
pub type Checked = std::alloc::System;

/// A global allocator that counts, per thread and only inside [`count_allocations`], the
/// calls made to it, and delegates every call to `A`.
///
/// A `realloc` counts as one allocation and one deallocation; `alloc_zeroed` as one
/// allocation.
#[derive(Debug, Default)]
pub struct CountingAlloc<A> {
    inner: A,
}

impl<A> CountingAlloc<A> {
    /// Counting around `inner`.
    pub const fn new(inner: A) -> Self {
        CountingAlloc { inner }
    }
}

impl CountingAlloc<Checked> {
    /// Counting around this build's [`Checked`] allocator.
    pub const fn checked() -> Self {
        #[cfg(debug_assertions)]
        let inner = assert_no_alloc::AllocDisabler;
        #[cfg(not(debug_assertions))]
        let inner = std::alloc::System;
        CountingAlloc { inner }
    }
}

/// Adds one to `counter` if this thread is counting. Never allocates or panics (a thread
/// being torn down simply is not counted).
#[inline]
fn bump(counter: &'static std::thread::LocalKey<Cell<u64>>) {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = counter.try_with(|c| c.set(c.get() + 1));
    }
}

// SAFETY: every method forwards the caller's arguments unchanged to `inner`, which is a
// `GlobalAlloc` and so upholds the trait's contract for them; the counting around it only
// touches const-initialised thread-locals of `Cell`s (no allocation, no unwinding), so it
// neither reenters the allocator nor changes what is returned.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAlloc<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCATIONS);
        // SAFETY: the caller guarantees `layout` has a non-zero size, as `inner.alloc`
        // requires; we pass it on unchanged.
        unsafe { self.inner.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCATIONS);
        // SAFETY: as for `alloc`: the caller's non-zero-size `layout`, unchanged.
        unsafe { self.inner.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        bump(&DEALLOCATIONS);
        // SAFETY: the caller guarantees `ptr` was allocated by this allocator with
        // `layout`; every block of ours came from `inner` with that same layout.
        unsafe { self.inner.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump(&ALLOCATIONS);
        bump(&DEALLOCATIONS);
        // SAFETY: the caller guarantees `ptr` is a block of this allocator (so of `inner`)
        // allocated with `layout`, and that `new_size` is valid for `layout`'s alignment;
        // all passed on unchanged.
        unsafe { self.inner.realloc(ptr, layout, new_size) }
    }
}

/// Allocations and deallocations counted by [`count_allocations`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocCounts {
    /// Allocations (including reallocations).
    pub allocations: u64,
    /// Deallocations (including reallocations).
    pub deallocations: u64,
}

impl AllocCounts {
    /// No allocation and no deallocation.
    pub fn is_zero(&self) -> bool {
        self.allocations == 0 && self.deallocations == 0
    }
}

impl std::ops::AddAssign for AllocCounts {
    fn add_assign(&mut self, other: AllocCounts) {
        self.allocations += other.allocations;
        self.deallocations += other.deallocations;
    }
}

/// Runs `f` with counting on for this thread and returns its result with the allocations
/// and deallocations it made on this thread. Counts are 0 unless a [`CountingAlloc`] is
/// the global allocator: see [`counting_installed`]. Nests (an inner call's allocations
/// count in the outer one too).
pub fn count_allocations<R>(f: impl FnOnce() -> R) -> (R, AllocCounts) {
    /// Restores the previous flag even if `f` unwinds.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            COUNTING.with(|c| c.set(self.0));
        }
    }
    let before = current();
    let _restore = Restore(COUNTING.with(|c| c.replace(true)));
    let result = f();
    let after = current();
    (
        result,
        AllocCounts {
            allocations: after.allocations - before.allocations,
            deallocations: after.deallocations - before.deallocations,
        },
    )
}

/// This thread's totals so far.
fn current() -> AllocCounts {
    AllocCounts {
        allocations: ALLOCATIONS.with(Cell::get),
        deallocations: DEALLOCATIONS.with(Cell::get),
    }
}

/// Whether a [`CountingAlloc`] is the global allocator, so that a count of 0 means no
/// allocation happened (checked by counting one deliberate allocation).
pub fn counting_installed() -> bool {
    let ((), counts) = count_allocations(|| {
        drop(std::hint::black_box(Box::new(std::hint::black_box(1u64))));
    });
    counts.allocations > 0 && counts.deallocations > 0
}
