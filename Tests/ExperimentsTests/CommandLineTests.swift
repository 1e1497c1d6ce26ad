import ArgumentParser
import Foundation
@testable import GANNumericsCLI
import Testing

/// Runs `gan-numerics` with `arguments` in this process: the one-line message it would print and
/// its exit code (0 and "" on success).
func runCommand(_ arguments: [String]) -> (message: String, code: Int32) {
    do {
        var command = try GANNumericsCommand.parseAsRoot(arguments)
        try command.run()
        return ("", 0)
    } catch {
        return (GANNumericsCommand.message(for: error), GANNumericsCommand.exitCode(for: error).rawValue)
    }
}

/// Bad input gets one clear line and a non-zero exit code.
@Suite struct CommandLineTests {
    @Test func unknownChoicesListTheValidOnes() {
        for (option, value, valid) in [("--experiment", "mog9", "mog8"), ("--method", "adagrad", "conopt"),
                                       ("--loss", "wasserstein", "indicator"), ("--step-rule", "lbfgs", "adam")] {
            let (message, code) = runCommand(["train", option, value])
            #expect(code != 0)
            #expect(message.contains("'\(value)'") && message.contains(valid), "\(message)")
        }
    }

    @Test func scoresNeedImageRuns() {
        let (message, code) = runCommand(["train", "--score-every", "10"])
        #expect(code != 0 && message == "--score-every scores generated digits; mog8 runs log their modes instead")
    }

    @Test func negativeSettingsAreRefused() {
        let (gammaMessage, gammaCode) = runCommand(["train", "--gamma", "-1"])
        #expect(gammaCode != 0 && gammaMessage.contains("--gamma must be non-negative, got -1.0"))
        let (rateMessage, _) = runCommand(["train", "--lr", "-0.1"])
        #expect(rateMessage.contains("--lr must be positive, got -0.1"))
        let (seedsMessage, _) = runCommand(["reproduce", "mog", "--seeds", "0"])
        #expect(seedsMessage.contains("--seeds must be positive"))
    }

    /// `reproduce` settings a careless user might give: each one line, nothing trained or written.
    @Test func badReproductionSettingsAreOneLine() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let out = root + "/out"
        let cases: [([String], String)] = [
            (["images", "--iterations", "-3"], "--iterations must be positive, got -3"),
            (["images", "--lr", "-1"], "--lr must be positive and finite, got -1.0"),
            (["images", "--lr", "inf"], "--lr must be positive and finite, got inf"),
            (["images", "--lr", "nan"], "--lr must be positive and finite, got nan"),
            (["images", "--width", "0"], "--width must be positive, got 0"),
            (["images", "--score-samples", "0"], "--score-samples must be positive, got 0"),
            (["images", "--jobs", "-1"], "--jobs must be positive, got -1"),
            (["images", "--data", root + "/missing.gz"], root + "/missing.gz: no such file"),
            (["images", "--architecture", "resnet"], "the data set mnist has 32×32 images, but resnet makes 64×64 images"),
            (["mog", "--iterations", "-3"], "--iterations must be positive, got -3"),
            (["mog", "--experiment", "mnist"], "Please provide one of 'mog8' and 'mog25'"),
        ]
        for (arguments, expected) in cases {
            let (message, code) = runCommand(["reproduce"] + arguments + ["--out", out])
            #expect(code != 0 && message.contains(expected) && !message.contains("\n"), "\(arguments): \(message)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func unwritableOutputIsOneLine() {
        let (message, code) = runCommand(["train", "--iterations", "1", "--out", "/proc/no-such-dir/run"])
        #expect(code != 0)
        #expect(message.contains("/proc/no-such-dir/run") && !message.contains("\n"))
    }

    @Test func everySubcommandHasHelp() {
        for path in [[], ["train"], ["reproduce"], ["reproduce", "mog"]] {
            let help = GANNumericsCommand.helpMessage(for: path.isEmpty ? GANNumericsCommand.self
                                                      : (path == ["train"] ? TrainCommand.self
                                                      : (path == ["reproduce"] ? ReproduceCommand.self : ReproduceMixtureCommand.self)))
            #expect(help.contains("USAGE"))
        }
        #expect(GANNumericsCommand.configuration.version.hasPrefix("gan-numerics "))
    }
}
