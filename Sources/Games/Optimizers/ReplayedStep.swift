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
    /// The holders of the values a recording reads and writes, in ``modelValues`` order (looked
    /// up once: a game's parameters and buffers are fixed).
    private let parameters: [Parameter]
    private let buffers: [Buffer]

    /// What a recording reads (inputs, filled before each replay) and writes (outputs, handed
    /// back after it); an input and its output may be one buffer, updated in place. Kept as
    /// parallel arrays walked by index: a replay of a MoG step is ~0.2 ms, and generic zips of
    /// tuples cost ~6% of it in run-time metadata lookups.
    private struct Plan {
        let trace: KernelTrace
        /// The buffers of the parameters' and buffers' values, in ``modelValues`` order.
        let modelInputs: [Tensor]
        let modelOutputs: [Tensor]
        /// The optimizer state's entries and their buffers.
        let stateKeys: [StateKey]
        let stateInputs: [Tensor]
        let stateOutputs: [Tensor]
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
        parameters = game.allParameters.map(\.parameter)
        buffers = game.buffers.map(\.buffer)
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
        get { parameters.map(\.value) + buffers.map(\.value) }
        set {
            for index in parameters.indices { parameters[index].value = newValue[index] }
            for index in buffers.indices { buffers[index].value = newValue[parameters.count + index] }
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
            let stateKeys = Array(stateInputs.keys)
            plan = Plan(trace: trace, modelInputs: modelInputs, modelOutputs: modelOutputs, stateKeys: stateKeys,
                        stateInputs: stateKeys.map { stateInputs[$0]! }, stateOutputs: stateKeys.map { stateOutputs[$0]! },
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
        let batchTensors = batches.map(\.tensors)
        let model = modelValues
        let entries = plan.stateKeys.map { state.parameters[$0.parameter]?[$0.entry] }
        var fitting = state.parameters.values.reduce(0, { $0 + $1.count }) == plan.stateKeys.count
            && fits(model, plan.modelInputs)
        for index in batches.indices where fitting { fitting = fits(batchTensors[index], plan.batches[index]) }
        for index in entries.indices where fitting { fitting = entries[index].map { fits($0, plan.stateInputs[index]) } ?? false }
        guard fitting else {
            var drawn = batches.makeIterator()
            return optimizer.step(game, state: &state, nextBatch: { drawn.next() ?? nextBatch() })
        }
        for index in batchTensors.indices { overwrite(plan.batches[index], with: batchTensors[index]) }
        overwrite(plan.modelInputs, with: model)
        for index in entries.indices { plan.stateInputs[index].overwriteBuffer(with: entries[index]!) }
        plan.trace.replay()
        modelValues = plan.modelOutputs.map { $0.copiedToNewBuffer() }
        for index in plan.stateKeys.indices {
            let key = plan.stateKeys[index]
            state.parameters[key.parameter]?[key.entry] = plan.stateOutputs[index].copiedToNewBuffer()
        }
        return plan.report()
    }

    /// Each buffer overwritten with the tensor at its index (of the same shape and element type).
    private func overwrite(_ buffers: [Tensor], with tensors: [Tensor]) {
        for index in buffers.indices { buffers[index].overwriteBuffer(with: tensors[index]) }
    }

    /// Whether each tensor has its buffer's shape and element type.
    private func fits(_ tensors: [Tensor], _ buffers: [Tensor]) -> Bool {
        guard tensors.count == buffers.count else { return false }
        for index in tensors.indices where !fits(tensors[index], buffers[index]) { return false }
        return true
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
