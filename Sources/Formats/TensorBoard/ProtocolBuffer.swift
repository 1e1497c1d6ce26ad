/// The protocol-buffer wire format (proto3, https://protobuf.dev/programming-guides/encoding/),
/// enough of it for the few messages the project exchanges with other tools (TensorBoard's
/// `Event` and `Summary`): a field is a key `number << 3 | wire type` followed by a varint, eight
/// or four little-endian bytes, or a varint length and that many bytes.
public enum ProtocolBuffer {
    public enum WireType: UInt8, Sendable {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    /// One field as read from the wire.
    public enum FieldValue: Equatable, Sendable {
        case varint(UInt64)
        case fixed64(UInt64)
        case lengthDelimited(ArraySlice<UInt8>)
        case fixed32(UInt32)
    }

    /// Builds a message field by field, in the order written.
    public struct Writer: Sendable {
        public private(set) var bytes: [UInt8] = []

        public init() {}

        private mutating func varint(_ value: UInt64) {
            var value = value
            while value >= 0x80 {
                bytes.append(UInt8(value & 0x7F) | 0x80)
                value >>= 7
            }
            bytes.append(UInt8(value))
        }

        private mutating func key(_ field: Int, _ type: WireType) {
            varint(UInt64(field) << 3 | UInt64(type.rawValue))
        }

        private mutating func littleEndian<T: FixedWidthInteger>(_ value: T) {
            bytes += LittleEndian.bytes(value)
        }

        /// An `int64` or `int32` field (negative values take ten bytes, as in proto3).
        public mutating func integer(_ field: Int, _ value: Int64) {
            key(field, .varint)
            varint(UInt64(bitPattern: value))
        }

        public mutating func double(_ field: Int, _ value: Double) {
            key(field, .fixed64)
            littleEndian(value.bitPattern)
        }

        public mutating func float(_ field: Int, _ value: Float) {
            key(field, .fixed32)
            littleEndian(value.bitPattern)
        }

        /// A `bytes` field.
        public mutating func bytes(_ field: Int, _ value: [UInt8]) {
            key(field, .lengthDelimited)
            varint(UInt64(value.count))
            bytes.append(contentsOf: value)
        }

        public mutating func string(_ field: Int, _ value: String) {
            bytes(field, Array(value.utf8))
        }

        /// A nested message field, built by `build`.
        public mutating func message(_ field: Int, _ build: (inout Writer) -> Void) {
            var nested = Writer()
            build(&nested)
            bytes(field, nested.bytes)
        }

        /// A `repeated double` field in packed form.
        public mutating func packedDoubles(_ field: Int, _ values: [Double]) {
            var packed = Writer()
            for value in values { packed.littleEndian(value.bitPattern) }
            bytes(field, packed.bytes)
        }
    }

    /// The fields of a message in wire order; a truncated or malformed field is an error naming
    /// its byte offset within the message.
    public static func fields(of message: ArraySlice<UInt8>) throws(FormatError) -> [(number: Int, value: FieldValue)] {
        var fields: [(number: Int, value: FieldValue)] = []
        var position = message.startIndex
        func varint() throws(FormatError) -> UInt64 {
            var value: UInt64 = 0
            for shift in stride(from: 0, to: 64, by: 7) {
                guard position < message.endIndex else {
                    throw FormatError("protocol buffer: varint runs past the end at byte \(position - message.startIndex)")
                }
                let byte = message[position]
                position += 1
                value |= UInt64(byte & 0x7F) << UInt64(shift)
                if byte < 0x80 { return value }
            }
            throw FormatError("protocol buffer: varint longer than ten bytes at byte \(position - message.startIndex)")
        }
        func take(_ count: UInt64) throws(FormatError) -> ArraySlice<UInt8> {
            guard count <= UInt64(message.endIndex - position) else {
                throw FormatError("protocol buffer: a field of \(count) bytes runs past the end at byte \(position - message.startIndex)")
            }
            defer { position += Int(count) }
            return message[position..<position + Int(count)]
        }
        while position < message.endIndex {
            let key = try varint()
            let number = key >> 3
            guard number > 0 && number < 1 << 29 else { throw FormatError("protocol buffer: invalid field number \(number)") }
            switch WireType(rawValue: UInt8(key & 7)) {
            case .varint: fields.append((Int(number), .varint(try varint())))
            case .fixed64: fields.append((Int(number), .fixed64(LittleEndian.integer(try take(8)))))
            case .lengthDelimited: fields.append((Int(number), .lengthDelimited(try take(try varint()))))
            case .fixed32: fields.append((Int(number), .fixed32(UInt32(LittleEndian.integer(try take(4))))))
            case nil: throw FormatError("protocol buffer: unsupported wire type \(key & 7) for field \(number)")
            }
        }
        return fields
    }
}

extension ProtocolBuffer.FieldValue {
    /// The field as a `double`, or nil if it is not a 64-bit field.
    public var double: Double? {
        if case .fixed64(let bits) = self { return Double(bitPattern: bits) }
        return nil
    }

    /// The field as a `float`, or nil if it is not a 32-bit field.
    public var float: Float? {
        if case .fixed32(let bits) = self { return Float(bitPattern: bits) }
        return nil
    }

    /// The field as an `int64`, or nil if it is not a varint.
    public var integer: Int64? {
        if case .varint(let value) = self { return Int64(bitPattern: value) }
        return nil
    }

    /// The bytes of a length-delimited field (a string, bytes or a nested message).
    public var bytes: ArraySlice<UInt8>? {
        if case .lengthDelimited(let bytes) = self { return bytes }
        return nil
    }

    /// A packed `repeated double`.
    public var packedDoubles: [Double]? {
        guard let bytes, bytes.count % 8 == 0 else { return nil }
        return stride(from: bytes.startIndex, to: bytes.endIndex, by: 8).map { start in
            Double(bitPattern: LittleEndian.integer(bytes[start..<start + 8]))
        }
    }
}
