import ArgumentParser
import GANNumerics

@main
struct GANNumericsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan-numerics",
        abstract: "Train GANs and other smooth games with numerically sound optimizers, and see why they converge.",
        discussion: """
            Implements "The Numerics of GANs" (Mescheder, Nowozin, Geiger, NIPS 2017): consensus \
            optimization and the eigenvalues of the Jacobian of the game's vector field.
            """,
        version: "gan-numerics 0.1.0",
        subcommands: [TrainCommand.self, ReproduceCommand.self, SpectrumCommand.self, CompareCommand.self, ScoreCommand.self, ReportCommand.self, ClassifierCommand.self],
        defaultSubcommand: nil)
}

extension TrainingConfiguration.Experiment: ExpressibleByArgument {}
extension TrainingConfiguration.Method: ExpressibleByArgument {}
extension TrainingConfiguration.StepRuleKind: ExpressibleByArgument {}
extension TrainingConfiguration.Penalty: ExpressibleByArgument {}
extension ImageArchitecture: ExpressibleByArgument {}
extension GANObjective: ExpressibleByArgument {}

/// A failure to report as one line and a non-zero exit (no stack trace).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ error: any Error) {
        description = "\(error)"
    }
}
