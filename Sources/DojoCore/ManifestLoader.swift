public import Foundation
internal import Yams

#if canImport(Glibc)
  import Glibc
#endif

/// A manifest read from disk, with where it came from.
public struct LoadedManifest: Sendable {
  /// The parsed manifest.
  public var manifest: Manifest
  /// The manifest file.
  public var file: URL
  /// The folder holding the manifest and the files it names (solution, leaderboards).
  public var directory: URL { file.deletingLastPathComponent() }
  /// SHA-256 of the manifest file's bytes.
  public var sha256: String

  /// Resolves a path relative to the manifest's folder as written, links and `..` left for
  /// the kernel: only for `source.url`, which may name an archive anywhere. Every key that
  /// names one of the manifest's own files goes through ``localFile(_:key:)``.
  public func resolve(_ path: String) -> URL {
    path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)
  }

  /// The real path of the file `path` names in the manifest's folder, every symbolic link
  /// on the way resolved; `key` is the manifest key naming it. Call it where the file is
  /// used, not only at load: a link may appear after loading.
  ///
  /// - Throws: ``DojoError`` `.invalidManifest` naming the manifest file, the key and the
  ///   value when the path is absolute, climbs with `..`, or leads out through a link.
  public func localFile(_ path: String, key: String) throws -> URL {
    switch ContainedPath.resolve(path, under: directory) {
    case .inside(let url):
      // Reading a FIFO or a device would hang or never end; a folder is no file to read.
      var info = stat()
      if lstat(url.path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
        throw DojoError(
          .invalidManifest,
          "\(file.path): \(key) \"\(path)\" is not a regular file (a folder, FIFO, socket or device); name a file"
        )
      }
      return url
    case .refused(let problem):
      throw DojoError(
        .invalidManifest,
        "\(file.path): \(key) \"\(path)\" \(problem); the files a manifest names must stay inside its folder \(directory.path): move the file there and name it by a relative path, without '..' or a link out"
      )
    }
  }
}

