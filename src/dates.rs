//! Partial dates ("2025", "2025-09", "2025-09-04") and their resolution
//! against a document's own date.

use std::fmt;

/// A date as precise as the text allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    /// Year.
    pub year: i32,
    /// Month 1-12.
    pub month: Option<u8>,
    /// Day 1-31 (only with a month).
    pub day: Option<u8>,
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

impl PartialDate {
    /// Year only.
    pub fn year(year: i32) -> PartialDate {
        PartialDate {
            year,
            month: None,
            day: None,
        }
    }
    /// Year and month.
    pub fn month(year: i32, month: u8) -> PartialDate {
        PartialDate {
            year,
            month: Some(month),
            day: None,
        }
    }
    /// A full date, if valid.
    pub fn ymd(year: i32, month: u8, day: u8) -> Option<PartialDate> {
        (1..=12).contains(&month).then_some(())?;
        (day >= 1 && day <= days_in_month(year, month)).then_some(())?;
        Some(PartialDate {
            year,
            month: Some(month),
            day: Some(day),
        })
    }

    /// Parses "YYYY", "YYYY-MM" or "YYYY-MM-DD".
    ///
    /// ```
    /// use cnkg::dates::PartialDate;
    /// assert_eq!(PartialDate::parse("2019-06").unwrap().to_string(), "2019-06");
    /// assert!(PartialDate::parse("2019-13").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<PartialDate> {
        let mut it = s.trim().split('-');
        let y: i32 = it.next()?.parse().ok()?;
        if !(1000..=9999).contains(&y) {
            return None;
        }
        let Some(m) = it.next() else {
            return Some(PartialDate::year(y));
        };
        let m: u8 = m.parse().ok()?;
        if !(1..=12).contains(&m) {
            return None;
        }
        let Some(d) = it.next() else {
            return Some(PartialDate::month(y, m));
        };
        let d: u8 = d.parse().ok()?;
        if it.next().is_some() {
            return None;
        }
        PartialDate::ymd(y, m, d)
    }

    /// True when one date refines the other ("2025-09" and "2025-09-04").
    pub fn compatible(&self, other: &PartialDate) -> bool {
        self.year == other.year
            && (self.month.is_none() || other.month.is_none() || self.month == other.month)
            && (self.day.is_none() || other.day.is_none() || self.day == other.day)
    }

    /// Number of known parts (1 year, 2 month, 3 day).
    pub fn precision(&self) -> u8 {
        1 + self.month.is_some() as u8 + self.day.is_some() as u8
    }

    /// Days since 1970-01-01 (full dates only).
    pub fn days(&self) -> Option<i64> {
        Some(days_from_civil(
            self.year as i64,
            self.month? as i64,
            self.day? as i64,
        ))
    }

    /// The full date `n` days later (negative: earlier).
    pub fn add_days(&self, n: i64) -> Option<PartialDate> {
        let (y, m, d) = civil_from_days(self.days()? + n);
        PartialDate::ymd(y as i32, m as u8, d as u8)
    }

    /// Weekday, 0 = Monday.
    pub fn weekday(&self) -> Option<u8> {
        // 1970-01-01 was a Thursday (3)
        Some(((self.days()? + 3).rem_euclid(7)) as u8)
    }
}

/// A `--since`/`--until` window over partial dates.
///
/// Dates compare at the precision both sides know: "2019-06" is within
/// `--since 2019` and within `--until 2019-06-10`, and "2019" is within
/// `--since 2019-06`. An undated item is outside any window that has a bound.
///
/// ```
/// use cnkg::dates::{DateRange, PartialDate};
/// let r = DateRange::parse(Some("2019"), Some("2019-06-10")).unwrap();
/// assert!(r.contains(PartialDate::parse("2019-06").as_ref()));
/// assert!(!r.contains(PartialDate::parse("2019-07-01").as_ref()));
/// assert!(!r.contains(None));
/// assert!(DateRange::default().contains(None));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateRange {
    /// Earliest date, inclusive.
    pub since: Option<PartialDate>,
    /// Latest date, inclusive.
    pub until: Option<PartialDate>,
}

