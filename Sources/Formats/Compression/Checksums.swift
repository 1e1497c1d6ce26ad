/// A reflected CRC-32: ISO-HDLC (polynomial 0xEDB88320, as used by PNG and gzip) by default, or
/// Castagnoli's CRC-32C (0x82F63B78, as used by TFRecord files).
public struct CRC32: Sendable {
    /// A reflected generator polynomial and its byte table.
    public struct Polynomial: Sendable {
        fileprivate let table: [UInt32]

        init(reflected polynomial: UInt32) {
            table = (0..<256).map { index in
                var value = UInt32(index)
                for _ in 0..<8 { value = value & 1 != 0 ? polynomial ^ (value >> 1) : value >> 1 }
                return value
            }
        }

        /// CRC-32 of PNG, gzip and zip.
        public static let isoHDLC = Polynomial(reflected: 0xEDB8_8320)
        /// CRC-32C (Castagnoli), of iSCSI, ext4 and TFRecord.
        public static let castagnoli = Polynomial(reflected: 0x82F6_3B78)
    }

    private let table: [UInt32]
    private var state: UInt32 = 0xFFFF_FFFF

    public init(_ polynomial: Polynomial = .isoHDLC) {
        table = polynomial.table
    }

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        table.withUnsafeBufferPointer { table in
            for byte in bytes { state = table[Int((state ^ UInt32(byte)) & 0xFF)] ^ (state >> 8) }
        }
    }

    public var value: UInt32 { state ^ 0xFFFF_FFFF }

    /// The checksum of `bytes`.
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes, _ polynomial: Polynomial = .isoHDLC) -> UInt32
    where Bytes.Element == UInt8 {
        var crc = CRC32(polynomial)
        crc.update(bytes)
        return crc.value
    }
}

/// Adler-32 (RFC 1950), the checksum of a zlib stream.
public struct Adler32: Sendable {
    private var a: UInt32 = 1
    private var b: UInt32 = 0

    public init() {}

    public mutating func update(_ bytes: [UInt8]) {
        var index = 0
        while index < bytes.count {
            // 5552 is the most bytes that cannot overflow 32 bits before the reduction.
            let end = min(bytes.count, index + 5552)
            for byte in bytes[index..<end] {
                a &+= UInt32(byte)
                b &+= a
            }
            a %= 65521
            b %= 65521
            index = end
        }
    }

    public var value: UInt32 { b << 16 | a }
}
