import Formats
import Testing
import Tensors

@Suite struct IDXTests {
    /// An IDX file: header, big-endian extents, then `data`.
    static func idx(type: UInt8, shape: [UInt32], data: [UInt8]) -> [UInt8] {
        [0, 0, type, UInt8(shape.count)] + shape.flatMap { extent in (0..<4).map { UInt8(truncatingIfNeeded: extent >> (24 - 8 * $0)) } } + data
    }

    @Test func readsEveryElementType() throws {
        let bytes = try IDX.decode(Self.idx(type: 0x08, shape: [2, 3], data: [0, 1, 2, 253, 254, 255]))
        #expect(bytes.shape == [2, 3] && bytes.floats == [0, 1, 2, 253, 254, 255])
        #expect(try IDX.decode(Self.idx(type: 0x09, shape: [2], data: [0xFF, 0x7F])).floats == [-1, 127])
        #expect(try IDX.decode(Self.idx(type: 0x0B, shape: [1], data: [0xFF, 0xFE])).floats == [-2])
        #expect(try IDX.decode(Self.idx(type: 0x0C, shape: [1], data: [0, 1, 0, 0])).floats == [65536])
        #expect(try IDX.decode(Self.idx(type: 0x0D, shape: [1], data: [0x3F, 0xC0, 0, 0])).floats == [1.5])
        #expect(try IDX.decode(Self.idx(type: 0x0E, shape: [1], data: [0xC0, 0, 0, 0, 0, 0, 0, 0])).floats == [-2])
        #expect(try IDX.decode(Self.idx(type: 0x08, shape: [], data: [7])).shape == [])
    }

    @Test func readsGzipCompressedFiles() throws {
        let plain = Self.idx(type: 0x08, shape: [3], data: [9, 8, 7])
        // A stored-block gzip member written by hand: header, DEFLATE stored block, CRC-32, length.
        let stored: [UInt8] = [1, UInt8(plain.count), 0, ~UInt8(plain.count), 0xFF] + plain
        let crc = CRC32.checksum(plain)
        let gzip: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + stored
            + (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) } + [UInt8(plain.count), 0, 0, 0]
        #expect(try IDX.decode(gzip).floats == [9, 8, 7])
    }

    @Test func malformedFilesSayWhatIsWrong() {
        #expect(throws: FormatError("not an IDX file (it must start with two zero bytes)")) { try IDX.decode([1, 2, 3, 4]) }
        #expect(throws: FormatError("IDX type code 0x7 is not one of 08, 09, 0B, 0C, 0D, 0E")) { try IDX.decode([0, 0, 7, 0]) }
        #expect(throws: FormatError("IDX header is truncated (3 dimensions announced)")) { try IDX.decode([0, 0, 8, 3, 0, 0]) }
        #expect(throws: FormatError("IDX shape [2, 2] needs 4 elements of 1 bytes, but the data holds 3 bytes")) {
            try IDX.decode(Self.idx(type: 0x08, shape: [2, 2], data: [1, 2, 3]))
        }
        #expect(throws: FormatError("IDX shape [4294967295, 4294967295, 4294967295] has too many elements")) {
            try IDX.decode(Self.idx(type: 0x08, shape: [.max, .max, .max], data: []))
        }
        #expect(throws: FormatError.self) { try IDX.decode([0x1F, 0x8B, 8, 0]) }
    }
}
