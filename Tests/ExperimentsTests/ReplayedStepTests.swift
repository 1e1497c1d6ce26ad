import Experiments
import Foundation
import Games
import StepRules
import Testing
import Tensors

/// A replayed iteration gives bit for bit the eager one's parameters, state and report, for
/// every method, loss, penalty and step rule, and runs eagerly exactly where it must.
@Suite struct ReplayedStepTests {
    /// The methods whose iterations depend only on their buffers; the others read values to decide.
    static let replayable: Set<TrainingConfiguration.Method> = [.simgd, .altgd, .conopt, .smooth, .extragradient,
                                                                .pastExtragradient, .optimistic, .nk]

    /// A small mixture configuration.
    static func configuration(_ method: TrainingConfiguration.Method) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.method = method
        (configuration.batchSize, configuration.width, configuration.depth) = (16, 8, 2)
        configuration.lookaheadPeriod = 2
        if method == .acgd { configuration.stepRule = .sgd }
        if method == .sga { configuration.gamma = 1 }
        return configuration
    }

    /// Whether two experiments hold the same parameters, buffers and optimizer state, bit for bit.
    func sameState(_ a: any TrainingExperiment, _ b: any TrainingExperiment) -> Bool {
        func same(_ x: [String: Tensor], _ y: [String: Tensor]) -> Bool {
            x.keys.sorted() == y.keys.sorted() && x.allSatisfy { $0.value.isEqual(to: y[$0.key]!) }
        }
        return same(a.modelState, b.modelState) && same(a.optimizerState.flattened, b.optimizerState.flattened)
    }

    /// Runs `steps` iterations of two copies of one experiment, one eagerly and one through a
    /// ``ReplayedStep``, expecting equal reports and states; returns how the replay ran.
    func compare(_ configuration: TrainingConfiguration, steps: Int = 4) throws -> ReplayedStep<GenerativeAdversarialGame>.Mode {
        let (eager, replayed) = (try configuration.makeExperiment(), try configuration.makeExperiment())
        let replay = ReplayedStep(optimizer: replayed.optimizer, game: replayed.game)
        for step in 1...steps {
            let (a, b) = (eager.step(), replayed.step(replaying: replay))
            #expect(a.losses.map(\.bitPattern) == b.losses.map(\.bitPattern), "step \(step)")
            #expect(a.fieldNorm.bitPattern == b.fieldNorm.bitPattern && a.consensusGradientNorm == b.consensusGradientNorm,
                    "step \(step)")
        }
        #expect(sameState(eager, replayed))
        return replay.mode
    }

    @Test(arguments: TrainingConfiguration.Method.allCases)
    func everyMethodReplaysBitForBit(method: TrainingConfiguration.Method) throws {
        let mode = try compare(ReplayedStepTests.configuration(method))
        if ReplayedStepTests.replayable.contains(method) {
            guard case .replaying(let kernels) = mode else { Issue.record("\(method): \(mode)"); return }
            #expect(kernels > 50)
        } else {
            guard case .eager(let reason) = mode else { Issue.record("\(method) replays"); return }
            #expect(reason.contains("outside a recorded kernel"))
        }
    }

    @Test(arguments: GANObjective.allCases)
    func everyLossReplaysBitForBit(loss: GANObjective) throws {
        for method in [TrainingConfiguration.Method.simgd, .conopt] {
            var configuration = ReplayedStepTests.configuration(method)
            configuration.loss = loss
            #expect(try compare(configuration) != .recording)
            if case .eager(let reason) = try compare(configuration) { Issue.record("\(loss) \(method): \(reason)") }
        }
    }

    @Test(arguments: TrainingConfiguration.Penalty.allCases)
    func everyPenaltyReplaysBitForBit(penalty: TrainingConfiguration.Penalty) throws {
        var configuration = ReplayedStepTests.configuration(.conopt)
        configuration.penalty = penalty
        if penalty == .wganGP { configuration.loss = .indicator }
        guard case .replaying = try compare(configuration) else { Issue.record("\(penalty) does not replay"); return }
    }

    /// Every step rule but Adam (whose bias correction reads its step count) replays.
    @Test(arguments: TrainingConfiguration.StepRuleKind.allCases)
    func everyStepRuleReplaysOrSaysWhyNot(rule: TrainingConfiguration.StepRuleKind) throws {
        var configuration = ReplayedStepTests.configuration(.conopt)
        configuration.stepRule = rule
        let mode = try compare(configuration)
        if rule == .adam {
            #expect(mode == .eager(reason: "elements accessed outside a recorded kernel (subscript)"))
        } else {
            guard case .replaying = mode else { Issue.record("\(rule): \(mode)"); return }
        }
    }

    /// The batch-normalised DCGAN replays too: the running statistics are buffers the recording
    /// reads and writes like the parameters.
    @Test func batchNormalisedImageGANReplaysBitForBit() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let configuration = try tinyImageConfiguration(in: root, method: .conopt)
        #expect(!(try configuration.makeExperiment().game.buffers.isEmpty))
        guard case .replaying = try compare(configuration, steps: 3) else { Issue.record("the DCGAN does not replay"); return }
    }

    /// A batch of another shape, parameters set between iterations and a changed state are all
    /// taken as they are: the odd iteration runs eagerly, the ones after replay again.
    @Test func whateverDoesNotFitRunsEagerly() throws {
        let configuration = ReplayedStepTests.configuration(.conopt)
        let (eager, replayed) = (MixtureExperiment(configuration: configuration), MixtureExperiment(configuration: configuration))
        let replay = ReplayedStep(optimizer: replayed.optimizer, game: replayed.game)
        var random = RandomGenerator(seed: 5)
        for size in [16, 16, 16, 8, 16, 16] {
            let batch = eager.analysisBatch(size: size, using: &random)
            _ = eager.optimizer.step(eager.game, state: &eager.optimizerState) { batch }
            _ = replay.step(state: &replayed.optimizerState) { batch }
            if size == 8 {
                for experiment in [eager, replayed] {
                    let first = experiment.game.allParameters[0].parameter
                    first.value = first.value * 0.5
                }
            }
        }
        #expect(sameState(eager, replayed))
        #expect(replay.mode != .recording && replay.mode != .eager(reason: ""))
        guard case .replaying = replay.mode else { Issue.record("\(replay.mode)"); return }
        // An optimizer state from before the first iteration (a fresh start) runs eagerly.
        eager.optimizerState = OptimizerState()
        replayed.optimizerState = OptimizerState()
        let batch = eager.analysisBatch(size: 16, using: &random)
        _ = eager.optimizer.step(eager.game, state: &eager.optimizerState) { batch }
        _ = replay.step(state: &replayed.optimizerState) { batch }
        #expect(sameState(eager, replayed))
    }

    /// A state remade between iterations — the same entries in new dictionaries, which iterate in
    /// another order — still replays (the parameters are written back in place, which an eager
    /// iteration does not do), each entry read from and written back to its own buffer.
    @Test func remadeStateReplaysEntryByEntry() throws {
        let configuration = ReplayedStepTests.configuration(.simgd)
        let (eager, replayed) = (MixtureExperiment(configuration: configuration), MixtureExperiment(configuration: configuration))
        let replay = ReplayedStep(optimizer: replayed.optimizer, game: replayed.game)
        /// The state's entries in the order it iterates them.
        func order(_ state: OptimizerState) -> [String] { state.parameters.flatMap { name, entries in entries.keys.map { name + "." + $0 } } }
        /// Where the parameters' values are.
        func addresses() -> [UnsafeRawPointer?] {
            replayed.game.allParameters.map { named in
                named.parameter.value.withUnsafeBufferPointer(as: Float.self) { UnsafeRawPointer($0.baseAddress) }
            }
        }
        var reordered = false
        for step in 1...8 {
            let remade = step > 4
            if remade {
                let before = order(replayed.optimizerState)
                replayed.optimizerState = try OptimizerState(flattened: replayed.optimizerState.flattened)
                reordered = reordered || order(replayed.optimizerState) != before
            }
            let placed = addresses()
            let (a, b) = (eager.step(), replayed.step(replaying: replay))
            #expect(a.losses.map(\.bitPattern) == b.losses.map(\.bitPattern), "step \(step)")
            if remade { #expect(addresses() == placed, "step \(step) ran eagerly") }
        }
        #expect(reordered, "the remade states iterated in the same order: the test shows nothing")
        #expect(sameState(eager, replayed))
        guard case .replaying = replay.mode else { Issue.record("\(replay.mode)"); return }
    }

    /// Values taken before a replayed iteration stay as they were: the iteration hands back
    /// tensors of its own.
    @Test func valuesKeptElsewhereDoNotChange() {
        let experiment = MixtureExperiment(configuration: ReplayedStepTests.configuration(.simgd))
        let replay = ReplayedStep(optimizer: experiment.optimizer, game: experiment.game)
        for _ in 0..<3 { _ = experiment.step(replaying: replay) }
        let (parameters, state) = (experiment.modelState, experiment.optimizerState.flattened)
        let copies = (parameters.mapValues(\.doubles), state.mapValues(\.doubles))
        _ = experiment.step(replaying: replay)
        #expect(parameters.mapValues(\.doubles) == copies.0 && state.mapValues(\.doubles) == copies.1)
        #expect(experiment.modelState.mapValues(\.doubles) != copies.0)
    }

    /// With nothing else holding them, a replay writes its results into the parameters' and the
    /// state's own buffers: the buffers stay put from one iteration to the next.
    @Test func unsharedValuesAreUpdatedInPlace() {
        let experiment = MixtureExperiment(configuration: ReplayedStepTests.configuration(.simgd))
        let replay = ReplayedStep(optimizer: experiment.optimizer, game: experiment.game)
        func addresses() -> [String: UnsafeRawPointer?] {
            var result: [String: UnsafeRawPointer?] = [:]
            for named in experiment.game.allParameters {
                result[named.name] = named.parameter.value.withUnsafeBufferPointer(as: Float.self) { UnsafeRawPointer($0.baseAddress) }
            }
            for (name, entries) in experiment.optimizerState.parameters {
                for (entry, tensor) in entries {
                    result[name + "/" + entry] = tensor.withUnsafeBufferPointer(as: Float.self) { UnsafeRawPointer($0.baseAddress) }
                }
            }
            return result
        }
        for _ in 0..<4 { _ = experiment.step(replaying: replay) }
        guard case .replaying = replay.mode else {
            Issue.record("not replaying: \(replay.mode)")
            return
        }
        let before = addresses()
        _ = experiment.step(replaying: replay)
        let after = addresses()
        #expect(after.count == before.count && after.filter { before[$0.key] != $0.value }.isEmpty,
                "moved: \(after.filter { before[$0.key] != $0.value }.keys.sorted())")
    }
}
