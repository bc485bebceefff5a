//! Every kind's `Module::state_bytes` says what its `prepare` really allocates: the host
//! bounds a graph's memory with it before building the graph (`graph::budget` in the
//! host), so a kind that allocated more than it says would slip past the bound.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use chronus_modules::{Registry, MAX_BLOCK};

/// Counts the bytes this thread allocates (thread-local: tests run side by side).
struct Counting;

thread_local! {
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is passed on to `System` unchanged; the counting only touches a
// const-initialised thread-local `Cell` (no allocation, no unwinding).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        BYTES.with(|b| b.set(b.get() + layout.size()));
        // SAFETY: the caller's `layout`, unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        BYTES.with(|b| b.set(b.get() + layout.size()));
        // SAFETY: the caller's `layout`, unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with this `layout` (we allocate nothing else).
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn state_bytes_is_what_prepare_allocates() {
    let registry = Registry::builtin();
    for kind in registry.kinds() {
        let entry = registry.get(kind).unwrap();
        for sample_rate in [8_000.0, 44_100.0, 48_000.0, 96_000.0] {
            let mut module = (entry.create)();
            let said = module.state_bytes(sample_rate);
            let before = BYTES.with(Cell::get);
            module.prepare(sample_rate, MAX_BLOCK);
            let allocated = BYTES.with(Cell::get) - before;
            // A few bytes of bookkeeping may come on top; the state itself must be said.
            assert!(
                said <= allocated && allocated <= said + 1_024,
                "{kind} at {sample_rate} Hz: state_bytes says {said}, prepare allocated \
                 {allocated}"
            );
        }
    }
}
