//! Dropping collectibles into events: the Bogotá catalogue, the odds, and the broadcast.

use std::sync::atomic::Ordering;
use std::time::Duration;

use citypulse::api::DropRequest;
use citypulse::ids::{CollectibleId, EventId};
use citypulse::model::{Collectible, EventStatus, Rarity};
use citypulse::time;
use citypulse::validate;
use citypulse::ws::ServerMessage;
use rand::Rng;

use crate::domain::error::DomainError;
use crate::domain::state::State;

/// What can drop, by rarity: landmarks, food and symbols of Bogotá.
pub const CATALOGUE: &[(Rarity, &[&str])] = &[
    (
        Rarity::Common,
        &[
            "Tinto de la Séptima",
            "Arepa de Choclo",
            "Buñuelo",
            "Almojábana",
            "Chocolate Santafereño",
            "Pase de TransMilenio",
        ],
    ),
    (
        Rarity::Rare,
        &[
            "Ajiaco Santafereño",
            "Ruana de Lana",
            "Grafiti de La Candelaria",
            "Paloma de la Plaza de Bolívar",
        ],
    ),
    (
        Rarity::Epic,
        &[
            "Funicular de Monserrate",
            "Balsa Muisca",
            "Torre Colpatria Iluminada",
        ],
    ),
    (
        Rarity::Legendary,
        &["Cacique de Guatavita", "Esmeralda de Muzo"],
    ),
];

/// Odds per rarity, out of 100: rarer ones less often.
const ODDS: [(Rarity, u32); 4] = [
    (Rarity::Common, 65),
    (Rarity::Rare, 25),
    (Rarity::Epic, 8),
    (Rarity::Legendary, 2),
];

/// Draws a rarity by the odds.
pub fn draw_rarity(rng: &mut impl Rng) -> Rarity {
    let mut roll = rng.gen_range(0..100);
    for (rarity, weight) in ODDS {
        if roll < weight {
            return rarity;
        }
        roll -= weight;
    }
    Rarity::Common
}

/// Draws a name of `rarity` from the catalogue.
pub fn draw_name(rng: &mut impl Rng, rarity: Rarity) -> String {
    CATALOGUE
        .iter()
        .find(|(r, _)| *r == rarity)
        .and_then(|(_, names)| names.get(rng.gen_range(0..names.len())))
        .map(|s| s.to_string())
        .unwrap_or_else(|| "Recuerdo de Bogotá".to_string())
}

/// Drops a collectible into an active event and tells its room `collectible_drop`.
/// Fields not given come from the catalogue and `default_ttl`.
pub async fn drop_into(
    state: &State,
    event: &EventId,
    req: DropRequest,
    default_ttl: Duration,
) -> Result<Collectible, DomainError> {
    let ev = state.store.event(event).await?;
    if ev.status == EventStatus::Ended {
        return Err(DomainError::DropsClosed {
            event: event.clone(),
        });
    }
    let (rarity, name) = {
        let mut rng = rand::thread_rng();
        let rarity = req.rarity.unwrap_or_else(|| draw_rarity(&mut rng));
        let name = match &req.name {
            Some(n) => validate::collectible_name(n)?,
            None => draw_name(&mut rng, rarity),
        };
        (rarity, name)
    };
    let points = match req.points {
        Some(p) => validate::in_range("points", p as i64, 1, 10_000)? as u32,
        None => rarity.default_points(),
    };
    let ttl = match req.expires_in {
        Some(s) => Duration::from_secs(validate::in_range(
            "expires_in",
            s.min(i64::MAX as u64) as i64,
            1,
            86_400,
        )? as u64),
        None => default_ttl,
    };
    let now = time::now();
    let collectible = Collectible {
        id: CollectibleId::generate(),
        event_id: event.clone(),
        name,
        rarity,
        points,
        dropped_at: now,
        expires_at: time::truncate_millis(
            now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::seconds(30)),
        ),
        claimed_by: None,
        claimed_at: None,
        is_active: true,
    };
    state.store.drop_collectible(&collectible).await?;
    state.metrics.drops.fetch_add(1, Ordering::Relaxed);
    let msg = ServerMessage::CollectibleDrop {
        collectible: collectible.clone(),
        expires_in: ttl.as_secs(),
    };
    state
        .hub
        .broadcast_room(state.store.as_ref(), event, &msg)
        .await?;
    Ok(collectible)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn rarer_drops_come_less_often() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut counts = std::collections::HashMap::new();
        for _ in 0..10_000 {
            *counts.entry(draw_rarity(&mut rng)).or_insert(0u32) += 1;
        }
        let c = |r| counts.get(&r).copied().unwrap_or(0);
        assert!(c(Rarity::Common) > c(Rarity::Rare));
        assert!(c(Rarity::Rare) > c(Rarity::Epic));
        assert!(c(Rarity::Epic) > c(Rarity::Legendary));
        assert!(c(Rarity::Legendary) > 0);
    }

    #[test]
    fn names_come_from_the_rarity() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for rarity in Rarity::ALL {
            let name = draw_name(&mut rng, rarity);
            let names = CATALOGUE.iter().find(|(r, _)| *r == rarity).unwrap().1;
            assert!(names.contains(&name.as_str()));
        }
    }
}
