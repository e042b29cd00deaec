internal import DojoCore
internal import Foundation
internal import Sandbox

/// `table.format: parquet`: the labelled table is an Apache Parquet file, converted once to
/// a UTF-8 CSV before the split by a maintained implementation (pyarrow, pinned in the
/// project's Python environment) run inside the sandbox, never by per-manifest code. The
/// CSV it leaves is then read by the one streaming CSV reader like any other source, so a
/// bad value is refused with its line, and the split engine is the same for every table.
///
/// The converter streams record batches (memory stays bounded by one batch), writes to a
/// temporary name and renames it, and names the file and column it cannot write (nested
/// types have no CSV form). Inside the sandbox the archive is read-only at `/raw`, the
/// scratch folder the only writable one, with no network.
extension Preparer {
  /// The converter; `argv`: the Parquet file and the CSV to write.
  static let parquetToCSV = """
    import os, sys
    try:
        import pyarrow as pa
        import pyarrow.csv as pc
        import pyarrow.parquet as pq
    except ImportError:
        sys.exit("pyarrow is not installed in this Python; run scripts/install-deps")
    source, target = sys.argv[1], sys.argv[2]
    name = os.path.basename(source)
    try:
        f = pq.ParquetFile(source)
    except Exception as e:
        sys.exit(f"{name} is not a readable Parquet file: {e}")
    schema = f.schema_arrow
    for field in schema:
        if pa.types.is_nested(field.type) or pa.types.is_binary(field.type):
            sys.exit(f"{name}: column {field.name!r} is {field.type}, which has no CSV form")
    part = target + ".part"
    options = pc.WriteOptions(include_header=True, quoting_style="needed")
    try:
        with pc.CSVWriter(part, schema, write_options=options) as writer:
            for batch in f.iter_batches(batch_size=65536):
                writer.write_batch(batch)
    except Exception as e:
        sys.exit(f"{name} could not be converted: {e}")
    os.rename(part, target)
    """

  /// Converts `source` (a file under the unpacked archive `files.root`) to the CSV
  /// `destination`, in the sandbox.
  ///
  /// - Throws: ``DojoError`` `.sandbox` when the sandbox is unavailable, `.invalidData` when
  ///   the file is not Parquet or holds a column with no CSV form, naming it.
  func convertParquet(_ source: URL, files: RawFiles, to destination: URL) throws {
    let root = files.root.standardizedFileURL.resolvingSymlinksInPath().path
    let full = source.standardizedFileURL.resolvingSymlinksInPath().path
    guard full.hasPrefix(root + "/") else {
      throw DojoError(.invalidManifest, "files.train \(full) is not inside the unpacked archive")
    }
    let available = Sandbox.isAvailable()
    guard available.available else {
      throw DojoError(
        .sandbox,
        "table.format parquet is converted inside the sandbox, which is unavailable here: \(available.reason)"
      )
    }
    let sandbox = try Sandbox(SandboxConfiguration(python: python))
    let scratch = destination.deletingLastPathComponent()
    try AtomicFiles.createDirectory(scratch)
    try sandbox.prepareWorkspace(scratch)
    let mounts = SandboxMounts(
      publicDirectory: files.root, workspace: scratch, output: scratch, readOnly: [],
      dataPath: "/raw", workspacePath: "/out", outputPath: "/out")
    let run = Result {
      try sandbox.runPython(
        code: Self.parquetToCSV, fileName: "parquet_to_csv.py",
        arguments: [
          "/raw/" + full.dropFirst(root.count + 1), "/out/" + destination.lastPathComponent,
        ],
        mounts: mounts, limits: scriptLimits)
    }
    try sandbox.reclaim(scratch)
    let outcome = try run.get()
    guard outcome.succeeded else {
      let tail = outcome.stderrTail.split(separator: "\n").suffix(2).joined(separator: " | ")
      throw DojoError(
        .invalidData, "files.train \(source.lastPathComponent): \(outcome.summary): \(tail)")
    }
    guard case .file = SandboxOutput.entry(atPath: destination.path) else {
      throw DojoError(
        .invalidData,
        "files.train \(source.lastPathComponent): the Parquet conversion left no regular file")
    }
  }
}
