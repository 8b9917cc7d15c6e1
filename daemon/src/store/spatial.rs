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
//! across the antimeridian. Each event found also gets its exact distance from its stored
//! coordinates (`Coordinates::distance_m`), with which the caller makes the final cut and
//! order.
//!
//! The index holds only active events: the store inserts on create and removes on end or
//! delete, after the transaction commits, and rebuilds it from the table at open. Each
//! entry carries a value of the store's choosing (the embedded store keeps the event's row,
//! so a near-me query never reads the database).

use std::collections::HashMap;

use citypulse::geo::{Coordinates, EARTH_RADIUS_M};
use rstar::{
    Envelope, PointDistance, RStarInsertionStrategy, RTree, RTreeObject, RTreeParams,
    SelectionFunction, AABB,
};

/// Wider nodes than rstar's default (6): a near-me walk over a million events is bound by
/// cache misses, one or more per node it opens, and 32 children in one contiguous block
/// make the tree four levels deep instead of eight, so a query opens a few wide nodes
/// instead of dozens of narrow ones scattered over the heap.
struct WideNodes;

impl RTreeParams for WideNodes {
    const MIN_SIZE: usize = 12;
    const MAX_SIZE: usize = 32;
    const REINSERTION_COUNT: usize = 10;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
}

/// One active event in the tree: its position twice (unit-sphere for the walk, degrees
/// for the exact distance) and its value. Why the value lives here and not in a table by
/// `seq`: a near-me walk over a million events is bound by cache misses, and looking each
/// found event up again (a hash probe, then a pointer) cost three misses per event, half
/// of a query's time.
struct Entry<T> {
    xyz: [f64; 3],
    at: Coordinates,
    seq: i64,
    category: u32,
    /// Inline, not boxed: the embedded store's value is itself one pointer to its block
    /// (see `compact`), and a box around it would be one more cache miss per event found.
    value: T,
}

impl<T> RTreeObject for Entry<T> {
    type Envelope = AABB<[f64; 3]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_point(self.xyz)
    }
}

impl<T> PointDistance for Entry<T> {
    fn distance_2(&self, p: &[f64; 3]) -> f64 {
        let d = [self.xyz[0] - p[0], self.xyz[1] - p[1], self.xyz[2] - p[2]];
        d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
    }
}

/// Where an event's entry is in the tree, and what it is filed under.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Place {
    xyz: [f64; 3],
    category: u32,
}

/// Selects one event's entry: only the nodes whose box holds its position are opened.
struct EntryOf {
    seq: i64,
    xyz: [f64; 3],
}

impl<T> SelectionFunction<Entry<T>> for EntryOf {
    fn should_unpack_parent(&self, envelope: &AABB<[f64; 3]>) -> bool {
        envelope.contains_point(&self.xyz)
    }
    fn should_unpack_leaf(&self, leaf: &Entry<T>) -> bool {
        leaf.seq == self.seq
    }
}

/// Active events by position, each with a value `T`; keys are the events table's integer
/// `seq`.
pub struct SpatialIndex<T = ()> {
    tree: RTree<Entry<T>, WideNodes>,
    places: HashMap<i64, Place>,
    categories: HashMap<String, u32>,
}

