//! Argon2id key derivation: parameters, the bounds a reader enforces, and calibration
//! (`calibrate`).

mod calibrate;

use crate::error::VaultError;
use crate::error::{Error, Result};
use crate::secret::Key32;
use argon2::{Algorithm, Argon2, Block, Params, Version};
pub use calibrate::{Calibration, MIN_PASSES, Machine, Measured, Memory, PROBES, ThisMachine};
use zeroize::{Zeroize, Zeroizing};

/// Largest memory a reader accepts: 4 GiB, in KiB.
pub const MAX_MEMORY_KIB: u32 = 4 * 1024 * 1024;
/// Most passes a reader accepts.
pub const MAX_TIME: u32 = 64;
/// Most lanes a reader accepts.
pub const MAX_PARALLELISM: u32 = 16;
/// Shortest salt a reader accepts, in bytes.
pub const MIN_SALT_LEN: usize = 16;
/// Longest salt a reader accepts, in bytes.
pub const MAX_SALT_LEN: usize = 64;
/// Salt length keycellar writes.
pub const SALT_LEN: usize = 32;

/// Default memory for `init`: 256 MiB.
pub const DEFAULT_MEMORY_MIB: u32 = 256;
/// Calibration never goes below this memory, even where the default cannot be allocated:
/// 64 MiB (also the recommended floor).
pub const RECOMMENDED_MIN_MEMORY_MIB: u32 = 64;
/// Default lanes.
pub const DEFAULT_PARALLELISM: u32 = 4;
/// Default calibration target.
pub const DEFAULT_TARGET_MS: u64 = 1000;

/// Argon2id cost parameters, exactly as stored in a passphrase keyslot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Number of passes (t).
    pub time: u32,
    /// Number of lanes (p).
    pub parallelism: u32,
}

/// Which parameter is out of range, its value, and the allowed range; no allocation yet.
#[derive(Debug)]
pub struct OutOfBounds {
    pub param: &'static str,
    pub value: u64,
    pub allowed: String,
}

/// The most Argon2id work all the keyslots of one header may ask for together, in KiB
/// times passes: as much as one slot at the largest memory and passes. A header of many
/// slots cannot make a reader try the costliest slot again and again.
pub const MAX_TOTAL_COST: u64 = MAX_MEMORY_KIB as u64 * MAX_TIME as u64;

/// Checks the work all the passphrase slots of one header ask for together.
pub fn check_total_cost<'a>(
    all: impl IntoIterator<Item = &'a KdfParams>,
) -> Result<(), OutOfBounds> {
    let total: u64 = all
        .into_iter()
        .map(|p| u64::from(p.memory_kib) * u64::from(p.time))
        .sum();
    if total > MAX_TOTAL_COST {
        return Err(OutOfBounds {
            param: "memory x passes over all keyslots (KiB)",
            value: total,
            allowed: format!("0..={MAX_TOTAL_COST}"),
        });
    }
    Ok(())
}

