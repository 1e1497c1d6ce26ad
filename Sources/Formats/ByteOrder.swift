/// Little-endian integers to and from bytes, as the binary formats store them (safetensors'
/// header length, protocol buffers' fixed fields, TFRecord framing).
enum LittleEndian {
    /// The bytes of `value`, least significant first.
    static func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// The unsigned integer whose bytes, least significant first, are `bytes` (at most eight).
    static func integer(_ bytes: some BidirectionalCollection<UInt8>) -> UInt64 {
        bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}
