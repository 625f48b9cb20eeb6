//! What a guess costs an attacker: the measured GPU speeds, how they scale to other KDF
//! settings, the price of GPU time, and the floor below which a passphrase is refused.
//!
//! This is the one place the model lives (SECURITY.md, "What a guess costs", explains it).
//!
//! - **Measured** (2026-11-24): hashcat 7.0.0, CUDA, one NVIDIA H100 80GB, `-w 4`, mask
//!   attack `?l?l?l?l?l?l?l?l`, speed at steady state; hashes made with Debian's `argon2`
//!   CLI (`echo -n PASS | argon2 SALT -id -m 18 -t 3 -p 4 -e`) and Python's
//!   `hashlib.scrypt`; command: `hashcat -m 34000 -a 3 -w 4 hash.txt '?l?l?l?l?l?l?l?l'`
//!   (mode 8900 with `--self-test-disable` for scrypt). See [`MEASURED`].
//! - **Scaling.** Each pass costs the same, so the speed falls as 1/t. Memory costs more
//!   than linearly on a GPU (fewer guesses fit in its 80 GB at once): between the 256 MiB
//!   and the 1 GiB measurements speed falls as m^-α with α = log(985·3 / (135·2)) / log 4
//!   ≈ 1.73; the same law is used outside that range, which overstates the attacker below
//!   256 MiB (where a GPU is closer to 1/m) and so errs on the user's side. Lanes (p) are
//!   ignored: a GPU runs guesses, not lanes, in parallel. age's scrypt (r=8, p=1) is scaled
//!   from its one measurement by the same law in its memory, 128·r·N bytes.
//! - **Price.** [`DOLLARS_PER_GPU_HOUR`]: cloud H100s rented for a few dollars an hour in
//!   November 2026; the low end is taken, so the estimate errs on the cautious side.
//! - **Guesses.** For a typed passphrase, the number zxcvbn expects an attacker to need;
//!   for a generated one, half its space (the average over all it could have been).

use crate::kdf::KdfParams;
use std::fmt;

/// A key derivation as an attacker meets it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kdf {
    /// Argon2id with `memory_kib` KiB and `time` passes (the vault's keyslots).
    Argon2id { memory_kib: u32, time: u32 },
    /// age's scrypt stanza with N = 2^`log_n`, r = 8, p = 1 (exports and paper sheets).
    Scrypt { log_n: u8 },
}

impl From<&KdfParams> for Kdf {
    fn from(params: &KdfParams) -> Self {
        Kdf::Argon2id {
            memory_kib: params.memory_kib,
            time: params.time,
        }
    }
}

impl fmt::Display for Kdf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kdf::Argon2id { memory_kib, time } => write!(
                f,
                "Argon2id, {} MiB, {}",
                memory_kib / 1024,
                crate::wording::count(*time as usize, "pass", "passes")
            ),
            Kdf::Scrypt { log_n } => write!(f, "scrypt, N=2^{log_n}, r=8"),
        }
    }
}

/// One measured speed: a KDF setting and the guesses per second one H100 made against it.
#[derive(Clone, Copy, Debug)]
pub struct Measurement {
    pub kdf: Kdf,
    /// Lanes of the hash that was attacked (recorded; the model ignores them).
    pub parallelism: u32,
    pub guesses_per_second: f64,
}

/// hashcat 7.0.0 on one NVIDIA H100 80GB, 2026-11-24 (see the module documentation).
pub const MEASURED: [Measurement; 4] = [
    Measurement {
        kdf: Kdf::Argon2id {
            memory_kib: 256 * 1024,
            time: 3,
        },
        parallelism: 4,
        guesses_per_second: 985.0,
    },
    Measurement {
        kdf: Kdf::Argon2id {
            memory_kib: 256 * 1024,
            time: 6,
        },
        parallelism: 4,
        guesses_per_second: 471.0,
    },
    Measurement {
        kdf: Kdf::Argon2id {
            memory_kib: 1024 * 1024,
            time: 2,
        },
        parallelism: 4,
        guesses_per_second: 135.0,
    },
    Measurement {
        kdf: Kdf::Scrypt { log_n: 18 },
        parallelism: 1,
        guesses_per_second: 105.0,
    },
];

/// The date of the measurements and of the price.
pub const MEASURED_ON: &str = "2026-11-24";

/// What an hour of one rented H100 costs the attacker, in US dollars (November 2026).
pub const DOLLARS_PER_GPU_HOUR: f64 = 2.0;

/// A new passphrase must cost at least this much to guess, in US dollars of GPU time
/// ([`FLOOR_TEXT`] in words).
///
/// A key with trade or withdraw rights is worth what the account holds, and a paper sheet
/// or an export may be kept for ten years, in which GPU time per guess has fallen about
/// thirty-fold at its past rate (halving every two years). One million dollars today leaves
/// a margin over most trading accounts then. SECURITY.md gives the reasoning.
pub const FLOOR_DOLLARS: f64 = 1_000_000.0;
/// [`FLOOR_DOLLARS`] as messages say it.
pub const FLOOR_TEXT: &str = "$1 million";

