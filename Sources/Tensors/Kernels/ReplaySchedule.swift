import Dispatch
import Synchronization

/// A trace's kernels split between two threads (lanes): each lane runs its kernels in the order
/// given to it (a topological order of their dependencies) and, before a kernel that needs the
/// other lane's work (it reads what the other lane wrote, or writes what the other lane reads or
/// writes), waits until the other lane has got that far. Every kernel runs on the same buffers as on one thread, so results are the same
/// bits; only the order of independent kernels changes.
///
/// The split is list scheduling on measured kernel times (``assign(costs:dependencies:)``): the
/// kernel with the longest path of work after it goes first, to the lane where it can start
/// first, counting ``handOffNanoseconds`` for every result it needs from the other lane.
final class ReplaySchedule {
    /// Two lanes must shorten a replay to this fraction of one thread's time to be used: below
    /// it the gain is within the noise of a shared machine.
    static let requiredGain = 0.85
    /// The time charged for a result crossing lanes: the other lane's progress flag and the
    /// result's cache lines moving between cores (~100–300 ns measured on x86-64).
    static let handOffNanoseconds = 300.0
    /// A kernel this long is large enough to split its own work between the cores (matrix
    /// products, elementwise passes of ≥ 2¹⁸ elements); a trace with one keeps one lane.
    static let largestKernelNanoseconds = 200_000.0
    /// Replays timed to measure each kernel (the fastest of them counts).
    static let calibrationReplays = 3

    private let lanes: LaneWork
    /// Whether the next replay runs on two lanes or one.
    private var choice: LaneChoice

    /// The number of lanes the next replay runs on.
    var laneCount: Int { choice.laneCount }

    /// A schedule for `kernels`, or nil when two lanes would not shorten a replay to
    /// `requiredGain` of one lane's time (∞ forces two lanes, whatever the kernels' sizes: for
    /// tests).
    init?(_ kernels: [KernelTrace.Kernel], requiredGain: Double) {
        let (costs, oneLane) = ReplaySchedule.measure(kernels)
        choice = LaneChoice(oneLaneNanoseconds: oneLane)
        guard let longest = costs.max(), longest <= ReplaySchedule.largestKernelNanoseconds || requiredGain.isInfinite else { return nil }
        let dependencies = ReplaySchedule.dependencies(kernels)
        let (order, lane, free) = ReplaySchedule.assign(costs: costs, dependencies: dependencies)
        guard free.max()! <= requiredGain * costs.reduce(0, +), free.min()! > 0 else { return nil }
        // Each lane's kernels in the order they were assigned, and for each the number of the
        // other lane's kernels that must be done first (the other lane runs in order, so its
        // latest dependency is enough). The order is topological, so no two lanes wait for each
        // other.
        var position = [Int](repeating: 0, count: kernels.count)
        var counts = [0, 0]
        var steps: [[LaneWork.Step]] = [[], []]
        for index in order {
            let own = lane[index]
            position[index] = counts[own]
            counts[own] += 1
            let waitFor = dependencies[index].filter { lane[$0] != own }.map { position[$0] + 1 }.max() ?? 0
            steps[own].append(LaneWork.Step(run: kernels[index].run, waitFor: waitFor))
        }
        lanes = LaneWork(main: steps[0], worker: steps[1])
    }

    deinit { lanes.stop() }

    /// List scheduling on two lanes: the kernels are taken one at a time, each going to the lane
    /// where it can start first (counting ``handOffNanoseconds`` for each result it needs from
    /// the other lane), and the next one taken is the ready kernel (all it follows taken) with
    /// the most work on its longest path to the end — the critical path first (HLFET; Adam,
    /// Chandy & Dickson 1974). Taking the kernels in recorded order instead kept the backward
    /// and double-backward chains on the critical path while a lane idled: measured on the MoG
    /// step, critical-path-first replays 7,200–7,480 SimGD and 2,715–2,808 ConOpt steps/s
    /// against 5,030–5,130 and 2,150–2,250. Returns the order taken, each kernel's lane and when
    /// each lane is done.
    static func assign(costs: [Double], dependencies: [[Int]]) -> (order: [Int], lane: [Int], free: [Double]) {
        let count = costs.count
        var followers = [[Int]](repeating: [], count: count)
        for (index, earlier) in dependencies.enumerated() {
            for dependency in earlier { followers[dependency].append(index) }
        }
        // Dependencies point to earlier kernels, so a reverse walk sees followers first.
        var pathToEnd = costs
        for index in (0..<count).reversed() {
            pathToEnd[index] += followers[index].map { pathToEnd[$0] }.max() ?? 0
        }
        var waitingOn = dependencies.map(\.count)
        var ready = (0..<count).filter { waitingOn[$0] == 0 }
        var (order, lane, finish) = ([Int](), [Int](repeating: 0, count: count), [Double](repeating: 0, count: count))
        var free = [0.0, 0.0]
        /// Whether kernel a goes before kernel b: more work after it, or as much and recorded earlier.
        func precedes(_ a: Int, _ b: Int) -> Bool { pathToEnd[a] != pathToEnd[b] ? pathToEnd[a] > pathToEnd[b] : a < b }
        while let pick = ready.indices.min(by: { precedes(ready[$0], ready[$1]) }) {
            let index = ready.remove(at: pick)
            let starts = (0..<2).map { candidate in
                dependencies[index].reduce(free[candidate]) { start, dependency in
                    Swift.max(start, finish[dependency] + (lane[dependency] == candidate ? 0 : ReplaySchedule.handOffNanoseconds))
                }
            }
            lane[index] = starts[1] < starts[0] ? 1 : 0
            finish[index] = starts[lane[index]] + costs[index]
            free[lane[index]] = finish[index]
            order.append(index)
            for follower in followers[index] {
                waitingOn[follower] -= 1
                if waitingOn[follower] == 0 { ready.append(follower) }
            }
        }
        return (order, lane, free)
    }

