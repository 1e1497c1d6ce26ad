import Dispatch
import Synchronization
import Testing
import Tensors
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `Parallel.forEach`: every index once, its writes visible on return, whichever thread runs it.
@Suite struct ParallelTests {
    /// A parallel loop inside another runs each inner index once, on the outer part's thread.
    @Test func nestedParallelLoopsRunEveryIndexOnce() {
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 12)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0, count: 12)
        Parallel.forEach(3) { outer in
            Parallel.forEach(4) { inner in counts[outer * 4 + inner] += 1 }
        }
        #expect(UnsafeBufferPointer(start: counts, count: 12).allSatisfy { $0 == 1 })
    }

    /// Thousands of loops back to back, of more and fewer parts than there are cores, each
    /// index writing its own slot: every slot holds its loop's value when the loop returns.
    @Test func loopsBackToBackRunEveryIndexOnce() {
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 7)
        defer { slots.deallocate() }
        var wrong = 0
        for loop in 1...3000 {
            let count = loop % 7 + 1
            slots.initialize(repeating: 0, count: 7)
            Parallel.forEach(count) { index in slots[index] += loop + index }
            for index in 0..<7 where slots[index] != (index < count ? loop + index : 0) { wrong += 1 }
        }
        #expect(wrong == 0)
    }

    /// The two parts of a loop run at the same time when there are two cores: each waits to see
    /// the other start. A loop after the workers have gone to sleep wakes them.
    @Test(arguments: [0, 20])
    func partsRunConcurrently(idleMilliseconds: Int) {
        guard Parallel.processorCount > 1 else { return }
        usleep(UInt32(idleMilliseconds * 1000))
        let started = Atomic<Int>(0)
        let met = Atomic<Int>(0)
        Parallel.forEach(2) { _ in
            started.add(1, ordering: .sequentiallyConsistent)
            let deadline = DispatchTime.now().uptimeNanoseconds + 5_000_000_000
            while started.load(ordering: .sequentiallyConsistent) < 2 && DispatchTime.now().uptimeNanoseconds < deadline {}
            if started.load(ordering: .sequentiallyConsistent) == 2 { met.add(1, ordering: .sequentiallyConsistent) }
        }
        #expect(met.load(ordering: .sequentiallyConsistent) == 2)
    }

    /// Loops started from several threads at once (one holds the shared workers, the others go
    /// to Dispatch) all complete, each index once.
    @Test func loopsFromSeveralThreadsAtOnce() {
        let threads = 4, loops = 200, count = 3
        nonisolated(unsafe) let totals = UnsafeMutablePointer<Int>.allocate(capacity: threads * count)
        defer { totals.deallocate() }
        totals.initialize(repeating: 0, count: threads * count)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for _ in 0..<loops {
                Parallel.forEach(count) { index in totals[thread * count + index] += 1 }
            }
        }
        #expect(UnsafeBufferPointer(start: totals, count: threads * count).allSatisfy { $0 == loops })
    }
}
