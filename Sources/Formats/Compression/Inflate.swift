/// A DEFLATE (RFC 1951) decompressor, with the gzip (RFC 1952) and zlib (RFC 1950) wrappers:
/// enough to read `.gz` datasets (MNIST's IDX files) without a system library.
public enum Inflate {
    /// What can be wrong with compressed data.
    public struct DataError: Error, CustomStringConvertible, Equatable {
        public let description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// The bytes of a raw DEFLATE stream.
    public static func decompress(_ data: [UInt8]) throws(DataError) -> [UInt8] {
        var reader = BitReader(data)
        return try inflate(&reader)
    }

    /// The bytes of a zlib stream, its Adler-32 checked.
    public static func zlibDecompress(_ data: [UInt8]) throws(DataError) -> [UInt8] {
        guard data.count >= 6, data[0] & 0x0F == 8, (UInt16(data[0]) << 8 | UInt16(data[1])) % 31 == 0 else {
            throw DataError(description: "not a zlib stream")
        }
        var reader = BitReader(data, start: 2)
        let output = try inflate(&reader)
        let trailer = reader.alignedPosition
        guard trailer + 4 <= data.count else { throw DataError(description: "zlib stream is truncated") }
        var adler = Adler32()
        adler.update(output)
        let stored = data[trailer..<trailer + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard stored == adler.value else { throw DataError(description: "zlib checksum mismatch") }
        return output
    }

    /// The bytes of a gzip file (all members, concatenated), each member's CRC-32 and length checked.
    public static func gunzip(_ data: [UInt8]) throws(DataError) -> [UInt8] {
        var output: [UInt8] = []
        var position = 0
        repeat {
            guard data.count - position >= 18, data[position] == 0x1F, data[position + 1] == 0x8B,
                  data[position + 2] == 8 else {
                throw DataError(description: "not a gzip file (bad magic bytes at offset \(position))")
            }
            let flags = data[position + 3]
            var cursor = position + 10
            if flags & 0x04 != 0 {  // FEXTRA
                guard cursor + 2 <= data.count else { throw DataError(description: "gzip header is truncated") }
                cursor += 2 + Int(data[cursor]) + Int(data[cursor + 1]) << 8
            }
            for flag in [UInt8(0x08), 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
                while cursor < data.count && data[cursor] != 0 { cursor += 1 }
                cursor += 1
            }
            if flags & 0x02 != 0 { cursor += 2 }  // FHCRC
            guard cursor < data.count else { throw DataError(description: "gzip header is truncated") }
            var reader = BitReader(data, start: cursor)
            let member = try inflate(&reader)
            let trailer = reader.alignedPosition
            guard trailer + 8 <= data.count else { throw DataError(description: "gzip file is truncated") }
            let word = { (offset: Int) in (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[trailer + offset + $1]) << (8 * $1) } }
            guard word(0) == CRC32.checksum(member) else { throw DataError(description: "gzip CRC-32 mismatch") }
            guard word(4) == UInt32(truncatingIfNeeded: member.count) else {
                throw DataError(description: "gzip length mismatch")
            }
            output += member
            position = trailer + 8
        } while position < data.count && data[position] == 0x1F
        return output
    }

    private static func inflate(_ reader: inout BitReader) throws(DataError) -> [UInt8] {
        var output: [UInt8] = []
        var isFinal = false
        while !isFinal {
            isFinal = try reader.bits(1) == 1
            switch try reader.bits(2) {
            case 0:
                try reader.copyStoredBlock(into: &output)
            case 1:
                try inflateBlock(&reader, &output, literals: HuffmanDecoder.fixedLiterals,
                                 distances: HuffmanDecoder.fixedDistances)
            case 2:
                let (literals, distances) = try readDynamicCodes(&reader)
                try inflateBlock(&reader, &output, literals: literals, distances: distances)
            default:
                throw DataError(description: "invalid DEFLATE block type")
            }
        }
        return output
    }

    private static func inflateBlock(
        _ reader: inout BitReader, _ output: inout [UInt8], literals: HuffmanDecoder, distances: HuffmanDecoder
    ) throws(DataError) {
        while true {
            let symbol = try literals.decode(&reader)
            if symbol < 256 {
                output.append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let index = symbol - 257
                guard index < DeflateTables.lengthBase.count else { throw DataError(description: "invalid length code") }
                let length = DeflateTables.lengthBase[index] + Int(try reader.bits(DeflateTables.lengthExtra[index]))
                let code = try distances.decode(&reader)
                guard code < DeflateTables.distanceBase.count else { throw DataError(description: "invalid distance code") }
                let distance = DeflateTables.distanceBase[code] + Int(try reader.bits(DeflateTables.distanceExtra[code]))
                guard distance <= output.count else { throw DataError(description: "distance reaches before the data") }
                let start = output.count - distance
                for offset in 0..<length { output.append(output[start + offset]) }
            }
        }
    }

