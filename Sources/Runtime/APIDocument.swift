internal import DojoCore
internal import Foundation
internal import Yams

/// The API's contract, `openapi.yaml`: the file the server's interface is generated from
/// (swift-openapi-generator's build plugin), shipped as this module's resource and served
/// at `GET /openapi.json` converted to JSON, so what clients read is what the server is.
enum APIDocument {
  static let fileName = "openapi.yaml"

  /// The document as JSON, read from the module's resource bundle.
  ///
  /// - Throws: ``DojoError`` when the bundle is missing (Dojo copied without it) or the file
  ///   is not the YAML the build used.
  static func load() throws -> JSONValue {
    let folder = try ResourceBundles.folder(
      "Dojo_Runtime.resources", holding: fileName, for: "the server's API document")
    let url = folder.appendingPathComponent(fileName)
    return try json(fromYAML: String(contentsOf: url, encoding: .utf8), source: url.path)
  }

  /// YAML text as JSON. Timestamps stay strings (JSON has no dates); anchors and aliases are
  /// expanded, so each operation carries its error answers inline.
  static func json(fromYAML text: String, source: String) throws -> JSONValue {
    let loaded: Any?
    do {
      loaded = try Yams.load(yaml: text, Resolver.default.removing(.timestamp))
    } catch {
      throw DojoError(.invalidData, "\(source) is not valid YAML: \(error)")
    }
    guard let loaded else { throw DojoError(.invalidData, "\(source) is empty") }
    return try convert(loaded, at: source)
  }

  private static func convert(_ value: Any, at place: String) throws -> JSONValue {
    switch value {
    case is NSNull: return .null
    case let flag as Bool: return .bool(flag)
    case let whole as Int: return .number(Double(whole))
    case let real as Double: return .number(real)
    case let text as String: return .string(text)
    case let list as [Any]:
      return .array(try list.enumerated().map { try convert($1, at: "\(place)[\($0)]") })
    case let map as [AnyHashable: Any]:
      var object: [String: JSONValue] = [:]
      for (key, member) in map {
        let name = "\(key.base)"
        object[name] = try convert(member, at: "\(place).\(name)")
      }
      return .object(object)
    default:
      throw DojoError(
        .invalidData, "\(place) holds a \(type(of: value)), which JSON cannot carry; quote it")
    }
  }
}
