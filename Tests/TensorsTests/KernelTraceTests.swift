import Testing
@testable import Tensors

/// A recorded trace recomputes every operation from new contents of its input buffers, bit for
/// bit, and refuses what it cannot replay.
@Suite struct KernelTraceTests {
    /// A computation that runs every kind of kernel: elementwise (broadcast, unary, gated, gated
    /// in place), reductions, products, layouts, patches, the linear layer's product with its bias
    /// and rectifier in its stores, conversions, constants and a step-rule update.
    func everyKernel(_ x: Tensor, _ w: Tensor, _ image: Tensor) -> [Tensor] {
        let geometry = ConvolutionGeometry(batch: 1, height: 4, width: 4, channels: 1, kernel: (3, 3), stride: (1, 1), padding: .same)
        let y = (x.matmul(w, transposingOther: true) + Tensor([0.5, -1, 2]) * 2).tanh()
        var gatedInPlace = y + 1
        gatedInPlace.gate(by: x.slice(alongAxis: 1, range: 1..<4), negativeSlope: 0.4)
        let gated = y.gated(by: x.slice(alongAxis: 1, range: 0..<3), negativeSlope: 0.2) + gatedInPlace
        let joined = Tensor.concatenate([gated, y.permuted([0, 1]).rows([1, 0])], alongAxis: 1)
        let padded = joined.padded(before: [1, 0], after: [0, 2]).broadcast(to: [2, 3, 8])
        let patches = image.patches(geometry)
        var state = [Tensor.ones([3, 4], dtype: .float64)]
        let stepped = Tensor.elementwiseUpdate(of: w, reading: w * 0.5, states: &state, as: Double.self) { p, g, s in
            for i in 0..<12 { s[0][i] += g[i]; p[i] -= 0.1 * s[0][i] }
        }
        return [padded.sum(alongAxes: [0, 2]), padded.max(alongAxes: [1]), x.linear(weight: w, bias: Tensor([1.0, 2, 3])),
                x.linear(weight: w, bias: Tensor([-1.0, 0, 1]), activation: .leakyReLU(slope: 0.3)),
                patches.assemblingPatches(geometry), patches.converted(to: .float32), Tensor(shape: [2], scalars: [7.0, 8]),
                stepped, state[0]]
    }

    func inputs(seed: UInt64) -> [Tensor] {
        var random = RandomGenerator(seed: seed)
        return [Tensor.normal([2, 4], dtype: .float64, using: &random), Tensor.normal([3, 4], dtype: .float64, using: &random),
                Tensor.normal([1, 4, 4, 1], dtype: .float64, using: &random)]
    }

    @Test func replayRecomputesFromNewInputs() {
        let recorded = inputs(seed: 1)
        let (outputs, trace) = KernelTrace.record { everyKernel(recorded[0], recorded[1], recorded[2]) }
        #expect(trace.failure == nil)
        #expect(trace.kernelCount > 15)
        let fresh = inputs(seed: 2)
        for (buffer, value) in zip(recorded, fresh) { buffer.overwriteBuffer(with: value) }
        trace.replay()
        let expected = everyKernel(fresh[0], fresh[1], fresh[2])
        for (replayed, eager) in zip(outputs, expected).dropLast() {
            #expect(replayed.isEqual(to: eager))
            #expect(replayed.shape == eager.shape)
        }
        // The state was made inside the recording, so the replay makes it again (ones) before
        // updating it: step rules refuse to record a state they create for this reason.
        #expect(outputs.last!.doubles == fresh[1].doubles.map { 1 + $0 * 0.5 })
    }

    /// A computation with a state read before it is updated in place (a write after a read
    /// another lane might reorder) beside `everyKernel`.
    func withState(_ x: Tensor, _ w: Tensor, _ image: Tensor, _ state: Tensor) -> [Tensor] {
        let early = (state * 3).sum(alongAxes: [0])
        var states = [state]
        let stepped = Tensor.elementwiseUpdate(of: w, reading: x.matmul(x, transposingSelf: true).slice(alongAxis: 0, range: 0..<3),
                                               states: &states, as: Double.self) { p, g, s in
            for i in 0..<12 { s[0][i] = 0.5 * s[0][i] + g[i]; p[i] -= s[0][i] }
        }
        let late = (states[0] + early).exp()
        return everyKernel(x, w, image).dropLast(2) + [early, stepped, states[0], late]
    }