    private static func readDynamicCodes(_ reader: inout BitReader) throws(DataError) -> (HuffmanDecoder, HuffmanDecoder) {
        let literalCount = Int(try reader.bits(5)) + 257
        let distanceCount = Int(try reader.bits(5)) + 1
        let codeLengthCount = Int(try reader.bits(4)) + 4
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var codeLengths = [Int](repeating: 0, count: 19)
        for index in 0..<codeLengthCount { codeLengths[order[index]] = Int(try reader.bits(3)) }
        let lengthDecoder = try HuffmanDecoder(lengths: codeLengths)
        var lengths: [Int] = []
        while lengths.count < literalCount + distanceCount {
            let symbol = try lengthDecoder.decode(&reader)
            switch symbol {
            case 0...15: lengths.append(symbol)
            case 16:
                guard let last = lengths.last else { throw DataError(description: "repeat with no previous length") }
                lengths += Array(repeating: last, count: 3 + Int(try reader.bits(2)))
            case 17: lengths += Array(repeating: 0, count: 3 + Int(try reader.bits(3)))
            default: lengths += Array(repeating: 0, count: 11 + Int(try reader.bits(7)))
            }
        }
        guard lengths.count == literalCount + distanceCount else { throw DataError(description: "code lengths overrun") }
        return (try HuffmanDecoder(lengths: Array(lengths[..<literalCount])),
                try HuffmanDecoder(lengths: Array(lengths[literalCount...])))
    }
}

/// A canonical Huffman code, decoded bit by bit by code length (RFC 1951 §3.2.2).
struct HuffmanDecoder {
    private var counts = [Int](repeating: 0, count: 16)
    private var symbols: [Int] = []

    init(lengths: [Int]) throws(Inflate.DataError) {
        for length in lengths where length > 0 { counts[length] += 1 }
        var start = [Int](repeating: 0, count: 16)
        var total = 0
        for length in 1..<16 {
            start[length] = total
            total += counts[length]
        }
        symbols = [Int](repeating: 0, count: total)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            symbols[start[length]] = symbol
            start[length] += 1
        }
        guard total > 0 else { throw Inflate.DataError(description: "empty Huffman code") }
    }

    func decode(_ reader: inout BitReader) throws(Inflate.DataError) -> Int {
        var code = 0
        var first = 0
        var index = 0
        for length in 1..<16 {
            code |= Int(try reader.bits(1))
            let count = counts[length]
            if code - first < count { return symbols[index + code - first] }
            index += count
            first = (first + count) << 1
            code <<= 1
        }
        throw Inflate.DataError(description: "invalid Huffman code")
    }

    static let fixedLiterals = try! HuffmanDecoder(
        lengths: Array(repeating: 8, count: 144) + Array(repeating: 9, count: 112) + Array(repeating: 7, count: 24)
            + Array(repeating: 8, count: 8))
    static let fixedDistances = try! HuffmanDecoder(lengths: Array(repeating: 5, count: 30))
}

/// Reads bits least-significant first from a byte array.
struct BitReader {
    private let data: [UInt8]
    private var position: Int
    private var bitPosition = 0

    init(_ data: [UInt8], start: Int = 0) {
        self.data = data
        position = start
    }

    /// The next `count` bits as an integer, first bit lowest.
    mutating func bits(_ count: Int) throws(Inflate.DataError) -> UInt32 {
        var value: UInt32 = 0
        for bit in 0..<count {
            guard position < data.count else { throw Inflate.DataError(description: "compressed data is truncated") }
            value |= UInt32((data[position] >> UInt8(bitPosition)) & 1) << UInt32(bit)
            bitPosition += 1
            if bitPosition == 8 {
                bitPosition = 0
                position += 1
            }
        }
        return value
    }

    /// The byte position after the current partial byte.
    var alignedPosition: Int { position + (bitPosition > 0 ? 1 : 0) }

    /// Copies a stored (uncompressed) block.
    mutating func copyStoredBlock(into output: inout [UInt8]) throws(Inflate.DataError) {
        let start = alignedPosition
        guard start + 4 <= data.count else { throw Inflate.DataError(description: "stored block is truncated") }
        let length = Int(data[start]) | Int(data[start + 1]) << 8
        let complement = Int(data[start + 2]) | Int(data[start + 3]) << 8
        guard length == complement ^ 0xFFFF else { throw Inflate.DataError(description: "stored block length is corrupt") }
        guard start + 4 + length <= data.count else { throw Inflate.DataError(description: "stored block is truncated") }
        output += data[(start + 4)..<(start + 4 + length)]
        position = start + 4 + length
        bitPosition = 0
    }
}
