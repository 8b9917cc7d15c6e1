//! Demo and load-test data: events spread uniformly over greater Bogotá, made
//! deterministically from a seed so benchmark runs are repeatable.

use citypulse::geo::Coordinates;
use citypulse::ids::{EventId, UserId};
use citypulse::time;

use crate::store::NewEvent;

/// South-west and north-east corners of greater Bogotá (about 40 km by 25 km).
pub const BOGOTA_SW: (f64, f64) = (-74.22, 4.47);
/// See [`BOGOTA_SW`].
pub const BOGOTA_NE: (f64, f64) = (-73.99, 4.83);

const CATEGORIES: [&str; 5] = ["cultura", "deporte", "entretenimiento", "civico", "mercado"];

/// A small deterministic generator (an LCG): repeatable and dependency-free.
pub struct Scatter(u64);

impl Scatter {
    /// Starts from `seed`.
    pub fn new(seed: u64) -> Self {
        Scatter(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A point inside greater Bogotá.
    pub fn point(&mut self) -> Coordinates {
        let lng = BOGOTA_SW.0 + self.unit() * (BOGOTA_NE.0 - BOGOTA_SW.0);
        let lat = BOGOTA_SW.1 + self.unit() * (BOGOTA_NE.1 - BOGOTA_SW.1);
        // Both lie between the constant corners, well inside the valid ranges.
        Coordinates::new(lng, lat).expect("inside greater Bogotá by construction")
    }
}

/// `n` events created by `creator`, scattered over greater Bogotá.
pub fn bogota_events(n: usize, creator: &UserId, seed: u64) -> impl Iterator<Item = NewEvent> + '_ {
    let mut scatter = Scatter::new(seed);
    (0..n).map(move |i| NewEvent {
        id: EventId::generate(),
        title: format!("Evento de prueba {i}"),
        description: None,
        category: CATEGORIES[i % CATEGORIES.len()].to_string(),
        creator_id: creator.clone(),
        location: scatter.point(),
        address: None,
        starts_at: None,
        ends_at: None,
        created_at: time::now(),
        daily_room_name: None,
        daily_room_url: None,
    })
}
