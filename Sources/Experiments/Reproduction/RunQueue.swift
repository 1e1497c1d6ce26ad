import Dispatch
import Synchronization

/// Trains several runs, `jobs` at a time (each run uses one core): interrupted runs resume from
/// their checkpoints, finished ones only rewrite their final outputs. Reports the iterations
/// done over all runs as they go, and returns each run's outcome once every run has stopped (a
/// run that fails does not stop the others).
struct RunQueue: Sendable {
    let runs: [(configuration: TrainingConfiguration, directory: String)]
    let jobs: Int

    func train(progress: (@Sendable (Int, Int) -> Void)?) -> [Result<Void, any Error>] {
        let done = Mutex([Int](repeating: 0, count: runs.count))
        let outcomes = Mutex([Result<Void, any Error>](repeating: .success(()), count: runs.count))
        let total = runs.reduce(0) { $0 + $1.configuration.iterations }
        let report = { @Sendable (index: Int, iteration: Int) in
            let sum = done.withLock { counts in
                counts[index] = iteration
                return counts.reduce(0, +)
            }
            progress?(sum, total)
        }
        let work = { @Sendable (index: Int) in
            let run = TrainingRun(configuration: runs[index].configuration, directory: runs[index].directory)
            run.onStart = { report(index, $0) }
            run.onIteration = { iteration, _ in if iteration % 100 == 0 { report(index, iteration) } }
            do {
                try run.run(.resumeOrStart)
            } catch {
                outcomes.withLock { $0[index] = .failure(error) }
            }
        }
        let queue = DispatchQueue(label: "run-queue", attributes: .concurrent)
        let group = DispatchGroup()
        let slots = DispatchSemaphore(value: max(1, jobs))
        for index in runs.indices {
            slots.wait()
            queue.async(group: group) {
                work(index)
                slots.signal()
            }
        }
        group.wait()
        return outcomes.withLock { $0 }
    }

    /// Trains every run; the first failure is rethrown once every run has stopped.
    func trainAll(progress: (@Sendable (Int, Int) -> Void)?) throws {
        for outcome in train(progress: progress) { try outcome.get() }
    }
}
