import ArgumentParser
import Foundation
import GANNumerics

struct SpectrumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectrum",
        abstract: "Eigenvalues of the Jacobian of the game's vector field at a checkpoint, and of J − γJᵀJ.",
        discussion: """
            Computes the exact Jacobian v′ of the gradient vector field (generator parameters first), \
            averaged over minibatches in double precision, and writes: eigenvalues-jacobian.npy and \
            eigenvalues-consensus.npy (complex128), summary.json (eigenvalues with Re λ ≥ 0, the worst \
            |1 + hλ|, the largest stable step size, for J and J − γJᵀJ), the minibatches used under \
            batches/ (.npy), and the paper's figure spectrum.png / spectrum.svg with the stability \
            disc |1 + hλ| < 1.

            Fields of more than \(SpectrumAnalysis.denseLimit) parameters (every DCGAN) skip the dense \
            Jacobian, which would need n² doubles and hours of QR iterations: the --count eigenvalues \
            of largest modulus and of largest real part of v′ and of v′ − γv′ᵀv′ are found \
            matrix-free instead, by Arnoldi on Jacobian-vector products in the training precision, \
            with batch normalization on batch statistics as in a training step; summary.json says why \
            and gives their residuals.
            """)

    @Argument(help: "A run directory (from `train`), a checkpoint directory, or a model .safetensors file.")
    var source: String

    @Option(parsing: .unconditional, help: "Minibatches to average the Jacobian over.")
    var batches = 10

    @Option(parsing: .unconditional, help: "γ of J − γJᵀJ.")
    var gamma: Double = 10

    @Option(parsing: .unconditional, help: "The step size h to analyse (default: the run's learning rate).")
    var stepSize: Double?

    @Option(parsing: .unconditional, help: "Minibatch size (default: the run's).")
    var batchSize: Int?

    @Option(parsing: .unconditional, help: "Seed of the minibatches.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Also find this many largest-modulus eigenvalues matrix-free (Arnoldi on Jacobian-vector products) and compare.")
    var arnoldi = 0

    @Flag(help: "Find the eigenvalues matrix-free even when the dense Jacobian would do.")
    var matrixFree = false

    @Option(parsing: .unconditional, help: "Matrix-free: eigenvalues to find at each end of each spectrum.")
    var count = SpectrumAnalysis().matrixFreeCount

    @Flag(help: "Also write the Jacobian as jacobian.npy.")
    var saveJacobian = false

    @Option(help: "The output directory (default: <run directory>/spectrum, or spectrum/ beside a model file outside a run).")
    var out: String?

    func validate() throws {
        guard batches > 0 else { throw ValidationError("--batches must be positive, got \(batches)") }
        guard gamma >= 0 else { throw ValidationError("--gamma must be non-negative, got \(gamma)") }
        if let stepSize, !(stepSize > 0) { throw ValidationError("--step-size must be positive, got \(stepSize)") }
        if let batchSize, batchSize <= 0 { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        guard arnoldi >= 0 else { throw ValidationError("--arnoldi must be non-negative, got \(arnoldi)") }
        guard count > 0 else { throw ValidationError("--count must be positive, got \(count)") }
    }

    func run() throws {
        var analysis = SpectrumAnalysis()
        analysis.batches = batches
        analysis.gamma = gamma
        analysis.stepSize = stepSize
        analysis.batchSize = batchSize
        analysis.seed = seed
        analysis.arnoldiCount = arnoldi
        analysis.saveJacobian = saveJacobian
        analysis.matrixFree = matrixFree
        analysis.matrixFreeCount = count
        let directory = out ?? Checkpoint.analysisDirectory(for: source, named: "spectrum")
        do {
            var bar: (stage: String, bar: ProgressBar)?
            let report = try analysis.run(source: source, directory: directory) { stage, done, total in
                if bar?.stage != stage {
                    bar?.bar.finish()
                    bar = (stage, ProgressBar(total: total, label: stage))
                }
                bar?.bar.update(done)
            }
            bar?.bar.finish()
            if let found = report.matrixFree {
                let searches = [found.jacobian.largestMagnitude, found.jacobian.largestRealPart,
                                found.consensus.largestMagnitude, found.consensus.largestRealPart]
                let converged = searches.allSatisfy(\.converged) ? "all converged" : "not all converged (residuals in summary.json)"
                print("""
                    Matrix-free, because \(found.reason): the \(count) eigenvalues of largest modulus and of largest \
                    real part, Krylov dimension ≤ \(found.krylovDimension), \(converged); the counts below are of these only
                    """)
            }
            for (name, summary) in [("v′", report.jacobian), ("v′ − γv′ᵀv′", report.consensus)] {
                let stable = summary.largestStableStepSize.map { short($0) } ?? "none (some Re λ ≥ 0)"
                print("""
                    \(name): \(summary.eigenvalueCount) eigenvalues, \(summary.positiveRealParts) with Re λ > 0, \
                    \(summary.zeroRealParts) with Re λ ≈ 0; max Re λ \(short(summary.maximumRealPart)), \
                    max |Im λ| \(short(summary.maximumImaginaryPart)); largest stable h \(stable); \
                    worst |1 + hλ| at h = \(short(summary.stepSize ?? 0)): \(short(summary.worstAmplification ?? 0))
                    """)
            }
            if let check = report.arnoldi {
                print("Arnoldi: \(check.eigenvalues.count) eigenvalues in \(check.operatorApplications) products, converged \(check.converged), largest relative deviation from dense \(short(check.largestRelativeDeviation))")
            }
            print("\(directory): summary.json, eigenvalues-*.npy, spectrum.png, spectrum.svg, batches/ (\(short(report.seconds.total)) s)")
        } catch {
            throw CommandFailure(error)
        }
    }
}
