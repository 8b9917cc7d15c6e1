//! An in-memory nearest-neighbour index of active events, for the embedded store.
//!
//! Why: "the 20 nearest active events within 5 km" over a million events in greater
//! Bogotá would find tens of thousands of events in a 5 km box; filtering and sorting all
//! of them costs time in proportion to the city, not to the answer. An R-tree
//! nearest-neighbour walk visits events in distance order and stops after the answer
//! (plus ties), so the cost grows with the answer.
//!
//! Points are kept as 3-D positions on the unit sphere: the straight-line (chord) distance
//! between two such points grows strictly with their great-circle distance, so the R-tree's
//! Euclidean order *is* the great-circle order, with no distortion near the poles or
//! across the antimeridian. The exact distance is still computed on the stored row by the
//! caller, which makes the final cut and order.
//!
//! The index holds only active events: the store inserts on create and removes on end or
//! delete, after the transaction commits, and rebuilds it from the table at open. Each
//! entry carries a value of the store's choosing (the embedded store keeps the event's row,
//! so a near-me query never reads the database).

use std::collections::HashMap;

use citypulse::geo::{Coordinates, EARTH_RADIUS_M};
use rstar::{PointDistance, RTree, RTreeObject, AABB};

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    xyz: [f64; 3],
    seq: i64,
    category: u32,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 3]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_point(self.xyz)
    }
}

impl PointDistance for Entry {
    fn distance_2(&self, p: &[f64; 3]) -> f64 {
        let d = [self.xyz[0] - p[0], self.xyz[1] - p[1], self.xyz[2] - p[2]];
        d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
    }
}

/// Active events by position, each with a value `T`; keys are the events table's integer
/// `seq`.
pub struct SpatialIndex<T = ()> {
    tree: RTree<Entry>,
    /// Boxed: a hash table's slots are sized for up to twice the entries, so a large `T`
    /// inline would double its memory (a million events: about 500 MB instead of 250).
    by_seq: HashMap<i64, Box<(Entry, T)>>,
    categories: HashMap<String, u32>,
}

impl<T> Default for SpatialIndex<T> {
    fn default() -> Self {
        SpatialIndex {
            tree: RTree::new(),
            by_seq: HashMap::new(),
            categories: HashMap::new(),
        }
    }
}

/// The unit-sphere position of a coordinate.
fn xyz(c: &Coordinates) -> [f64; 3] {
    let (lat, lng) = (c.lat().to_radians(), c.lng().to_radians());
    [lat.cos() * lng.cos(), lat.cos() * lng.sin(), lat.sin()]
}

/// Great-circle metres for a squared chord length on the unit sphere.
fn chord2_to_m(chord2: f64) -> f64 {
    2.0 * EARTH_RADIUS_M * (chord2.max(0.0).sqrt() / 2.0).min(1.0).asin()
}

impl<T> SpatialIndex<T> {
    /// Builds an index from `(seq, position, category, value)` in one bulk load (fast at
    /// start-up); `expected` sizes it (how many entries are coming, roughly).
    pub fn bulk(
        entries: impl IntoIterator<Item = (i64, Coordinates, String, T)>,
        expected: usize,
    ) -> Self {
        let mut index = SpatialIndex::default();
        index.by_seq.reserve(expected);
        let mut list = Vec::with_capacity(expected);
        for (seq, at, category, value) in entries {
            let e = Entry {
                xyz: xyz(&at),
                seq,
                category: index.category_id(&category),
            };
            index.by_seq.insert(seq, Box::new((e, value)));
            list.push(e);
        }
        index.tree = RTree::bulk_load(list);
        index
    }

    fn category_id(&mut self, category: &str) -> u32 {
        let next = self.categories.len() as u32;
        *self.categories.entry(category.to_string()).or_insert(next)
    }

    /// Adds an active event, or replaces its value (and moves it, when its position or
    /// category changed).
    pub fn insert(&mut self, seq: i64, at: Coordinates, category: &str, value: T) {
        let e = Entry {
            xyz: xyz(&at),
            seq,
            category: self.category_id(category),
        };
        match self
            .by_seq
            .insert(seq, Box::new((e, value)))
            .map(|old| old.0)
        {
            // Same place: the tree already holds this entry.
            Some(old) if old == e => {}
            Some(old) => {
                self.tree.remove(&old);
                self.tree.insert(e);
            }
            None => self.tree.insert(e),
        }
    }

    /// Removes an event (ended or deleted); a no-op when absent.
    pub fn remove(&mut self, seq: i64) {
        if let Some(old) = self.by_seq.remove(&seq) {
            self.tree.remove(&old.0);
        }
    }

    /// The value kept for an event.
    pub fn get(&self, seq: i64) -> Option<&T> {
        self.by_seq.get(&seq).map(|entry| &entry.1)
    }

    /// How many events are indexed.
    pub fn len(&self) -> usize {
        self.by_seq.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.by_seq.is_empty()
    }