impl KdfParams {
    /// Checks the reader's bounds before anything is allocated.
    pub fn check_bounds(&self, salt_len: usize) -> Result<(), OutOfBounds> {
        // Lanes first: the memory floor depends on them. u64, so a huge p cannot overflow
        // (found by fuzzing; fuzz/regressions/open/).
        let min_memory = 8 * u64::from(self.parallelism.max(1));
        let checks: [(&'static str, u64, u64, u64); 4] = [
            ("lanes", self.parallelism.into(), 1, MAX_PARALLELISM.into()),
            ("passes", self.time.into(), 1, MAX_TIME.into()),
            (
                "memory (KiB)",
                self.memory_kib.into(),
                min_memory,
                MAX_MEMORY_KIB.into(),
            ),
            (
                "salt length (bytes)",
                salt_len as u64,
                MIN_SALT_LEN as u64,
                MAX_SALT_LEN as u64,
            ),
        ];
        for (param, value, min, max) in checks {
            if value < min || value > max {
                return Err(OutOfBounds {
                    param,
                    value,
                    allowed: format!("{min}..={max}"),
                });
            }
        }
        Ok(())
    }

    /// True when these parameters are weaker than keycellar recommends (for warnings, audit).
    pub fn below_recommended(&self) -> bool {
        self.memory_kib < RECOMMENDED_MIN_MEMORY_MIB * 1024
    }

    /// Human-readable summary, e.g. `Argon2id m=256 MiB t=6 p=4`.
    pub fn describe(&self) -> String {
        let memory = if self.memory_kib.is_multiple_of(1024) {
            format!("{} MiB", self.memory_kib / 1024)
        } else {
            format!("{} KiB", self.memory_kib)
        };
        format!("Argon2id m={memory} t={} p={}", self.time, self.parallelism)
    }

    fn argon2(&self) -> Result<Argon2<'static>> {
        let params = Params::new(self.memory_kib, self.time, self.parallelism, Some(32))
            .map_err(|e| Error::Vault(VaultError::KdfSetting(e.to_string())))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Derives a 256-bit key from `passphrase` and `salt` (Argon2id v0x13). Argon2's
    /// working memory determines the key, so keycellar provides it and wipes it after use
    /// (the crate would free it as it is).
    pub fn derive(&self, passphrase: &[u8], salt: &[u8]) -> Result<Key32> {
        let argon2 = self.argon2()?;
        let out_of_memory = || {
            Error::Vault(VaultError::KdfOutOfMemory {
                memory_mib: self.memory_kib / 1024,
            })
        };
        let count = argon2.params().block_count();
        let mut blocks: Vec<Block> = Vec::new();
        blocks
            .try_reserve_exact(count)
            .map_err(|_| out_of_memory())?;
        blocks.resize(count, Block::default());
        let mut key = Zeroizing::new([0u8; 32]);
        let derived =
            argon2.hash_password_into_with_memory(passphrase, salt, &mut *key, &mut blocks);
        blocks.zeroize();
        derived.map_err(|e| match e {
            argon2::Error::OutOfMemory => out_of_memory(),
            other => Error::Vault(VaultError::KdfSetting(other.to_string())),
        })?;
        Ok(key)
    }
}

/// What `init` was asked for: explicit settings override calibration.
#[derive(Clone, Copy, Debug, Default)]
pub struct KdfRequest {
    /// Memory in MiB; `None` means the default (256 MiB).
    pub memory_mib: Option<u32>,
    /// Passes; `None` means "calibrate to the target time".
    pub time: Option<u32>,
    /// Lanes; `None` means 4.
    pub parallelism: Option<u32>,
    /// Target time for one derivation, in milliseconds; `None` means 1000.
    pub target_ms: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_argon2_cli() {
        // `echo -n pass | argon2 somesalt -id -k 64 -t 1 -p 1 -r`
        // (printed by Debian's argon2 0~20171227; vector also in docs/FORMAT.md)
        let params = KdfParams {
            memory_kib: 64,
            time: 1,
            parallelism: 1,
        };
        let key = params.derive(b"pass", b"somesaltsomesalt").unwrap();
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, REFERENCE_HEX);
    }
    const REFERENCE_HEX: &str = "d027b85c25ed8e881606772451b0ca714478c42599e03c55d59ffcab2177d41c";

    #[test]
    fn bounds_reject_each_excess_and_name_it() {
        let ok = KdfParams {
            memory_kib: 1024,
            time: 1,
            parallelism: 1,
        };
        assert!(ok.check_bounds(16).is_ok());
        let too_much = KdfParams {
            memory_kib: MAX_MEMORY_KIB + 1,
            ..ok
        };
        assert_eq!(
            too_much.check_bounds(16).err().unwrap().param,
            "memory (KiB)"
        );
        let passes = KdfParams { time: 65, ..ok };
        assert_eq!(passes.check_bounds(16).err().unwrap().param, "passes");
        let lanes = KdfParams {
            parallelism: 17,
            ..ok
        };
        assert_eq!(lanes.check_bounds(16).err().unwrap().param, "lanes");
        let salt = ok.check_bounds(15).err().unwrap();
        assert_eq!((salt.param, salt.value), ("salt length (bytes)", 15));
    }
}
