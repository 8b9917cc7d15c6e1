//! Small parsers shared by commands.

use std::time::Duration;

use citypulse::Coordinates;

use crate::error::usage;

/// Plaza de Bolívar, Bogotá, `(lng, lat)`: the default centre of simulations.
pub const PLAZA_DE_BOLIVAR: (f64, f64) = (-74.0761, 4.5981);

/// Parses `30`, `30s`, `500ms`, `2m`, `1h` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, "s"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration; use e.g. 30s, 500ms, 2m or 1h"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" | "sec" | "secs" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("unknown unit {unit:?} in {s:?}; use ms, s, m or h")),
    };
    if !secs.is_finite() || !(0.0..=7.0 * 86400.0).contains(&secs) {
        return Err(format!("{s:?} is out of range (0 to 7 days)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Checks a position given as flags (`--lng`, `--lat`): a usage error (exit 2) naming the order.
pub fn coordinates(lng: f64, lat: f64) -> anyhow::Result<Coordinates> {
    Coordinates::new(lng, lat).map_err(|e| usage(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("3 weeks").is_err());
        assert!(parse_duration("100000h").is_err());
    }
}