    /// The `seq`s of the nearest `limit` events within `max_m` metres of `center`
    /// (optionally of one category), nearest first — plus any that tie with the last one
    /// within a millimetre, so the caller's exact (distance, id) order cuts the same way
    /// a full sort would.
    pub fn nearest(
        &self,
        center: &Coordinates,
        max_m: f64,
        limit: usize,
        category: Option<&str>,
    ) -> Vec<i64> {
        if limit == 0 {
            return Vec::new();
        }
        let wanted = match category {
            Some(c) => match self.categories.get(c) {
                Some(id) => Some(*id),
                None => return Vec::new(),
            },
            None => None,
        };
        let mut out = Vec::with_capacity(limit);
        let mut last = f64::NEG_INFINITY;
        for (e, chord2) in self
            .tree
            .nearest_neighbor_iter_with_distance_2(&xyz(center))
        {
            let d = chord2_to_m(chord2);
            // A millimetre of slack: the caller's exact haversine decides the edge.
            if d > max_m + 1e-3 {
                break;
            }
            if wanted.is_some_and(|w| w != e.category) {
                continue;
            }
            if out.len() >= limit && d > last + 1e-3 {
                break;
            }
            last = d;
            out.push(e.seq);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(lng: f64, lat: f64) -> Coordinates {
        Coordinates::new(lng, lat).unwrap()
    }

    #[test]
    fn nearest_matches_a_full_sort() {
        // A deterministic scatter over greater Bogotá.
        let mut pts = Vec::new();
        let mut x: u64 = 42;
        for seq in 0..5000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let lng = -74.25 + (x >> 33) as f64 / (1u64 << 31) as f64 * 0.4;
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let lat = 4.45 + (x >> 33) as f64 / (1u64 << 31) as f64 * 0.4;
            let cat = if seq % 3 == 0 { "deporte" } else { "cultura" };
            pts.push((seq, c(lng, lat), cat.to_string(), ()));
        }
        let index = SpatialIndex::bulk(pts.clone(), pts.len());
        let center = c(-74.07, 4.65);
        for (max_m, limit, cat) in [
            (5000.0, 20, None),
            (800.0, 100, None),
            (3000.0, 7, Some("deporte")),
        ] {
            let mut want: Vec<(f64, i64)> = pts
                .iter()
                .filter(|(_, _, k, _)| cat.is_none_or(|c| c == k))
                .map(|(s, p, _, _)| (center.distance_m(p), *s))
                .filter(|(d, _)| *d <= max_m)
                .collect();
            want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            want.truncate(limit);
            let got = index.nearest(&center, max_m, limit, cat);
            let mut got: Vec<(f64, i64)> = got
                .iter()
                .map(|s| (center.distance_m(&pts[*s as usize].1), *s))
                .filter(|(d, _)| *d <= max_m)
                .collect();
            got.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            got.truncate(limit);
            assert_eq!(got, want);
        }
    }

    #[test]
    fn insert_remove_and_unknown_category() {
        let mut index = SpatialIndex::<()>::default();
        index.insert(1, c(-74.0, 4.6), "a", ());
        index.insert(2, c(-74.001, 4.6), "b", ());
        assert_eq!(index.nearest(&c(-74.0, 4.6), 1000.0, 10, None), vec![1, 2]);
        assert_eq!(
            index.nearest(&c(-74.0, 4.6), 1000.0, 10, Some("b")),
            vec![2]
        );
        assert!(index
            .nearest(&c(-74.0, 4.6), 1000.0, 10, Some("zzz"))
            .is_empty());
        index.remove(1);
        index.remove(1);
        assert_eq!(index.len(), 1);
        // Replacing a value in place, then moving an event, keeps one entry per event.
        index.insert(2, c(-74.001, 4.6), "b", ());
        index.insert(2, c(-74.5, 4.9), "b", ());
        assert_eq!(index.len(), 1);
        assert!(index.nearest(&c(-74.0, 4.6), 1000.0, 10, None).is_empty());
        assert_eq!(index.nearest(&c(-74.5, 4.9), 10.0, 10, None), vec![2]);
        assert!(index.get(2).is_some() && index.get(1).is_none());
        // Across the antimeridian the walk still finds the near point.
        index.insert(3, c(179.9999, 0.0), "a", ());
        assert_eq!(index.nearest(&c(-179.9999, 0.0), 100.0, 10, None), vec![3]);
    }

    #[test]
    fn ties_at_the_limit_are_all_returned() {
        let mut index = SpatialIndex::<()>::default();
        let center = c(0.0, 0.0);
        // Four points at the same distance (N, S, E, W of the centre on the equator).
        index.insert(1, c(0.0, 0.01), "a", ());
        index.insert(2, c(0.0, -0.01), "a", ());
        index.insert(3, c(0.01, 0.0), "a", ());
        index.insert(4, c(-0.01, 0.0), "a", ());
        let mut got = index.nearest(&center, 5000.0, 2, None);
        got.sort();
        assert_eq!(got, vec![1, 2, 3, 4]);
    }
}
