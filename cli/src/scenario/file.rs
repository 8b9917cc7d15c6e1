//! Scenario files: what a synthetic day looks like (its bounds, its city, its hourly
//! curve, how people behave, where events happen), as TOML. The built-in `city-day` is
//! embedded in the binary and is also the template: every key a file leaves out takes
//! the built-in's value, so a file says only what it changes.

use std::path::Path;
use std::time::Duration;

use citypulse::Coordinates;
use serde::Deserialize;

use crate::error::usage;
use crate::util::parse_duration;

/// The built-in scenarios, by name: the embedded TOML of each.
pub const BUILT_IN: [(&str, &str); 1] =
    [("city-day", include_str!("../../scenarios/city-day.toml"))];

/// A validated scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Its name (shown in reports).
    pub name: String,
    /// One sentence about it.
    #[serde(default)]
    pub description: String,
    /// Limits of the run.
    pub bounds: Bounds,
    /// Where it happens.
    pub city: City,
    /// The shape of the day.
    pub day: Day,
    /// How online users act.
    pub behaviour: Behaviour,
    /// Where events happen.
    pub places: Vec<Place>,
}

/// `[bounds]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    /// Users registered; at most this many online at once.
    pub users: u32,
    /// Events created over the day.
    pub events: u32,
    /// Wall-clock length of the run (the whole day is compressed into it).
    #[serde(deserialize_with = "duration")]
    pub duration: Duration,
    /// Requests and frames sent per second, all users together, at most.
    pub max_rate_per_s: f64,
}

/// `[city]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct City {
    /// `[longitude, latitude]`.
    pub centre: [f64; 2],
    /// How far from the centre people live, metres.
    pub radius_m: f64,
}

/// `[day]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Day {
    /// Relative weights of the 24 hours.
    pub hourly: Vec<f64>,
    /// How long a user stays online, simulated hours, `[min, max]`.
    pub session_hours: [f64; 2],
    /// How long an event lasts, simulated hours, `[min, max]`.
    pub event_hours: [f64; 2],
}

/// `[behaviour]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    /// Wall-clock seconds between two location updates of an online user.
    pub location_every_s: f64,
    /// Simulated metres per simulated second.
    pub walk_speed_mps: f64,
    /// How far from home people walk, metres.
    pub wander_m: f64,
    /// Chance of joining a run's event seen in `nearby_events`.
    pub join_probability: f64,
    /// Rooms one user is in at most at once.
    pub max_rooms: u32,
    /// Mean wall-clock seconds between two chat messages of one member in one room.
    pub chat_every_s: f64,
    /// Chance a member who sees a drop claims it.
    pub claim_probability: f64,
    /// Reaction time before a claim, milliseconds, `[min, max]`.
    pub reaction_ms: [u64; 2],
}

/// One `[[places]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// Its name (events are titled after it).
    pub name: String,
    /// `[longitude, latitude]`.
    pub at: [f64; 2],
    /// Events are scattered within this many metres of it.
    pub spread_m: f64,
    /// How often it is chosen, relative to the other places.
    pub weight: f64,
}

/// A duration as `"10m"`, `"90s"`, or a number of seconds.
fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Secs(f64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Secs(s) if (0.0..=7.0 * 86400.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
        Raw::Secs(s) => Err(serde::de::Error::custom(format!(
            "{s} seconds is out of range (0 to 7 days)"
        ))),
        Raw::Text(t) => parse_duration(&t).map_err(serde::de::Error::custom),
    }
}

/// The text of a built-in scenario, or `None` when `name` is not one.
pub fn built_in(name: &str) -> Option<&'static str> {
    BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// `--scenario NAME|FILE`: a built-in by name, else a TOML file read over the `city-day`
/// defaults, validated. Errors are usage errors naming the key and its allowed range.
pub fn load(spec: &str) -> anyhow::Result<Scenario> {
    if let Some(text) = built_in(spec) {
        return parse(text, spec);
    }
    let path = Path::new(spec);
    let text = std::fs::read_to_string(path).map_err(|e| {
        usage(format!(
            "--scenario {spec:?} is neither a built-in scenario ({}) nor a readable file ({e})",
            BUILT_IN.map(|(n, _)| n).join(", ")
        ))
    })?;
    parse(&text, &path.display().to_string())
}

