import Curation
import DojoCore
import Foundation
import Pipeline
import Testing
import Validation

/// The reference solution is not part of the task's bytes, yet it decides validation: a
/// changed solution makes the next import validate again.
@Suite("Re-validation follows the reference solution", .serialized)
struct ReferenceRevalidationTests {
  /// Predicts label from x exactly (label is "a" when the row number x * 3 is a multiple
  /// of 4).
  static let solution = """
    import csv, os
    data, out = os.environ["DOJO_DATA"], os.environ["DOJO_OUTPUT"]
    os.makedirs(out, exist_ok=True)
    rows = list(csv.DictReader(open(os.path.join(data, "test.csv"))))
    with open(os.path.join(out, "submission.csv"), "w") as f:
        f.write("id,label\\n")
        for r in rows:
            f.write(f"{r['id']},{'a' if round(float(r['x']) * 3) % 4 == 0 else 'b'}\\n")
    """

  @Test func aChangedSolutionMakesTheNextImportValidateAgain() throws {
    let f = try BundledFixture()
    defer { f.remove() }
    let dir = f.manifests.appendingPathComponent("demo")
    let manifest = dir.appendingPathComponent("manifest.yaml")
    try AtomicFiles.write(
      try String(contentsOf: manifest, encoding: .utf8)
        + "\nreference:\n  solution: solution.py\n  timeout_s: 60\n  expect: { at_least: 0.99 }\n",
      to: manifest)
    let solution = dir.appendingPathComponent("solution.py")
    try AtomicFiles.write(Self.solution, to: solution)
    var options = f.options
    options.skipReference = false

    let first = Importer(options).run(try f.load())
    #expect(first.succeeded, "\(first.error ?? "")")
    #expect(!first.skipped.contains(.validate))
    let second = Importer(options).run(try f.load())
    #expect(second.succeeded, "\(second.error ?? "")")
    #expect(second.skipped.contains(.validate))
    #expect(second.version == first.version)

    // A comment changes nothing the task is made of, but it is another solution.
    try AtomicFiles.write(Self.solution + "# tuned\n", to: solution)
    let third = Importer(options).run(try f.load())
    #expect(third.succeeded, "\(third.error ?? "")")
    #expect(third.version == first.version)
    #expect(third.skipped.contains(.prepare))
    #expect(!third.skipped.contains(.validate))

    // The re-run is real: a solution that now fails fails the import.
    try AtomicFiles.write("raise SystemExit('broken on purpose')\n", to: solution)
    let fourth = Importer(options).run(try f.load())
    #expect(!fourth.succeeded)
    #expect(fourth.stage == .validate)
    #expect(fourth.error?.contains("broken on purpose") == true, "\(fourth.error ?? "")")
  }
}
