internal import ArgumentParser

/// Every subcommand, in the order `dojo --help` lists them.
let commandList: [any ParsableCommand.Type] = [
  ManifestCommand.self,
  UnpackCommand.self,
  PageCommand.self,
]
