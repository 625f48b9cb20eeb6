//! Choosing Argon2id settings for a new vault on this machine, so that the result does not
//! depend on how busy the machine was at that moment.
//!
//! - Memory is never chosen by timing: it is what was asked for, 256 MiB by default, and
//!   only a machine that cannot allocate the default gets less (halved, never below 64
//!   MiB). A vault made while the machine is busy is as costly to attack as any other.
//! - Passes are the one thing timing decides: from the fastest of several probes (load only
//!   ever makes a probe slower), at one pass and at two, so that the fixed cost of a
//!   derivation (allocating and touching its memory) is told apart from the cost of a pass.
//! - Never fewer than [`MIN_PASSES`], however slow the probes were.
//!
//! The measuring is behind [`Machine`], so the decision is tested with machines that are
//! quiet, loaded, slow or short of memory, and no test depends on this machine's timing.

use super::{
    DEFAULT_MEMORY_MIB, DEFAULT_PARALLELISM, DEFAULT_TARGET_MS, KdfParams, KdfRequest,
    MAX_MEMORY_KIB, MAX_PARALLELISM, MAX_TIME, RECOMMENDED_MIN_MEMORY_MIB, SALT_LEN,
};
use crate::error::VaultError;
use crate::error::{Error, Result};
use std::time::{Duration, Instant};

/// How often each probe runs; the fastest run counts.
pub const PROBES: usize = 3;
/// Calibration never chooses fewer passes: RFC 9106 (section 4) takes 3 where memory is
/// short, and 3 passes keep a vault made on a loaded machine from being cheap to attack.
pub const MIN_PASSES: u32 = 3;

/// What calibration measures. [`ThisMachine`] derives for real; tests bring their own.
pub trait Machine {
    /// How long one derivation with `params` takes, or
    /// [`VaultError::KdfOutOfMemory`] when its
    /// memory cannot be had.
    fn derive_time(&mut self, params: &KdfParams) -> Result<Duration>;
}

/// The machine keycellar runs on.
pub struct ThisMachine;

impl Machine for ThisMachine {
    fn derive_time(&mut self, params: &KdfParams) -> Result<Duration> {
        let start = Instant::now();
        params.derive(b"keycellar calibration", &[0u8; SALT_LEN])?;
        Ok(start.elapsed())
    }
}

/// Why the memory is what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Memory {
    /// The default, 256 MiB.
    Default,
    /// The amount asked for.
    Asked,
    /// Less than the default, which could not be allocated.
    Reduced { wanted_mib: u32 },
}

/// What the probes found, when passes were measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measured {
    /// The cost of one pass.
    pub per_pass: Duration,
    /// The cost of a derivation besides its passes.
    pub fixed: Duration,
    /// The time aimed at.
    pub target: Duration,
    /// True when the target asked for fewer passes than [`MIN_PASSES`].
    pub floored: bool,
}

/// The settings chosen, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Calibration {
    pub params: KdfParams,
    pub memory: Memory,
    /// `None` when the passes were given, not measured.
    pub measured: Option<Measured>,
}

impl Calibration {
    /// Why these settings, in a sentence: "256 MiB (the default); a pass takes 150 ms here
    /// (the fastest of 3 probes), so 6 passes take about 1.0 s".
    pub fn explain(&self) -> String {
        let mib = self.params.memory_kib / 1024;
        let memory = match self.memory {
            Memory::Default => format!("{mib} MiB (the default)"),
            Memory::Asked => format!("{mib} MiB (as asked)"),
            Memory::Reduced { wanted_mib } => {
                format!("{mib} MiB ({wanted_mib} MiB could not be allocated here)")
            }
        };
        let Some(m) = self.measured else {
            return format!("{memory}; {} passes (as asked)", self.params.time);
        };
        let passes = self.params.time;
        let total = m.fixed + m.per_pass * passes;
        let floor = match m.floored {
            true => format!("; never fewer than {MIN_PASSES} passes, though over the target"),
            false => String::new(),
        };
        format!(
            "{memory}; a pass takes {} ms here (the fastest of {PROBES} probes), so {passes} \
             passes take about {:.1} s{floor}",
            m.per_pass.as_millis(),
            total.as_secs_f64()
        )
    }
}

impl KdfRequest {
    /// Turns the request into parameters, measuring this machine when passes are not given.
    pub fn resolve(&self) -> Result<Calibration> {
        self.calibrate(&mut ThisMachine)
    }

