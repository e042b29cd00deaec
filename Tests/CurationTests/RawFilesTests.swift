import Curation
import DojoCore
import Foundation
import Testing

@Suite("Finding files in an unpacked archive")
struct RawFilesTests {
  @Test(arguments: [
    ("train.csv", "train.csv", true),
    ("data/train.csv", "data/*.csv", true),
    ("data/train.csv", "*.csv", false),
    ("a/b/c/train.csv", "**/train.csv", true),
    ("train.csv", "**/train.csv", true),
    ("train_1.csv", "train_?.csv", true),
    ("train_10.csv", "train_?.csv", false),
  ])
  func globs(path: String, pattern: String, expected: Bool) {
    #expect(RawFiles.matches(path: path, pattern: pattern) == expected)
  }

  @Test func findsABareNameOneFolderDownAndRefusesAmbiguity() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-raw-\(UUID())")
    defer { try? FileManager.default.removeItem(at: root) }
    for path in [
      "leaf-data/train.csv", "leaf-data/test.csv", "x/a.txt", "y/a.txt", ".manifest.json",
    ] {
      try AtomicFiles.write("x", to: root.appendingPathComponent(path))
    }
    let raw = try RawFiles(root: root)
    #expect(raw.paths.count == 5 - 1)
    #expect(try raw.one("train.csv", key: "files.train").lastPathComponent == "train.csv")
    #expect(throws: DojoError.self) { try raw.one("a.txt", key: "files.extra") }
    do {
      _ = try raw.one("nope.csv", key: "files.train")
    } catch let e as DojoError {
      #expect(e.message.hasPrefix("files.train: \"nope.csv\" matches no file"))
    }
  }
}
