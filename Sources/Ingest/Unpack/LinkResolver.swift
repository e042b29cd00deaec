/// Follows symlink targets through the tree being built, as the kernel would walk them: a
/// chain is judged by where it finally lands, not hop by hop, and `..` applies to the folder a
/// link really resolved to. Only links are looked up, so the cost is the links and their
/// chains, never the files.
enum LinkResolver {
  enum Outcome: Equatable {
    /// The resolved path, as components below the output folder (dangling paths included).
    case inside([String])
    /// The walk left the output folder; `through` names the link that took it there.
    case outside(through: String)
    /// More links followed than the kernel would (40), or a link leads back to itself.
    case loop
  }

  /// The kernel's limit on links followed in one path walk (Linux's MAXSYMLINKS).
  static let maxHops = 40

  /// Resolves `target`, read from a link in folder `from` (components below the output
  /// folder); `symlinks` maps each link's path below the output folder to its target.
  ///
  /// - Parameter offset: The components of the output folder that `symlinks`' keys leave out
  ///   (a nested archive's tree is keyed below its own folder).
  static func resolve(
    _ target: String, from: [String], symlinks: [String: String], offset: [String] = []
  ) -> Outcome {
    if target.hasPrefix("/") { return .outside(through: target) }
    var stack = from
    var pending = Array(split(target).reversed())
    var hops = 0
    var lastLink = ""
    while let part = pending.popLast() {
      switch part {
      case ".": continue
      case "..":
        if stack.isEmpty { return .outside(through: lastLink) }
        stack.removeLast()
      default:
        stack.append(part)
        guard stack.count > offset.count, stack.starts(with: offset) else { continue }
        let key = stack[offset.count...].joined(separator: "/")
        guard let next = symlinks[key] else { continue }
        hops += 1
        if hops > maxHops { return .loop }
        if next.hasPrefix("/") { return .outside(through: key) }
        lastLink = key
        stack.removeLast()
        pending.append(contentsOf: split(next).reversed())
      }
    }
    return .inside(stack)
  }

  private static func split(_ path: String) -> [String] {
    path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
  }
}
