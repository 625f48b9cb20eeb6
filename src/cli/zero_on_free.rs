//! The binary's allocator: mimalloc, and once [`enable`] is called, every freed block is
//! wiped first. The agent turns it on before it receives the vault key, so that what a
//! request decrypted (the payload, an answer holding a secret) does not outlive the request
//! in freed memory. Off, the switch costs one relaxed load per free (docs/PERFORMANCE.md).

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, Ordering};

static ZERO_ON_FREE: AtomicBool = AtomicBool::new(false);

/// mimalloc with a switch that wipes every block before it is freed.
pub struct ZeroOnFree(pub mimalloc::MiMalloc);

/// From now on every freed block of this process is wiped first.
pub fn enable() {
    ZERO_ON_FREE.store(true, Ordering::SeqCst);
}

/// Wipes `len` bytes at `ptr` in a way the optimiser keeps.
unsafe fn wipe(ptr: *mut u8, len: usize) {
    // SAFETY: the caller owns `len` bytes at `ptr`.
    unsafe { std::ptr::write_bytes(ptr, 0, len) };
    std::sync::atomic::compiler_fence(Ordering::SeqCst);
}

// SAFETY: every call goes to mimalloc with the same arguments; wiping touches only the block
// being freed, which the caller still owns.
unsafe impl GlobalAlloc for ZeroOnFree {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { self.0.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ZERO_ON_FREE.load(Ordering::Relaxed) {
            unsafe { wipe(ptr, layout.size()) };
        }
        unsafe { self.0.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !ZERO_ON_FREE.load(Ordering::Relaxed) {
            return unsafe { self.0.realloc(ptr, layout, new_size) };
        }
        // A move in place could leave the old bytes behind: copy, then wipe and free.
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return std::ptr::null_mut();
        };
        let new = unsafe { self.0.alloc(new_layout) };
        if !new.is_null() {
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}
