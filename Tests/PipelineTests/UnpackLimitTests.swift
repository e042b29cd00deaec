import DojoCore
import Foundation
import Ingest
import Pipeline
import Testing

/// Unpack limits come from the manifest (`unpack: {max_entries, max_file_gb, max_total_gb}`)
/// over defaults that fit every catalogue competition's published size.
@Suite("Per-manifest unpack limits")
struct UnpackLimitTests {
  /// Published sizes of the largest catalogue competitions (Kaggle's data pages): the
  /// defaults admit them without a manifest override.
  @Test(arguments: [
    ("bms-molecular-translation", 4_040_294, 0.0),
    ("herbarium-2021-fgvc8", 2_500_782, 0.0),
    ("herbarium-2020-fgvc7", 1_169_042, 0.0),
    ("herbarium-2022-fgvc9", 1_050_182, 0.0),
    ("cdiscount-image-classification-challenge (train.bson)", 5, 58.0),
    ("inaturalist-2019-fgvc6 (train_val2019.tar.gz)", 6, 82.0),
  ])
  func defaultsFitTheLargestCatalogueArchives(_ id: String, entries: Int, largestFileGB: Double) {
    let limits = UnpackLimits()
    #expect(limits.maxEntries >= entries, "\(id)")
    #expect(Double(limits.maxEntrySize) >= largestFileGB * 1e9, "\(id)")
    // vinbigdata's 206 GB download is the catalogue's largest.
    #expect(limits.maxTotalSize >= 206_000_000_000 * 2)
  }

  @Test func manifestKeysOverrideTheDefaults() throws {
    let spec = Manifest.Unpack(maxEntries: 12, maxFileGB: 0.5, maxTotalGB: 3)
    let limits = UnpackLimits(spec)
    #expect(limits.maxEntries == 12)
    #expect(limits.maxEntrySize == 1 << 29)
    #expect(limits.maxTotalSize == 3 << 30)
    #expect(limits.maxRatio == UnpackLimits().maxRatio)
    #expect(UnpackLimits(nil) == UnpackLimits())
    #expect(
      UnpackLimits(Manifest.Unpack(maxEntries: 7)).maxEntrySize == UnpackLimits().maxEntrySize)
  }

  @Test(arguments: [
    ("unpack:\n  max_entries: 0", "max_entries"),
    ("unpack:\n  max_file_gb: -1", "max_file_gb"),
    ("unpack:\n  max_files: 3", "max_files"),
  ])
  func badLimitsAreRefusedWithTheirKey(_ block: String, key: String) {
    let text = """
      id: x
      title: X
      source:
        url: x.zip
      files:
        train: train.csv
      split:
        strategy: random
        test_fraction: 0.2
      answers:
        id: id
        targets: [y]
      metric:
        name: accuracy
      \(block)
      """
    let error = #expect(throws: DojoError.self) { try ManifestLoader.parse(text) }
    #expect(error?.message.contains(key) == true, "\(error?.message ?? "")")
  }

  /// `dojo import` unpacks within the manifest's limits: one entry allowed, the bundled
  /// archive holds more, and the refusal names the limit.
  @Test func importUnpacksWithinTheManifestsLimits() throws {
    let f = try BundledFixture()
    defer { f.remove() }
    var loaded = try f.load()
    loaded.manifest.unpack = Manifest.Unpack(maxEntries: 1)
    let outcome = Importer(f.options).run(loaded)
    #expect(outcome.stage == .unpack)
    #expect(outcome.error?.contains("more than 1 entries") == true, "\(outcome.error ?? "")")
    loaded.manifest.unpack = Manifest.Unpack(maxEntries: 10)
    let again = Importer(f.options).run(loaded)
    #expect(again.succeeded, "\(again.error ?? "")")
  }
}