impl<T> Default for SpatialIndex<T> {
    fn default() -> Self {
        SpatialIndex {
            tree: RTree::new_with_params(),
            places: HashMap::new(),
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
        index.places.reserve(expected);
        let mut list = Vec::with_capacity(expected);
        for (seq, at, category, value) in entries {
            let entry = index.entry(seq, at, &category, value);
            // A seq given twice keeps its last value, as `insert` would.
            if index.places.insert(seq, entry.place()).is_some() {
                list.retain(|e: &Entry<T>| e.seq != seq);
            }
            list.push(entry);
        }
        index.tree = RTree::bulk_load_with_params(list);
        index
    }

    fn category_id(&mut self, category: &str) -> u32 {
        let next = self.categories.len() as u32;
        *self.categories.entry(category.to_string()).or_insert(next)
    }

    fn entry(&mut self, seq: i64, at: Coordinates, category: &str, value: T) -> Entry<T> {
        Entry {
            xyz: xyz(&at),
            at,
            seq,
            category: self.category_id(category),
            value,
        }
    }

    /// Adds an active event, or replaces its value (and moves it, when its position or
    /// category changed).
    pub fn insert(&mut self, seq: i64, at: Coordinates, category: &str, value: T) {
        let entry = self.entry(seq, at, category, value);
        let place = entry.place();
        match self.places.insert(seq, place) {
            // Same place (a room's participants changed): the value changes in the tree.
            Some(old) if old == place => {
                let slot = self
                    .tree
                    .locate_with_selection_function_mut(EntryOf {
                        seq,
                        xyz: place.xyz,
                    })
                    .next();
                match slot {
                    Some(slot) => *slot = entry,
                    None => self.tree.insert(entry),
                }
            }
            Some(old) => {
                self.tree
                    .remove_with_selection_function(EntryOf { seq, xyz: old.xyz });
                self.tree.insert(entry);
            }
            None => self.tree.insert(entry),
        }
    }

    /// Removes an event (ended or deleted); a no-op when absent.
    pub fn remove(&mut self, seq: i64) {
        if let Some(old) = self.places.remove(&seq) {
            self.tree
                .remove_with_selection_function(EntryOf { seq, xyz: old.xyz });
        }
    }

    /// The value kept for an event (near-me answers come from `nearest`; the tests look
    /// entries up by `seq`).
    #[cfg(test)]
    pub fn get(&self, seq: i64) -> Option<&T> {
        let place = self.places.get(&seq)?;
        let found = self
            .tree
            .locate_with_selection_function(EntryOf {
                seq,
                xyz: place.xyz,
            })
            .next()?;
        Some(&found.value)
    }

    /// How many events are indexed.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// The nearest `limit` events within `max_m` metres of `center` (optionally of one
    /// category), nearest first, each with its exact distance (`Coordinates::distance_m`
    /// from `center`) — plus any that tie with the last one within a millimetre, so the
    /// caller's exact (distance, id) order cuts the same way a full sort would. The
    /// exact distance may be a hair over `max_m`: the caller makes the final cut.
    pub fn nearest(
        &self,
        center: &Coordinates,
        max_m: f64,
        limit: usize,
        category: Option<&str>,
    ) -> Vec<(&T, f64)> {
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
        let mut out = Vec::with_capacity(limit + 2);
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
            out.push((&e.value, center.distance_m(&e.at)));
        }
        out
    }
}

