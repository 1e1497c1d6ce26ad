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
/// state and the new batches into the buffers the recording reads, replays, and copies what it
/// wrote back into the holders' own buffers where nothing else shares them, otherwise into new
/// ones, so values kept elsewhere never change under their holders.
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
    /// The indices in the plan's `stateKeys` of the state's entries in the order the state
    /// iterates them (parameters, then each one's entries), learned from the state a replay was
    /// given and kept while its states iterate the same way: a replay then matches each entry by
    /// comparing its names, the same strings, rather than hashing them twice on the way in and
    /// twice on the way out. Copying a MoG SimGD step's state and model in and out took 17–18 µs
    /// of its ~120 µs with the lookups, 10 µs without.
    private var stateOrder: [Int] = []
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
        /// Each entry's index in `stateKeys`.
        let stateIndices: [StateKey: Int]
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
                        stateIndices: Dictionary(uniqueKeysWithValues: zip(stateKeys, stateKeys.indices)),
                        stateInputs: stateKeys.map { stateInputs[$0]! }, stateOutputs: stateKeys.map { stateOutputs[$0]! },
                        batches: batches, report: report)
            mode = .replaying(kernels: trace.kernelCount)
        }
        return report()
    }

    /// The recorded iteration run again on the current model, state and new batches; an eager
    /// one if any of them does not fit the recording.
    ///
    /// The results go back into the holders' own tensors in place where nothing else shares
    /// them (``Tensors/Tensor/assignElements(of:)``): after the first replay, an iteration
    /// allocates nothing for the ~60 tensors of a MoG step.
    private func replay(state: inout OptimizerState, nextBatch: () -> Game.Batch) -> StepReport {
        let plan = plan!
        let batches = plan.batches.map { _ in nextBatch() }
        guard filled(plan, from: state, batches: batches) else {
            var drawn = batches.makeIterator()
            return optimizer.step(game, state: &state, nextBatch: { drawn.next() ?? nextBatch() })
        }
        plan.trace.replay()
        for index in parameters.indices { parameters[index].assignElements(of: plan.modelOutputs[index]) }
        for index in buffers.indices { buffers[index].value.assignElements(of: plan.modelOutputs[parameters.count + index]) }
        // In place through the dictionaries' indices, in the order `filled` matched (writing
        // values changes neither dictionary's order).
        var position = 0
        var parameter = state.parameters.startIndex
        while parameter != state.parameters.endIndex {
            var entry = state.parameters.values[parameter].startIndex
            while entry != state.parameters.values[parameter].endIndex {
                state.parameters.values[parameter].values[entry].assignElements(of: plan.stateOutputs[stateOrder[position]])
                position += 1
                state.parameters.values[parameter].formIndex(after: &entry)
            }
            state.parameters.formIndex(after: &parameter)
        }
        return plan.report()
    }

    /// Whether the model, `state` and `batches` fit the recording, each copied into the buffer
    /// the recording reads as it is checked (a misfit leaves some buffers overwritten, which the
    /// next replay overwrites again). No reference to the holders' tensors outlives the call, so
    /// the results can be written back into them in place.
    private func filled(_ plan: Plan, from state: OptimizerState, batches: [Game.Batch]) -> Bool {
        guard matchesStateOrder(state, plan) else { return false }
        for index in batches.indices {
            let tensors = batches[index].tensors
            guard tensors.count == plan.batches[index].count else { return false }
            for (tensor, buffer) in zip(tensors, plan.batches[index]) where !copy(tensor, into: buffer) { return false }
        }
        for index in parameters.indices where !copy(parameters[index].value, into: plan.modelInputs[index]) { return false }
        for index in buffers.indices where !copy(buffers[index].value, into: plan.modelInputs[parameters.count + index]) {
            return false
        }
        var position = 0
        for entries in state.parameters.values {
            for entry in entries.values {
                guard copy(entry, into: plan.stateInputs[stateOrder[position]]) else { return false }
                position += 1
            }
        }
        return true
    }

    /// Whether `state` holds exactly the recorded entries, with ``stateOrder`` made to list them
    /// in the order `state` iterates them (kept when it already does, otherwise looked up).
    private func matchesStateOrder(_ state: OptimizerState, _ plan: Plan) -> Bool {
        var position = 0
        var kept = true
        for (parameter, entries) in state.parameters {
            for entry in entries.keys {
                if kept {
                    kept = position < stateOrder.count && plan.stateKeys[stateOrder[position]] == StateKey(parameter: parameter, entry: entry)
                }
                position += 1
            }
        }
        guard position == plan.stateKeys.count else { return false }
        if kept { return true }
        var order: [Int] = []
        for (parameter, entries) in state.parameters {
            for entry in entries.keys {
                guard let index = plan.stateIndices[StateKey(parameter: parameter, entry: entry)] else { return false }
                order.append(index)
            }
        }
        stateOrder = order
        return true
    }

    /// Copies a tensor into a buffer if it has the buffer's shape and element type; whether it did.
    private func copy(_ tensor: Tensor, into buffer: Tensor) -> Bool {
        guard tensor.shape == buffer.shape && tensor.dtype == buffer.dtype else { return false }
        buffer.overwriteBuffer(with: tensor)
        return true
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