    /// Forced onto two threads, replays compute the same bits as the operations, replay after
    /// replay, with the in-place updates ordered after the reads they must follow.
    @Test func twoLanesComputeTheSameBits() {
        let recorded = inputs(seed: 1) + [Tensor.ones([3, 4], dtype: .float64)]
        let (outputs, trace) = KernelTrace.record { withState(recorded[0], recorded[1], recorded[2], recorded[3]) }
        #expect(trace.failure == nil)
        #expect(trace.scheduleOnTwoCores(requiredGain: .infinity))
        for seed in 2..<12 {
            #expect(trace.threadCount == 2)
            var random = RandomGenerator(seed: UInt64(seed) + 100)
            let fresh = inputs(seed: UInt64(seed)) + [Tensor.normal([3, 4], dtype: .float64, using: &random)]
            for (buffer, value) in zip(recorded, fresh) { buffer.overwriteBuffer(with: value) }
            trace.replay()
            let expected = withState(fresh[0], fresh[1], fresh[2], fresh[3])
            #expect(zip(outputs, expected).allSatisfy { $0.isEqual(to: $1) }, "replay \(seed)")
        }
    }

    /// Two lanes slower than one lane's calibrated time are timed against one lane at once, and
    /// give way to one lane only when it is faster then too: for a spell that doubles while
    /// slowdowns keep being confirmed, and starts over after two lanes are found faster again.
    @Test func oneLaneOnlyAfterAConfirmedSlowdown() {
        var choice = LaneChoice(oneLaneNanoseconds: 100)
        let compared = LaneChoice.comparedReplays
        /// Replays on one lane until two are tried again.
        func spell() -> Int {
            var replays = 0
            while choice.laneCount == 1 && replays <= LaneChoice.longestOneLaneSpell {
                choice.record(140, lanes: 1)
                replays += 1
            }
            return replays
        }
        for _ in 0..<compared {
            #expect(choice.laneCount == 2)
            choice.record(90, lanes: 2)
        }
        #expect(choice.laneCount == 2, "two lanes faster than one")
        for _ in 0..<compared { choice.record(120, lanes: 2) }
        #expect(choice.laneCount == 1, "slower than calibration: one lane timed")
        for _ in 0..<compared { choice.record(150, lanes: 1) }
        #expect(choice.laneCount == 2, "one lane slower still at the time: back to two")
        #expect(choice.oneLaneNanoseconds == 150)
        var spells: [Int] = []
        for _ in 0..<6 {
            for _ in 0..<compared { choice.record(200, lanes: 2) }
            for _ in 0..<compared { choice.record(140, lanes: 1) }
            spells.append(spell())
        }
        let first = LaneChoice.firstOneLaneSpell
        #expect(spells == [first, 2 * first, 4 * first, 8 * first, 16 * first, 16 * first].map { min($0, LaneChoice.longestOneLaneSpell) })
        for _ in 0..<compared { choice.record(100, lanes: 2) }
        #expect(choice.laneCount == 2)
        for _ in 0..<compared { choice.record(200, lanes: 2) }
        for _ in 0..<compared { choice.record(140, lanes: 1) }
        #expect(spell() == first, "after two lanes were faster, the first spell again")
    }

    /// Each kernel follows the last writer of what it reads or writes and the readers of what
    /// it writes.
    @Test func dependenciesFollowReadsAndWrites() {
        let (a, b, weight) = (Tensor(shape: [1, 2], scalars: [1.0, 2]), Tensor([3.0, 4]), Tensor(shape: [2, 2], scalars: [1.0, 0, 0, 1]))
        let (_, trace) = KernelTrace.record { () -> Tensor in
            let c = a.linear(weight: weight, bias: b)  // 0: the product with its bias
            let d = c * c                              // 1
            var states = [c]                           // shared with `c`: copied inside 2
            let e = Tensor.elementwiseUpdate(of: a, reading: d, states: &states, as: Double.self) { _, _, _ in }
            return e + states[0]                       // 3
        }
        #expect(ReplaySchedule.dependencies(trace.kernels) == [[], [0], [0, 1], [2]])
    }