impl<T> Entry<T> {
    fn place(&self) -> Place {
        Place {
            xyz: self.xyz,
            category: self.category,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(lng: f64, lat: f64) -> Coordinates {
        Coordinates::new(lng, lat).unwrap()
    }

    /// The values found, for an index whose values are the events' seqs.
    fn seqs(found: Vec<(&i64, f64)>) -> Vec<i64> {
        found.into_iter().map(|(seq, _)| *seq).collect()
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
            pts.push((seq, c(lng, lat), cat.to_string(), seq));
        }
        let index = SpatialIndex::bulk(pts.clone(), pts.len());
        let centers = [
            c(-74.07, 4.65),
            c(-74.25, 4.45),
            c(-73.86, 4.84),
            c(-74.1, 4.7),
            c(-75.0, 5.0),
        ];
        let cases = [
            (5000.0, 20, None),
            (800.0, 100, None),
            (3000.0, 7, Some("deporte")),
            (50.0, 20, None),
            (100_000.0, 1, None),
            (100_000.0, 6000, Some("cultura")),
            (0.0, 20, None),
        ];
        for (center, (max_m, limit, cat)) in centers
            .iter()
            .flat_map(|center| cases.iter().map(move |case| (*center, *case)))
        {
            let mut want: Vec<(f64, i64)> = pts
                .iter()
                .filter(|(_, _, k, _)| cat.is_none_or(|c| c == k))
                .map(|(s, p, _, _)| (center.distance_m(p), *s))
                .filter(|(d, _)| *d <= max_m)
                .collect();
            want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            want.truncate(limit);
            let got = index.nearest(&center, max_m, limit, cat);
            for (seq, d) in &got {
                assert_eq!(*d, center.distance_m(&pts[**seq as usize].1));
            }
            let mut got: Vec<(f64, i64)> = got
                .into_iter()
                .map(|(s, d)| (d, *s))
                .filter(|(d, _)| *d <= max_m)
                .collect();
            got.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            got.truncate(limit);
            assert_eq!(got, want, "{center:?} {max_m} {limit} {cat:?}");
        }
    }

    #[test]
    fn insert_remove_and_unknown_category() {
        let mut index = SpatialIndex::<i64>::default();
        index.insert(1, c(-74.0, 4.6), "a", 1);
        index.insert(2, c(-74.001, 4.6), "b", 2);
        assert_eq!(
            seqs(index.nearest(&c(-74.0, 4.6), 1000.0, 10, None)),
            vec![1, 2]
        );
        assert_eq!(
            seqs(index.nearest(&c(-74.0, 4.6), 1000.0, 10, Some("b"))),
            vec![2]
        );
        assert!(index
            .nearest(&c(-74.0, 4.6), 1000.0, 10, Some("zzz"))
            .is_empty());
        index.remove(1);
        index.remove(1);
        assert_eq!(index.len(), 1);
        // Replacing a value in place, then moving an event, keeps one entry per event.
        index.insert(2, c(-74.001, 4.6), "b", 2);
        index.insert(2, c(-74.5, 4.9), "b", 2);
        assert_eq!(index.len(), 1);
        assert!(index.nearest(&c(-74.0, 4.6), 1000.0, 10, None).is_empty());
        assert_eq!(seqs(index.nearest(&c(-74.5, 4.9), 10.0, 10, None)), vec![2]);
        assert!(index.get(2).is_some() && index.get(1).is_none());
        // Across the antimeridian the walk still finds the near point.
        index.insert(3, c(179.9999, 0.0), "a", 3);
        assert_eq!(
            seqs(index.nearest(&c(-179.9999, 0.0), 100.0, 10, None)),
            vec![3]
        );
    }

    #[test]
    fn ties_at_the_limit_are_all_returned() {
        let mut index = SpatialIndex::<i64>::default();
        let center = c(0.0, 0.0);
        // Four points at the same distance (N, S, E, W of the centre on the equator).
        index.insert(1, c(0.0, 0.01), "a", 1);
        index.insert(2, c(0.0, -0.01), "a", 2);
        index.insert(3, c(0.01, 0.0), "a", 3);
        index.insert(4, c(-0.01, 0.0), "a", 4);
        let mut got = seqs(index.nearest(&center, 5000.0, 2, None));
        got.sort();
        assert_eq!(got, vec![1, 2, 3, 4]);
    }

    /// Values replaced in place, events moved and removed, in a tree deep enough to have
    /// several levels: every entry stays findable, with its latest value, exactly once.
    #[test]
    fn replacing_moving_and_removing_keep_one_entry_per_event() {
        let mut index = SpatialIndex::<(i64, u32)>::default();
        let at = |seq: i64| {
            c(
                -74.2 + (seq % 100) as f64 * 0.003,
                4.5 + (seq / 100) as f64 * 0.003,
            )
        };
        for seq in 0..3000 {
            index.insert(seq, at(seq), "a", (seq, 0));
        }
        for seq in (0..3000).step_by(3) {
            // A new value at the same place (a room's participants changed).
            index.insert(seq, at(seq), "a", (seq, 1));
        }
        for seq in (1..3000).step_by(3) {
            // Moved one step east.
            index.insert(seq, at(seq + 1), "a", (seq, 2));
        }
        for seq in (2..3000).step_by(3) {
            index.remove(seq);
        }
        assert_eq!(index.len(), 2000);
        for seq in 0..3000 {
            let want = match seq % 3 {
                0 => Some((seq, 1)),
                1 => Some((seq, 2)),
                _ => None,
            };
            assert_eq!(index.get(seq).copied(), want, "seq {seq}");
        }
        // A moved event is found at its new place, at distance zero.
        let found = index.nearest(&at(5), 1.0, 5, None);
        let mut got: Vec<(i64, u32)> = found.iter().map(|(v, _)| **v).collect();
        got.sort();
        assert_eq!(got, vec![(4, 2)]);
        // Bulk loading the same events answers the same.
        let again = SpatialIndex::bulk(
            (0..3000).filter(|s| s % 3 != 2).map(|s| {
                let moved = if s % 3 == 1 { at(s + 1) } else { at(s) };
                (s, moved, "a".to_string(), *index.get(s).unwrap())
            }),
            2000,
        );
        let answer = |index: &SpatialIndex<(i64, u32)>, probe: &Coordinates| {
            let mut found: Vec<_> = index
                .nearest(probe, 800.0, 20, None)
                .iter()
                .map(|(v, d)| (**v, *d))
                .collect();
            found.sort_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)));
            found
        };
        for probe in [at(0), at(1234), at(2999)] {
            assert_eq!(answer(&index, &probe), answer(&again, &probe));
        }
    }
}
