#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A recording of the kernels a computation ran, over the buffers it ran them on, so the same
/// computation can run again without the code that planned it (graph building, shape checks,
/// allocation): a step recorded once and replayed.
///
/// While a thread records, every tensor operation appends its kernel — a closure that reads its
/// input buffers and writes its output buffer, with the buffers it reads and writes — after
/// running it; the buffers stay alive with the trace. ``replay()`` runs the kernels again in
/// order, so new contents of the input buffers flow through the same buffers to the same
/// outputs, bit for bit what the operations would compute. ``scheduleOnTwoCores()`` may split
/// them between two threads along their dependencies; every kernel still computes the same bits.
///
/// What a trace cannot replay it reports in ``failure``: elements read or written outside a
/// recorded kernel (a loss read to decide a branch, random numbers drawn inside the computation,
/// a tensor written in place by code that records nothing). Such a computation depends on
/// values the kernels do not recompute, so a caller must not replay it.
public final class KernelTrace {
    /// One recorded kernel and the buffers it touches.
    struct Kernel {
        let run: () -> Void
        let reads: [TensorStorage]
        let writes: [TensorStorage]
    }

    /// The most a recording keeps: a replay saves the per-operation work of the eager code, which
    /// matters for small kernels, at the price of keeping every temporary of the computation
    /// alive. The paper's MoG ConOpt step keeps ~20 MiB; a DCGAN's keeps 1.5 GB, which would
    /// double a run's memory to save a few percent.
    public static let largestRecording = 256 << 20

    private(set) var kernels: [Kernel] = []
    /// Bytes of the buffers the recorded kernels write (each counted once per kernel).
    private var recordedBytes = 0
    /// Whether the recording was given up (too large): kernels still run, nothing is kept.
    private var isDiscarding = false
    /// How many recorded kernels are running on this thread: work inside one belongs to it.
    private var depth = 0
    /// Why the trace cannot be replayed, if it cannot (the first reason found).
    public private(set) var failure: String?
    /// The two-thread schedule, when one pays.
    private var schedule: ReplaySchedule?

    /// The most this recording keeps (``largestRecording``).
    private let byteLimit: Int

    private init(byteLimit: Int) {
        self.byteLimit = byteLimit
    }

    /// The number of kernels a replay runs.
    public var kernelCount: Int { kernels.count }

    /// The threads the next replay runs on: 2 once ``scheduleOnTwoCores()`` found that it pays
    /// (and while two keep beating one), else 1.
    public var threadCount: Int { schedule?.laneCount ?? 1 }

    /// Runs `body` while this thread records, returning its result and the trace.
    public static func record<Result>(_ body: () throws -> Result) rethrows -> (result: Result, trace: KernelTrace) {
        try record(keepingAtMost: largestRecording, body)
    }

    /// ``record(_:)`` with another limit on the bytes the recording keeps.
    static func record<Result>(keepingAtMost byteLimit: Int, _ body: () throws -> Result) rethrows -> (result: Result, trace: KernelTrace) {
        let trace = KernelTrace(byteLimit: byteLimit)
        let outer = pthread_getspecific(traceKey)
        pthread_setspecific(traceKey, Unmanaged.passUnretained(trace).toOpaque())
        recordingThreads.add(1, ordering: .relaxed)
        defer {
            recordingThreads.subtract(1, ordering: .relaxed)
            pthread_setspecific(traceKey, outer)
        }
        return (try body(), trace)
    }

    /// Runs `body` with recording suspended on this thread: work that is not part of the
    /// recorded computation (drawing the next minibatch, whose result the caller copies in).
    public static func suspended<Result>(_ body: () throws -> Result) rethrows -> Result {
        let outer = pthread_getspecific(traceKey)
        pthread_setspecific(traceKey, nil)
        defer { pthread_setspecific(traceKey, outer) }
        return try body()
    }

    /// Runs every recorded kernel again: in the order they were recorded, or on two threads
    /// that wait for each other only where a kernel needs another's result.
    public func replay() {
        if let schedule {
            schedule.run(oneLane: replayInOrder)
        } else {
            replayInOrder()
        }
    }

    /// Every kernel on this thread, in recorded order.
    private func replayInOrder() {
        // Through the buffer: a loop over the array would retain and release each kernel's
        // closure and buffer lists (3–5% of a replayed MoG step).
        kernels.withUnsafeBufferPointer { kernels in
            for index in kernels.indices { kernels[index].run() }
        }
    }

