import Foundation
import Formats

/// The run's TensorBoard event file (`train --tensorboard`, on by default): the rows of
/// `metrics.jsonl` as scalars, the snapshots (density plots or sample grids) as images, and the
/// tracked spectrum as scalars and a histogram of real parts. Like `metrics.jsonl` it is cut
/// back to the length its checkpoint recorded when a run resumes, so TensorBoard never sees an
/// iteration twice; `tensorboard --logdir` on a reproduction overlays its runs.
public final class TensorBoardLog {
    public static let learningRateTag = "train/learning_rate"
    public static let stepsPerSecondTag = "train/steps_per_second"
    public static let samplesTag = "samples"
    public static let realPartsTag = "spectrum/real_parts"

    private let file: EventFile
    /// The file's name in the run directory, recorded in checkpoints.
    let name: String
    private let learningRate: Double
    /// The previous row this process logged, for steps per second.
    private var previous: (iteration: Int, wallTime: Double)?

    /// Opens the event file a checkpoint recorded (`committed`: its name and length) cut back to
    /// that length, or starts a new one; any other event file in `directory` is left over from
    /// a process killed before its first commit and is removed.
    init(directory: String, committed: (name: String, length: Int)?, learningRate: Double) throws(FormatError) {
        let existing = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix(EventFile.namePrefix) }
        let kept = committed.flatMap { committed in
            existing.contains(committed.name) && FileIO.size(directory + "/" + committed.name) >= committed.length ? committed : nil
        }
        for stale in existing where stale != kept?.name { try? FileManager.default.removeItem(atPath: directory + "/" + stale) }
        name = kept?.name ?? EventFile.name()
        file = try EventFile(path: directory + "/" + name, length: kept?.length ?? 0)
        self.learningRate = learningRate
    }

    /// The row's finite values as scalars, with the learning rate and the steps per second
    /// since the previous row.
    func record(_ row: MetricsRow) throws(FormatError) {
        var values = MetricSeries.all.compactMap { series in
            series.value(row).flatMap { $0.isFinite ? SummaryValue(tag: series.tag, kind: .scalar(Float($0))) : nil }
        }
        values.append(SummaryValue(tag: TensorBoardLog.learningRateTag, kind: .scalar(Float(learningRate))))
        if let previous, row.wallTime > previous.wallTime {
            let rate = Double(row.iteration - previous.iteration) / (row.wallTime - previous.wallTime)
            values.append(SummaryValue(tag: TensorBoardLog.stepsPerSecondTag, kind: .scalar(Float(rate))))
        }
        if row.wallTime.isFinite { previous = (row.iteration, row.wallTime) }
        try file.append(step: row.iteration, values)
    }

    /// The snapshot picture after `iteration` iterations.
    func record(picture: EncodedImage, iteration: Int) throws(FormatError) {
        try file.append(step: iteration, [SummaryValue(tag: TensorBoardLog.samplesTag, kind: .image(picture))])
    }

    /// A spectrum record: its largest real part and spectral radius, and the histogram of the
    /// real parts of every eigenvalue it found.
    func record(_ spectrum: SpectrumTracker.Record) throws(FormatError) {
        let realParts = (spectrum.largestMagnitude + spectrum.largestRealPart).map { $0[0] }
        let scalars = SpectrumTracker.Record.series.map { SummaryValue(tag: $0.tag, kind: .scalar(Float($0.value(spectrum)))) }
        try file.append(step: spectrum.iteration,
                        scalars + [SummaryValue(tag: TensorBoardLog.realPartsTag, kind: .histogram(Histogram(realParts)))])
    }

    /// Flushes the events to disk; returns the length to record in a checkpoint.
    func synchronize() throws(FormatError) -> Int {
        try file.synchronize()
    }
}
