import FuzzSupport
import GANNumerics

/// Any bytes given as a PNG file (chunks, header, zlib, filters): as they are, then with every
/// chunk's CRC recomputed, so that mutations also reach the code behind the CRC check.
fuzz { input in
    var bytes = input
    _ = try? PNG.decode(bytes)
    var position = 8
    while position + 12 <= bytes.count {
        let length = Int(bytes[position..<position + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard length <= bytes.count - position - 12 else { break }
        let crc = CRC32.checksum(bytes[(position + 4)..<(position + 8 + length)])
        for index in 0..<4 { bytes[position + 8 + length + index] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * index)) }
        position += 12 + length
    }
    _ = try? PNG.decode(bytes)
}
