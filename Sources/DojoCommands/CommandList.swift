internal import ArgumentParser

/// Every subcommand, in the order `dojo --help` lists them.
let commandList: [any ParsableCommand.Type] = [
  FetchCommand.self,
  UnpackCommand.self,
  PageCommand.self,
  NewCommand.self,
  ListCommand.self,
  ManifestCommand.self,
  CheckCommand.self,
  PrepareCommand.self,
  ValidateCommand.self,
  PublishCommand.self,
  ImportCommand.self,
  GradeCommand.self,
  MetricCommand.self,
  RegistryCommand.self,
  ServeCommand.self,
  TrajectoriesCommand.self,
  ReportCommand.self,
  RankCommand.self,
  SessionsCommand.self,
]
