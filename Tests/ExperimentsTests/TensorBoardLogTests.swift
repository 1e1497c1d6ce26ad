import Experiments
import Formats
import Foundation
import Testing

@Suite struct TensorBoardLogTests {
    /// The summaries of `path`'s event file, by tag: (step, value) in file order.
    static func summaries(in run: String) throws -> [String: [(step: Int64, kind: SummaryValue.Kind)]] {
        let names = try FileManager.default.contentsOfDirectory(atPath: run).filter { $0.hasPrefix(EventFile.namePrefix) }
        #expect(names.count == 1)
        var byTag: [String: [(step: Int64, kind: SummaryValue.Kind)]] = [:]
        for event in try EventFile.events(at: run + "/" + names[0]) {
            guard case .summary(let values) = event.content else { continue }
            for value in values { byTag[value.tag, default: []].append((event.step, value.kind)) }
        }
        return byTag
    }

    /// Every row of metrics.jsonl is in the event file as scalars (float32 of the same values),
    /// every snapshot as the same PNG, every spectrum record as two scalars and a histogram.
    @Test func eventFileHoldsTheRunsRowsPicturesAndSpectra() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = try tinyRun(in: root, spectrumEvery: 5)
        let summaries = try Self.summaries(in: run)
        let rows = try MetricsLog.rows(at: run + "/metrics.jsonl")
        for series in MetricSeries.all {
            let tag = series.tag
            let expected = rows.compactMap { row in series.value(row).flatMap { $0.isFinite ? (Int64(row.iteration), Float($0)) : nil } }
            let found = (summaries[tag] ?? []).map { entry -> (Int64, Float) in
                guard case .scalar(let scalar) = entry.kind else { return (entry.step, .nan) }
                return (entry.step, scalar)
            }
            #expect(found.map(\.0) == expected.map(\.0) && found.map(\.1) == expected.map(\.1), "\(tag)")
        }
        #expect(summaries["loss/generator"]?.count == 2)  // iterations 5, 10 (0 has no losses)
        #expect(summaries["modes/recovered"]?.map(\.step) == [0, 10])
        #expect(summaries[TensorBoardLog.learningRateTag]?.count == rows.count)
        #expect(summaries[TensorBoardLog.stepsPerSecondTag]?.count == rows.count - 1)
        let pictures = summaries[TensorBoardLog.samplesTag] ?? []
        #expect(pictures.map(\.step) == [0, 10])
        for (step, kind) in pictures {
            guard case .image(let image) = kind else { Issue.record("not an image"); continue }
            #expect(image.encoded == (try FileIO.read(run + "/samples/" + TrainingRun.snapshotName(Int(step)))))
        }
        let records = try FileIO.read(run + "/spectrum.jsonl").split(separator: UInt8(ascii: "\n"))
            .map { try JSON.decode(SpectrumTracker.Record.self, from: $0) }
        for series in SpectrumTracker.Record.series {
            let found = (summaries[series.tag] ?? []).map { entry -> Float in
                guard case .scalar(let value) = entry.kind else { return .nan }
                return value
            }
            #expect(summaries[series.tag]?.map(\.step) == records.map { Int64($0.iteration) })
            #expect(found == records.map { Float(series.value($0)) }, "\(series.tag)")
        }
        for ((_, kind), record) in zip(summaries[TensorBoardLog.realPartsTag] ?? [], records) {
            guard case .histogram(let histogram) = kind else { Issue.record("not a histogram"); continue }
            let realParts = (record.largestMagnitude + record.largestRealPart).map { $0[0] }
            #expect(histogram.count == Double(realParts.count) && histogram.bucketCounts.reduce(0, +) == histogram.count)
            #expect(histogram.maximum == realParts.max() && histogram.minimum == realParts.min())
        }
    }

    /// A checkpoint whose state names another file as the event file, or a negative length, is
    /// refused in one line before anything is touched.
    @Test(arguments: [("eventFile", "\"../config.json\"", "is not an event file's name"),
                      ("eventLength", "-5", "negative length")])
    func aDamagedEventRecordInTheCheckpointIsRefused(key: String, json: String, reason: String) throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try TrainingRun(configuration: smallConfiguration(iterations: 10), directory: root).run()
        let statePath = root + "/checkpoint/" + Checkpoint.stateFile
        var state = try JSONSerialization.jsonObject(with: Data(try FileIO.read(statePath))) as! [String: Any]
        state[key] = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        try FileIO.write(Array(try JSONSerialization.data(withJSONObject: state)), to: statePath)
        let before = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        let metrics = try FileIO.read(root + "/metrics.jsonl")
        #expect {
            try TrainingRun(configuration: smallConfiguration(iterations: 20), directory: root).run(.resume)
        } throws: { error in
            let line = "\(error)"
            return line.contains(reason) && line.contains(Checkpoint.stateFile) && !line.contains("\n")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).sorted() == before)
        #expect(try FileIO.read(root + "/metrics.jsonl") == metrics)
    }

    @Test func noTensorboardWritesNoEventFile() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var configuration = smallConfiguration(iterations: 10)
        configuration.tensorboard = false
        try TrainingRun(configuration: configuration, directory: root).run()
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).allSatisfy { !$0.hasPrefix(EventFile.namePrefix) })
    }

    /// A resumed run continues the committed event file and drops the events written after its
    /// checkpoint; an event file no checkpoint names (a process killed before its first commit)
    /// is removed.
    @Test func resumeCutsTheEventFileBackToItsCheckpoint() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try TrainingRun(configuration: smallConfiguration(iterations: 10), directory: root).run()
        let name = try FileManager.default.contentsOfDirectory(atPath: root).first { $0.hasPrefix(EventFile.namePrefix) }!
        // What a process killed after the checkpoint would leave: an event past it, and a stray file.
        let file = try EventFile(path: root + "/" + name, length: FileIO.read(root + "/" + name).count)
        try file.append(step: 13, [SummaryValue(tag: "loss/generator", kind: .scalar(99))])
        try FileIO.write(TFRecord.record([]), to: root + "/" + EventFile.namePrefix + "1.stray")
        try TrainingRun(configuration: smallConfiguration(iterations: 20), directory: root).run(.resume)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasPrefix(EventFile.namePrefix) } == [name])
        let summaries = try Self.summaries(in: root)
        #expect(summaries["loss/generator"]?.map(\.step) == [5, 10, 15, 20])
        // ConOpt forms ∇L = v′ᵀv, so its norm is logged too.
        #expect(summaries["field/consensus_gradient_norm"]?.map(\.step) == [5, 10, 15, 20])
    }
}
