//! Dates and moments as keycellar stores them: [`Date`] (`YYYY-MM-DD`, for what an exchange
//! says) and [`Timestamp`] (RFC 3339 in UTC with whole seconds, for what keycellar did).

use crate::untrusted::quoted;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A calendar date `YYYY-MM-DD`, validated on parse, stored as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date(time::Date);

impl Date {
    /// Today in UTC.
    pub fn today() -> Date {
        Date(time::OffsetDateTime::now_utc().date())
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        (later.0 - self.0).whole_days()
    }

    /// The date `days` days later (earlier when negative), held at the calendar's ends.
    pub fn plus_days(self, days: i64) -> Date {
        let moved = self.0.checked_add(time::Duration::days(days));
        Date(moved.unwrap_or(if days < 0 {
            time::Date::MIN
        } else {
            time::Date::MAX
        }))
    }
}

impl From<time::Date> for Date {
    fn from(date: time::Date) -> Self {
        Date(date)
    }
}

impl FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(s.trim(), &format)
            .map(Date)
            .map_err(|_| format!("{} is not a date of the form YYYY-MM-DD", quoted(s)))
    }
}

impl TryFrom<String> for Date {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        write!(f, "{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
    }
}

/// A moment in UTC with whole seconds, written `2026-11-22T09:30:00Z`. Any RFC 3339 time is
/// read (a hand-written export may carry an offset or fractions) and kept in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timestamp(time::OffsetDateTime);

impl Timestamp {
    /// The current moment.
    pub fn now() -> Timestamp {
        let now = time::OffsetDateTime::now_utc();
        Timestamp(now.replace_nanosecond(0).unwrap_or(now))
    }

    /// The day it fell on, in UTC.
    pub fn date(self) -> Date {
        Date(self.0.date())
    }

    /// Seconds since 1970-01-01T00:00:00Z (0 for an earlier moment).
    pub fn unix_seconds(self) -> u64 {
        u64::try_from(self.0.unix_timestamp()).unwrap_or(0)
    }

    /// The moment `seconds` after 1970-01-01T00:00:00Z; `None` past the year 9999.
    pub fn from_unix_seconds(seconds: u64) -> Option<Timestamp> {
        let seconds = i64::try_from(seconds).ok()?;
        let moment = time::OffsetDateTime::from_unix_timestamp(seconds).ok()?;
        (moment.year() <= 9999).then_some(Timestamp(moment))
    }
}

impl FromStr for Timestamp {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let parsed = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .map_err(|_| {
                format!(
                    "{} is not a time of the form 2026-11-22T09:30:00Z",
                    quoted(s)
                )
            })?;
        let utc = parsed.to_offset(time::UtcOffset::UTC);
        Ok(Timestamp(utc.replace_nanosecond(0).unwrap_or(utc)))
    }
}

impl TryFrom<String> for Timestamp {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{}T{:02}:{:02}:{:02}Z",
            Date(t.date()),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_strictly_and_print_back() {
        let d: Date = "2027-01-31".parse().unwrap();
        assert_eq!(d.to_string(), "2027-01-31");
        assert!("2027-02-30".parse::<Date>().is_err());
        assert!("31.01.2027".parse::<Date>().is_err());
        assert_eq!(d.days_until("2027-02-02".parse().unwrap()), 2);
    }

    #[test]
    fn timestamps_print_back_in_utc_with_whole_seconds() {
        let t: Timestamp = "2026-11-22T09:30:00Z".parse().unwrap();
        assert_eq!(t.to_string(), "2026-11-22T09:30:00Z");
        let offset: Timestamp = "2026-11-22T10:30:00.25+01:00".parse().unwrap();
        assert_eq!(offset, t);
        assert_eq!(t.date().to_string(), "2026-11-22");
        assert!("yesterday".parse::<Timestamp>().is_err());
        assert_eq!(Timestamp::now().to_string().len(), 20);
    }
}
