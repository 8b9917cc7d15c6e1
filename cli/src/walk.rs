//! Random walks for `cpl simulate` (the crowd around a centre and the city-day scenario's
//! people around their neighbourhoods).

use citypulse::geo::EARTH_RADIUS_M;
use citypulse::Coordinates;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A random walk that turns a little at every step and heads back when it strays past
/// the radius.
pub struct Walker {
    /// Where it is now.
    pub pos: Coordinates,
    heading: f64,
    centre: Coordinates,
    radius: f64,
    rng: StdRng,
}

impl Walker {
    /// A walker at a uniformly random point within `radius` of `centre`.
    pub fn start(centre: Coordinates, radius: f64, seed: &mut StdRng) -> Walker {
        let mut rng = StdRng::seed_from_u64(seed.gen());
        let r = radius * rng.gen::<f64>().sqrt();
        let bearing = rng.gen_range(0.0..std::f64::consts::TAU);
        let pos = offset(centre, r, bearing);
        Walker {
            pos,
            heading: rng.gen_range(0.0..std::f64::consts::TAU),
            centre,
            radius,
            rng,
        }
    }

    /// Walks `metres` and returns the new position.
    pub fn step(&mut self, metres: f64) -> Coordinates {
        if self.pos.distance_m(&self.centre) > self.radius {
            self.heading = bearing(self.pos, self.centre) + self.rng.gen_range(-0.3..0.3);
        } else {
            self.heading += self.rng.gen_range(-0.5..0.5);
        }
        self.pos = offset(self.pos, metres, self.heading);
        self.pos
    }
}

/// The point `metres` from `from` along `bearing` (radians from north), on a flat patch of
/// the sphere (good to centimetres over a walking step).
pub fn offset(from: Coordinates, metres: f64, bearing: f64) -> Coordinates {
    let dlat = (metres * bearing.cos() / EARTH_RADIUS_M).to_degrees();
    let dlng = (metres * bearing.sin()
        / (EARTH_RADIUS_M * from.lat().to_radians().cos().max(1e-6)))
    .to_degrees();
    let lat = (from.lat() + dlat).clamp(-89.9, 89.9);
    let mut lng = from.lng() + dlng;
    if lng > 180.0 {
        lng -= 360.0;
    } else if lng < -180.0 {
        lng += 360.0;
    }
    Coordinates::new(lng, lat).unwrap_or(from)
}

/// The bearing from `a` to `b` (radians from north).
fn bearing(a: Coordinates, b: Coordinates) -> f64 {
    let dlat = b.lat() - a.lat();
    let dlng = (b.lng() - a.lng()) * a.lat().to_radians().cos();
    dlng.atan2(dlat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::PLAZA_DE_BOLIVAR;

    #[test]
    fn walkers_stay_near_the_centre_and_move_at_walking_pace() {
        let centre = Coordinates::new(PLAZA_DE_BOLIVAR.0, PLAZA_DE_BOLIVAR.1).unwrap();
        let mut seed = StdRng::seed_from_u64(7);
        let mut w = Walker::start(centre, 500.0, &mut seed);
        let mut prev = w.pos;
        for _ in 0..5000 {
            let p = w.step(1.4);
            let d = p.distance_m(&prev);
            assert!((d - 1.4).abs() < 0.01, "step {d}");
            assert!(p.distance_m(&centre) < 520.0);
            prev = p;
        }
    }
}