    /// One replay, on both lanes unless they were lately slower than `oneLane` (the kernels in
    /// recorded order on this thread); returns when done.
    func run(oneLane: () -> Void) {
        let start = monotonicNanoseconds()
        let count = choice.laneCount
        if count == 1 { oneLane() } else { lanes.run() }
        choice.record(monotonicNanoseconds() - start, lanes: count)
    }

    /// Each kernel's time in nanoseconds, the fastest of a few replays run as in a two-lane
    /// replay (parallel loops inside a kernel serial), and the fastest whole one-lane replay.
    private static func measure(_ kernels: [KernelTrace.Kernel]) -> (kernels: [Double], replay: Double) {
        var costs = [Double](repeating: .infinity, count: kernels.count)
        Parallel.serially {
            for _ in 0..<calibrationReplays {
                for (index, kernel) in kernels.enumerated() {
                    let start = monotonicNanoseconds()
                    kernel.run()
                    costs[index] = Swift.min(costs[index], Double(monotonicNanoseconds() - start))
                }
            }
        }
        var fastest = Double.infinity
        for _ in 0..<calibrationReplays {
            let start = monotonicNanoseconds()
            for kernel in kernels { kernel.run() }
            fastest = Swift.min(fastest, Double(monotonicNanoseconds() - start))
        }
        return (costs, fastest)
    }

    /// For each kernel, the earlier kernels it must follow: the last writer of each buffer it
    /// reads or writes, and the readers since then of each buffer it writes.
    static func dependencies(_ kernels: [KernelTrace.Kernel]) -> [[Int]] {
        var lastWriter: [ObjectIdentifier: Int] = [:]
        var readers: [ObjectIdentifier: [Int]] = [:]
        return kernels.enumerated().map { index, kernel in
            var result = Set<Int>()
            for buffer in kernel.reads.map(ObjectIdentifier.init) {
                if let writer = lastWriter[buffer] { result.insert(writer) }
            }
            for buffer in kernel.writes.map(ObjectIdentifier.init) {
                if let writer = lastWriter[buffer] { result.insert(writer) }
                result.formUnion(readers[buffer] ?? [])
            }
            for buffer in kernel.reads.map(ObjectIdentifier.init) { readers[buffer, default: []].append(index) }
            for buffer in kernel.writes.map(ObjectIdentifier.init) {
                lastWriter[buffer] = index
                readers[buffer] = nil
            }
            result.remove(index)
            return result.sorted()
        }
    }
}

/// Whether a replay runs on two lanes or one, from the times of recent replays: two while they are
/// faster. On a machine whose second core is busy elsewhere, two lanes wait for each other and run
/// slower than one. Every ``comparedReplays`` two-lane replays, their median is compared with one
/// lane's time; a slower median is then checked against as many one-lane replays timed at once,
/// and only a slowdown they confirm keeps one lane, for a spell that starts at
/// ``firstOneLaneSpell`` replays and doubles, up to ``longestOneLaneSpell``, while slowdowns keep
/// being confirmed. The first replays' warm-up, or a burst of the machine's other work, slows one
/// lane too and soon ends; compared with calibration's fastest one-lane replay alone, such a median
/// had sent MoG replays to one lane for a thousand replays (the SimGD replays of one run: most
/// two-lane times 86–98 µs, the median 139 µs, calibration's one lane 123 µs). This machine also
/// has spells, minutes long, in which two-lane replays run two to four times slower while one lane
/// keeps its speed (ConOpt 1.1–1.3 ms against 0.27 ms, one lane 0.43 ms); every check in such a
/// spell confirms it, and replays stay on one lane until it ends.
struct LaneChoice {
    /// Replays whose median is compared, on each side.
    static let comparedReplays = 16
    /// One-lane replays after a first confirmed slowdown of two lanes, before two are tried again.
    static let firstOneLaneSpell = 64
    /// The longest spell on one lane, when slowdowns keep being confirmed.
    static let longestOneLaneSpell = 1024

