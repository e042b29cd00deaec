import DojoFuzzTargets
import Foundation
import Testing

/// Every input a fuzzer found (or a seed worth keeping) is replayed through its target on
/// each test run: a target that traps fails the whole test process, so a regression cannot
/// pass quietly.
@Suite struct FuzzRegressionTests {
  static func inputs(_ target: FuzzTarget) throws -> [URL] {
    let folder = try #require(
      Bundle.module.resourceURL?.appendingPathComponent("Regressions/\(target.rawValue)"))
    return try FileManager.default.contentsOfDirectory(
      at: folder, includingPropertiesForKeys: nil
    ).filter { !$0.lastPathComponent.hasPrefix(".") }.sorted { $0.path < $1.path }
  }

  @Test(arguments: FuzzTarget.allCases)
  func savedInputsRunClean(_ target: FuzzTarget) throws {
    let inputs = try Self.inputs(target)
    #expect(!inputs.isEmpty, "no saved inputs for \(target.rawValue)")
    for input in inputs { target.run(try Data(contentsOf: input)) }
  }
}
