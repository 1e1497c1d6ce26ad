import Dispatch
import Synchronization

/// Threads kept for ``Parallel/forEach(_:_:)``, one per core besides the caller's, that spin
/// briefly after each loop for the next one and then sleep (``IdleWait``).
///
/// Handing a loop to Dispatch wakes a pooled thread each time, ~20–50 µs on this kind of
/// machine: as long as a 1000×1000 matrix-vector product takes on two cores, and the Hessenberg
/// reduction runs two thousand of them. A spinning worker picks a loop up within a microsecond.
final class WorkerTeam: @unchecked Sendable {
    /// The team of `processorCount − 1` workers (none on one core).
    static let shared = WorkerTeam(workers: Parallel.processorCount - 1)

    private final class Worker: @unchecked Sendable {
        /// The last loop (generation) this worker has finished with.
        let finished = Atomic<Int>(0)
        /// How it waits for the next loop.
        let idle = IdleWait()
    }

    private let workers: [Worker]
    /// Whether a caller is using the team (another caller meanwhile goes to Dispatch).
    private let held = Atomic<Bool>(false)
    /// The number of loops started; a worker runs each new one.
    private let generation = Atomic<Int>(0)
    /// The next part of the current loop to hand out.
    private let nextPart = Atomic<Int>(0)
    /// The current loop, written before `generation` is raised and read after it.
    private var count = 0
    private var body: ((Int) -> Void)?

    private init(workers count: Int) {
        workers = (0..<Swift.max(count, 0)).map { _ in Worker() }
        for worker in workers {
            let context = UncheckedReference(self), member = UncheckedReference(worker)
            DispatchQueue(label: "GANNumerics.WorkerTeam").async {
                Parallel.serially { context.value.work(as: member.value) }
            }
        }
    }

    /// Runs `body(0) … body(count − 1)` on the caller and the workers, returning when all are
    /// done; false (and nothing run) when another thread holds the team.
    func run(_ count: Int, _ body: @escaping (Int) -> Void) -> Bool {
        guard !workers.isEmpty, held.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        self.count = count
        self.body = body
        nextPart.store(0, ordering: .relaxed)
        let loop = generation.add(1, ordering: .sequentiallyConsistent).newValue
        for worker in workers { worker.idle.wakeIfSleeping() }
        Parallel.serially { runParts(body, count: count) }
        for worker in workers {
            var spins = 0
            while worker.finished.load(ordering: .acquiring) != loop { spinPause(&spins) }
        }
        self.body = nil
        held.store(false, ordering: .releasing)
        return true
    }

    /// Takes parts of the current loop until none are left.
    private func runParts(_ body: (Int) -> Void, count: Int) {
        while true {
            let part = nextPart.add(1, ordering: .relaxed).oldValue
            guard part < count else { return }
            body(part)
        }
    }

    /// The worker's share of the current loop. Not inlined, so that the worker's reference to
    /// the loop's closure is released before it reports the loop finished: the caller's
    /// closure must not outlive the call (`withoutActuallyEscaping` checks).
    @inline(never)
    private func runCurrentLoop() {
        runParts(body!, count: count)
    }

    private func work(as worker: Worker) {
        var seen = 0
        while true {
            seen = worker.idle.wait(for: generation, toLeave: seen)
            runCurrentLoop()
            worker.finished.store(seen, ordering: .releasing)
        }
    }
}

/// A reference handed to another thread, which the caller keeps safe to share.
struct UncheckedReference<Value: AnyObject>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