/// Parses `text` (from `origin`, for messages) over the built-in defaults and validates it.
pub fn parse(text: &str, origin: &str) -> anyhow::Result<Scenario> {
    let mut base: toml::Table = toml::from_str(BUILT_IN[0].1)
        .map_err(|e| usage(format!("the built-in scenario does not parse: {e}")))?;
    let given: toml::Table = toml::from_str(text)
        .map_err(|e| usage(format!("scenario {origin} is not valid TOML: {e}")))?;
    if !given.contains_key("name") {
        return Err(usage(format!(
            "scenario {origin} has no `name`; add a line like name = \"my-day\""
        )));
    }
    merge(&mut base, given);
    let scenario: Scenario = toml::Value::Table(base)
        .try_into()
        .map_err(|e| usage(format!("scenario {origin}: {}", one_line(&e.to_string()))))?;
    scenario
        .validate()
        .map_err(|e| usage(format!("scenario {origin}: {e}")))?;
    Ok(scenario)
}

/// `over`'s keys replace `base`'s; tables merge key by key, arrays (`places`) are replaced.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `Err` with "`key` = value is out of range; it must be ..." unless `ok`.
fn check(ok: bool, key: &str, value: impl std::fmt::Display, range: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{key} = {value} is out of range; it must be {range}"
        ))
    }
}

fn span(key: &str, [lo, hi]: [f64; 2], min: f64, max: f64) -> Result<(), String> {
    check(
        lo.is_finite() && hi.is_finite() && min <= lo && lo <= hi && hi <= max,
        key,
        format!("[{lo}, {hi}]"),
        &format!("[min, max] with {min} <= min <= max <= {max}"),
    )
}

fn position(key: &str, [lng, lat]: [f64; 2]) -> Result<Coordinates, String> {
    Coordinates::new(lng, lat).map_err(|e| format!("{key} = [{lng}, {lat}]: {e}"))
}

impl Scenario {
    /// Checks every value against its allowed range.
    pub fn validate(&self) -> Result<(), String> {
        let b = &self.bounds;
        check(
            !self.name.trim().is_empty() && self.name.len() <= 100,
            "name",
            format!("{:?}", self.name),
            "1 to 100 characters",
        )?;
        check(
            (1..=100_000).contains(&b.users),
            "bounds.users",
            b.users,
            "1 to 100000",
        )?;
        check(
            b.events <= 100_000,
            "bounds.events",
            b.events,
            "0 to 100000",
        )?;
        check(
            (1.0..=86_400.0).contains(&b.duration.as_secs_f64()),
            "bounds.duration",
            format!("{:?}", b.duration),
            "1s to 24h",
        )?;
        check(
            (1.0..=1_000_000.0).contains(&b.max_rate_per_s),
            "bounds.max_rate_per_s",
            b.max_rate_per_s,
            "1 to 1000000",
        )?;
        position("city.centre", self.city.centre)?;
        check(
            (100.0..=100_000.0).contains(&self.city.radius_m),
            "city.radius_m",
            self.city.radius_m,
            "100 to 100000 metres",
        )?;
        let d = &self.day;
        check(
            d.hourly.len() == 24,
            "day.hourly",
            format!("a list of {}", d.hourly.len()),
            "a list of 24 weights, one per hour from 00:00",
        )?;
        check(
            d.hourly.iter().all(|w| w.is_finite() && *w >= 0.0)
                && d.hourly.iter().sum::<f64>() > 0.0,
            "day.hourly",
            format!("{:?}", d.hourly),
            "24 weights of 0 or more, not all 0",
        )?;
        span("day.session_hours", d.session_hours, 0.01, 24.0)?;
        span("day.event_hours", d.event_hours, 0.01, 24.0)?;
        let h = &self.behaviour;
        check(
            (0.05..=3600.0).contains(&h.location_every_s),
            "behaviour.location_every_s",
            h.location_every_s,
            "0.05 to 3600 seconds",
        )?;
        check(
            (0.0..=50.0).contains(&h.walk_speed_mps),
            "behaviour.walk_speed_mps",
            h.walk_speed_mps,
            "0 to 50 metres per second",
        )?;
        check(
            (0.0..=50_000.0).contains(&h.wander_m),
            "behaviour.wander_m",
            h.wander_m,
            "0 to 50000 metres",
        )?;
        check(
            (0.0..=1.0).contains(&h.join_probability),
            "behaviour.join_probability",
            h.join_probability,
            "0 to 1",
        )?;
        check(
            (1..=50).contains(&h.max_rooms),
            "behaviour.max_rooms",
            h.max_rooms,
            "1 to 50 (the daemon's CPL_MAX_ROOMS_PER_USER is 50 by default)",
        )?;
        check(
            (0.05..=86_400.0).contains(&h.chat_every_s),
            "behaviour.chat_every_s",
            h.chat_every_s,
            "0.05 to 86400 seconds",
        )?;
        check(
            (0.0..=1.0).contains(&h.claim_probability),
            "behaviour.claim_probability",
            h.claim_probability,
            "0 to 1",
        )?;
        let [lo, hi] = h.reaction_ms;
        check(
            lo <= hi && hi <= 60_000,
            "behaviour.reaction_ms",
            format!("[{lo}, {hi}]"),
            "[min, max] with 0 <= min <= max <= 60000",
        )?;
        check(
            !self.places.is_empty() && self.places.len() <= 10_000,
            "places",
            format!("{} places", self.places.len()),
            "1 to 10000 [[places]] tables",
        )?;
        for (i, p) in self.places.iter().enumerate() {
            let key = |k: &str| format!("places[{i}].{k}");
            position(&key("at"), p.at)?;
            check(
                (0.0..=50_000.0).contains(&p.spread_m),
                &key("spread_m"),
                p.spread_m,
                "0 to 50000 metres",
            )?;
            check(
                p.weight.is_finite() && p.weight > 0.0,
                &key("weight"),
                p.weight,
                "more than 0",
            )?;
            check(
                !p.name.trim().is_empty() && p.name.len() <= 100,
                &key("name"),
                format!("{:?}", p.name),
                "1 to 100 characters",
            )?;
        }
        Ok(())
    }

