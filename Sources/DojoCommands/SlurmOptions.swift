internal import ArgumentParser
internal import DojoCore
internal import Foundation
internal import Pipeline

/// Where `dojo import` and `dojo validate` do their work.
enum Executor: String, ExpressibleByArgument, CaseIterable {
  /// This machine, `--jobs N` at once.
  case local
  /// One Slurm job array, one element per competition (see ``SlurmOptions``).
  case slurm
}

/// The options of `--executor slurm`, shared by `dojo import` and `dojo validate`.
struct SlurmOptions: ParsableArguments {
  @Option(help: "Where the work runs: local (this machine) or slurm (one job array).")
  var executor: Executor = .local
  @Option(help: "Slurm: the partition.") var partition: String?
  @Option(help: "Slurm: at most this many elements at once (%N on the array).")
  var maxParallel: Int?
  @Option(help: "Slurm: each element's time limit (sbatch --time).") var time: String?
  @Option(help: "Slurm: each element's memory (sbatch --mem).") var mem: String?
  @Option(help: "Slurm: each element's CPUs (sbatch --cpus-per-task).") var cpusPerTask: Int?
  @Option(help: "Slurm: generic resources, e.g. gpu:1 (sbatch --gres).") var gres: String?
  @Option(help: "Slurm: any other sbatch option, e.g. --sbatch-arg=--account=ml (repeatable).")
  var sbatchArg: [String] = []
  @Flag(help: "Slurm: print the job id and return instead of following the job.")
  var detach = false
  @Option(help: "Slurm: show the summary of this job (its id) and return.") var status: String?
  @Option(help: "Slurm: submit this job's failed elements again.") var retryFailed: String?

  var resources: SlurmResources {
    SlurmResources(
      partition: partition, maxParallel: maxParallel, time: time, mem: mem,
      cpusPerTask: cpusPerTask, gres: gres, extra: sbatchArg)
  }

  /// True when this invocation talks to Slurm.
  var usesSlurm: Bool { executor == .slurm || status != nil || retryFailed != nil }

  func validate() throws {
    if let maxParallel, maxParallel < 1 {
      throw ValidationError("--max-parallel must be at least 1")
    }
    if let cpusPerTask, cpusPerTask < 1 {
      throw ValidationError("--cpus-per-task must be at least 1")
    }
    if status != nil && retryFailed != nil {
      throw ValidationError("pass --status or --retry-failed, not both")
    }
    for job in [status, retryFailed].compactMap({ $0 })
    where job.isEmpty || !job.allSatisfy(\.isNumber) {
      throw ValidationError(
        "\(job) is not a Slurm job id: pass the number `--executor slurm` printed")
    }
    for arg in sbatchArg where !arg.hasPrefix("-") || arg.contains("\n") {
      throw ValidationError(
        "--sbatch-arg \(arg): give one sbatch option on one line, as --sbatch-arg=--account=ml")
    }
    for (name, value) in [("partition", partition), ("time", time), ("mem", mem), ("gres", gres)] {
      if let value, value.isEmpty || value.contains(where: \.isNewline) || value.contains(" ") {
        throw ValidationError(
          "--\(name) \(value.debugDescription): give one word, as sbatch takes it")
      }
    }
    if executor == .local && !sbatchArg.isEmpty
      || executor == .local && (partition != nil || gres != nil)
    {
      throw ValidationError("--partition, --gres and --sbatch-arg need --executor slurm")
    }
  }

  /// Refuses a SQLite registry: every node would write one file over the shared filesystem,
  /// and SQLite's locking does not hold on NFS and its kin (the file corrupts).
  static func requireSharedRegistry(_ registry: String) throws {
    if registry.hasPrefix("postgres://") || registry.hasPrefix("postgresql://") { return }
    throw DojoError(
      .invalidArgument,
      "--executor slurm needs a PostgreSQL registry, not the SQLite file \(registry): nodes would "
        + "write it over the shared filesystem, where SQLite's locks do not hold and the file "
        + "corrupts. Pass --registry postgres://user@host:5432/db or set DOJO_REGISTRY "
        + "(scripts/cluster-up prints one for a local cluster)")
  }
}
