internal import DojoCore
public import Foundation

/// Where a registry lives: a SQLite file on this machine, or a PostgreSQL database that
/// many machines share.
///
/// Parsed from what `--registry` and `DOJO_REGISTRY` hold: a path, or
/// `postgres://user[:password]@host[:port]/db[?sslmode=disable|prefer|require]` (also
/// `postgresql://`). A password left out of the URL comes from `PGPASSWORD`, then from
/// `~/.pgpass` (or the file `PGPASSFILE` names), as psql finds it. Only ``description``
/// (never the password) appears in messages.
public enum RegistryLocation: Sendable, Equatable, CustomStringConvertible {
  case sqlite(path: String)
  case postgres(PostgresLocation)

  /// Reads a `--registry` value: a `postgres://` URL, a `file://` URL or a path.
  ///
  /// - Throws: ``DojoError`` `.invalidArgument` naming the part of the URL that is wrong.
  public init(
    parsing text: String,
    environment: [String: String] = ProcessInfo.processInfo
      .environment
  ) throws {
    let lower = text.lowercased()
    if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
      self = .postgres(try PostgresLocation(parsing: text, environment: environment))
    } else if lower.hasPrefix("file://"), let url = URL(string: text) {
      self = .sqlite(path: url.path)
    } else if let colon = text.range(of: "://"),
      !text[..<colon.lowerBound].contains("/")
    {
      throw DojoError(
        .invalidArgument,
        "registry \(RegistryLocation.redact(text)) has the scheme \(text[..<colon.lowerBound]); give a file path or a postgres:// URL"
      )
    } else {
      self = .sqlite(path: text)
    }
  }

  /// The location of a `URL`: a file URL is SQLite, a `postgres://` URL is PostgreSQL.
  public init(_ url: URL) throws {
    if url.isFileURL {
      self = .sqlite(path: url.path)
    } else {
      try self.init(parsing: url.absoluteString)
    }
  }

  /// The location as messages and `/v1/health` show it: never with a password.
  public var description: String {
    switch self {
    case .sqlite(let path): return path
    case .postgres(let location): return location.description
    }
  }

  /// `text` with any password in a URL's user part replaced by `***`, for messages about
  /// a value that could not be parsed.
  static func redact(_ text: String) -> String {
    guard let scheme = text.range(of: "://"),
      let at = text[scheme.upperBound...].lastIndex(of: "@")
    else { return text }
    let user = text[scheme.upperBound..<at]
    guard let colon = user.firstIndex(of: ":") else { return text }
    return String(text[..<colon]) + ":***" + String(text[at...])
  }
}

/// A PostgreSQL database: host, port, user, database, TLS mode and (kept out of messages)
/// the password.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
  public enum SSLMode: String, Sendable, CaseIterable {
    case disable, prefer, require
  }

  public var host: String
  public var port: Int
  public var user: String
  public var database: String
  public var sslMode: SSLMode
  /// From the URL, `PGPASSWORD` or `~/.pgpass`; nil lets the server decide (trust).
  public var password: String?

  /// Parses a `postgres://` URL and finds its password.
  ///
  /// - Throws: ``DojoError`` `.invalidArgument` naming what is missing or wrong.
  public init(parsing text: String, environment: [String: String]) throws {
    let shown = RegistryLocation.redact(text)
    guard let components = URLComponents(string: text), let host = components.host,
      !host.isEmpty
    else {
      throw DojoError(
        .invalidArgument,
        "registry \(shown) is not a valid URL; use postgres://user[:password]@host[:port]/db")
    }
    guard let user = components.user, !user.isEmpty else {
      throw DojoError(
        .invalidArgument,
        "registry \(shown) names no user; use postgres://user[:password]@host[:port]/db")
    }
    let database = String(components.path.drop(while: { $0 == "/" }))
    guard !database.isEmpty, !database.contains("/") else {
      throw DojoError(
        .invalidArgument,
        "registry \(shown) names no database; use postgres://user[:password]@host[:port]/db")
    }
    var mode = SSLMode.prefer
    for item in components.queryItems ?? [] {
      guard item.name == "sslmode" else {
        throw DojoError(
          .invalidArgument,
          "registry \(shown): unknown parameter \"\(item.name)\"; only sslmode is understood")
      }
      guard let value = item.value.flatMap(SSLMode.init(rawValue:)) else {
        throw DojoError(
          .invalidArgument,
          "registry \(shown): sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))"
        )
      }
      mode = value
    }
    // An IPv6 literal is bracketed in the URL, bare on the wire.
    self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
    self.port = components.port ?? 5432
    self.user = components.percentEncodedUser?.removingPercentEncoding ?? user
    self.database = database.removingPercentEncoding ?? database
    self.sslMode = mode
    self.password =
      components.percentEncodedPassword.map { $0.removingPercentEncoding ?? $0 }
      ?? environment["PGPASSWORD"]
      ?? Self.passfilePassword(
        host: self.host, port: self.port, database: self.database, user: self.user,
        environment: environment)
  }

  /// `postgres://user@host:port/db`: the URL without its password.
  public var description: String {
    let shownHost = host.contains(":") ? "[\(host)]" : host
    return "postgres://\(user)@\(shownHost):\(port)/\(database)"
  }

  /// The password `~/.pgpass` (or `PGPASSFILE`) gives for this connection, if any: lines of
  /// `host:port:database:user:password`, `*` matching anything, `\:` and `\\` escaped; the
  /// first match wins, as libpq reads it.
  static func passfilePassword(
    host: String, port: Int, database: String, user: String, environment: [String: String]
  ) -> String? {
    let path =
      environment["PGPASSFILE"]
      ?? environment["HOME"].map { $0 + "/.pgpass" }
    guard let path, let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      return nil
    }
    let wanted = [host, String(port), database, user]
    for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
      let fields = splitPassLine(String(line))
      guard fields.count == 5 else { continue }
      let matches = zip(fields.prefix(4), wanted).allSatisfy { field, value in
        field == "*" || field == value
      }
      if matches { return fields[4] }
    }
    return nil
  }

  private static func splitPassLine(_ line: String) -> [String] {
    var fields: [String] = []
    var current = ""
    var escaped = false
    for character in line {
      if escaped {
        current.append(character)
        escaped = false
      } else if character == "\\" {
        escaped = true
      } else if character == ":" && fields.count < 4 {
        fields.append(current)
        current = ""
      } else {
        current.append(character)
      }
    }
    fields.append(current)
    return fields
  }
}
