import ArgumentParser
import Foundation
import GANNumerics
import Synchronization

extension MethodComparison.Game: ExpressibleByArgument {}

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Every game method on the same game from the same start.",
        discussion: """
            dirac (the Dirac-GAN) and bilinear (f = φθ): SGD from (1, 1); writes trajectories.png/.svg \\
            (the game's vector field with each method's path), eigenvalues.png/.svg (each method's \\
            update map at the equilibrium, with the unit circle), table.md and results.json. \\
            mog8: the paper's mixture of Gaussians with its networks and RMSProp; writes table.md \\
            (modes, high-quality samples, KL, ‖v‖, ms per step) and results.json, runs under runs/.
            """)

    @Argument(help: "The game.")
    var game: MethodComparison.Game

    @Option(parsing: .upToNextOption, help: "Methods to compare (default: all).")
    var methods: [TrainingConfiguration.Method] = TrainingConfiguration.Method.allCases

    @Option(parsing: .unconditional, help: "Iterations per method (default: 400 for dirac and bilinear, 50,000 for mog8).")
    var iterations: Int?

    @Option(parsing: .unconditional, help: "The SGD step size on dirac and bilinear.")
    var stepSize = 0.1

    @Option(parsing: .unconditional, help: "mog8: runs trained at once.")
    var jobs = 2

    @Option(help: "The output directory (default: compare/<game>).")
    var out: String?

    func validate() throws {
        if let iterations, iterations <= 0 { throw ValidationError("--iterations must be positive, got \(iterations)") }
        guard stepSize > 0 && stepSize.isFinite else { throw ValidationError("--step-size must be positive, got \(stepSize)") }
        guard jobs > 0 else { throw ValidationError("--jobs must be positive, got \(jobs)") }
        guard !methods.isEmpty else { throw ValidationError("--methods needs at least one method") }
    }

    func run() throws {
        var comparison = MethodComparison()
        comparison.game = game
        comparison.methods = methods
        comparison.iterations = iterations
        comparison.stepSize = stepSize
        comparison.jobs = jobs
        comparison.directory = out ?? "compare/" + game.rawValue
        let bar = Mutex<ProgressBar?>(nil)
        do {
            let table = try comparison.run { done, total in
                bar.withLock { bar in
                    if bar == nil { bar = ProgressBar(total: total, label: "compare") }
                    bar?.update(done)
                }
            }
            bar.withLock { $0?.finish() }
            print(table)
            print("Results in \(comparison.directory)/")
        } catch {
            bar.withLock { $0?.finish() }
            throw CommandFailure(error)
        }
    }
}
