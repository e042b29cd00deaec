import Foundation

/// Decoding helpers that make manifest errors precise: unknown keys are refused, and value
/// checks report the key path they failed at, which ``ManifestLoader`` turns into a line.

/// A coding key for any string, used to list the keys a mapping really has.
struct AnyKey: CodingKey {
  var stringValue: String
  var intValue: Int?
  init(stringValue: String) { self.stringValue = stringValue }
  init(intValue: Int) {
    self.stringValue = String(intValue)
    self.intValue = intValue
  }
}

/// The folder a manifest path is relative to.
enum ManifestFolder: String {
  case manifestFolder = "the manifest's folder"
  case archive = "the competition's unpacked archive (raw/<id>/files)"
}

/// The error a manifest check throws: where (the coding path) and what the key must be.
struct ManifestFieldError: Error {
  var path: [any CodingKey]
  var message: String
}

extension Decoder {
  /// Refuses any key of this mapping that `Keys` does not declare.
  func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_: Keys.Type) throws {
    let known = Set(Keys.allCases.map(\.stringValue))
    let container = try self.container(keyedBy: AnyKey.self)
    for key in container.allKeys where !known.contains(key.stringValue) {
      let allowed = Keys.allCases.map(\.stringValue).joined(separator: ", ")
      throw ManifestFieldError(
        path: codingPath + [key],
        message: "is not a known key here (known: \(allowed)); check its spelling")
    }
  }

  /// Refuses a path that would leave its folder as written (absolute, `..`, empty); links
  /// are resolved where the folder exists (``LoadedManifest/localFile(_:key:)``, `RawFiles`).
  /// `shown` is the value as the manifest spells it, when it differs from `path`.
  func requireContained(
    _ path: String?, at key: [any CodingKey], inside folder: ManifestFolder, shown: String? = nil
  ) throws {
    guard let path, let problem = ContainedPath.lexicalProblem(path) else { return }
    throw ManifestFieldError(
      path: codingPath + key,
      message:
        "\"\(shown ?? path)\" \(problem); name a path inside \(folder.rawValue), relative to it and without '..'"
    )
  }

  /// Throws a check failure for `key` of this mapping.
  func fail(_ key: (any CodingKey)?, _ message: String) -> ManifestFieldError {
    ManifestFieldError(path: codingPath + (key.map { [$0] } ?? []), message: message)
  }
}

/// A scalar, list or mapping value in a manifest whose shape depends on its owner (metric
/// parameters), kept exactly as written: scalars stay text, so `positive: "1.0"` or `yes`
/// reach the metric unchanged, and accessors interpret them on demand.
public enum ManifestValue: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
  case scalar(String)
  case list([ManifestValue])
  case map([String: ManifestValue])

  public init(from decoder: any Decoder) throws {
    if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
      var map: [String: ManifestValue] = [:]
      for key in keyed.allKeys {
        map[key.stringValue] = try keyed.decode(ManifestValue.self, forKey: key)
      }
      self = .map(map)
      return
    }
    if var list = try? decoder.unkeyedContainer() {
      var items: [ManifestValue] = []
      while !list.isAtEnd { items.append(try list.decode(ManifestValue.self)) }
      self = .list(items)
      return
    }
    let single = try decoder.singleValueContainer()
    // YAML hands every scalar over as text; JSON (task.json) may hold real numbers/booleans.
    if let text = try? single.decode(String.self) {
      self = .scalar(text)
    } else if let bool = try? single.decode(Bool.self) {
      self = .scalar(String(bool))
    } else {
      let number = try single.decode(Double.self)
      self = .scalar(ManifestValue.format(number))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    switch self {
    case .scalar(let s): try c.encode(s)
    case .list(let l): try c.encode(l)
    case .map(let m): try c.encode(m)
    }
  }

  public var description: String {
    switch self {
    case .scalar(let s): return s
    case .list(let l): return "[" + l.map(\.description).joined(separator: ", ") + "]"
    case .map(let m):
      return "{"
        + m.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        .joined(separator: ", ") + "}"
    }
  }

  /// The value as a number, if it is a scalar that parses as one.
  public var number: Double? {
    if case .scalar(let s) = self { return Double(s.trimmingCharacters(in: .whitespaces)) }
    return nil
  }
  /// The value as a whole number, if it is one.
  public var integer: Int? {
    if case .scalar(let s) = self { return Int(s.trimmingCharacters(in: .whitespaces)) }
    return nil
  }
  /// The value as a boolean (`true`/`false`, YAML 1.2's only spellings).
  public var bool: Bool? {
    if case .scalar(let s) = self {
      switch s.lowercased() {
      case "true": return true
      case "false": return false
      default: return nil
      }
    }
    return nil
  }
  /// The value as text, if it is a scalar.
  public var string: String? { if case .scalar(let s) = self { return s } else { return nil } }
  /// The value as a list of texts, a lone scalar counting as a one-item list.
  public var strings: [String]? {
    switch self {
    case .scalar(let s): return [s]
    case .list(let l):
      let texts = l.compactMap(\.string)
      return texts.count == l.count ? texts : nil
    case .map: return nil
    }
  }
  /// The value as a list of numbers.
  public var numbers: [Double]? {
    guard case .list(let l) = self else { return number.map { [$0] } }
    let values = l.compactMap(\.number)
    return values.count == l.count ? values : nil
  }

  static func format(_ d: Double) -> String {
    d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
  }
}
