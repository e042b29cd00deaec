package import DojoCore

extension DojoError {
  /// Whether an `Unpacker` failure means the archive's bytes are damaged (a download
  /// cut short or corrupted: a truncated stream, a CRC error, not an archive at all), so that
  /// fetching it again may help, as opposed to an archive refused as unsafe or an I/O error.
  ///
  /// The one place that decides it: the Unpacker reports a damaged stream (a CRC or length
  /// error, a cut) as `.damagedArchive` and a file that is no archive at all (an error page
  /// saved in its place) as `.invalidData`; a hostile archive is `.unsafeArchive`, which
  /// fetching again cannot cure.
  package var isDamagedArchive: Bool { code == .damagedArchive || code == .invalidData }
}