    /// Turns the request into parameters, measuring `machine` when passes are not given.
    pub fn calibrate(&self, machine: &mut impl Machine) -> Result<Calibration> {
        let parallelism = self.parallelism.unwrap_or(DEFAULT_PARALLELISM);
        let asked_mib = self.memory_mib.unwrap_or(DEFAULT_MEMORY_MIB);
        check_request(parallelism, asked_mib, self.time)?;
        let asked = KdfParams {
            memory_kib: asked_mib * 1024,
            time: self.time.unwrap_or(1),
            parallelism,
        };
        let memory = match self.memory_mib {
            Some(_) => Memory::Asked,
            None => Memory::Default,
        };
        if self.time.is_some() {
            return Ok(Calibration {
                params: asked,
                memory,
                measured: None,
            });
        }
        let (probe, memory) = memory_that_fits(machine, asked, memory)?;
        let target = Duration::from_millis(self.target_ms.unwrap_or(DEFAULT_TARGET_MS).max(1));
        let measured = measure(machine, probe, target)?;
        let wanted = (target.saturating_sub(measured.fixed)).as_secs_f64()
            / measured.per_pass.as_secs_f64().max(1e-6);
        let passes = (wanted.round().min(f64::from(MAX_TIME)) as u32).max(MIN_PASSES);
        Ok(Calibration {
            params: KdfParams {
                time: passes,
                ..probe
            },
            memory,
            measured: Some(Measured {
                floored: wanted.round() < f64::from(MIN_PASSES),
                ..measured
            }),
        })
    }
}

fn check_request(parallelism: u32, memory_mib: u32, time: Option<u32>) -> Result<()> {
    if !(1..=MAX_PARALLELISM).contains(&parallelism) {
        return Err(Error::Vault(VaultError::KdfSetting(format!(
            "Argon2id parallelism {parallelism} is outside 1..={MAX_PARALLELISM}"
        ))));
    }
    if memory_mib == 0 || memory_mib > MAX_MEMORY_KIB / 1024 {
        return Err(Error::Vault(VaultError::KdfSetting(format!(
            "Argon2id memory {memory_mib} MiB is outside 1..={} MiB",
            MAX_MEMORY_KIB / 1024
        ))));
    }
    match time {
        Some(time) if !(1..=MAX_TIME).contains(&time) => Err(Error::Vault(VaultError::KdfSetting(
            format!("Argon2id time cost {time} is outside 1..={MAX_TIME}"),
        ))),
        _ => Ok(()),
    }
}

/// The one-pass settings whose memory this machine can allocate: the memory asked for, or,
/// when the default cannot be had, half of it until it can (never below 64 MiB).
fn memory_that_fits(
    machine: &mut impl Machine,
    mut probe: KdfParams,
    memory: Memory,
) -> Result<(KdfParams, Memory)> {
    let wanted_mib = probe.memory_kib / 1024;
    loop {
        match machine.derive_time(&probe) {
            Ok(_) if probe.memory_kib / 1024 == wanted_mib => return Ok((probe, memory)),
            Ok(_) => return Ok((probe, Memory::Reduced { wanted_mib })),
            Err(Error::Vault(VaultError::KdfOutOfMemory { .. }))
                if memory == Memory::Default
                    && probe.memory_kib / 1024 > RECOMMENDED_MIN_MEMORY_MIB =>
            {
                probe.memory_kib = (probe.memory_kib / 2).max(RECOMMENDED_MIN_MEMORY_MIB * 1024);
            }
            Err(error) => return Err(error),
        }
    }
}

