/// `dojo-fuzz TARGET [FILE|FOLDER ...]` replays inputs through one ``FuzzTarget``: every file
/// given, or every file in a folder given. Built by `scripts/fuzz` with `-sanitize=fuzzer` and
/// `-DDOJO_FUZZ`, the same program is libFuzzer's (`DOJO_FUZZ_TARGET=csv dojo-fuzz [libFuzzer
/// options] CORPUS`), so the harness that finds an input and the one that replays it are one.
import DojoFuzzTargets
import Foundation

#if DOJO_FUZZ
  /// The target named by `DOJO_FUZZ_TARGET`, read once: libFuzzer owns the command line.
  let fuzzTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["DOJO_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
      let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
      FileHandle.standardError.write(Data("dojo-fuzz: set DOJO_FUZZ_TARGET to \(names)\n".utf8))
      exit(2)
    }
    return target
  }()

  /// libFuzzer's driver for programs that keep their own `main` (LLVM 12 and later).
  @_silgen_name("LLVMFuzzerRunDriver")
  func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
  ) -> Int32

  /// Hands the whole command line to libFuzzer, which calls ``fuzzOneInput(_:_:)``.
  func runLibFuzzer() -> Never {
    _ = fuzzTarget
    var argc = Int32(CommandLine.arguments.count)
    var cStrings: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
    let status = cStrings.withUnsafeMutableBufferPointer { buffer -> Int32 in
      var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
      return LLVMFuzzerRunDriver(&argc, &argv) { fuzzOneInput($0, $1) }
    }
    exit(status)
  }

  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    fuzzTarget.run(bytes.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
  }
#endif

@main
struct FuzzMain {
  static func main() {
    #if DOJO_FUZZ
      runLibFuzzer()
    #endif
    let arguments = CommandLine.arguments
    guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
      let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
      FileHandle.standardError.write(Data("usage: dojo-fuzz \(names) [FILE|FOLDER ...]\n".utf8))
      exit(2)
    }
    var replayed = 0
    for path in arguments.dropFirst(2) {
      for file in files(at: path) {
        guard let data = FileManager.default.contents(atPath: file) else {
          FileHandle.standardError.write(Data("dojo-fuzz: cannot read \(file)\n".utf8))
          exit(1)
        }
        target.run(data)
        replayed += 1
      }
    }
    print("dojo-fuzz: \(replayed) input(s) through \(target.rawValue), no finding")
  }

  /// `path` itself, or the regular files directly inside it when it is a folder.
  static func files(at path: String) -> [String] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      isDirectory.boolValue
    else { return [path] }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return names.sorted().map { path + "/" + $0 }
  }
}
