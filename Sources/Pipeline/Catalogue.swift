internal import DojoCore
public import Foundation
internal import Registry
internal import Validation

/// One competition of the catalogue as `dojo list` shows it: what its manifest says and how
/// far it has come (fetched, prepared, validated, published, or failing at a stage).
public struct CatalogueEntry: Codable, Sendable, Equatable {
  public var id: String
  public var title: String
  public var category: String?
  public var metric: String?
  /// The downloaded archive's size in bytes, once fetched.
  public var dataBytes: Int64?
  /// Rows of the human leaderboard(s), when the files are at hand.
  public var leaderboardRows: Int?
  /// `not fetched`, `fetched`, `prepared`, `validated`, `published` or `failing at <stage>`.
  public var status: String
  /// Why it is failing, in one line.
  public var problem: String?

  enum CodingKeys: String, CodingKey {
    case id, title, category, metric, status, problem
    case dataBytes = "data_bytes"
    case leaderboardRows = "leaderboard_rows"
  }
}

/// Reads the state of every manifest from the folders the stages write (`raw/`, `curated/`)
/// and the registry, without changing anything.
public struct Catalogue: Sendable {
  public var manifests: URL
  public var raw: URL
  public var curated: URL
  public var registry: URL

  public init(manifests: URL, raw: URL, curated: URL, registry: URL) {
    self.manifests = manifests
    self.raw = raw
    self.curated = curated
    self.registry = registry
  }

  /// The statuses, in the order a competition moves through them.
  public static let statuses = [
    "not fetched", "fetched", "prepared", "validated", "published", "failing",
  ]

  /// Every manifest's entry, by id.
  public func entries() throws -> [CatalogueEntry] {
    var published: Set<String> = []
    var validations: [String: ValidationRecord] = [:]
    // Reading the registry must not create one: only an existing file is opened (a
    // PostgreSQL registry is a server's database, always there to read).
    if !registry.isFileURL || FileManager.default.fileExists(atPath: registry.path) {
      let opened = try Registry(at: registry)
      published = Set(try opened.latest().map(\.id))
      for record in try opened.latestValidations() { validations[record.task] = record }
    }
    return RawLayout.manifestIDs(in: manifests).map { id in
      entry(id, published: published.contains(id), validation: validations[id])
    }
  }

  func entry(_ id: String, published: Bool, validation: ValidationRecord?) -> CatalogueEntry {
    let folder = manifests.appendingPathComponent(id)
    let loaded: LoadedManifest
    do {
      loaded = try ManifestLoader.load(folder)
    } catch {
      let message = (error as? DojoError)?.message ?? "\(error)"
      return CatalogueEntry(
        id: id, title: id, status: "failing at manifest", problem: message)
    }
    let m = loaded.manifest
    let layout = RawLayout(raw: raw, id: id)
    var entry = CatalogueEntry(
      id: id, title: m.title, category: m.category, metric: m.metric.name,
      dataBytes: archiveBytes(layout.home), leaderboardRows: leaderboardRows(loaded, layout),
      status: "not fetched")
    if entry.dataBytes != nil || FileManager.default.fileExists(atPath: layout.files.path) {
      entry.status = "fetched"
    }
    if let task = TaskLayout.latest(id: id, curated: curated) {
      entry.status = "prepared"
      if let report = try? ValidationReport.read(task.report) {
        if report.passed {
          entry.status = "validated"
        } else if let failed = report.checks.first(where: { $0.status == .failed }) {
          entry.status = "failing at \(failed.name)"
          entry.problem = failed.detail
        }
      }
    }
    if published { entry.status = "published" }
    if let validation, !validation.passed {
      entry.status = "failing at \(validation.failedCheck ?? "validate")"
      entry.problem = validation.message
    }
    return entry
  }

  /// The size of the archive in `raw/<id>/` (the one regular file that is not hidden, a
  /// partial download or a folder), nil before it is fetched.
  func archiveBytes(_ home: URL) -> Int64? {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: home.path)) ?? []
    var total: Int64 = 0
    var found = false
    for name in names
    where !name.hasPrefix(".") && !name.hasSuffix(".part") && !name.contains("leaderboard") {
      let url = home.appendingPathComponent(name)
      guard let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey]),
        values.isRegularFile == true, name != "page.md"
      else { continue }
      total += Int64(values.fileSize ?? 0)
      found = true
    }
    return found ? total : nil
  }

  /// The rows of the manifest's leaderboard files, or of Kaggle's once downloaded.
  func leaderboardRows(_ loaded: LoadedManifest, _ layout: RawLayout) -> Int? {
    guard let board = loaded.manifest.leaderboard else { return nil }
    var files: [URL] = []
    if board.fromKaggle {
      if let csv = layout.leaderboard { files.append(csv) }
    } else {
      files = [board.publicBoard, board.privateBoard].compactMap { $0 }.map(loaded.resolve)
    }
    guard !files.isEmpty else { return nil }
    // The larger board: a private board usually has the same teams as the public one.
    return files.compactMap(Self.dataLines).max()
  }

  /// Lines after the header, blank lines left out.
  static func dataLines(_ url: URL) -> Int? {
    guard let data = try? Data(contentsOf: url) else { return nil }
    var lines = 0
    var blank = true
    for byte in data {
      if byte == 0x0A {
        if !blank { lines += 1 }
        blank = true
      } else if byte != 0x0D {
        blank = false
      }
    }
    if !blank { lines += 1 }
    return max(0, lines - 1)
  }
}