    /// The lanes take the critical path first: four short independent kernels recorded before a
    /// chain of two long ones would, taken in recorded order, leave the chain to start late (22 µs
    /// in all); taken by longest path to the end, the chain runs on one lane while the other does
    /// the rest (20 µs, the chain's own length). The order taken follows every dependency.
    @Test func lanesTakeTheCriticalPathFirst() {
        let costs = [1000.0, 1000, 1000, 1000, 10_000, 10_000]
        let dependencies = [[], [], [], [], [], [4]]
        let (order, lane, free) = ReplaySchedule.assign(costs: costs, dependencies: dependencies)
        #expect(order.sorted() == Array(0..<6))
        #expect(order.firstIndex(of: 4)! < order.firstIndex(of: 5)!)
        #expect(lane[4] == lane[5] && (0..<4).allSatisfy { lane[$0] != lane[4] })
        #expect(free.max() == 20_000 && free.min() == 4000)
    }

    /// A recording that would keep more buffers than its limit gives up (keeping none) and says
    /// so; the computation itself is unaffected.
    @Test func aRecordingTooLargeIsGivenUp() {
        let x = Tensor(repeating: 2, shape: [1 << 18], dtype: .float64)
        let (y, trace) = KernelTrace.record(keepingAtMost: 3 << 20) { ((x * x) + x).sum() }
        #expect(trace.failure == "a recording would keep more than 3 MiB of buffers" && trace.kernelCount == 0)
        #expect(y.item == 6 * Double(1 << 18))
        let (_, small) = KernelTrace.record(keepingAtMost: 3 << 20) { (x * x).sum() }
        #expect(small.failure == nil && small.kernelCount == 2)
    }

    @Test func readingValuesMakesTheTraceUnreplayable() {
        let x = Tensor([1.0, 2, 3])
        let (_, read) = KernelTrace.record { _ = (x * 2).sum().item }
        #expect(read.failure?.contains("outside a recorded kernel (subscript)") == true)
        let (_, scanned) = KernelTrace.record { _ = (x * 2).doubles }
        #expect(scanned.failure?.contains("withUnsafeBufferPointer") == true)
        let (_, random) = KernelTrace.record {
            var generator = RandomGenerator(seed: 0)
            return x + Tensor.normal([3], dtype: .float64, using: &generator)
        }
        #expect(random.failure != nil)
        let (_, told) = KernelTrace.record { KernelTrace.noteUnreplayable("a reason") }
        #expect(told.failure == "a reason")
    }

    @Test func suspendedWorkIsNeitherRecordedNorRefused() {
        let x = Tensor([1.0, 2, 3])
        let ((), trace) = KernelTrace.record {
            KernelTrace.suspended {
                var generator = RandomGenerator(seed: 0)
                _ = (Tensor.normal([3], using: &generator) * 2).sum().item
            }
        }
        #expect(trace.failure == nil && trace.kernelCount == 0)
        let (sum, outer) = KernelTrace.record { (x + 1).sum() }
        #expect(outer.kernelCount == 3 && sum.item == 9)  // the constant 1, the sum of two tensors, the reduction
    }

    /// A state shared with another tensor is copied inside the kernel, so a replay starts again
    /// from what the shared buffer holds then.
    @Test func sharedStateIsCopiedInsideTheKernel() {
        let value = Tensor([0.0, 0])
        let shared = Tensor([1.0, 2])
        let (outputs, trace) = KernelTrace.record { () -> [Tensor] in
            var states = [shared]
            let updated = Tensor.elementwiseUpdate(of: value, reading: value, states: &states, as: Double.self) { p, _, s in
                for i in 0..<2 { s[0][i] *= 10; p[i] = s[0][i] }
            }
            return [updated, states[0]]
        }
        #expect(shared.doubles == [1, 2] && outputs[1].doubles == [10, 20])
        shared.overwriteBuffer(with: Tensor([3.0, 4]))
        trace.replay()
        #expect(outputs[0].doubles == [30, 40] && outputs[1].doubles == [30, 40])
    }

    @Test func overwritingABufferOfAnotherShapeStops() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            Tensor.zeros([2, 3]).overwriteBuffer(with: Tensor.zeros([3, 2]))
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self)
                .contains("overwriteBuffer: source of shape [3, 2] (float32) for a buffer of [2, 3] (float32)"))
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var states = [Tensor.zeros([2])]
            _ = Tensor.elementwiseUpdate(of: Tensor.zeros([3]), reading: Tensor.zeros([3]), states: &states, as: Float.self) { _, _, _ in }
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self)
                .contains("elementwiseUpdate: tensor of shape [2] (float32) beside a value of shape [3] (float32)"))
        }
    }
}
