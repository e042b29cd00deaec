package import DojoCore

extension DojoError {
  /// Whether an `Unpacker` failure means the archive's bytes are damaged (a download
  /// cut short or corrupted: a truncated stream, a CRC error, not an archive at all), so that
  /// fetching it again may help, as opposed to an archive refused as unsafe or an I/O error.
  ///
  /// The one place that decides it: the Unpacker reports damage as `.invalidData` ("cannot
  /// read archive ...; the file is damaged"), and every other refusal with another code.
  package var isDamagedArchive: Bool { code == .invalidData }
}
