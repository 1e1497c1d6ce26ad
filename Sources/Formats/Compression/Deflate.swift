/// A DEFLATE (RFC 1951) compressor: LZ77 matching over a 32 KiB window with hash chains, coded
/// with the fixed Huffman codes. Plots and sample grids, with their long runs of one colour,
/// shrink by one to two orders of magnitude.
public enum Deflate {
    /// The raw DEFLATE stream of `input`.
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        var writer = BitWriter()
        writer.write(1, bits: 1)  // final block
        writer.write(1, bits: 2)  // fixed Huffman codes
        let windowSize = 32_768
        let hashSize = 1 << 15
        var head = [Int](repeating: -1, count: hashSize)
        var previous = [Int](repeating: -1, count: windowSize)
        func hash(_ position: Int) -> Int {
            (Int(input[position]) << 10 ^ Int(input[position + 1]) << 5 ^ Int(input[position + 2])) & (hashSize - 1)
        }
        func insert(_ position: Int) {
            guard position + 2 < input.count else { return }
            let key = hash(position)
            previous[position & (windowSize - 1)] = head[key]
            head[key] = position
        }
        var position = 0
        while position < input.count {
            var bestLength = 0
            var bestDistance = 0
            if position + 2 < input.count {
                var candidate = head[hash(position)]
                var chain = 0
                let limit = min(258, input.count - position)
                while candidate >= 0 && position - candidate <= windowSize && chain < 64 {
                    var length = 0
                    while length < limit && input[candidate + length] == input[position + length] { length += 1 }
                    if length > bestLength {
                        bestLength = length
                        bestDistance = position - candidate
                        if length == limit { break }
                    }
                    candidate = previous[candidate & (windowSize - 1)]
                    chain += 1
                }
            }
            if bestLength >= 3 {
                writeLength(bestLength, &writer)
                writeDistance(bestDistance, &writer)
                for offset in 0..<bestLength { insert(position + offset) }
                position += bestLength
            } else {
                writeLiteral(Int(input[position]), &writer)
                insert(position)
                position += 1
            }
        }
        writeLiteral(256, &writer)  // end of block
        return writer.finish()
    }

    /// The zlib (RFC 1950) stream of `input`: header, DEFLATE data, Adler-32.
    public static func zlibCompress(_ input: [UInt8]) -> [UInt8] {
        var adler = Adler32()
        adler.update(input)
        let checksum = adler.value
        return [0x78, 0x9C] + compress(input) + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: checksum >> $0) }
    }

    /// A literal or length symbol in the fixed code (RFC 1951 §3.2.6).
    private static func writeLiteral(_ symbol: Int, _ writer: inout BitWriter) {
        switch symbol {
        case 0...143: writer.writeReversed(0x30 + symbol, bits: 8)
        case 144...255: writer.writeReversed(0x190 + symbol - 144, bits: 9)
        case 256...279: writer.writeReversed(symbol - 256, bits: 7)
        default: writer.writeReversed(0xC0 + symbol - 280, bits: 8)
        }
    }

    private static func writeLength(_ length: Int, _ writer: inout BitWriter) {
        let index = DeflateTables.lengthBase.lastIndex { $0 <= length }!
        writeLiteral(257 + index, &writer)
        writer.write(UInt32(length - DeflateTables.lengthBase[index]), bits: DeflateTables.lengthExtra[index])
    }

    private static func writeDistance(_ distance: Int, _ writer: inout BitWriter) {
        let index = DeflateTables.distanceBase.lastIndex { $0 <= distance }!
        writer.writeReversed(index, bits: 5)
        writer.write(UInt32(distance - DeflateTables.distanceBase[index]), bits: DeflateTables.distanceExtra[index])
    }
}

/// Base values and extra-bit counts of the length and distance codes (RFC 1951 §3.2.5).
enum DeflateTables {
    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99,
                             115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
                               1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11,
                                12, 12, 13, 13]
}

/// Packs bits least-significant first, as DEFLATE does.
struct BitWriter {
    private var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var count = 0

    /// The low `bits` bits of `value`, least significant first.
    mutating func write(_ value: UInt32, bits: Int) {
        buffer |= UInt64(value) << UInt64(count)
        count += bits
        while count >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            count -= 8
        }
    }

    /// A Huffman code, which DEFLATE stores most significant bit first.
    mutating func writeReversed(_ code: Int, bits: Int) {
        var reversed: UInt32 = 0
        for bit in 0..<bits where code & (1 << bit) != 0 { reversed |= 1 << UInt32(bits - 1 - bit) }
        write(reversed, bits: bits)
    }

    mutating func finish() -> [UInt8] {
        if count > 0 { bytes.append(UInt8(truncatingIfNeeded: buffer)) }
        buffer = 0
        count = 0
        return bytes
    }
}