    /// One lane's time: calibration's fastest replay at first, then the median of the latest
    /// check and an average over the one-lane replays since.
    private(set) var oneLaneNanoseconds: Double
    private var twoLaneTimes: [UInt64] = []
    /// While a slowdown is checked: the two lanes' median and the one-lane times so far.
    private var checking: (twoLane: Double, oneLane: [UInt64])?
    private var oneLaneReplaysLeft = 0
    /// The spell on one lane after the next confirmed slowdown.
    private var nextSpell = LaneChoice.firstOneLaneSpell

    init(oneLaneNanoseconds: Double) {
        self.oneLaneNanoseconds = oneLaneNanoseconds
    }

    /// The number of lanes the next replay runs on.
    var laneCount: Int { oneLaneReplaysLeft > 0 || checking != nil ? 1 : 2 }

    /// Counts a replay on `lanes` lanes that took `nanoseconds`.
    mutating func record(_ nanoseconds: UInt64, lanes: Int) {
        if lanes == 2 {
            twoLaneTimes.append(nanoseconds)
            guard twoLaneTimes.count == LaneChoice.comparedReplays else { return }
            let median = LaneChoice.median(twoLaneTimes)
            twoLaneTimes.removeAll(keepingCapacity: true)
            if median > oneLaneNanoseconds {
                checking = (median, [])
            } else {
                nextSpell = LaneChoice.firstOneLaneSpell
            }
        } else if var check = checking {
            check.oneLane.append(nanoseconds)
            checking = check
            guard check.oneLane.count == LaneChoice.comparedReplays else { return }
            oneLaneNanoseconds = LaneChoice.median(check.oneLane)
            checking = nil
            if check.twoLane > oneLaneNanoseconds {
                oneLaneReplaysLeft = nextSpell
                nextSpell = min(2 * nextSpell, LaneChoice.longestOneLaneSpell)
            } else {
                nextSpell = LaneChoice.firstOneLaneSpell
            }
        } else {
            oneLaneReplaysLeft -= 1
            oneLaneNanoseconds = 0.9 * oneLaneNanoseconds + 0.1 * Double(nanoseconds)
        }
    }

    private static func median(_ times: [UInt64]) -> Double { Double(times.sorted()[times.count / 2]) }
}

/// The two lanes' kernels and the flags they synchronise on; the worker lane runs on a thread
/// of its own that spins briefly for the next replay, then sleeps.
private final class LaneWork: @unchecked Sendable {
    struct Step {
        let run: () -> Void
        /// How many of the other lane's steps must be done before this one.
        let waitFor: Int
    }

    let main: [Step]
    let worker: [Step]
    /// Steps done on each lane in the current replay.
    private let mainDone = Atomic<Int>(0)
    private let workerDone = Atomic<Int>(0)
    /// The replay the worker is asked to run, and the last it finished.
    private let requested = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    /// How the worker waits for the next replay.
    private let idle = IdleWait()
    private var replays = 0

    init(main: [Step], worker: [Step]) {
        self.main = main
        self.worker = worker
        let context = UncheckedReference(self)
        DispatchQueue(label: "GANNumerics.ReplaySchedule.worker").async {
            Parallel.serially { context.value.workerLoop() }
        }
    }

    func run() {
        replays += 1
        mainDone.store(0, ordering: .relaxed)
        workerDone.store(0, ordering: .relaxed)
        requested.store(replays, ordering: .sequentiallyConsistent)
        idle.wakeIfSleeping()
        Parallel.serially { runLane(main, done: mainDone, other: workerDone) }
        var spins = 0
        while finished.load(ordering: .acquiring) != replays { spinPause(&spins) }
    }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        requested.add(1, ordering: .sequentiallyConsistent)
        idle.wakeIfSleeping()
    }

    private func runLane(_ steps: [Step], done: borrowing Atomic<Int>, other: borrowing Atomic<Int>) {
        steps.withUnsafeBufferPointer { steps in
            for index in steps.indices {
                let waitFor = steps[index].waitFor
                if waitFor > 0 {
                    var spins = 0
                    while other.load(ordering: .acquiring) < waitFor { spinPause(&spins) }
                }
                steps[index].run()
                done.store(index + 1, ordering: .releasing)
            }
        }
    }

    private func workerLoop() {
        var seen = 0
        while true {
            seen = idle.wait(for: requested, toLeave: seen)
            if stopping.load(ordering: .acquiring) { return }
            runLane(worker, done: workerDone, other: mainDone)
            finished.store(seen, ordering: .releasing)
        }
    }
}
