import Foundation
import Formats
import Testing

@Suite struct TensorBoardTests {
    /// Event{wall_time: 1.5, step: 3, summary {value {tag: "a", simple_value: 2}}} worked out by
    /// hand from the wire format: 09 = field 1 fixed64, 1.5 = 0x3FF8000000000000 little-endian;
    /// 10 03 = field 2 varint 3; 2a 0a = field 5, 10 bytes: 0a 08 = Summary.value, 8 bytes:
    /// 0a 01 'a' = tag, 15 = field 2 fixed32, 2.0f = 0x40000000. (TensorBoard's protobuf
    /// classes serialise the same message to these bytes.)
    static let scalarEvent: [UInt8] = [0x09, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0x10, 0x03, 0x2A, 0x0A,
                                       0x0A, 0x08, 0x0A, 0x01, 0x61, 0x15, 0, 0, 0, 0x40]

    @Test func crc32cMatchesItsCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8), .castagnoli) == 0xE306_9283)
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func scalarEventEncodesToTheHandWorkedBytes() throws {
        let event = TensorBoardEvent(wallTime: 1.5, step: 3, content: .summary([SummaryValue(tag: "a", kind: .scalar(2))]))
        #expect(event.encoded() == Self.scalarEvent)
        // Framing: length 23 as uint64 LE, its masked CRC-32C, the data, the data's masked CRC-32C
        // (checksums from a bit-by-bit CRC-32C, rotated right 15 and plus 0xa282ead8).
        let record = TFRecord.record(event.encoded())
        #expect(record == [23, 0, 0, 0, 0, 0, 0, 0, 0xE7, 0xCE, 0xF8, 0x1E] + Self.scalarEvent + [0xE8, 0x1C, 0x3A, 0x9D])
        let read = try TFRecord.records(in: record)
        #expect(read.count == 1)
        #expect(try TensorBoardEvent(decoding: read[0]) == event)
    }

    @Test func eventFileReadsBackEveryKindOfValue() throws {
        let directory = NSTemporaryDirectory() + "tensorboard-" + UUID().uuidString
        try FileIO.makeDirectory(directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/" + EventFile.name()
        var picture = RGBImage(width: 3, height: 2)
        picture[1, 1] = RGB(255, 0, 0)
        let values = [
            SummaryValue(tag: "loss/generator", kind: .scalar(-0.75)),
            SummaryValue(tag: "samples", kind: .image(EncodedImage(picture))),
            SummaryValue(tag: "spectrum/real_parts", kind: .histogram(Histogram([-1, -0.5, 0, 2], bucketCount: 3))),
        ]
        let file = try EventFile(path: path, length: 0)
        try file.append(step: 10, values)
        try file.append(step: 20, [SummaryValue(tag: "loss/generator", kind: .scalar(0))])
        let committed = try file.synchronize()
        try file.append(step: 30, [SummaryValue(tag: "loss/generator", kind: .scalar(1))])
        _ = try file.synchronize()
        let events = try EventFile.events(at: path)
        #expect(events.count == 4)
        #expect(events[0].content == .fileVersion("brain.Event:2"))
        #expect(events[1].step == 10 && events[1].content == .summary(values))
        #expect(events[2].content == .summary([SummaryValue(tag: "loss/generator", kind: .scalar(0))]))
        guard case .summary(let first) = events[1].content, case .image(let image) = first[1].kind else {
            Issue.record("no image")
            return
        }
        #expect(image.width == 3 && image.height == 2 && image.colorspace == 3)
        #expect(try PNG.decode(image.encoded).rgb[12..<15] == [255, 0, 0])  // pixel (1, 1)
        // Reopening at a committed length drops what came after it, as a resumed run does.
        _ = try EventFile(path: path, length: committed)
        #expect(try EventFile.events(at: path).map(\.step) == [0, 10, 20])
    }

    /// An event file written with TensorBoard's own protobuf classes (the fuzz seed) reads back
    /// with every field.
    @Test func readsAFileTensorBoardWrote() throws {
        let seed = try ParserMutationTests.corpus("TensorBoard").first { $0.count > 100 }!
        let events = try TFRecord.records(in: seed).map { record throws(FormatError) in try TensorBoardEvent(decoding: record) }
        #expect(events.map(\.step) == [0, 100, 500, 1000])
        #expect(events[0].content == .fileVersion("brain.Event:2") && events[0].wallTime == 1.5)
        #expect(events[1].content == .summary([SummaryValue(tag: "loss/generator", kind: .scalar(0.69)),
                                              SummaryValue(tag: "field/norm", kind: .scalar(0.01))]))
        guard case .summary(let pictures) = events[2].content, case .image(let image) = pictures.first?.kind,
              case .summary(let spectra) = events[3].content, case .histogram(let histogram) = spectra.first?.kind else {
            Issue.record("missing image or histogram")
            return
        }
        #expect(image.width == 4 && image.height == 4 && image.colorspace == 3)
        #expect(try PNG.decode(image.encoded).width == 4)
        #expect(histogram == Histogram([-1, -0.5, 0, 2], bucketCount: 3))
    }

    @Test func histogramCountsValuesInTheirBuckets() {
        let histogram = Histogram([-1, -0.5, 0, 2, .nan], bucketCount: 3)
        #expect(histogram.bucketLimits == [0, 1, 2])
        #expect(histogram.bucketCounts == [3, 0, 1])
        #expect(histogram.count == 4 && histogram.minimum == -1 && histogram.maximum == 2)
        #expect(histogram.sum == 0.5 && histogram.sumOfSquares == 5.25)
        let single = Histogram([4, 4])
        #expect(single.bucketLimits == [4] && single.bucketCounts == [2])
    }

    @Test func negativeIntegersAndPackedDoublesRoundTrip() throws {
        var writer = ProtocolBuffer.Writer()
        writer.integer(2, -1)
        writer.packedDoubles(6, [1.5, -2])
        #expect(writer.bytes.count == 1 + 10 + 1 + 1 + 16)
        let fields = try ProtocolBuffer.fields(of: writer.bytes[...])
        #expect(fields.map(\.number) == [2, 6])
        #expect(fields[0].value.integer == -1)
        #expect(fields[1].value.packedDoubles == [1.5, -2])
    }

    @Test func damagedFilesAreReportedWithTheirOffset() {
        let record = TFRecord.record(Self.scalarEvent)
        let two = record + record
        var flippedData = two
        flippedData[39 + 12 + 5] ^= 1  // a byte of the second record's data
        #expect(throws: FormatError("TFRecord: data checksum mismatch in the record at byte 39")) {
            try TFRecord.records(in: flippedData)
        }
        var flippedLength = two
        flippedLength[0] = 24
        #expect(throws: FormatError("TFRecord: length checksum mismatch at byte 0")) { try TFRecord.records(in: flippedLength) }
        #expect(throws: FormatError("TFRecord: truncated record header at byte 39")) { try TFRecord.records(in: record + [1, 2]) }
        #expect(throws: FormatError("TFRecord: record of 23 bytes at byte 39 runs past the end of the file")) {
            try TFRecord.records(in: record + record.dropLast())
        }
        // A valid header with no room left for the data's checksum: the room left must not go
        // negative (it trapped before).
        #expect(throws: FormatError("TFRecord: record of 0 bytes at byte 0 runs past the end of the file")) {
            try TFRecord.records(in: Array(TFRecord.record([]).dropLast(2)))
        }
        #expect(throws: FormatError("protocol buffer: varint runs past the end at byte 2")) {
            try TensorBoardEvent(decoding: [0x10, 0x80][...])
        }
        #expect(throws: FormatError("protocol buffer: Event.step has the wrong wire type")) {
            try TensorBoardEvent(decoding: [0x15, 0, 0, 0, 0][...])
        }
        #expect(throws: FormatError("protocol buffer: unsupported wire type 3 for field 1")) {
            try TensorBoardEvent(decoding: [0x0B][...])
        }
    }

    @Test func aDamagedEventFileNamesItself() throws {
        let path = NSTemporaryDirectory() + EventFile.name() + "-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileIO.write(TFRecord.record(Self.scalarEvent).dropLast(), to: path)
        #expect(throws: FormatError("TFRecord: record of 23 bytes at byte 0 runs past the end of the file", path: path)) {
            try EventFile.events(at: path)
        }
    }
}
