//! The two metadata fields whose Kubernetes form differs from the model's: `resourceVersion`
//! (a revision; Kubernetes writes it as a string of digits) and `deletionTimestamp` (the
//! revision at which deletion was requested; Kubernetes writes an RFC 3339 time). The model has
//! no clock, so its logical time is shown as one: revision `r` is `r` seconds after the Unix
//! epoch (`1970-01-01T00:00:07Z` is revision 7). Both forms read back to the same revision.

use serde::Deserializer;
use serde::de::{self, Visitor};

use super::Revision;

const SECONDS_PER_DAY: u64 = 86_400;

/// A revision as Kubernetes writes a time: `1970-01-01T00:00:07Z` for revision 7.
pub fn timestamp(revision: Revision) -> String {
    let days = revision / SECONDS_PER_DAY;
    let seconds = revision % SECONDS_PER_DAY;
    let (year, month, day) = civil_of_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// The revision an RFC 3339 time stands for (seconds since the Unix epoch, fractions dropped),
/// or why it is not one.
pub fn parse_timestamp(text: &str) -> Result<Revision, String> {
    let bad = || format!("`{text}` is not an RFC 3339 time (e.g. 1970-01-01T00:00:07Z)");
    let bytes = text.as_bytes();
    if bytes.len() < 20 || !text.is_ascii() {
        return Err(bad());
    }
    let number = |from: usize, to: usize| -> Result<u64, String> {
        let part = &text[from..to];
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(i, c)| bytes[i] != c) || !matches!(bytes[10], b'T' | b't') {
        return Err(bad());
    }
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(bad());
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(bad());
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        rest = &fraction[digits..];
    }
    let offset: i64 = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && matches!(&rest[..1], "+" | "-") && &rest[3..4] == ":" => {
            let base = text.len() - 6;
            let minutes = (number(base + 1, base + 3)? * 60 + number(base + 4, base + 6)?) as i64;
            if &rest[..1] == "+" { minutes } else { -minutes }
        }
        _ => return Err(bad()),
    };
    let days = days_of_civil(year, month, day).ok_or_else(bad)?;
    let local = days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
    let utc = i128::from(local) - i128::from(offset) * 60;
    Revision::try_from(utc).map_err(|_| format!("`{text}` is before the Unix epoch"))
}

fn is_leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The days from 1970-01-01 to a date, or `None` before it.
fn days_of_civil(year: u64, month: u64, day: u64) -> Option<u64> {
    if year < 1970 {
        return None;
    }
    let mut days = 0;
    for y in 1970..year {
        days += if is_leap(y) { 366 } else { 365 };
    }
    for m in 1..month {
        days += days_in_month(year, m);
    }
    Some(days + day - 1)
}

/// The date `days` after 1970-01-01.
fn civil_of_days(mut days: u64) -> (u64, u64, u64) {
    let mut year = 1970;
    loop {
        let length = if is_leap(year) { 366 } else { 365 };
        if days < length {
            break;
        }
        days -= length;
        year += 1;
    }
    let mut month = 1;
    while days >= days_in_month(year, month) {
        days -= days_in_month(year, month);
        month += 1;
    }
    (year, month, days + 1)
}

/// Reads a `resourceVersion`: a whole number, or a string of digits (Kubernetes' form).
pub fn revision<'de, D: Deserializer<'de>>(d: D) -> Result<Revision, D::Error> {
    d.deserialize_any(RevisionVisitor)
}

/// Reads a `deletionTimestamp`: null, a whole number (a revision), or an RFC 3339 time.
pub fn deletion_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Revision>, D::Error> {
    d.deserialize_any(TimestampVisitor)
}

struct RevisionVisitor;

impl Visitor<'_> for RevisionVisitor {
    type Value = Revision;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a revision: a whole number or a string of digits")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Revision, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Revision, E> {
        Revision::try_from(v).map_err(|_| E::custom(format!("must not be negative ({v})")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Revision, E> {
        if v.is_empty() {
            return Ok(0);
        }
        if !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E::custom(format!(
                "`{v}` is not a revision (a string of digits)"
            )));
        }
        v.parse()
            .map_err(|_| E::custom(format!("`{v}` is too large for a revision")))
    }
}

struct TimestampVisitor;

impl<'de> Visitor<'de> for TimestampVisitor {
    type Value = Option<Revision>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a deletion timestamp: a revision or an RFC 3339 time")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        RevisionVisitor.visit_i64(v).map(Some)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        parse_timestamp(v).map(Some).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resources::Metadata;

    #[test]
    fn a_revision_is_a_time_and_back() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(7), "1970-01-01T00:00:07Z");
        assert_eq!(timestamp(86_400 * 59 + 3_661), "1970-03-01T01:01:01Z");
        // 2000 is a leap year: 2000-02-29 exists.
        assert_eq!(timestamp(951_782_400), "2000-02-29T00:00:00Z");
        for r in [0, 1, 59, 3_600, 86_399, 86_400, 951_782_400, 1_700_000_000] {
            assert_eq!(parse_timestamp(&timestamp(r)), Ok(r), "{r}");
        }
        assert_eq!(parse_timestamp("1970-01-01T01:00:07+01:00"), Ok(7));
        assert_eq!(parse_timestamp("1970-01-01T00:00:07.999Z"), Ok(7));
        for bad in [
            "",
            "7",
            "1970-01-01 00:00:07",
            "1970-13-01T00:00:07Z",
            "1970-02-30T00:00:07Z",
            "1970-01-01T00:00:07",
            "1970-01-01T00:00:07.Z",
            "1969-12-31T23:59:59Z",
            "1970-01-01T00:00:00+01:00",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metadata_reads_the_kubernetes_forms_and_the_models() {
        let kube: Metadata = serde_json::from_str(
            r#"{"name":"p","resourceVersion":"12","deletionTimestamp":"1970-01-01T00:00:09Z"}"#,
        )
        .unwrap();
        let model: Metadata =
            serde_json::from_str(r#"{"name":"p","resourceVersion":12,"deletionTimestamp":9}"#)
                .unwrap();
        assert_eq!(kube, model);
        assert_eq!(kube.resource_version, 12);
        assert_eq!(kube.deletion_timestamp, Some(9));
        let none: Metadata =
            serde_json::from_str(r#"{"name":"p","resourceVersion":"","deletionTimestamp":null}"#)
                .unwrap();
        assert_eq!((none.resource_version, none.deletion_timestamp), (0, None));
        for bad in [
            r#"{"resourceVersion":"12a"}"#,
            r#"{"resourceVersion":-1}"#,
            r#"{"deletionTimestamp":"yesterday"}"#,
        ] {
            assert!(serde_json::from_str::<Metadata>(bad).is_err(), "{bad}");
        }
    }
}