/// The cost of a pass and the fixed cost of a derivation, from the fastest of [`PROBES`]
/// runs at one pass and at two.
fn measure(machine: &mut impl Machine, probe: KdfParams, target: Duration) -> Result<Measured> {
    let mut fastest = |time: u32| -> Result<Duration> {
        let params = KdfParams { time, ..probe };
        let mut best = Duration::MAX;
        for _ in 0..PROBES {
            best = best.min(machine.derive_time(&params)?);
        }
        Ok(best)
    };
    let one = fastest(1)?;
    let two = fastest(2)?;
    // Noise can make the two-pass probe look no slower; then the whole of one is a pass.
    let per_pass = match two.checked_sub(one) {
        Some(pass) if !pass.is_zero() && pass <= one => pass,
        _ => one,
    };
    Ok(Measured {
        per_pass,
        fixed: one - per_pass,
        target,
        floored: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A machine whose derivation costs `fixed` plus `per_pass` for each pass at 256 MiB
    /// (in proportion for other memory), slowed by `load[i]` on its i-th run, and unable to
    /// allocate more than `limit_mib`.
    struct Fake {
        fixed_ms: u64,
        per_pass_ms: u64,
        load_ms: Vec<u64>,
        limit_mib: u32,
        runs: usize,
    }

    fn quiet() -> Fake {
        Fake {
            fixed_ms: 40,
            per_pass_ms: 100,
            load_ms: Vec::new(),
            limit_mib: 4096,
            runs: 0,
        }
    }

    impl Machine for Fake {
        fn derive_time(&mut self, params: &KdfParams) -> Result<Duration> {
            let mib = params.memory_kib / 1024;
            if mib > self.limit_mib {
                return Err(Error::Vault(VaultError::KdfOutOfMemory { memory_mib: mib }));
            }
            let load = self.load_ms.get(self.runs).copied().unwrap_or(0);
            self.runs += 1;
            let cost = self.fixed_ms + self.per_pass_ms * u64::from(params.time);
            Ok(Duration::from_millis(cost * u64::from(mib) / 256 + load))
        }
    }

    fn default_request() -> KdfRequest {
        KdfRequest::default()
    }

    #[test]
    fn a_quiet_machine_keeps_256_mib_and_tunes_passes_to_the_target() {
        let chosen = default_request().calibrate(&mut quiet()).unwrap();
        assert_eq!(chosen.params.memory_kib, 256 * 1024);
        assert_eq!(chosen.params.parallelism, 4);
        // (1000 - 40) / 100 = 9.6 passes.
        assert_eq!(chosen.params.time, 10);
        assert_eq!(chosen.memory, Memory::Default);
        let measured = chosen.measured.unwrap();
        assert_eq!(measured.per_pass, Duration::from_millis(100));
        assert_eq!(measured.fixed, Duration::from_millis(40));
        assert!(
            chosen.explain().contains("256 MiB (the default)"),
            "{}",
            chosen.explain()
        );
    }

    #[test]
    fn load_during_some_probes_changes_nothing() {
        let quiet = default_request().calibrate(&mut quiet()).unwrap();
        // Every probe but one of each kind is slowed, by up to seven times.
        let mut loaded = Fake {
            load_ms: vec![700, 0, 300, 900, 50, 0],
            ..super::tests::quiet()
        };
        assert_eq!(default_request().calibrate(&mut loaded).unwrap(), quiet);
    }

    #[test]
    fn a_machine_busy_throughout_keeps_the_memory_and_the_floor() {
        let mut busy = Fake {
            load_ms: vec![2000; 12],
            ..quiet()
        };
        let chosen = default_request().calibrate(&mut busy).unwrap();
        assert_eq!(chosen.params.memory_kib, 256 * 1024);
        assert_eq!(chosen.params.time, MIN_PASSES);
        assert!(chosen.measured.unwrap().floored);
        let slow = Fake {
            per_pass_ms: 2000,
            ..quiet()
        };
        let chosen = default_request().calibrate(&mut { slow }).unwrap();
        assert_eq!(
            (chosen.params.memory_kib, chosen.params.time),
            (256 * 1024, 3)
        );
    }

    #[test]
    fn only_a_machine_that_cannot_allocate_256_mib_gets_less() {
        let mut short = Fake {
            limit_mib: 200,
            ..quiet()
        };
        let chosen = default_request().calibrate(&mut short).unwrap();
        assert_eq!(chosen.params.memory_kib, 128 * 1024);
        assert_eq!(chosen.memory, Memory::Reduced { wanted_mib: 256 });
        assert!(chosen.explain().contains("256 MiB could not be allocated"));
        let mut tiny = Fake {
            limit_mib: 32,
            ..quiet()
        };
        let error = default_request().calibrate(&mut tiny).unwrap_err();
        assert!(matches!(
            error,
            Error::Vault(VaultError::KdfOutOfMemory { memory_mib: 64 })
        ));
        // Memory that was asked for is never reduced.
        let asked = KdfRequest {
            memory_mib: Some(512),
            ..default_request()
        };
        let mut short = Fake {
            limit_mib: 300,
            ..quiet()
        };
        let error = asked.calibrate(&mut short).unwrap_err();
        assert!(matches!(
            error,
            Error::Vault(VaultError::KdfOutOfMemory { memory_mib: 512 })
        ));
    }

    #[test]
    fn given_passes_are_not_measured() {
        let request = KdfRequest {
            memory_mib: Some(8),
            time: Some(2),
            parallelism: Some(2),
            target_ms: None,
        };
        let mut never = Fake {
            limit_mib: 0,
            ..quiet()
        };
        let chosen = request.calibrate(&mut never).unwrap();
        assert_eq!(never.runs, 0);
        let p = chosen.params;
        assert_eq!((p.memory_kib, p.time, p.parallelism), (8192, 2, 2));
        assert!(p.below_recommended());
        let lanes = KdfRequest {
            parallelism: Some(0),
            ..request
        };
        assert!(lanes.calibrate(&mut never).is_err());
    }

    #[test]
    fn a_short_target_is_met_with_the_floor_not_with_less_memory() {
        let request = KdfRequest {
            target_ms: Some(50),
            ..default_request()
        };
        let chosen = request.calibrate(&mut quiet()).unwrap();
        assert_eq!(
            (chosen.params.memory_kib, chosen.params.time),
            (256 * 1024, 3)
        );
    }
}