    /// The centre as coordinates.
    pub fn centre(&self) -> anyhow::Result<Coordinates> {
        crate::util::coordinates(self.city.centre[0], self.city.centre[1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text, "t.toml").unwrap_err().to_string()
    }

    #[test]
    fn the_built_in_parses_and_is_valid() {
        let s = load("city-day").unwrap();
        assert_eq!(s.name, "city-day");
        assert_eq!(s.day.hourly.len(), 24);
        assert!(s.places.len() >= 5);
        assert_eq!(s.bounds.duration, Duration::from_secs(600));
    }

    #[test]
    fn a_file_changes_only_what_it_says() {
        let s = parse(
            "name = \"mine\"\n[bounds]\nusers = 50\nduration = 30\n[[places]]\nname = \"Home\"\nat = [-74.1, 4.6]\nspread_m = 10.0\nweight = 1.0\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(s.name, "mine");
        assert_eq!(s.bounds.users, 50);
        assert_eq!(s.bounds.duration, Duration::from_secs(30));
        assert_eq!(s.bounds.events, 300, "the built-in's value");
        assert_eq!(s.places.len(), 1, "arrays are replaced, not merged");
    }

    #[test]
    fn bad_values_are_named_with_their_range() {
        let e = err("name = \"x\"\n[bounds]\nusers = 0\n");
        assert!(
            e.contains("bounds.users = 0") && e.contains("1 to 100000"),
            "{e}"
        );
        let e = err("name = \"x\"\n[day]\nhourly = [1, 2]\n");
        assert!(e.contains("day.hourly") && e.contains("24"), "{e}");
        let e = err("name = \"x\"\n[behaviour]\njoin_probability = 1.5\n");
        assert!(
            e.contains("behaviour.join_probability = 1.5") && e.contains("0 to 1"),
            "{e}"
        );
        let e = err("name = \"x\"\n[day]\nsession_hours = [3.0, 1.0]\n");
        assert!(e.contains("day.session_hours"), "{e}");
        let e = err("name = \"x\"\n[bounds]\nduration = \"soon\"\n");
        assert!(e.contains("soon"), "{e}");
        let e = err("name = \"x\"\n[bounds]\nuserz = 3\n");
        assert!(e.contains("userz"), "{e}");
        let e = err("[bounds]\nusers = 3\n");
        assert!(e.contains("no `name`"), "{e}");
        let e = err("name = \"x\"\n[city]\ncentre = [200.0, 4.65]\n");
        assert!(e.contains("city.centre"), "{e}");
        let e = err("name = \"x\"\nplaces = []\n");
        assert!(e.contains("places"), "{e}");
        let e = err("name = ");
        assert!(e.contains("not valid TOML"), "{e}");
        let e = load("no/such/file.toml").unwrap_err().to_string();
        assert!(e.contains("city-day"), "{e}");
    }
}