impl DateRange {
    /// Parses the two bounds, each "YYYY", "YYYY-MM" or "YYYY-MM-DD".
    ///
    /// # Errors
    /// A one-line message naming the flag and the accepted shapes.
    pub fn parse(since: Option<&str>, until: Option<&str>) -> Result<DateRange, String> {
        let one = |flag: &str, v: Option<&str>| -> Result<Option<PartialDate>, String> {
            v.map(|s| {
                PartialDate::parse(s).ok_or_else(|| {
                    format!("bad date for {flag}: '{s}': write YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2019-06)")
                })
            })
            .transpose()
        };
        Ok(DateRange {
            since: one("--since", since)?,
            until: one("--until", until)?,
        })
    }

    /// True when neither bound is set.
    pub fn is_open(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// True when `date` lies in the window (see the type's docs).
    pub fn contains(&self, date: Option<&PartialDate>) -> bool {
        if self.is_open() {
            return true;
        }
        let Some(d) = date else {
            return false;
        };
        let after = self
            .since
            .is_none_or(|s| d.cmp_common(&s) != std::cmp::Ordering::Less);
        let before = self
            .until
            .is_none_or(|u| d.cmp_common(&u) != std::cmp::Ordering::Greater);
        after && before
    }
}

impl PartialDate {
    /// Compares two dates on the parts both know ("2019-06" equals "2019").
    pub fn cmp_common(&self, other: &PartialDate) -> std::cmp::Ordering {
        let p = self.precision().min(other.precision());
        let key = |d: &PartialDate| {
            (
                d.year,
                if p >= 2 { d.month.unwrap_or(0) } else { 0 },
                if p >= 3 { d.day.unwrap_or(0) } else { 0 },
            )
        };
        key(self).cmp(&key(other))
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's civil calendar algorithms.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Month number of a month name or abbreviation ("Sept.", "february", "9").
pub fn month_number(s: &str) -> Option<u8> {
    let s = s.trim().trim_end_matches('.').to_lowercase();
    if let Ok(n) = s.parse::<u8>() {
        return (1..=12).contains(&n).then_some(n);
    }
    const M: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    if s.len() < 3 {
        return None;
    }
    M.iter().position(|m| s.starts_with(m)).map(|i| i as u8 + 1)
}

/// Weekday number (0 = Monday) of a weekday name.
pub fn weekday_number(s: &str) -> Option<u8> {
    let s = s.trim().trim_end_matches('.').to_lowercase();
    const W: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    if s.len() < 3 {
        return None;
    }
    W.iter().position(|w| s.starts_with(w)).map(|i| i as u8)
}

/// What the text around a date expression tells about its year and month.
#[derive(Debug, Clone, Copy, Default)]
pub struct DateContext {
    /// The document's date (dateline), as precise as known.
    pub reference: Option<PartialDate>,
    /// The last explicit month mentioned before, for "on the 4th".
    pub last_month: Option<(i32, u8)>,
    /// The last full date mentioned before, for "on the same day".
    pub last_full: Option<PartialDate>,
    /// The last year mentioned before, when the document has no date.
    pub last_year: Option<i32>,
}

/// The named parts of one date expression.
#[derive(Debug, Clone, Default)]
pub struct DateParts<'a> {
    /// Four-digit year.
    pub year: Option<&'a str>,
    /// Month name or number.
    pub month: Option<&'a str>,
    /// Day of month.
    pub day: Option<&'a str>,
    /// Weekday name.
    pub weekday: Option<&'a str>,
    /// "last"/"this past": the most recent such month before the reference.
    pub last: bool,
    /// "last year", "this year", "next year".
    pub rel_year: Option<&'a str>,
    /// "yesterday" (1), "today" (0).
    pub ago_days: Option<&'a str>,
    /// "the same day", "the following day", "the day before": from the last full date.
    pub rel_day: Option<&'a str>,
    /// "last month", "this month", "next month".
    pub rel_month: Option<&'a str>,
}

/// Where each part of a date rule's match is among its capture groups,
/// looked up once per rule rather than by name for every match.
#[derive(Debug, Clone, Default)]
pub struct DateGroups {
    year: Option<usize>,
    month: Option<usize>,
    day: Option<usize>,
    weekday: Option<usize>,
    last: Option<usize>,
    rel_year: Option<usize>,
    ago_days: Option<usize>,
    rel_day: Option<usize>,
    rel_month: Option<usize>,
}

impl DateGroups {
    /// The groups of `re` that name date parts.
    ///
    /// ```
    /// use cnkg::dates::DateGroups;
    /// let re = regex::Regex::new(r"(?P<month>May|June) (?P<year>\d{4})").unwrap();
    /// let c = re.captures("in June 2019").unwrap();
    /// let p = DateGroups::of(&re).parts(&c);
    /// assert_eq!((p.month, p.year, p.day), (Some("June"), Some("2019"), None));
    /// ```
    pub fn of(re: &regex::Regex) -> DateGroups {
        let at = |name: &str| re.capture_names().position(|n| n == Some(name));
        DateGroups {
            year: at("year"),
            month: at("month"),
            day: at("day"),
            weekday: at("weekday"),
            last: at("last"),
            rel_year: at("rel_year"),
            ago_days: at("ago_days"),
            rel_day: at("rel_day"),
            rel_month: at("rel_month"),
        }
    }

