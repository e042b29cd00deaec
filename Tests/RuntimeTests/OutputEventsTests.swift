import Foundation
import NIOCore
import Testing

@testable import Runtime

@Suite("Streamed output")
struct OutputEventsTests {
  /// The text of the `data: {"text": ...}` line of an event.
  func text(_ event: [UInt8]) throws -> String {
    let line = try #require(
      String(decoding: event, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("data: ") }
    )
    return try #require(JSONValue.parse(String(line.dropFirst(6)))["text"]?.string)
  }

  @Test func aCharacterSplitAcrossChunksIsSentWhole() throws {
    let events = OutputEvents()
    let bytes = Array("a☃b".utf8)  // ☃ is three bytes: 1...3
    let first = try #require(events.event(1, bytes[0..<2]))
    #expect(try text(Array(first.readableBytesView)) == "a")
    #expect(events.event(1, bytes[2..<3]) == nil, "half a character waits")
    let rest = try #require(events.event(1, bytes[3...]))
    #expect(try text(Array(rest.readableBytesView)) == "☃b")
    #expect(events.flush().isEmpty)
  }

  @Test func streamsKeepTheirOwnLeftoversAndAnIncompleteEndIsFlushed() throws {
    let events = OutputEvents()
    let snow = Array("☃".utf8)
    #expect(events.event(2, snow[0..<1]) == nil)
    let out = try #require(events.event(1, ArraySlice(Array("x".utf8))))
    #expect(String(decoding: out.readableBytesView, as: UTF8.self).hasPrefix("event: stdout\n"))
    let flushed = events.flush()
    #expect(flushed.count == 1)
    #expect(
      String(decoding: try #require(flushed.first).readableBytesView, as: UTF8.self).hasPrefix(
        "event: stderr\n"))
  }
}
