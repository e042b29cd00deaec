import DojoCore
import DojoTestSupport
import Foundation
import Registry
import Testing

/// The two registry backends every registry test runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case sqlite, postgres
  var testDescription: String { rawValue }
}

/// A fresh, empty registry place of one backend: a SQLite path in a new folder, or a new
/// database on the test PostgreSQL server (scripts/postgres-up).
struct RegistryPlace: Sendable {
  let backend: Backend
  /// What `--registry` would be given (a PostgreSQL URL carries no password).
  let text: String
  let folder: URL?

  init(_ backend: Backend) throws {
    self.backend = backend
    switch backend {
    case .sqlite:
      let url = RegistryTests.temp()
      folder = url.deletingLastPathComponent()
      text = url.path
    case .postgres:
      folder = nil
      text = try TestPostgres.shared().createDatabase()
    }
  }

  /// The environment a registry is opened with: the test server's pgpass.
  var environment: [String: String] {
    var environment = ProcessInfo.processInfo.environment
    if backend == .postgres, let server = try? TestPostgres.shared() {
      environment.merge(server.environment) { $1 }
    }
    return environment
  }

  var location: RegistryLocation {
    get throws { try RegistryLocation(parsing: text, environment: environment) }
  }

  func open() throws -> Registry { try Registry(location) }

  func remove() {
    if let folder { try? FileManager.default.removeItem(at: folder) }
  }
}
