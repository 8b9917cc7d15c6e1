//! The plan of a day, drawn from a scenario and a seed before the run starts: who arrives
//! when and stays how long, where they live, which events are created where, when and by
//! whom, and when those end. The same scenario and seed draw the same plan; what the
//! network does with it (timings, who wins a claim) varies from run to run.

use std::time::Duration;

use citypulse::Coordinates;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::file::Scenario;
use crate::walk::offset;

/// Seconds in the simulated day.
pub const DAY_S: f64 = 86_400.0;

/// One user's part of the day.
#[derive(Debug, Clone, PartialEq)]
pub struct UserPlan {
    /// When they come online, from the start of the run (wall clock).
    pub arrive: Duration,
    /// When they go offline (at most the run's length).
    pub leave: Duration,
    /// Where they live; they walk around it.
    pub home: Coordinates,
    /// Seed of their walk, their chat times and their choices.
    pub seed: u64,
}

/// One event of the day.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPlan {
    /// Its title.
    pub title: String,
    /// Where.
    pub at: Coordinates,
    /// Index of the user who creates (and ends) it.
    pub creator: usize,
    /// When it is created, from the start of the run.
    pub start: Duration,
    /// When its creator ends it (at most the run's length).
    pub end: Duration,
}

/// The whole day.
#[derive(Debug, Clone, PartialEq)]
pub struct DayPlan {
    /// One per registered user, in registration order.
    pub users: Vec<UserPlan>,
    /// Sorted by start.
    pub events: Vec<EventPlan>,
}

/// Simulated seconds of the day per wall-clock second of a run of `duration`.
pub fn compression(duration: Duration) -> f64 {
    DAY_S / duration.as_secs_f64().max(1e-3)
}

/// A uniformly random point within `radius` metres of `centre`.
fn point_within(centre: Coordinates, radius: f64, rng: &mut StdRng) -> Coordinates {
    let r = radius * rng.gen::<f64>().sqrt();
    let bearing = rng.gen_range(0.0..std::f64::consts::TAU);
    offset(centre, r, bearing)
}

/// An index drawn with probability proportional to `weights` (not all 0).
fn weighted(weights: &[f64], rng: &mut StdRng) -> usize {
    let total: f64 = weights.iter().sum();
    let mut roll = rng.gen::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if roll < *w {
            return i;
        }
        roll -= w;
    }
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

/// A simulated second of the day drawn from the hourly curve.
fn time_of_day(hourly: &[f64], rng: &mut StdRng) -> f64 {
    let hour = weighted(hourly, rng);
    (hour as f64 + rng.gen::<f64>()) * 3600.0
}

fn between(lo: f64, hi: f64, rng: &mut StdRng) -> f64 {
    if hi > lo {
        rng.gen_range(lo..=hi)
    } else {
        lo
    }
}

impl DayPlan {
    /// Draws the day of `s` (with its bounds as the run uses them) from `seed`.
    pub fn draw(s: &Scenario, seed: u64) -> anyhow::Result<DayPlan> {
        let mut rng = StdRng::seed_from_u64(seed);
        let duration = s.bounds.duration;
        let wall = |sim_s: f64| {
            Duration::from_secs_f64((sim_s / DAY_S).clamp(0.0, 1.0) * duration.as_secs_f64())
        };
        let centre = s.centre()?;
        let users: Vec<UserPlan> = (0..s.bounds.users)
            .map(|_| {
                let arrive = time_of_day(&s.day.hourly, &mut rng);
                let [lo, hi] = s.day.session_hours;
                let stay = between(lo, hi, &mut rng) * 3600.0;
                UserPlan {
                    arrive: wall(arrive),
                    leave: wall(arrive + stay),
                    home: point_within(centre, s.city.radius_m, &mut rng),
                    seed: rng.gen(),
                }
            })
            .collect();
        let weights: Vec<f64> = s.places.iter().map(|p| p.weight).collect();
        let mut events = Vec::with_capacity(s.bounds.events as usize);
        for i in 0..s.bounds.events {
            let place = &s.places[weighted(&weights, &mut rng)];
            let at = point_within(
                crate::util::coordinates(place.at[0], place.at[1])?,
                place.spread_m,
                &mut rng,
            );
            let start_s = time_of_day(&s.day.hourly, &mut rng);
            let [lo, hi] = s.day.event_hours;
            let end_s = start_s + between(lo, hi, &mut rng) * 3600.0;
            let (start, end) = (wall(start_s), wall(end_s));
            // Someone online then creates it (people create events where they are going);
            // when nobody is, anyone.
            let online: Vec<usize> = users
                .iter()
                .enumerate()
                .filter(|(_, u)| u.arrive <= start && start < u.leave)
                .map(|(i, _)| i)
                .collect();
            let creator = if online.is_empty() {
                rng.gen_range(0..users.len())
            } else {
                online[rng.gen_range(0..online.len())]
            };
            events.push(EventPlan {
                title: format!("{} #{}", place.name, i + 1),
                at,
                creator,
                start,
                end,
            });
        }
        events.sort_by_key(|e| e.start);
        Ok(DayPlan { users, events })
    }

    /// Most users online at once in the plan.
    pub fn peak_online(&self) -> usize {
        let mut edges: Vec<(Duration, i64)> = self
            .users
            .iter()
            .flat_map(|u| [(u.arrive, 1), (u.leave, -1)])
            .collect();
        edges.sort();
        let (mut now, mut peak) = (0i64, 0i64);
        for (_, d) in edges {
            now += d;
            peak = peak.max(now);
        }
        peak as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::file;

    fn city(users: u32, events: u32) -> Scenario {
        let mut s = file::load("city-day").unwrap();
        s.bounds.users = users;
        s.bounds.events = events;
        s
    }

    #[test]
    fn the_same_seed_draws_the_same_day_and_another_seed_another() {
        let s = city(300, 40);
        let a = DayPlan::draw(&s, 7).unwrap();
        assert_eq!(a, DayPlan::draw(&s, 7).unwrap());
        let b = DayPlan::draw(&s, 8).unwrap();
        assert_ne!(a.users, b.users);
        assert_ne!(a.events, b.events);
    }

    #[test]
    fn the_day_follows_the_curve_and_stays_in_bounds() {
        let s = city(5000, 300);
        let plan = DayPlan::draw(&s, 1).unwrap();
        assert_eq!(plan.users.len(), 5000);
        assert_eq!(plan.events.len(), 300);
        let run = s.bounds.duration;
        let centre = s.centre().unwrap();
        let hour = |d: Duration| (d.as_secs_f64() / run.as_secs_f64() * 24.0) as usize;
        let mut per_hour = [0usize; 24];
        for u in &plan.users {
            assert!(u.arrive <= u.leave && u.leave <= run);
            assert!(u.home.distance_m(&centre) <= s.city.radius_m + 1.0);
            per_hour[hour(u.arrive).min(23)] += 1;
        }
        // 03:00 weighs 1, 18:00 weighs 18 (of 256).
        assert!(per_hour[3] < per_hour[18] / 4, "{per_hour:?}");
        for w in plan.events.windows(2) {
            assert!(w[0].start <= w[1].start);
        }
        for e in &plan.events {
            assert!(e.start <= e.end && e.end <= run);
            assert!(e.creator < 5000);
            assert!(e.at.distance_m(&centre) < 20_000.0);
        }
        assert!(plan.peak_online() > 0 && plan.peak_online() < 5000);
    }
}
