import DojoCore
import DojoTestSupport
import Foundation
import Testing

@testable import Registry

@Suite("Registry: removing a task or a version")
struct RegistryRemovalTests {
  @Test(arguments: Backend.allCases) func removingOneVersionKeepsTheOthersAndTheCompetition(
    _ backend: Backend
  ) throws {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    let registry = try place.open()
    try registry.publish(RegistryTests.request(version: "v1"))
    try registry.publish(RegistryTests.request(version: "v2"))
    #expect(try registry.remove("titanic", version: "v1") == ["v1"])
    #expect(try registry.versions(of: "titanic").map(\.version) == ["v2"])
    #expect(try registry.leaderboard("titanic", version: "v1").isEmpty)
  }

  @Test(arguments: Backend.allCases) func removingATaskTakesEveryVersionAndItsValidations(
    _ backend: Backend
  ) throws {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    let registry = try place.open()
    try registry.publish(RegistryTests.request(version: "v1"))
    try registry.publish(RegistryTests.request(version: "v2"))
    try registry.recordValidation(
      ValidationRecord(
        task: "titanic", version: "v2", title: "Titanic", metric: "accuracy", passed: true,
        recordedAt: "2026-01-01T00:00:00Z"))
    #expect(Set(try registry.remove("titanic")) == ["v1", "v2"])
    #expect(try registry.list().isEmpty)
    #expect(try registry.latestValidations().isEmpty)
  }

  @Test(arguments: Backend.allCases) func anUnknownTaskOrVersionIsRefusedNamingWhatExists(
    _ backend: Backend
  ) throws {
    let place = try RegistryPlace(backend)
    defer { place.remove() }
    let registry = try place.open()
    try registry.publish(RegistryTests.request(version: "v1"))
    #expect {
      try registry.remove("titanic", version: "v9")
    } throws: { error in
      (error as? DojoError)?.message == "titanic has no version v9; its versions are v1"
    }
    #expect {
      try registry.remove("nope")
    } throws: { error in
      (error as? DojoError)?.message.contains("no task \"nope\" is published") == true
    }
    #expect(try registry.list().count == 1)
  }
}
