import Experiments
import Formats
import Foundation
@testable import GANNumericsCLI
import Numerics
import Spectral
import Testing
import Tensors

/// A tiny trained run (95 parameters) to analyse quickly in debug builds.
func tinyRun(in root: String, spectrumEvery: Int = 0) throws -> String {
    var configuration = smallConfiguration(method: .simgd, iterations: 10)
    configuration.width = 4
    configuration.depth = 1
    configuration.latentSize = 2
    configuration.spectrumEvery = spectrumEvery
    try TrainingRun(configuration: configuration, directory: root + "/run").run()
    return root + "/run"
}

@Suite struct SpectrumTests {
    @Test func analysisWritesConsistentResults() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = try tinyRun(in: root)
        var analysis = SpectrumAnalysis()
        analysis.batches = 2
        analysis.batchSize = 16
        analysis.gamma = 3
        analysis.stepSize = 0.01
        analysis.arnoldiCount = 3
        analysis.saveJacobian = true
        let report = try analysis.run(source: run, directory: root + "/spectrum")
        let n = report.parameterCount
        #expect(report.blocks.map(\.player) == ["generator", "discriminator"])
        #expect(report.blocks[0].range == 0..<report.blocks[0].range.count && report.blocks[1].range.upperBound == n)
        let (real, imaginary) = try NumPyArray.decodeComplex(FileIO.read(root + "/spectrum/eigenvalues-jacobian.npy"))
        #expect(real.count == n && imaginary.count == n)
        // The saved Jacobian gives the same spectra.
        let jacobian = Matrix(try NumPyArray.read(root + "/spectrum/jacobian.npy"))
        let values = try EigenDecomposition(jacobian).eigenvalues
        #expect(zip(values, zip(real, imaginary)).allSatisfy { ($0 - Complex($1.0, $1.1)).length < 1e-12 })
        let consensus = try NumPyArray.decodeComplex(FileIO.read(root + "/spectrum/eigenvalues-consensus.npy"))
        let j = jacobian.tensor
        let expected = try EigenDecomposition(Matrix(j - j.matmul(j, transposingSelf: true) * 3)).eigenvalues
        #expect(zip(expected, zip(consensus.real, consensus.imaginary)).allSatisfy { ($0 - Complex($1.0, $1.1)).length < 1e-12 })
        #expect(report.jacobian == StabilitySummary(eigenvalues: values, stepSize: 0.01))
        #expect(try #require(report.arnoldi).largestRelativeDeviation < 1e-6)
        #expect(try NumPyArray.read(root + "/spectrum/batches/real-01.npy").shape == [16, 2])
        #expect(try PNG.decode(FileIO.read(root + "/spectrum/spectrum.png")).width == 720)
        #expect(try String(contentsOfFile: root + "/spectrum/spectrum.svg", encoding: .utf8).hasPrefix("<svg"))
    }

    /// The matrix-free path (taken for every DCGAN) finds the dense spectrum's ends, says why it
    /// was taken, and writes the same files.
    @Test func matrixFreeAnalysisFindsTheDenseEnds() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = try tinyRun(in: root)
        var analysis = SpectrumAnalysis()
        (analysis.batches, analysis.batchSize) = (2, 16)
        var stages: [String] = []
        let dense = try analysis.run(source: run, directory: root + "/dense") { stage, done, total in
            stages.append("\(stage) \(done)/\(total)")
        }
        #expect(stages == ["Jacobian of 2 minibatches 1/2", "Jacobian of 2 minibatches 2/2",
                           "eigenvalues of J and J − γJᵀJ 0/2", "eigenvalues of J and J − γJᵀJ 2/2"])
        analysis.matrixFree = true
        analysis.matrixFreeCount = 4
        var products: [Int] = []
        let found = try analysis.run(source: run, directory: root + "/matrix-free") { stage, done, _ in
            if stage == "Jacobian-vector products" { products.append(done) }
        }
        #expect(!products.isEmpty && products == products.sorted())
        let ends = try #require(found.matrixFree)
        #expect(ends.reason == "--matrix-free was asked for" && ends.jacobian.largestRealPart.converged)
        #expect(Swift.abs(found.jacobian.spectralRadius - dense.jacobian.spectralRadius) < 1e-8 * dense.jacobian.spectralRadius)
        #expect(Swift.abs(found.jacobian.maximumRealPart - dense.jacobian.maximumRealPart) < 1e-8 * dense.jacobian.spectralRadius)
        #expect(Swift.abs(found.consensus.maximumRealPart - dense.consensus.maximumRealPart) < 1e-8 * dense.consensus.spectralRadius)
        #expect(try PNG.decode(FileIO.read(root + "/matrix-free/spectrum.png")).width == 720)
    }

    @Test func trainingRecordsTheSpectrum() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = try tinyRun(in: root, spectrumEvery: 5)
        let lines = try String(contentsOfFile: run + "/spectrum.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let record = try JSONDecoder().decode(SpectrumTracker.Record.self, from: Data(lines[1].utf8))
        #expect(record.iteration == 10 && record.largestMagnitude.count == 8)
        #expect(FileManager.default.fileExists(atPath: run + "/spectrum-trajectory.png"))
    }

    @Test func missingSourceIsOneLine() throws {
        do {
            var command = try GANNumericsCommand.parseAsRoot(["spectrum", "/nonexistent/run"])
            try command.run()
            Issue.record("no error for a missing run")
        } catch {
            let message = GANNumericsCommand.message(for: error)
            #expect(message == "/nonexistent/run: no such run directory or checkpoint")
            #expect(GANNumericsCommand.exitCode(for: error).rawValue != 0)
        }
        #expect(throws: (any Error).self) { try GANNumericsCommand.parseAsRoot(["spectrum", "x", "--batches", "0"]) }
    }

    /// A checkpoint's configuration metadata goes through the same checks as the command line:
    /// absurd sizes are refused before anything is allocated, naming the file.
    @Test func craftedConfigurationMetadataIsRefused() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = try tinyRun(in: root)
        let path = run + "/checkpoint/" + Checkpoint.modelFile
        let (tensors, metadata) = try Safetensors.read(path)
        let cases: [[String: Any]] = [["batchSize": 1_000_000_000_000], ["width": 100_000, "depth": 4], ["batchSize": 0],
                                      ["depth": "x"], ["experiment": "mog9"]]
        for overrides in cases {
            var configuration = try JSONSerialization.jsonObject(with: Data(metadata["configuration"]!.utf8)) as! [String: Any]
            configuration.merge(overrides) { $1 }
            let text = String(decoding: try JSONSerialization.data(withJSONObject: configuration), as: UTF8.self)
            let crafted = root + "/crafted.safetensors"
            try Safetensors.write(tensors, metadata: metadata.merging(["configuration": text]) { $1 }, to: crafted)
            do {
                _ = try SpectrumAnalysis().jacobian(source: crafted)
                Issue.record("\(overrides) was accepted")
            } catch {
                #expect("\(error)".contains(crafted) && "\(error)".contains("configuration metadata"), "\(overrides): \(error)")
            }
        }
        var zeroBatch = SpectrumAnalysis()
        zeroBatch.batchSize = 0
        #expect(throws: ConfigurationError("--batch-size must be positive, got 0")) { try zeroBatch.jacobian(source: run) }
    }

    /// NaN parameters are refused with the file and tensor named.
    @Test func aNaNModelIsNamed() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = try tinyRun(in: root)
        let path = run + "/checkpoint/" + Checkpoint.modelFile
        var (tensors, metadata) = try Safetensors.read(path)
        tensors["discriminator.layers.0.weight"] = tensors["discriminator.layers.0.weight"]! * Double.infinity
        try Safetensors.write(tensors, metadata: metadata, to: path)
        #expect(throws: FormatError("discriminator.layers.0.weight holds NaN or infinite values; this is not a good checkpoint",
                                    path: path)) { try SpectrumAnalysis().jacobian(source: run) }
    }

    /// The Jacobian of a trained ReLU GAN (915 parameters, ConOpt, 20,000 iterations) on a single
    /// sample, on which the solver before balancing permutations and dlahqr-style shifts gave up
    /// ("the QR algorithm did not converge"): 538 zero rows and a nearly nilpotent rest. (The
    /// stress suite checks the same structure hidden by a dense similarity, at a size debug
    /// builds solve quickly.)
    @Test func jacobianOfATrainedGANAtBatchSizeOne() throws {
        var analysis = SpectrumAnalysis()
        (analysis.batches, analysis.batchSize, analysis.seed) = (1, 1, 5)
        let jacobian = try analysis.jacobian(source: fixture("relu-gan-w16-d2-conopt-20k.safetensors")).matrix
        #expect(jacobian.rows == 915)
        let values = try EigenDecomposition(jacobian).eigenvalues
        #expect(values.count == 915)
        let sum = values.reduce(Complex<Double>.zero, +)
        let trace = (0..<915).reduce(0.0) { $0 + jacobian[$1, $1] }
        let tolerance = 1e-12 * jacobian.frobeniusNorm
        #expect(abs(sum.real - trace) < tolerance && abs(sum.imaginary) < tolerance, "Σλ = \(sum), trace \(trace)")
        let squares = values.reduce(Complex<Double>.zero) { $0 + $1 * $1 }
        let traceOfSquare = (0..<915).reduce(0.0) { total, i in total + (0..<915).reduce(0.0) { $0 + jacobian[i, $1] * jacobian[$1, i] } }
        #expect(abs(squares.real - traceOfSquare) < tolerance * jacobian.frobeniusNorm, "Σλ² = \(squares), tr J² = \(traceOfSquare)")
    }
}
