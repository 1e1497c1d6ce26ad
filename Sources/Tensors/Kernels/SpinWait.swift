import CKernels
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a kept thread waits for work that another thread announces by changing a counter (the
/// worker team's loops, the replay's worker lane): it spins for ``spinNanoseconds``, then sleeps
/// until the announcer calls ``wakeIfSleeping()``.
final class IdleWait: @unchecked Sendable {
    /// How long the thread spins before it sleeps: the next loop of a matrix computation, or the
    /// next replay of a training loop, follows within microseconds to ~0.1 ms, and waking a
    /// sleeping thread costs ~10–50 µs.
    static let spinNanoseconds: UInt64 = 2_000_000
    /// Spin turns per reading of the clock. Read every turn (a vDSO call, most of a turn), it
    /// kept the waiting core busy enough to slow the other's serial work: the eigenvalues of a
    /// trained mog8 Jacobian, whose Hessenberg reduction hands a loop to the worker every few
    /// microseconds, took 2–3% longer than with a reading every 64 turns (alternating runs).
    static let turnsPerClockReading = 64

    private let sleeping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)

    /// Waits until `counter` no longer reads `seen`, and returns what it reads then.
    func wait(for counter: borrowing Atomic<Int>, toLeave seen: Int) -> Int {
        let spinStart = monotonicNanoseconds()
        var spins = 0
        while counter.load(ordering: .acquiring) == seen {
            if spins % IdleWait.turnsPerClockReading == IdleWait.turnsPerClockReading - 1,
               monotonicNanoseconds() - spinStart > IdleWait.spinNanoseconds {
                sleeping.store(true, ordering: .sequentiallyConsistent)
                if counter.load(ordering: .sequentiallyConsistent) == seen {
                    wake.wait()
                } else if !sleeping.exchange(false, ordering: .sequentiallyConsistent) {
                    wake.wait()  // the announcer took the flag and signals
                }
            } else {
                spinPause(&spins)
            }
        }
        return counter.load(ordering: .acquiring)
    }

    /// For the announcer, after changing the counter (sequentially consistent): wakes the
    /// waiting thread if it has gone to sleep.
    func wakeIfSleeping() {
        if sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.signal() }
    }
}

/// CLOCK_MONOTONIC in nanoseconds.
func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// One turn of a spin-wait: a hint to the processor, and every ``yieldEvery`` turns a yield of
/// the core, in case the thread waited for shares it (a machine busy with other work).
@inline(__always)
func spinPause(_ spins: inout Int) {
    spins += 1
    if spins % yieldEvery == 0 { sched_yield() } else { gan_spin_pause() }
}

/// Spin turns between yields: ~5–10 µs of `pause`.
private let yieldEvery = 256
