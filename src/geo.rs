//! Coordinates in GeoJSON order and great-circle distance.
//!
//! API.md: coordinates are `[longitude, latitude]`, longitude in [-180, 180], latitude in
//! [-90, 90], finite. A value that breaks this is refused with a sentence that names the
//! order, because swapped coordinates are the most common client bug (the original README
//! warns about it in capitals).

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Mean Earth radius in metres, the value MongoDB uses for `2dsphere` distances.
pub const EARTH_RADIUS_M: f64 = 6_378_100.0;

/// A valid position: `[longitude, latitude]` on the wire.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coordinates {
    lng: f64,
    lat: f64,
}

/// Why a pair of numbers is not a position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("coordinates must be [longitude, latitude]; {0}")]
pub struct InvalidCoordinates(pub String);

impl Coordinates {
    /// Checks finiteness and ranges.
    pub fn new(lng: f64, lat: f64) -> Result<Self, InvalidCoordinates> {
        if !lng.is_finite() {
            return Err(InvalidCoordinates(format!(
                "longitude {lng} is not a finite number"
            )));
        }
        if !lat.is_finite() {
            return Err(InvalidCoordinates(format!(
                "latitude {lat} is not a finite number"
            )));
        }
        if !(-180.0..=180.0).contains(&lng) {
            return Err(InvalidCoordinates(format!(
                "longitude {lng} is out of range (-180 to 180)"
            )));
        }
        if !(-90.0..=90.0).contains(&lat) {
            let hint = if (-180.0..=180.0).contains(&lat) && (-90.0..=90.0).contains(&lng) {
                " (did you send [latitude, longitude]?)"
            } else {
                ""
            };
            return Err(InvalidCoordinates(format!(
                "latitude {lat} is out of range (-90 to 90){hint}"
            )));
        }
        Ok(Self { lng, lat })
    }

    /// Longitude in degrees.
    pub fn lng(&self) -> f64 {
        self.lng
    }

    /// Latitude in degrees.
    pub fn lat(&self) -> f64 {
        self.lat
    }

    /// Great-circle distance in metres (haversine on a sphere of [`EARTH_RADIUS_M`]).
    pub fn distance_m(&self, other: &Coordinates) -> f64 {
        let (phi1, phi2) = (self.lat.to_radians(), other.lat.to_radians());
        let dphi = phi2 - phi1;
        let dlambda = (other.lng - self.lng).to_radians();
        let a =
            (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
    }

    /// A box (min_lng, min_lat, max_lng, max_lat) that holds every point within
    /// `radius_m` of this one; an index pre-filter, the exact distance decides.
    /// Near the poles or across the antimeridian the box widens to the whole range.
    pub fn bounding_box(&self, radius_m: f64) -> (f64, f64, f64, f64) {
        let dlat = (radius_m / EARTH_RADIUS_M).to_degrees();
        let min_lat = (self.lat - dlat).max(-90.0);
        let max_lat = (self.lat + dlat).min(90.0);
        let max_abs_lat = min_lat.abs().max(max_lat.abs());
        if max_abs_lat >= 89.0 {
            return (-180.0, min_lat, 180.0, max_lat);
        }
        let dlng = (radius_m / (EARTH_RADIUS_M * max_abs_lat.to_radians().cos())).to_degrees();
        let (min_lng, max_lng) = (self.lng - dlng, self.lng + dlng);
        if min_lng < -180.0 || max_lng > 180.0 {
            return (-180.0, min_lat, 180.0, max_lat);
        }
        (min_lng, min_lat, max_lng, max_lat)
    }
}

impl Serialize for Coordinates {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        [self.lng, self.lat].serialize(s)
    }
}

impl<'de> Deserialize<'de> for Coordinates {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PairVisitor;
        impl<'de> Visitor<'de> for PairVisitor {
            type Value = Coordinates;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("coordinates as [longitude, latitude]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coordinates, A::Error> {
                let wrong = || {
                    de::Error::custom(
                        "coordinates must be [longitude, latitude]: an array of exactly two numbers",
                    )
                };
                let lng: f64 = seq.next_element()?.ok_or_else(wrong)?;
                let lat: f64 = seq.next_element()?.ok_or_else(wrong)?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(wrong());
                }
                Coordinates::new(lng, lat).map_err(de::Error::custom)
            }
        }
        d.deserialize_seq(PairVisitor)
    }
}

