//! The vault key in one page of its own: mapped apart from the heap, locked against swap
//! (`mlock`) where the limit allows, left out of core dumps (`MADV_DONTDUMP`), and wiped
//! and unmapped when dropped (the agent locks by dropping it).

use std::io::Read;
use zeroize::Zeroize;

const PAGE: usize = 4096;

/// A 32-byte key in a page of its own.
pub struct LockedKey {
    page: *mut u8,
    memory_locked: bool,
}

// SAFETY: the page is owned by this value alone and only read through `&self`.
unsafe impl Send for LockedKey {}
unsafe impl Sync for LockedKey {}

impl LockedKey {
    /// Reads exactly 32 bytes from `source` straight into a fresh page (no copy elsewhere).
    pub fn read_from(source: &mut impl Read) -> std::io::Result<LockedKey> {
        let key = LockedKey::empty()?;
        // SAFETY: the page is PAGE bytes, mapped read-write, and owned by `key`.
        let bytes = unsafe { std::slice::from_raw_parts_mut(key.page, 32) };
        source.read_exact(bytes)?;
        Ok(key)
    }

    /// A copy of `key` in a locked page (for tests and in-process use).
    pub fn from_bytes(key: &[u8; 32]) -> std::io::Result<LockedKey> {
        LockedKey::read_from(&mut &key[..])
    }

    fn empty() -> std::io::Result<LockedKey> {
        use rustix::mm::{Advice, MapFlags, ProtFlags, madvise, mlock, mmap_anonymous};
        // SAFETY: a fresh private anonymous mapping, not aliased by anything.
        let page = unsafe {
            mmap_anonymous(
                std::ptr::null_mut(),
                PAGE,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::PRIVATE,
            )?
        };
        // SAFETY: the range is the mapping just made.
        let memory_locked = unsafe { mlock(page, PAGE) }.is_ok();
        // Best effort: core dumps are off for the whole process already.
        // SAFETY: as above.
        let _ = unsafe { madvise(page, PAGE, Advice::LinuxDontDump) };
        Ok(LockedKey {
            page: page.cast(),
            memory_locked,
        })
    }

    /// The key's bytes.
    pub fn expose(&self) -> &[u8; 32] {
        // SAFETY: the page holds at least 32 initialised bytes for as long as `self` lives.
        unsafe { &*(self.page as *const [u8; 32]) }
    }

    /// True when the page is locked against swap.
    pub fn memory_locked(&self) -> bool {
        self.memory_locked
    }
}

impl Drop for LockedKey {
    fn drop(&mut self) {
        // SAFETY: the page is mapped and owned by `self`; nothing borrows it any more.
        unsafe {
            std::slice::from_raw_parts_mut(self.page, PAGE).zeroize();
            let _ = rustix::mm::munlock(self.page.cast(), PAGE);
            let _ = rustix::mm::munmap(self.page.cast(), PAGE);
        }
    }
}

impl std::fmt::Debug for LockedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LockedKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_read_into_its_own_page_and_kept_exactly() {
        let key = [7u8; 32];
        let locked = LockedKey::from_bytes(&key).unwrap();
        assert_eq!(locked.expose(), &key);
        assert_eq!(locked.page as usize % PAGE, 0);
        assert_eq!(format!("{locked:?}"), "LockedKey(..)");
    }

    #[test]
    fn a_short_source_gives_no_key() {
        assert!(LockedKey::read_from(&mut &[1u8; 31][..]).is_err());
    }

    #[test]
    fn the_page_is_locked_when_the_limit_allows() {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Memlock);
        let locked = LockedKey::from_bytes(&[1; 32]).unwrap();
        if limit.current.is_none_or(|l| l >= 2 * PAGE as u64) {
            assert!(locked.memory_locked());
        }
    }
}
