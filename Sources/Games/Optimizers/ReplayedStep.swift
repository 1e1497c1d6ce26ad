import Layers
import StepRules
import Tensors

/// A batch made of tensors, which a ``ReplayedStep`` copies into the buffers its recording reads.
public protocol ReplayableBatch {
    /// The batch's tensors, in a fixed order.
    var tensors: [Tensor] { get }
    /// The batch holding `tensors`, in the order ``tensors`` gives them.
    init(tensors: [Tensor])
}

/// A game optimizer's iteration recorded once as a ``KernelTrace`` and replayed: for a fixed
/// game, method and batch shape, later iterations run the recorded kernels over the same buffers
/// — no graph, no shape checks, no allocation per operation — and give bit for bit the numbers
/// the eager iteration gives (the kernels are the same, in the same order).
///
/// Each iteration copies the parameters, the networks' buffers (batch statistics), the optimizer
/// state and the new batches into the buffers the recording reads, replays, and hands back what
/// it wrote as tensors of their own, so values kept elsewhere never change under their holders.
///
/// An iteration that cannot be replayed runs eagerly: the first ones (until the step rules and
/// the method have created their state; a replay would create it again), one whose batches,
/// parameters or state do not fit the recording, and every one of a method whose iteration
/// depends on more than its buffers — whatever reads values to decide (Adam's and Lookahead's
/// step counts, SGA's sign, clipping) or draws random numbers inside the iteration, which the
/// recording detects and reports in ``mode`` — and every one of a game whose recording would
/// keep more than ``KernelTrace/largestRecording`` bytes (a DCGAN). A replay runs on two cores
/// when ``KernelTrace/scheduleOnTwoCores()`` finds that it pays.
public final class ReplayedStep<Game: DifferentiableGame> where Game.Batch: ReplayableBatch {
    /// How the iterations run.
    public enum Mode: Equatable, Sendable {
        /// Eager until an iteration can be recorded.
        case recording
        /// Replaying a recording of this many kernels.
        case replaying(kernels: Int)
        /// Always eager, for this reason.
        case eager(reason: String)
    }

    public let optimizer: GameOptimizer
    public let game: Game
    /// How the iterations run now.
    public private(set) var mode = Mode.recording
    /// The threads a replay runs on (2 when the recorded kernels split between two cores pays).
    public var replayThreads: Int { plan?.trace.threadCount ?? 1 }
    private var plan: Plan?

    /// What a recording reads (inputs, filled before each replay) and writes (outputs, handed
    /// back after it); an input and its output may be one buffer, updated in place.
    private struct Plan {
        let trace: KernelTrace
        /// The parameters' and buffers' values, in ``ReplayedStep/modelValues`` order.
        let model: [(input: Tensor, output: Tensor)]
        /// The optimizer state, by parameter name and entry.
        let state: [(key: StateKey, input: Tensor, output: Tensor)]
        /// The batches an iteration draws, in order.
        let batches: [[Tensor]]
        let report: () -> StepReport
    }

    private struct StateKey: Hashable {
        let parameter: String
        let entry: String
    }

    public init(optimizer: GameOptimizer, game: Game) {
        self.optimizer = optimizer
        self.game = game
    }

    /// One iteration of the optimizer: replayed when a recording fits, eager otherwise.
    public func step(state: inout OptimizerState, nextBatch: () -> Game.Batch) -> StepReport {
        switch mode {
        case .eager:
            return optimizer.step(game, state: &state, nextBatch: nextBatch)
        case .recording:
            guard stateIsComplete(state) else { return optimizer.step(game, state: &state, nextBatch: nextBatch) }
            return record(state: &state, nextBatch: nextBatch)
        case .replaying:
            return replay(state: &state, nextBatch: nextBatch)
        }
    }

    /// Whether every parameter has every entry its step rule and the method keep (after the
    /// first iteration, or the first two for methods that keep the previous direction).
    private func stateIsComplete(_ state: OptimizerState) -> Bool {
        game.players.indices.allSatisfy { player in
            let names = optimizer.stepRule(forPlayer: player).stateNames + optimizer.methodStateNames
            return game.players[player].parameters.allSatisfy { named in names.allSatisfy { state[named.name][$0] != nil } }
        }
    }

    /// The parameters' values, then the buffers'.
    private var modelValues: [Tensor] {
        get { game.allParameters.map(\.parameter.value) + game.buffers.map(\.buffer.value) }
        set {
            var values = newValue.makeIterator()
            for named in game.allParameters { named.parameter.value = values.next()! }
            for named in game.buffers { named.buffer.value = values.next()! }
        }
    }

