internal import Foundation
internal import NIOCore
internal import Synchronization

/// A streamed step's events (`Accept: text/event-stream`): `stdout` and `stderr` as the run
/// writes them, each `data: {"text": ...}`, then one `observation` (the step's whole answer,
/// as the JSON reply carries it) or one `error` (`{"error": {"kind", "message"}}`).
enum ServerSentEvents {
  /// One event; `data` is JSON on a single line, so it needs no splitting.
  static func event(_ name: String, _ data: JSONValue) -> ByteBuffer {
    ByteBuffer(string: "event: \(name)\ndata: \(data.jsonText())\n\n")
  }
}

/// Turns a run's output chunks into text events without cutting a UTF-8 character in two:
/// a chunk's incomplete last character waits for the next chunk of the same stream.
final class OutputEvents: Sendable {
  private let pending = Mutex<[Int32: [UInt8]]>([:])

  /// The event for `bytes` read from stream `fd` (1 stdout, 2 stderr), or nil if all of it
  /// waits for the rest of a character.
  func event(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> ByteBuffer? {
    let text = pending.withLock { pending -> String in
      var buffer = pending[fd, default: []]
      buffer.append(contentsOf: bytes)
      let cut = Self.completePrefix(buffer)
      pending[fd] = Array(buffer[cut...])
      return String(decoding: buffer[..<cut], as: UTF8.self)
    }
    guard !text.isEmpty else { return nil }
    return ServerSentEvents.event(fd == 2 ? "stderr" : "stdout", .object(["text": .string(text)]))
  }

  /// What is left over at the end (an incomplete character, shown replaced).
  func flush() -> [ByteBuffer] {
    pending.withLock { pending in
      defer { pending = [:] }
      return pending.sorted { $0.key < $1.key }.filter { !$0.value.isEmpty }.map {
        ServerSentEvents.event(
          $0.key == 2 ? "stderr" : "stdout",
          .object(["text": .string(String(decoding: $0.value, as: UTF8.self))]))
      }
    }
  }

  /// The length of the longest prefix that does not end inside a multi-byte character.
  static func completePrefix(_ bytes: [UInt8]) -> Int {
    let count = bytes.count
    var back = 1
    while back <= min(3, count) {
      let byte = bytes[count - back]
      if byte & 0xC0 == 0x80 {
        back += 1
        continue
      }
      if byte >= 0xC0 {
        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
        if length > back { return count - back }
      }
      return count
    }
    return count
  }
}
