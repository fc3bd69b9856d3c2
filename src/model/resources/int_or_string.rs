//! `IntOrString`: a count or a percentage, as in `maxSurge: 25%`.

use serde::{Deserialize, Serialize};

/// A number, or a percentage written as a string.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// An absolute count.
    Int(i32),
    /// A percentage such as `25%` (or a count written as a string).
    String(String),
}

impl IntOrString {
    /// The value scaled against `total`, rounding up or down as Kubernetes'
    /// `GetScaledValueFromIntOrPercent` does. Malformed strings give an error.
    pub fn scaled(&self, total: i32, round_up: bool) -> Result<i32, String> {
        match self {
            IntOrString::Int(n) => Ok(*n),
            IntOrString::String(s) => {
                if let Some(pct) = s.strip_suffix('%') {
                    let pct: i64 = pct
                        .trim()
                        .parse()
                        .map_err(|_| format!("invalid percentage `{s}`"))?;
                    let product = pct * total as i64;
                    let value = if round_up {
                        (product + 99) / 100
                    } else {
                        product / 100
                    };
                    Ok(value as i32)
                } else {
                    s.trim()
                        .parse()
                        .map_err(|_| format!("invalid count or percentage `{s}`"))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_like_kubernetes() {
        let p = IntOrString::String("25%".into());
        assert_eq!(p.scaled(10, true), Ok(3));
        assert_eq!(p.scaled(10, false), Ok(2));
        assert_eq!(IntOrString::Int(2).scaled(10, true), Ok(2));
        assert!(IntOrString::String("x%".into()).scaled(10, true).is_err());
    }
}