    /// Times the kernels (a few replays) and splits them between two threads if that shortens
    /// a replay by at least ``ReplaySchedule/requiredGain``; returns whether it does. Kernels
    /// that are large enough to split their own work between the cores keep a replay on one
    /// thread. Replays the trace, so its buffers must hold inputs it may run on.
    @discardableResult
    public func scheduleOnTwoCores() -> Bool {
        scheduleOnTwoCores(requiredGain: ReplaySchedule.requiredGain)
    }

    /// ``scheduleOnTwoCores()`` with another threshold (tests force two lanes with ∞).
    @discardableResult
    func scheduleOnTwoCores(requiredGain: Double) -> Bool {
        guard failure == nil, Parallel.processorCount >= 2, schedule == nil else { return schedule != nil }
        schedule = ReplaySchedule(kernels, requiredGain: requiredGain)
        return schedule != nil
    }

    /// Runs `kernel` now and, while this thread records, on every replay of the trace: the kernel
    /// must touch only the buffers of `reads` and `writes`.
    static func run(_ kernel: @escaping () -> Void, reads: [Tensor], writes: [Tensor]) {
        guard let trace = current else { return kernel() }
        trace.depth += 1
        kernel()
        trace.depth -= 1
        guard trace.depth == 0, !trace.isDiscarding else { return }
        trace.recordedBytes += writes.reduce(0) { $0 + $1.storage.byteCount }
        if trace.recordedBytes > trace.byteLimit {
            noteUnreplayable("a recording would keep more than \(trace.byteLimit >> 20) MiB of buffers")
            trace.isDiscarding = true
            trace.kernels.removeAll()
            return
        }
        trace.kernels.append(Kernel(run: kernel, reads: reads.map(\.storage), writes: writes.map(\.storage)))
    }

    /// Runs `fill` now, recording `kernel` (`fill` again, made escaping only while a thread
    /// records) when this thread records: for kernels that update tensors in place.
    @inline(__always)
    static func run(_ fill: () -> Void, replaying kernel: @autoclosure () -> () -> Void,
                    reading reads: @autoclosure () -> [Tensor], writing writes: @autoclosure () -> [Tensor]) {
        if isRecordingAnywhere { run(kernel(), reads: reads(), writes: writes()) } else { fill() }
    }

    /// Marks the recording on this thread, if any, as not replayable because of `reason` (for
    /// code that knows its work depends on more than its input buffers).
    public static func noteUnreplayable(_ reason: @autoclosure () -> String) {
        guard let trace = current, trace.failure == nil else { return }
        trace.failure = reason()
    }

    /// Notes an access to a tensor's elements: outside a recorded kernel, a recording cannot
    /// replay it.
    @inlinable
    static func noteElementAccess(_ operation: StaticString) {
        if isRecordingAnywhere { noteAccessOutsideKernel(operation) }
    }

    /// Whether any thread records: one relaxed load, so that code that runs eagerly pays nothing
    /// more for the trace.
    @inlinable
    static var isRecordingAnywhere: Bool { recordingThreads.load(ordering: .relaxed) != 0 }

    @usableFromInline
    static func noteAccessOutsideKernel(_ operation: StaticString) {
        guard let trace = current, trace.depth == 0 else { return }
        noteUnreplayable("elements accessed outside a recorded kernel (\(operation))")
    }

    /// The trace this thread records into.
    private static var current: KernelTrace? {
        pthread_getspecific(traceKey).map { Unmanaged<KernelTrace>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// The number of threads recording a trace.
@usableFromInline
let recordingThreads = Atomic<Int>(0)

/// The thread-specific slot that holds the recording trace.
@usableFromInline
let traceKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

extension Tensor {
    /// A new tensor of `shape` whose elements `fill` writes from the tensors `reads`: the one way
    /// the tensor operations make their results, so that a recording trace gets every kernel.
    /// `kernel` is `fill` again, made into an escaping closure only while a thread records (code
    /// that runs eagerly allocates neither it nor the list of reads).
    @inline(__always)
    static func computed(_ shape: [Int], dtype: DType, _ fill: (Tensor) -> Void,
                         replaying kernel: @autoclosure () -> (Tensor) -> Void,
                         reading reads: @autoclosure () -> [Tensor]) -> Tensor {
        let result = Tensor(uninitializedShape: shape, dtype: dtype)
        if KernelTrace.isRecordingAnywhere {
            let kernel = kernel()
            KernelTrace.run({ kernel(result) }, reads: reads(), writes: [result])
        } else {
            fill(result)
        }
        return result
    }
}
