import DojoCommands

/// The executable is only this: everything else lives in the libraries.
@main
enum Entrypoint {
  static func main() async {
    await Dojo.runMain()
  }
}
