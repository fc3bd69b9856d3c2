//! Resource quantities (`500m`, `2`, `1Gi`), kept as integer milli-units.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Kubernetes quantity in thousandths of its unit: `500m` cpu is 500, `1Ki` memory is 1,024,000.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quantity(pub i64);

impl Quantity {
    /// A quantity of whole units (saturating at the largest quantity).
    pub fn units(n: i64) -> Self {
        Quantity(n.saturating_mul(1000))
    }

    /// A quantity of whole units, or `None` when it does not fit.
    pub fn checked_units(n: i64) -> Option<Self> {
        n.checked_mul(1000).map(Quantity)
    }

    /// A quantity from a number of units (fractional), rounded to milli-units, or `None`
    /// when it is not finite or does not fit.
    fn from_f64_units(x: f64) -> Option<Self> {
        let milli = (x * 1000.0).round();
        // i64::MAX as f64 rounds up to 2^63, which does not fit: hence `<`.
        (milli.is_finite() && milli >= i64::MIN as f64 && milli < i64::MAX as f64)
            .then_some(Quantity(milli as i64))
    }

    fn too_large(text: &str) -> String {
        format!(
            "`{text}` is too large a quantity (at most {} units)",
            i64::MAX / 1000
        )
    }

    /// Parses Kubernetes' notation: a decimal number with an optional suffix
    /// (`m`, `k`, `M`, `G`, `T`, `Ki`, `Mi`, `Gi`, `Ti`). A quantity that does not fit in
    /// milli-units of an `i64` is an error, never a wrapped value.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
            .unwrap_or(text.len());
        let (number, suffix) = text.split_at(split);
        let value: f64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a quantity (expected e.g. 500m, 2, 1Gi)"))?;
        let scale: f64 = match suffix {
            "m" => 0.001,
            "" => 1.0,
            "k" => 1e3,
            "M" => 1e6,
            "G" => 1e9,
            "T" => 1e12,
            "Ki" => 1024.0,
            "Mi" => 1024.0 * 1024.0,
            "Gi" => 1024.0 * 1024.0 * 1024.0,
            "Ti" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
            other => return Err(format!("`{other}` is not a quantity suffix in `{text}`")),
        };
        if suffix.is_empty() && !number.contains('.') {
            // A whole number: exact, without going through floating point.
            return match number.parse::<i64>() {
                Ok(n) => Quantity::checked_units(n).ok_or_else(|| Quantity::too_large(text)),
                Err(_) if value.abs() >= 1.0 => Err(Quantity::too_large(text)),
                Err(_) => Err(format!(
                    "`{text}` is not a quantity (expected e.g. 500m, 2, 1Gi)"
                )),
            };
        }
        if suffix == "m" && !number.contains('.') {
            return number
                .parse::<i64>()
                .map(Quantity)
                .map_err(|_| Quantity::too_large(text));
        }
        Quantity::from_f64_units(value * scale).ok_or_else(|| Quantity::too_large(text))
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 % 1000 == 0 {
            write!(f, "{}", self.0 / 1000)
        } else {
            write!(f, "{}m", self.0)
        }
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Float(f64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(n) => Quantity::checked_units(n)
                .ok_or_else(|| serde::de::Error::custom(Quantity::too_large(&n.to_string()))),
            Raw::Float(x) => Quantity::from_f64_units(x)
                .ok_or_else(|| serde::de::Error::custom(Quantity::too_large(&x.to_string()))),
            Raw::Text(t) => Quantity::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kubernetes_notation() {
        assert_eq!(Quantity::parse("500m").unwrap(), Quantity(500));
        assert_eq!(Quantity::parse("2").unwrap(), Quantity(2000));
        assert_eq!(Quantity::parse("1Ki").unwrap(), Quantity(1_024_000));
        assert_eq!(Quantity::parse("1.5").unwrap(), Quantity(1500));
        assert!(Quantity::parse("lots").is_err());
        assert!(Quantity::parse("3Xi").is_err());
    }

    #[test]
    fn a_quantity_too_large_is_an_error_never_a_wrapped_value() {
        // i64::MAX milli-units is 9223372036854775.807 units.
        assert_eq!(
            Quantity::parse("9223372036854775").unwrap(),
            Quantity(9_223_372_036_854_775_000)
        );
        for text in ["9223372036854776", "99999999999999999999", "9000000Ti"] {
            let err = Quantity::parse(text).unwrap_err();
            assert!(err.contains("too large"), "{text}: {err}");
        }
        let yaml = |v: &str| serde_json::from_str::<Quantity>(v);
        assert!(yaml("9223372036854776").is_err());
        assert_eq!(
            yaml("9223372036854775").unwrap().0,
            9_223_372_036_854_775_000
        );
        assert!(yaml("1e300").is_err());
        assert_eq!(yaml("0.5").unwrap(), Quantity(500));
        assert_eq!(Quantity::units(i64::MAX), Quantity(i64::MAX));
    }

    #[test]
    fn round_trips_as_text() {
        assert_eq!(Quantity(500).to_string(), "500m");
        assert_eq!(Quantity::units(4).to_string(), "4");
    }
}
