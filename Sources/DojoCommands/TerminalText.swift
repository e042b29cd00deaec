/// Text from clients (agent names, session labels) made safe to print to a terminal: escape
/// sequences in a name could otherwise move the cursor, recolour or rewrite earlier lines,
/// forging the output an operator reads (as `HTML.escape` guards the HTML report).
enum TerminalText {
  /// `text` with every control character (C0, DEL, C1), every bidirectional override and the
  /// backslash written as Swift escapes (`\u{1b}`, `\\`), so what prints is what was stored.
  static func escape(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      let v = scalar.value
      if scalar == "\\" {
        out += "\\\\"
      } else if v < 0x20 || (0x7f...0x9f).contains(v) || (0x202a...0x202e).contains(v)
        || (0x2066...0x2069).contains(v) || v == 0x200e || v == 0x200f || v == 0x061c
      {
        out += "\\u{" + String(v, radix: 16) + "}"
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
