import DojoCore
import Foundation
import Runtime
import Testing

@Suite("request bodies name valid values")
struct ScoreModeTests {
  @Test func anInvalidScoreModeListsTheValidOnes() {
    let body = Data(#"{"task": "t", "score_mode": "rank"}"#.utf8)
    #expect {
      try RequestBodies.sessionLimits(
        body: body,
        ceilings: SessionLimits(executionTimeoutS: 60, memoryMB: 512, cpuS: nil, gpus: 0))
    } throws: { error in
      let message = (error as? DojoError)?.message ?? ""
      return message.contains("\"rank\" is not a score mode; use one of position, raw")
        && !message.contains("Cannot initialize")
    }
  }
}
