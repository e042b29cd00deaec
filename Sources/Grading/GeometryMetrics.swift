internal import DojoCore
internal import Foundation

/// Metrics over positions on the Earth and directions in space.
extension Metrics {
  /// The Earth radius of Google Smartphone Decimeter Challenge 2022's haversine distance, in
  /// metres.
  public static let haversineRadius = 6_371_000.0

  /// The great-circle distance in metres between two points given in degrees.
  public static func haversine(
    latitude1: Double, longitude1: Double, latitude2: Double, longitude2: Double
  ) -> Double {
    let radians = Double.pi / 180
    let phi1 = latitude1 * radians
    let phi2 = latitude2 * radians
    let dPhi = phi2 - phi1
    let dLambda = (longitude2 - longitude1) * radians
    let a =
      pow(sin(dPhi / 2), 2) + cos(phi1) * cos(phi2) * pow(sin(dLambda / 2), 2)
    return 2 * haversineRadius * asin(min(1, a.squareRoot()))
  }

  /// The `q` quantile with linear interpolation between order statistics (NumPy's default).
  static func quantile(_ sorted: [Double], _ q: Double) -> Double {
    let position = q * Double(sorted.count - 1)
    let below = Int(position.rounded(.down))
    let above = min(below + 1, sorted.count - 1)
    return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
  }

  /// Google Smartphone Decimeter Challenge 2022: per phone (trip), the mean of the 50th and
  /// 95th percentiles of the haversine errors between predicted and true positions; the mean
  /// over phones. Positions in degrees; the result in metres.
  public static func meanTripHaversinePercentiles(
    truth: [(latitude: Double, longitude: Double)],
    predicted: [(latitude: Double, longitude: Double)], trips: [String]
  ) throws -> Double {
    try requireRows(truth.count, "haversine_p50_p95")
    var errors: [String: [Double]] = [:]
    for i in truth.indices {
      errors[trips[i], default: []].append(
        haversine(
          latitude1: truth[i].latitude, longitude1: truth[i].longitude,
          latitude2: predicted[i].latitude, longitude2: predicted[i].longitude))
    }
    var total = 0.0
    for trip in errors.keys.sorted() {
      let d = errors[trip, default: []].sorted()
      total += (quantile(d, 0.5) + quantile(d, 0.95)) / 2
    }
    return total / Double(errors.count)
  }

  /// IceCube Neutrinos in Deep Ice: the mean angle in radians between the true and the
  /// predicted directions, each given as azimuth and zenith in radians (the scalar product
  /// of the unit vectors, clipped to [-1, 1], through arccos).
  public static func meanAngularError(
    truth: [(azimuth: Double, zenith: Double)], predicted: [(azimuth: Double, zenith: Double)]
  ) throws -> Double {
    try requireRows(truth.count, "mean_angular_error")
    var sum = 0.0
    for (t, p) in zip(truth, predicted) {
      let product =
        sin(t.zenith) * sin(p.zenith)
        * (cos(t.azimuth) * cos(p.azimuth) + sin(t.azimuth) * sin(p.azimuth))
        + cos(t.zenith) * cos(p.zenith)
      sum += abs(acos(min(1, max(-1, product))))
    }
    return sum / Double(truth.count)
  }
}
