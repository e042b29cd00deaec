internal import DojoCore
internal import Foundation

/// UW-Madison GI Tract's blend of a per-slice Dice and a 3D Hausdorff distance per volume
/// (one case on one day): each answers row is one slice's mask of one organ; the rows of a
/// volume are stacked, slice by slice, into a 3D mask.
extension Metrics {
  /// The symmetric Hausdorff distance between two sets of voxels of a `depth × height ×
  /// width` volume, each coordinate divided by its axis' length (the volume becomes a unit
  /// cube) and the distance by √3, the cube's diagonal, as MLE-bench's grader does. Both
  /// sets are non-empty. Exact: a Euclidean distance transform of each set over the box that
  /// holds both (the nearest voxel of a set always lies in its own bounding box), read at the
  /// other set's voxels. Memory: one `Double` per voxel of that box.
  static func normalizedHausdorff(_ a: [Bool], _ b: [Bool], depth: Int, height: Int, width: Int)
    -> Double
  {
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        normalizedHausdorff(a, b, depth: depth, height: height, width: width)
      }
    }
  }

  private static func normalizedHausdorff(
    _ a: UnsafeBufferPointer<Bool>, _ b: UnsafeBufferPointer<Bool>, depth: Int, height: Int,
    width: Int
  ) -> Double {
    // The box holding both sets.
    var lo = (depth, height, width)
    var hi = (-1, -1, -1)
    for z in 0..<depth {
      for y in 0..<height {
        let row = (z * height + y) * width
        for x in 0..<width where a[row + x] || b[row + x] {
          lo = (min(lo.0, z), min(lo.1, y), min(lo.2, x))
          hi = (max(hi.0, z), max(hi.1, y), max(hi.2, x))
        }
      }
    }
    let (d, h, w) = (hi.0 - lo.0 + 1, hi.1 - lo.1 + 1, hi.2 - lo.2 + 1)
    func directed(_ from: UnsafeBufferPointer<Bool>, _ to: UnsafeBufferPointer<Bool>) -> Double {
      var field = [Double](repeating: .infinity, count: d * h * w)
      field.withUnsafeMutableBufferPointer { field in
        for z in 0..<d {
          for y in 0..<h {
            let row = ((z + lo.0) * height + y + lo.1) * width + lo.2
            let boxRow = (z * h + y) * w
            for x in 0..<w where to[row + x] { field[boxRow + x] = 0 }
          }
        }
      }
      squaredDistanceTransform(
        &field, dims: (d, h, w),
        weights: (
          1 / Double(depth * depth), 1 / Double(height * height), 1 / Double(width * width)
        ))
      return field.withUnsafeBufferPointer { field in
        var farthest = 0.0
        for z in 0..<d {
          for y in 0..<h {
            let row = ((z + lo.0) * height + y + lo.1) * width + lo.2
            let boxRow = (z * h + y) * w
            for x in 0..<w where from[row + x] { farthest = max(farthest, field[boxRow + x]) }
          }
        }
        return farthest.squareRoot()
      }
    }
    return max(directed(a, b), directed(b, a)) / Double(3).squareRoot()
  }

  /// Felzenszwalb and Huttenlocher's squared distance transform, one axis after another:
  /// each cell becomes `min over cells q of f(q) + Σ wₐ (pₐ − qₐ)²`, `f` being 0 on the set
  /// and infinity elsewhere on entry.
  static func squaredDistanceTransform(
    _ f: inout [Double], dims: (Int, Int, Int), weights: (Double, Double, Double)
  ) {
    let (d, h, w) = dims
    let longest = max(d, h, w)
    // One line's values, its envelope, and the envelope's parabolas and their boundaries.
    var scratch = [Double](repeating: 0, count: 3 * longest + 1)
    var vertices = [Int](repeating: 0, count: longest)
    // Raw pointers: this loop is most of the metric's time, and a line is read by stride.
    f.withUnsafeMutableBufferPointer { fieldBuffer in
      scratch.withUnsafeMutableBufferPointer { scratchBuffer in
        vertices.withUnsafeMutableBufferPointer { vertexBuffer in
          let field = fieldBuffer.baseAddress!
          let line = scratchBuffer.baseAddress!
          let out = line + longest
          let boundary = out + longest
          let vertex = vertexBuffer.baseAddress!
          // The lower envelope of the parabolas `weight·(i − q)² + line[q]` over the finite
          // `line[q]` of one line of `n` cells, `stride` apart from `start`.
          func envelope(start: Int, stride: Int, count n: Int, weight: Double) {
            for i in 0..<n { line[i] = field[start + i * stride] }
            var k = -1
            for q in 0..<n where line[q].isFinite {
              let fq = line[q] + weight * Double(q * q)
              while k >= 0 {
                let p = vertex[k]
                let s = (fq - (line[p] + weight * Double(p * p))) / (2 * weight * Double(q - p))
                if s <= boundary[k] { k -= 1 } else { break }
              }
              k += 1
              vertex[k] = q
              if k == 0 {
                boundary[0] = -.infinity
              } else {
                let p = vertex[k - 1]
                boundary[k] =
                  (fq - (line[p] + weight * Double(p * p))) / (2 * weight * Double(q - p))
              }
              boundary[k + 1] = .infinity
            }
            guard k >= 0 else { return }  // no finite cell: the line stays infinite
            var j = 0
            for i in 0..<n {
              while boundary[j + 1] < Double(i) { j += 1 }
              let dq = Double(i - vertex[j])
              out[i] = weight * dq * dq + line[vertex[j]]
            }
            for i in 0..<n { field[start + i * stride] = out[i] }
          }
          for l in 0..<(d * h) { envelope(start: l * w, stride: 1, count: w, weight: weights.2) }
          for z in 0..<d {
            for x in 0..<w {
              envelope(start: z * h * w + x, stride: w, count: h, weight: weights.1)
            }
          }
          for l in 0..<(h * w) { envelope(start: l, stride: h * w, count: d, weight: weights.0) }
        }
      }
    }
  }

  /// UW-Madison's score, `0.4 · Dice + 0.6 · (1 − Hausdorff)`: Dice is the mean over rows
  /// (one organ on one slice) of the Dice coefficient, rows where both masks are empty left
  /// out; Hausdorff the mean over volumes of ``normalizedHausdorff(_:_:depth:height:width:)``
  /// between the true and the predicted 3D masks, every organ of a slice joined (0 when they
  /// are equal, 1 when one is empty; volumes where both are empty left out), as in MLE-bench's
  /// grader. Masks are numbered row by row (left to right, then top to bottom). One volume's
  /// masks are in memory at a time.
  static func diceHausdorff(_ rows: EncodedRows, _ parameters: MetricParameters) throws
    -> Double
  {
    let metric = "mask_dice_hausdorff"
    let size = try ImageSize(parameters, rows: rows, metric: metric)
    func answers(_ name: String?, _ what: String) throws -> [String] {
      guard let name, let values = rows.answerColumns[name] else {
        throw DojoError(.graderError, "\(metric) reads the answers column of each row's \(what)")
      }
      return values
    }
    let volumes = try answers(parameters.groupColumn, "volume (group_column)")
    let slices = try answers(parameters.raw["slice_column"]?.scalarText, "slice (slice_column)")
    // Rows by volume, then by slice number.
    var byVolume: [String: [(slice: Double, row: Int)]] = [:]
    for i in rows.truth.indices {
      guard let s = ValueChecker.parse(slices[i]), s.isFinite else {
        throw DojoError(
          .graderError, "answers row \(i + 2): the slice \"\(slices[i])\" is not a number")
      }
      byVolume[volumes[i], default: []].append((s, i))
    }
    var diceTotal = 0.0
    var diceCount = 0
    var hausdorffTotal = 0.0
    var hausdorffCount = 0
    for volume in byVolume.keys.sorted() {
      let members = byVolume[volume]!.sorted { ($0.slice, $0.row) < ($1.slice, $1.row) }
      // Each slice's masks, every organ's runs joined.
      var truthSlices: [[RunLengthMask]] = []
      var predictedSlices: [[RunLengthMask]] = []
      var sliceNumbers: [Double] = []
      var pixels = 0
      var sliceHeight = 0
      for (slice, i) in members {
        let (h, w) = try size.sides(i)
        if sliceNumbers.isEmpty {
          (pixels, sliceHeight) = (h * w, h)
        } else if h * w != pixels || h != sliceHeight {
          throw DojoError(
            .graderError,
            "answers row \(i + 2): volume \"\(volume)\" mixes slice sizes; every slice of a volume has one size"
          )
        }
        let truth = try rows.truthValue(i) { RunLengthMask.parse($0, pixels: h * w) }
        guard case .success(let predicted) = RunLengthMask.parse(rows.predicted[i], pixels: h * w)
        else {
          throw rows.firstRefusal { j in
            guard let sides = try? size.sides(j) else { return .success(()) }
            return RunLengthMask.parse(rows.predicted[j], pixels: sides.height * sides.width)
              .map { _ in () }
          }
        }
        if truth.area + predicted.area > 0 {
          diceTotal += dice(truth, predicted, bothEmpty: 0)
          diceCount += 1
        }
        if sliceNumbers.last != slice {
          sliceNumbers.append(slice)
          truthSlices.append([])
          predictedSlices.append([])
        }
        truthSlices[truthSlices.count - 1].append(truth)
        predictedSlices[predictedSlices.count - 1].append(predicted)
      }
      let width = pixels / sliceHeight
      let depth = sliceNumbers.count
      func voxels(_ slices: [[RunLengthMask]]) -> [Bool] {
        var v = [Bool](repeating: false, count: depth * pixels)
        v.withUnsafeMutableBufferPointer { v in
          for (z, masks) in slices.enumerated() {
            for mask in masks {
              for r in Swift.stride(from: 0, to: mask.runs.count, by: 2) {
                for pixel in mask.runs[r]..<mask.runs[r + 1] { v[z * pixels + pixel] = true }
              }
            }
          }
        }
        return v
      }
      let t = voxels(truthSlices)
      let p = voxels(predictedSlices)
      let tEmpty = !t.contains(true)
      let pEmpty = !p.contains(true)
      if tEmpty && pEmpty { continue }
      hausdorffCount += 1
      if tEmpty || pEmpty {
        hausdorffTotal += 1
      } else if t != p {
        hausdorffTotal += normalizedHausdorff(
          t, p, depth: depth, height: sliceHeight, width: width)
      }
    }
    guard diceCount > 0, hausdorffCount > 0 else {
      throw undefined("\(metric) is undefined when no answer and no prediction marks a pixel")
    }
    let meanDice = diceTotal / Double(diceCount)
    let meanHausdorff = hausdorffTotal / Double(hausdorffCount)
    return 0.4 * meanDice + 0.6 * (1 - meanHausdorff)
  }
}