    /// The parts of one match of the regex these groups were read from
    /// (or of its ASCII copy, whose groups are the same).
    pub fn parts<'h>(&self, c: &regex::Captures<'h>) -> DateParts<'h> {
        let get = |i: Option<usize>| i.and_then(|i| c.get(i)).map(|m| m.as_str());
        DateParts {
            year: get(self.year),
            month: get(self.month),
            day: get(self.day),
            weekday: get(self.weekday),
            last: get(self.last).is_some(),
            rel_year: get(self.rel_year),
            ago_days: get(self.ago_days),
            rel_day: get(self.rel_day),
            rel_month: get(self.rel_month),
        }
    }
}

/// Resolves a date expression against its context.
///
/// ```
/// use cnkg::dates::{resolve, DateContext, DateParts, PartialDate};
/// let ctx = DateContext { reference: PartialDate::parse("2024-01-27"), ..Default::default() };
/// let friday = DateParts { weekday: Some("Friday"), ..Default::default() };
/// assert_eq!(resolve(&friday, &ctx).unwrap().to_string(), "2024-01-26");
/// let sept = DateParts { month: Some("September"), rel_year: Some("last year"), ..Default::default() };
/// assert_eq!(resolve(&sept, &ctx).unwrap().to_string(), "2023-09");
/// ```
pub fn resolve(p: &DateParts<'_>, ctx: &DateContext) -> Option<PartialDate> {
    let reference = ctx.reference.or(ctx.last_year.map(PartialDate::year));
    if let Some(rel) = p.rel_day {
        let base = ctx
            .last_full
            .or(ctx.reference.filter(|r| r.day.is_some()))?;
        let rel = rel.to_lowercase();
        let shift = if rel.contains("following") || rel.contains("next") || rel.contains("after") {
            1
        } else if rel.contains("before") || rel.contains("previous") {
            -1
        } else {
            0
        };
        return base.add_days(shift);
    }
    if let Some(rel) = p.rel_month {
        let r = ctx.reference?;
        let m = r.month? as i32;
        let rel = rel.to_lowercase();
        let delta = if rel.contains("last") || rel.contains("previous") {
            -1
        } else if rel.contains("next") {
            1
        } else {
            0
        };
        let idx = r.year * 12 + (m - 1) + delta;
        return Some(PartialDate::month(
            idx.div_euclid(12),
            (idx.rem_euclid(12) + 1) as u8,
        ));
    }
    let month = p.month.and_then(month_number);
    let day: Option<u8> = p
        .day
        .and_then(|d| d.trim_end_matches(|c: char| c.is_alphabetic()).parse().ok());
    let mut year: Option<i32> = p.year.and_then(|y| y.parse().ok());
    if let Some(rel) = p.rel_year {
        let r = reference?.year;
        let rel = rel.to_lowercase();
        year = Some(if rel.contains("last") || rel.contains("previous") {
            r - 1
        } else if rel.contains("next") {
            r + 1
        } else {
            r
        });
    }
    if let Some(ago) = p.ago_days {
        let n: i64 = match ago.to_lowercase().as_str() {
            "today" | "this morning" | "tonight" | "this afternoon" | "this evening" => 0,
            "yesterday" | "last night" => 1,
            "the day before yesterday" => 2,
            other => other.split_whitespace().next()?.parse().ok()?,
        };
        return reference?.add_days(-n);
    }
    match (year, month, day) {
        (Some(y), Some(m), Some(d)) => PartialDate::ymd(y, m, d),
        (Some(y), Some(m), None) => Some(PartialDate::month(y, m)),
        (Some(y), None, None) => Some(PartialDate::year(y)),
        (None, Some(m), d) => {
            let r = reference?;
            let y =
                if p.last || (r.day.is_some() && r.month.is_some_and(|rm| m > rm) && d.is_none()) {
                    // "last February": the most recent February before the reference month
                    match r.month {
                        Some(rm) if m < rm => r.year,
                        Some(rm) if m == rm && !p.last => r.year,
                        Some(_) => r.year - 1,
                        None => r.year,
                    }
                } else {
                    r.year
                };
            match d {
                Some(d) => {
                    let date = PartialDate::ymd(y, m, d)?;
                    // "on November 20" in a February article is last November
                    match (date.days(), r.days()) {
                        (Some(x), Some(rd)) if x > rd + 45 => PartialDate::ymd(y - 1, m, d),
                        _ => Some(date),
                    }
                }
                None => Some(PartialDate::month(y, m)),
            }
        }
        (None, None, Some(d)) => {
            let (y, m) = ctx.last_month.or_else(|| {
                let r = reference?;
                Some((r.year, r.month?))
            })?;
            PartialDate::ymd(y, m, d)
        }
        (None, None, None) => {
            let w = p.weekday.and_then(weekday_number)?;
            let r = reference?;
            let rw = r.weekday()?;
            let back = (rw as i64 - w as i64).rem_euclid(7);
            r.add_days(-back)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(r: &str) -> DateContext {
        DateContext {
            reference: PartialDate::parse(r),
            ..Default::default()
        }
    }

    #[test]
    fn resolves_table() {
        let cases: &[(&str, DateParts, Option<&str>)] = &[
            (
                "2012-08-19",
                DateParts {
                    weekday: Some("Saturday"),
                    ..Default::default()
                },
                Some("2012-08-18"),
            ),
            (
                "2015-10-10",
                DateParts {
                    weekday: Some("Friday"),
                    ..Default::default()
                },
                Some("2015-10-09"),
            ),
            (
                "2015-10-10",
                DateParts {
                    weekday: Some("Saturday"),
                    ..Default::default()
                },
                Some("2015-10-10"),
            ),
            (
                "2019-06",
                DateParts {
                    month: Some("February"),
                    last: true,
                    ..Default::default()
                },
                Some("2019-02"),
            ),
            (
                "2024-01-27",
                DateParts {
                    month: Some("Jan."),
                    day: Some("26"),
                    ..Default::default()
                },
                Some("2024-01-26"),
            ),
            (
                "2025",
                DateParts {
                    month: Some("September"),
                    day: Some("4"),
                    ..Default::default()
                },
                Some("2025-09-04"),
            ),
            (
                "2025-06-17",
                DateParts {
                    month: Some("March"),
                    day: Some("21"),
                    ..Default::default()
                },
                Some("2025-03-21"),
            ),
            (
                "2024-02-07",
                DateParts {
                    month: Some("November"),
                    rel_year: Some("last year"),
                    ..Default::default()
                },
                Some("2023-11"),
            ),
            (
                "2018-04-28",
                DateParts {
                    ago_days: Some("today"),
                    ..Default::default()
                },
                Some("2018-04-28"),
            ),
            (
                "2018-04-28",
                DateParts {
                    ago_days: Some("yesterday"),
                    ..Default::default()
                },
                Some("2018-04-27"),
            ),
            (
                "2024-01-27",
                DateParts {
                    day: Some("4th"),
                    ..Default::default()
                },
                Some("2024-01-04"),
            ),
        ];
        for (r, p, want) in cases {
            assert_eq!(
                resolve(p, &ctx(r)).map(|d| d.to_string()).as_deref(),
                *want,
                "{r} {p:?}"
            );
        }
        // no reference, no year: unknown
        let none = DateContext::default();
        assert!(resolve(
            &DateParts {
                month: Some("November"),
                day: Some("20"),
                ..Default::default()
            },
            &none
        )
        .is_none());
    }

    #[test]
    fn calendar_roundtrip() {
        let d = PartialDate::ymd(2024, 2, 29).unwrap();
        assert_eq!(d.add_days(1).unwrap().to_string(), "2024-03-01");
        assert_eq!(PartialDate::ymd(2024, 1, 26).unwrap().weekday(), Some(4));
        assert!(PartialDate::ymd(2023, 2, 29).is_none());
    }
}