/// Guesses per second of one H100 against `kdf`, by the scaling above.
pub fn guesses_per_second(kdf: Kdf) -> f64 {
    let reference = match kdf {
        Kdf::Argon2id { .. } => &MEASURED[0],
        Kdf::Scrypt { .. } => &MEASURED[3],
    };
    let (memory, passes) = work(kdf);
    let (reference_memory, reference_passes) = work(reference.kdf);
    reference.guesses_per_second
        * (memory / reference_memory).powf(-memory_exponent())
        * reference_passes
        / passes
}

/// α in speed ∝ m^-α, from the 256 MiB and 1 GiB Argon2id measurements, each per pass.
pub fn memory_exponent() -> f64 {
    let per_pass = |m: &Measurement| {
        let (memory, passes) = work(m.kdf);
        (memory, m.guesses_per_second * passes)
    };
    let (small, small_speed) = per_pass(&MEASURED[0]);
    let (large, large_speed) = per_pass(&MEASURED[2]);
    (small_speed / large_speed).ln() / (large / small).ln()
}

/// The memory one guess fills, in bytes, and the passes over it.
fn work(kdf: Kdf) -> (f64, f64) {
    match kdf {
        Kdf::Argon2id { memory_kib, time } => (
            f64::from(memory_kib.max(1)) * 1024.0,
            f64::from(time.max(1)),
        ),
        Kdf::Scrypt { log_n } => (128.0 * 8.0 * 2f64.powi(i32::from(log_n)), 1.0),
    }
}

/// What finding a passphrase costs: guesses, GPU time and money.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GuessCost {
    pub guesses: f64,
    pub gpu_seconds: f64,
    pub dollars: f64,
}

impl GuessCost {
    /// The cost of making `guesses` guesses against `kdf`.
    pub fn of(guesses: f64, kdf: Kdf) -> GuessCost {
        let gpu_seconds = guesses / guesses_per_second(kdf);
        GuessCost {
            guesses,
            gpu_seconds,
            dollars: gpu_seconds / 3600.0 * DOLLARS_PER_GPU_HOUR,
        }
    }

    /// True when it costs less than [`FLOOR_DOLLARS`].
    pub fn below_floor(&self) -> bool {
        self.dollars < FLOOR_DOLLARS
    }
}

impl fmt::Display for GuessCost {
    /// "about 3 GPU-days, about $200 to guess".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, {} to guess",
            gpu_time(self.gpu_seconds),
            dollars(self.dollars)
        )
    }
}

/// The guesses an attacker needs, on average, for a passphrase of four words a person
/// picked: modelled as four of the 2,048 commonest words (44 bits), since people do not
/// pick evenly from a long list and attackers try common words first. `audit` uses it.
pub fn typical_four_words() -> f64 {
    2048f64.powi(4) / 2.0
}

/// "about 3 GPU-days", "about 40,000 GPU-years", "less than a GPU-second".
pub fn gpu_time(seconds: f64) -> String {
    const UNITS: [(f64, &str, &str); 5] = [
        (365.25 * 86400.0, "GPU-year", "GPU-years"),
        (86400.0, "GPU-day", "GPU-days"),
        (3600.0, "GPU-hour", "GPU-hours"),
        (60.0, "GPU-minute", "GPU-minutes"),
        (1.0, "GPU-second", "GPU-seconds"),
    ];
    if seconds < 1.0 {
        return "less than a GPU-second".into();
    }
    let (size, one, many) = UNITS
        .into_iter()
        .find(|(size, ..)| seconds >= *size)
        .unwrap_or(UNITS[4]);
    let amount = seconds / size;
    let noun = if rounded(amount) == 1.0 { one } else { many };
    format!("about {} {noun}", number(amount))
}

/// "about $200", "about $1.2 million", "less than $1".
pub fn dollars(amount: f64) -> String {
    if amount < 1.0 {
        return "less than $1".into();
    }
    format!("about ${}", number(amount))
}

/// Two significant digits in words: "3", "1.2", "56,000", "18 million", "10^20".
fn number(value: f64) -> String {
    const SCALES: [(f64, &str); 3] = [(1e12, "trillion"), (1e9, "billion"), (1e6, "million")];
    let value = rounded(value);
    if value >= 1e15 {
        return format!("10^{:.0}", value.log10().floor());
    }
    if let Some((size, name)) = SCALES.into_iter().find(|(size, _)| value >= *size) {
        return format!("{} {name}", number(value / size));
    }
    if value < 10.0 && value.fract() != 0.0 {
        return format!("{value:.1}");
    }
    let digits = format!("{value:.0}");
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

/// `value` to two significant digits.
fn rounded(value: f64) -> f64 {
    if value <= 0.0 {
        return 0.0;
    }
    let scale = 10f64.powf(value.log10().floor() - 1.0);
    (value / scale).round() * scale
}

#[cfg(test)]
mod tests;