/// Reads `manifest.yaml` files and turns every problem into one line that names the file,
/// the line and the key path: `manifest.yaml:12: split.test_fraction must be a number
/// between 0 and 1`.
public enum ManifestLoader {
  /// Loads a manifest from a file, or from a folder holding `manifest.yaml`.
  ///
  /// - Throws: ``DojoError`` `.notFound` when there is no file, `.invalidManifest` for any
  ///   syntax, key or value problem.
  public static func load(_ path: URL) throws -> LoadedManifest {
    var file = path
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: path.path, isDirectory: &isDir), isDir.boolValue {
      file = path.appendingPathComponent("manifest.yaml")
    }
    guard let data = FileManager.default.contents(atPath: file.path) else {
      throw DojoError(
        .notFound, "no manifest at \(file.path): give a manifest.yaml or the folder holding one")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw DojoError(.invalidManifest, "\(file.path): is not UTF-8 text")
    }
    let manifest = try parse(text, name: file.path)
    let loaded = LoadedManifest(manifest: manifest, file: file, sha256: SHA256Hasher.hash(data))
    // The text was checked while parsing; the links on the way exist only on disk.
    for (key, path) in manifest.localPaths { _ = try loaded.localFile(path, key: key) }
    return loaded
  }

  /// Parses manifest text; `name` is used in error messages.
  public static func parse(_ text: String, name: String = "manifest.yaml") throws -> Manifest {
    let node: Node
    do {
      guard let composed = try Yams.compose(yaml: text) else {
        throw DojoError(
          .invalidManifest, "\(name): is empty; see README.md for the manifest fields")
      }
      node = composed
    } catch let error as DojoError {
      throw error
    } catch let error as YamlError {
      throw DojoError(.invalidManifest, "\(name): \(describe(error))")
    } catch {
      throw DojoError(.invalidManifest, "\(name): not valid YAML: \(error)")
    }
    guard node.mapping != nil else {
      throw DojoError(
        .invalidManifest, "\(name):1: must be a mapping of keys (id, title, source, ...)")
    }
    do {
      return try YAMLDecoder().decode(Manifest.self, from: node)
    } catch let error as ManifestFieldError {
      throw located(name, node, error.path, error.message)
    } catch let error as DecodingError {
      switch error {
      case .keyNotFound(let key, let ctx):
        throw located(name, node, ctx.codingPath, "needs \(key.stringValue)")
      case .typeMismatch(let type, let ctx):
        throw located(name, node, ctx.codingPath, "must be \(kind(of: type))")
      case .valueNotFound(let type, let ctx):
        throw located(name, node, ctx.codingPath, "must be \(kind(of: type)), not empty")
      case .dataCorrupted(let ctx):
        throw located(name, node, ctx.codingPath, ctx.debugDescription)
      @unknown default:
        throw DojoError(.invalidManifest, "\(name): \(error)")
      }
    }
  }

  /// Builds `name:LINE: a.b.c message`, finding the line of the deepest node on the path.
  private static func located(
    _ name: String, _ root: Node, _ path: [any CodingKey], _ message: String
  ) -> DojoError {
    var node = root
    var line = root.mark?.line ?? 1
    for key in path {
      guard let next = child(of: node, key) else { break }
      node = next
      line = next.mark?.line ?? line
    }
    let keyPath = path.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
      .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    let subject = keyPath.isEmpty ? "the manifest" : keyPath
    return DojoError(.invalidManifest, "\(name):\(line): \(subject) \(message)")
  }

  fileprivate static func child(of node: Node, _ key: any CodingKey) -> Node? {
    if let mapping = node.mapping {
      for (k, v) in mapping where k.string == key.stringValue {
        // A key's own line is where a reader looks for it; the value may start lower.
        if v.mapping != nil || v.sequence != nil { return v.withMark(k.mark) }
        return v.withMark(v.mark ?? k.mark)
      }
      return nil
    }
    if let sequence = node.sequence, let i = key.intValue, i < sequence.count {
      return sequence[i]
    }
    return nil
  }

  private static func kind(of type: Any.Type) -> String {
    switch type {
    case is Double.Type, is Float.Type: return "a number"
    case is Int.Type, is UInt64.Type, is Int64.Type: return "a whole number"
    case is Bool.Type: return "true or false"
    case is String.Type: return "text"
    default:
      let name = String(describing: type)
      if name.hasPrefix("Array") || name.contains("Unkeyed") { return "a list" }
      if name.hasPrefix("Dictionary") { return "a mapping" }
      return "a mapping of keys"
    }
  }

  private static func describe(_ error: YamlError) -> String {
    switch error {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
      return "\(mark.line): not valid YAML: \(problem)"
    default:
      return "not valid YAML: \(error)"
    }
  }
}

extension Node {
  /// The same node reporting another position, used to point at a key rather than its value.
  fileprivate func withMark(_ mark: Mark?) -> Node {
    guard let mark else { return self }
    switch self {
    case .mapping(var m):
      m.mark = mark
      return .mapping(m)
    case .sequence(var s):
      s.mark = mark
      return .sequence(s)
    case .scalar(var s):
      s.mark = mark
      return .scalar(s)
    case .alias:
      return self
    }
  }
}

extension LoadedManifest {
  /// `path/manifest.yaml:LINE` of a key path (`split.time`, `metric.positive`), for problems
  /// that only the data reveals, after the manifest loaded; the file alone when the key is
  /// not written (a default).
  public func location(of keyPath: String) -> String {
    guard let text = try? String(contentsOf: file, encoding: .utf8),
      var node = try? Yams.compose(yaml: text)
    else { return file.path }
    var line: Int?
    for key in keyPath.split(separator: ".") {
      guard let next = ManifestLoader.child(of: node, AnyKey(stringValue: String(key))) else {
        return line.map { "\(file.path):\($0)" } ?? file.path
      }
      node = next
      line = next.mark?.line ?? line
    }
    return line.map { "\(file.path):\($0)" } ?? file.path
  }
}