    /// The state's entries by key.
    private static func entries(_ state: OptimizerState) -> [StateKey: Tensor] {
        var result: [StateKey: Tensor] = [:]
        for (parameter, entries) in state.parameters {
            for (entry, tensor) in entries { result[StateKey(parameter: parameter, entry: entry)] = tensor }
        }
        return result
    }

    /// An eager iteration recorded, on buffers of the recording's own (copies of the model, the
    /// state and every batch), so nothing outside it shares what a replay overwrites.
    private func record(state: inout OptimizerState, nextBatch: () -> Game.Batch) -> StepReport {
        modelValues = modelValues.map { $0.copiedToNewBuffer() }
        let modelInputs = modelValues
        state = ReplayedStep.copied(state)
        let stateInputs = ReplayedStep.entries(state)
        var batches: [[Tensor]] = []
        let (report, trace) = KernelTrace.record {
            optimizer.stepDeferringReport(game, state: &state) {
                KernelTrace.suspended {
                    batches.append(nextBatch().tensors.map { $0.copiedToNewBuffer() })
                    return Game.Batch(tensors: batches.last!)
                }
            }
        }
        let modelOutputs = modelValues
        let stateOutputs = ReplayedStep.entries(state)
        modelValues = modelOutputs.map { $0.copiedToNewBuffer() }
        state = ReplayedStep.copied(state)
        if let failure = trace.failure {
            mode = .eager(reason: failure)
        } else if Set(stateInputs.keys) != Set(stateOutputs.keys) {
            mode = .eager(reason: "an iteration changes which state entries there are")
        } else {
            trace.scheduleOnTwoCores()
            plan = Plan(trace: trace, model: Array(zip(modelInputs, modelOutputs)),
                        state: stateInputs.map { (key: $0.key, input: $0.value, output: stateOutputs[$0.key]!) },
                        batches: batches, report: report)
            mode = .replaying(kernels: trace.kernelCount)
        }
        return report()
    }

    /// The recorded iteration run again on the current model, state and new batches; an eager
    /// one if any of them does not fit the recording.
    private func replay(state: inout OptimizerState, nextBatch: () -> Game.Batch) -> StepReport {
        let plan = plan!
        let batches = plan.batches.map { _ in nextBatch() }
        let model = modelValues
        let entries = plan.state.map { state.parameters[$0.key.parameter]?[$0.key.entry] }
        guard zip(batches, plan.batches).allSatisfy({ fits($0.tensors, $1) }), fits(model, plan.model.map(\.input)),
              state.parameters.values.reduce(0, { $0 + $1.count }) == plan.state.count,
              zip(entries, plan.state).allSatisfy({ entry, buffers in entry.map { fits($0, buffers.input) } ?? false }) else {
            var drawn = batches.makeIterator()
            return optimizer.step(game, state: &state, nextBatch: { drawn.next() ?? nextBatch() })
        }
        for (buffers, batch) in zip(plan.batches, batches) {
            for (buffer, tensor) in zip(buffers, batch.tensors) { buffer.overwriteBuffer(with: tensor) }
        }
        for (buffers, value) in zip(plan.model, model) { buffers.input.overwriteBuffer(with: value) }
        for (entry, value) in zip(plan.state, entries) { entry.input.overwriteBuffer(with: value!) }
        plan.trace.replay()
        modelValues = plan.model.map { $0.output.copiedToNewBuffer() }
        for entry in plan.state { state.parameters[entry.key.parameter]?[entry.key.entry] = entry.output.copiedToNewBuffer() }
        return plan.report()
    }

    /// Whether each tensor has its buffer's shape and element type.
    private func fits(_ tensors: [Tensor], _ buffers: [Tensor]) -> Bool {
        tensors.count == buffers.count && zip(tensors, buffers).allSatisfy(fits)
    }

    /// Whether a tensor has a buffer's shape and element type.
    private func fits(_ tensor: Tensor, _ buffer: Tensor) -> Bool {
        tensor.shape == buffer.shape && tensor.dtype == buffer.dtype
    }

    /// `state` with every tensor in a buffer of its own.
    private static func copied(_ state: OptimizerState) -> OptimizerState {
        var result = state
        for (name, entries) in state.parameters {
            result[name] = entries.mapValues { $0.copiedToNewBuffer() }
        }
        return result
    }
}
