//! When an unlocked agent locks by itself: after `idle` without a request that used the key,
//! and `max` after it was unlocked whatever the use. Requests that do not use the key
//! (`status`) never move the idle deadline (rbw #215: a status bar polling the agent kept it
//! unlocked for ever). Time comes from an injected [`Clock`], so tests drive it without
//! waiting.

pub use crate::sign::Clock;
use std::time::Duration;

/// The default idle limit: 15 minutes.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(15 * 60);
/// The default absolute limit: 8 hours.
pub const DEFAULT_MAX: Duration = Duration::from_secs(8 * 60 * 60);

/// One limit: a duration, or none (stated explicitly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    After(Duration),
    Never,
}

impl Limit {
    /// `none`, or a number with a unit: `90s`, `15m`, `8h`, `2d`.
    pub fn parse(text: &str) -> Result<Limit, String> {
        if text == "none" {
            return Ok(Limit::Never);
        }
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => {
                return Err(format!(
                    "{text:?} is not a duration such as 90s, 15m, 8h or none"
                ));
            }
        };
        let count: u64 = number
            .parse()
            .map_err(|_| format!("{text:?} does not start with a number"))?;
        match count.checked_mul(seconds) {
            Some(0) => Err("a duration of zero would lock at once".into()),
            Some(total) => Ok(Limit::After(Duration::from_secs(total))),
            None => Err(format!("{text:?} is too long")),
        }
    }

    fn millis(self) -> Option<u64> {
        match self {
            Limit::After(d) => Some(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            Limit::Never => None,
        }
    }
}

/// The two limits, checked together: an agent without an absolute limit must have been
/// asked for no idle limit too (a server's agent, stated explicitly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub idle: Limit,
    pub max: Limit,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            idle: Limit::After(DEFAULT_IDLE),
            max: Limit::After(DEFAULT_MAX),
        }
    }
}

impl Limits {
    /// The limits asked for; `None` means the default. `max` of none needs `idle` of none.
    pub fn new(idle: Option<Limit>, max: Option<Limit>) -> Result<Limits, String> {
        let defaults = Limits::default();
        let limits = Limits {
            idle: idle.unwrap_or(defaults.idle),
            max: max.unwrap_or(defaults.max),
        };
        if limits.max == Limit::Never && idle != Some(Limit::Never) {
            return Err(
                "an agent with no absolute limit must be asked for no idle limit too (idle none)"
                    .into(),
            );
        }
        Ok(limits)
    }
}

/// Why a timer locked the agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    Idle,
    Max,
}

/// The deadlines of one unlocked period, in milliseconds of the injected clock.
#[derive(Clone, Debug)]
pub struct Timers {
    limits: Limits,
    unlocked_at: u64,
    last_use: u64,
}

impl Timers {
    /// Starts counting at `now` (the moment of unlocking).
    pub fn start(limits: Limits, now: u64) -> Timers {
        Timers {
            limits,
            unlocked_at: now,
            last_use: now,
        }
    }

    /// A request used the key at `now`: the idle deadline moves, the absolute one never.
    pub fn used(&mut self, now: u64) {
        self.last_use = self.last_use.max(now);
    }

    /// When the idle limit runs out, if there is one.
    pub fn idle_deadline(&self) -> Option<u64> {
        let idle = self.limits.idle.millis()?;
        Some(self.last_use.saturating_add(idle).min(self.max_or_never()))
    }

    /// When the absolute limit runs out, if there is one.
    pub fn max_deadline(&self) -> Option<u64> {
        Some(self.unlocked_at.saturating_add(self.limits.max.millis()?))
    }

    fn max_or_never(&self) -> u64 {
        self.max_deadline().unwrap_or(u64::MAX)
    }

    /// The first deadline still ahead, for a wait that ends when the agent must lock.
    pub fn next_deadline(&self) -> Option<u64> {
        [self.idle_deadline(), self.max_deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Which limit has run out at `now`, the absolute one first.
    pub fn expired(&self, now: u64) -> Option<Expiry> {
        if self.max_deadline().is_some_and(|d| now >= d) {
            return Some(Expiry::Max);
        }
        if self.idle_deadline().is_some_and(|d| now >= d) {
            return Some(Expiry::Idle);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: u64 = 60_000;

    #[test]
    fn durations_parse_with_a_unit_or_none() {
        assert_eq!(
            Limit::parse("90s"),
            Ok(Limit::After(Duration::from_secs(90)))
        );
        assert_eq!(Limit::parse("15m"), Ok(Limit::After(DEFAULT_IDLE)));
        assert_eq!(Limit::parse("8h"), Ok(Limit::After(DEFAULT_MAX)));
        assert_eq!(Limit::parse("none"), Ok(Limit::Never));
        for bad in [
            "",
            "15",
            "m",
            "0m",
            "1w",
            "-1h",
            "99999999999999999999d",
            "1.5h",
        ] {
            assert!(Limit::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn no_absolute_limit_only_with_no_idle_limit_stated() {
        let never = Some(Limit::Never);
        assert!(Limits::new(None, never).is_err());
        assert!(Limits::new(Some(Limit::After(DEFAULT_IDLE)), never).is_err());
        let server = Limits::new(never, never).unwrap();
        let timers = Timers::start(server, 0);
        assert_eq!(timers.next_deadline(), None);
        assert_eq!(timers.expired(u64::MAX), None);
        assert_eq!(Limits::new(None, None).unwrap(), Limits::default());
        // No idle limit with the default absolute one is allowed.
        assert!(Limits::new(never, None).is_ok());
    }

    #[test]
    fn only_use_moves_the_idle_deadline() {
        let mut timers = Timers::start(Limits::default(), 0);
        let first = timers.idle_deadline();
        assert_eq!(first, Some(15 * MINUTE));
        // What a status request does to the timers: nothing but read them.
        for _ in 0..1000 {
            assert_eq!(timers.expired(14 * MINUTE), None);
            assert_eq!(timers.idle_deadline(), first);
        }
        assert_eq!(timers.expired(15 * MINUTE), Some(Expiry::Idle));
        timers.used(10 * MINUTE);
        assert_eq!(timers.idle_deadline(), Some(25 * MINUTE));
        assert_eq!(timers.expired(15 * MINUTE), None);
        // A use reported late never moves the deadline back.
        timers.used(5 * MINUTE);
        assert_eq!(timers.idle_deadline(), Some(25 * MINUTE));
    }

    #[test]
    fn the_absolute_limit_fires_under_constant_use() {
        let mut timers = Timers::start(Limits::default(), 0);
        let mut now = 0;
        while timers.expired(now).is_none() {
            timers.used(now);
            now += MINUTE;
        }
        assert_eq!(now, 8 * 60 * MINUTE);
        assert_eq!(timers.expired(now), Some(Expiry::Max));
        assert_eq!(timers.next_deadline(), Some(8 * 60 * MINUTE));
    }
}
