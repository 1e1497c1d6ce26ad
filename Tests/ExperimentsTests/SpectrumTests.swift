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
}
