//! Resource quantities (`500m`, `2`, `1Gi`), kept as integer milli-units.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Kubernetes quantity in thousandths of its unit: `500m` cpu is 500, `1Ki` memory is 1,024,000.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quantity(pub i64);

impl Quantity {
    /// A quantity of whole units.
    pub fn units(n: i64) -> Self {
        Quantity(n * 1000)
    }

    /// Parses Kubernetes' notation: a decimal number with an optional suffix
    /// (`m`, `k`, `M`, `G`, `T`, `Ki`, `Mi`, `Gi`, `Ti`).
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
        Ok(Quantity((value * scale * 1000.0).round() as i64))
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
            Raw::Int(n) => Ok(Quantity::units(n)),
            Raw::Float(x) => Ok(Quantity((x * 1000.0).round() as i64)),
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
    fn round_trips_as_text() {
        assert_eq!(Quantity(500).to_string(), "500m");
        assert_eq!(Quantity::units(4).to_string(), "4");
    }
}