/// A GeoJSON point, the `location` of events and users.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct GeoPoint {
    /// Always `"Point"`.
    #[serde(rename = "type")]
    pub kind: PointKind,
    /// `[longitude, latitude]`.
    pub coordinates: Coordinates,
}

/// The only GeoJSON geometry CityPulse uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub enum PointKind {
    /// A single position.
    Point,
}

impl From<Coordinates> for GeoPoint {
    fn from(coordinates: Coordinates) -> Self {
        GeoPoint {
            kind: PointKind::Point,
            coordinates,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(lng: f64, lat: f64) -> Coordinates {
        Coordinates::new(lng, lat).unwrap()
    }

    #[test]
    fn borders_are_inclusive() {
        for (lng, lat) in [(180.0, 90.0), (-180.0, -90.0), (0.0, 0.0)] {
            assert!(Coordinates::new(lng, lat).is_ok());
        }
        assert!(Coordinates::new(180.000001, 0.0).is_err());
        assert!(Coordinates::new(0.0, -90.000001).is_err());
    }

    #[test]
    fn non_finite_is_refused() {
        assert!(Coordinates::new(f64::NAN, 0.0).is_err());
        assert!(Coordinates::new(0.0, f64::INFINITY).is_err());
    }

    #[test]
    fn swapped_coordinates_name_the_order() {
        // Bogotá given as [lat, lng] is in range both ways; a Sydney-like swap is not.
        let err = Coordinates::new(4.711, -104.2).unwrap_err().to_string();
        assert!(err.contains("[longitude, latitude]"), "{err}");
        assert!(err.contains("latitude -104.2 is out of range"), "{err}");
        let err: Result<Coordinates, _> = serde_json::from_str("[-74.07, 104.2]");
        let msg = err.unwrap_err().to_string();
        assert!(msg.contains("latitude 104.2 is out of range"), "{msg}");
    }

    #[test]
    fn wire_form_is_a_pair() {
        let json = serde_json::to_string(&c(-74.0721, 4.711)).unwrap();
        assert_eq!(json, "[-74.0721,4.711]");
        assert!(serde_json::from_str::<Coordinates>("[1.0]").is_err());
        assert!(serde_json::from_str::<Coordinates>("[1.0, 2.0, 3.0]").is_err());
        assert!(serde_json::from_str::<Coordinates>("{\"lng\":1}").is_err());
    }

    #[test]
    fn distances_between_known_city_pairs() {
        // Published great-circle distances (computed on R = 6371 km; ours differs by ~0.1%).
        let bogota = c(-74.0721, 4.7110);
        let medellin = c(-75.5636, 6.2518);
        let paris = c(2.3522, 48.8566);
        let london = c(-0.1276, 51.5072);
        let near = |d: f64, km: f64| (d / 1000.0 - km).abs() / km < 0.005;
        assert!(
            near(bogota.distance_m(&medellin), 238.0),
            "{}",
            bogota.distance_m(&medellin)
        );
        assert!(
            near(paris.distance_m(&london), 344.0),
            "{}",
            paris.distance_m(&london)
        );
        assert!(
            near(bogota.distance_m(&paris), 8622.0),
            "{}",
            bogota.distance_m(&paris)
        );
        assert_eq!(bogota.distance_m(&bogota), 0.0);
        // Antipodes: half the circumference.
        let d = c(0.0, 0.0).distance_m(&c(180.0, 0.0));
        assert!((d - std::f64::consts::PI * EARTH_RADIUS_M).abs() < 1.0);
    }

    #[test]
    fn bounding_box_contains_the_circle() {
        let p = c(-74.0721, 4.7110);
        let (min_lng, min_lat, max_lng, max_lat) = p.bounding_box(5000.0);
        for bearing in 0..360 {
            let b = (bearing as f64).to_radians();
            let d = 4999.0 / EARTH_RADIUS_M;
            let lat2 = (p.lat().to_radians().sin() * d.cos()
                + p.lat().to_radians().cos() * d.sin() * b.cos())
            .asin();
            let lng2 = p.lng().to_radians()
                + (b.sin() * d.sin() * p.lat().to_radians().cos())
                    .atan2(d.cos() - p.lat().to_radians().sin() * lat2.sin());
            let (lng2, lat2) = (lng2.to_degrees(), lat2.to_degrees());
            assert!(lng2 >= min_lng && lng2 <= max_lng && lat2 >= min_lat && lat2 <= max_lat);
        }
    }
}
