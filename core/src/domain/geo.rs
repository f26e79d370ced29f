//! Places and straight-line distances (the 16 km rule).

use std::fmt;

/// The 16 km rule: insurance-billed home visits are in principle limited to 16 km in a
/// straight line from the clinic.
pub const HOME_VISIT_LIMIT_KM: f64 = 16.0;

/// A point in Japan (WGS 84 latitude and longitude in degrees).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LatLon {
    lat: f64,
    lon: f64,
}

impl LatLon {
    /// Latitudes Japan spans, with a margin (Okinotorishima 20.4°N to Cape Sōya 45.5°N).
    pub const LAT_RANGE: std::ops::RangeInclusive<f64> = 20.0..=46.0;
    /// Longitudes Japan spans, with a margin (Yonaguni 122.9°E to Minamitorishima 154.0°E).
    pub const LON_RANGE: std::ops::RangeInclusive<f64> = 122.0..=154.5;

    /// A point, if it lies in Japan. Catches swapped or mistyped coordinates.
    pub fn new(lat: f64, lon: f64) -> Result<Self, String> {
        if !Self::LAT_RANGE.contains(&lat) {
            return Err(format!("緯度 {lat} が日本の範囲外です (latitude must be 20–46)"));
        }
        if !Self::LON_RANGE.contains(&lon) {
            return Err(format!("経度 {lon} が日本の範囲外です (longitude must be 122–154.5)"));
        }
        Ok(Self { lat, lon })
    }

    /// Latitude in degrees.
    pub fn lat(self) -> f64 {
        self.lat
    }

    /// Longitude in degrees.
    pub fn lon(self) -> f64 {
        self.lon
    }

    /// Great-circle (straight-line) distance in km.
    pub fn distance_km(self, other: Self) -> f64 {
        Site::of(self).distance_km(Site::of(other))
    }

    /// Whether `other` is within the 16 km home-visit limit of this point.
    pub fn within_home_visit_limit(self, other: Self) -> bool {
        self.distance_km(other) <= HOME_VISIT_LIMIT_KM
    }
}

/// The mean radius of the earth, in km.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A point with the cosine of its latitude worked out once, for the many distances a
/// lookup measures from and to the same places: the great-circle distance between two
/// sites is then two sines and an arcsine. It is, bit for bit,
/// [`LatLon::distance_km`] (which is this).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Site {
    lat_rad: f64,
    lon: f64,
    cos_lat: f64,
}

impl Site {
    /// The site of a point.
    pub fn of(point: LatLon) -> Self {
        let lat_rad = point.lat.to_radians();
        Self { lat_rad, lon: point.lon, cos_lat: lat_rad.cos() }
    }

    /// Great-circle (straight-line) distance in km (haversine).
    pub fn distance_km(self, other: Self) -> f64 {
        let half_dlat = (other.lat_rad - self.lat_rad) / 2.0;
        let half_dlon = (other.lon - self.lon).to_radians() / 2.0;
        let a = half_dlat.sin().powi(2) + self.cos_lat * other.cos_lat * half_dlon.sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }

    /// Equirectangular distance in km, with no trigonometry: within a fraction of a
    /// percent of the great circle at city scale, for ranking many candidates before the
    /// few listed get [`Site::distance_km`]. The cosine of the mean latitude is taken as
    /// the mean of the two cosines (they differ by under 0.01 % 50 km apart).
    pub fn planar_km(self, other: Self) -> f64 {
        let dlat = (other.lat_rad - self.lat_rad) * EARTH_RADIUS_KM;
        let dlon = (other.lon - self.lon).to_radians() * EARTH_RADIUS_KM * ((self.cos_lat + other.cos_lat) * 0.5);
        (dlat * dlat + dlon * dlon).sqrt()
    }
}

impl fmt::Display for LatLon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.5},{:.5}", self.lat, self.lon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_great_circle_km() {
        // Okayama station to Kurashiki station: about 15.6 km.
        let okayama = LatLon::new(34.6664, 133.9180).unwrap();
        let kurashiki = LatLon::new(34.6015, 133.7664).unwrap();
        let km = okayama.distance_km(kurashiki);
        assert!((15.0..16.5).contains(&km), "{km}");
        assert!(okayama.within_home_visit_limit(kurashiki));
        assert_eq!(okayama.distance_km(okayama), 0.0);
        // One degree of latitude is about 111.2 km.
        let north = LatLon::new(35.6664, 133.9180).unwrap();
        assert!((okayama.distance_km(north) - 111.2).abs() < 0.2);
        assert!(!okayama.within_home_visit_limit(north));
    }

    #[test]
    fn the_planar_distance_is_within_a_fraction_of_a_percent_at_city_scale() {
        // From Okayama station, in 36 directions, out to 50 km, and at the far north and south of Japan.
        for (lat, lon) in [(34.6664, 133.9180), (45.4, 141.7), (24.3, 124.2)] {
            let from = Site::of(LatLon::new(lat, lon).unwrap());
            for step in 0..36 {
                let bearing = f64::from(step) * 10.0_f64.to_radians();
                for km in [0.5, 5.0, 16.0, 50.0] {
                    let to = LatLon::new(
                        lat + km / 111.2 * bearing.cos(),
                        lon + km / (111.2 * lat.to_radians().cos()) * bearing.sin(),
                    )
                    .unwrap();
                    let (exact, planar) = (from.distance_km(Site::of(to)), from.planar_km(Site::of(to)));
                    assert!((planar - exact).abs() <= exact * 0.002, "{lat},{lon} → {to}: {planar} vs {exact}");
                }
            }
        }
    }

    #[test]
    fn points_outside_japan_are_refused() {
        assert!(LatLon::new(133.9, 34.6).is_err()); // swapped
        assert!(LatLon::new(0.0, 0.0).is_err());
    }
}
