import Tensors

extension Tensor {
    /// A tensor whose elements are the little-endian `bytes` (count × dtype width of them).
    public init<Bytes: Collection>(shape: [Int], dtype: DType, bytes: Bytes) where Bytes.Element == UInt8 {
        switch dtype {
        case .float32:
            var values = [Float](repeating: 0, count: shape.reduce(1, *))
            values.withUnsafeMutableBytes { target in target.copyBytes(from: bytes) }
            self.init(shape: shape, scalars: values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) })
        case .float64:
            var values = [Double](repeating: 0, count: shape.reduce(1, *))
            values.withUnsafeMutableBytes { target in target.copyBytes(from: bytes) }
            self.init(shape: shape, scalars: values.map { Double(bitPattern: UInt64(littleEndian: $0.bitPattern)) })
        }
    }

    /// Calls `body` with the elements' bytes in little-endian order.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch dtype {
        case .float32:
            let values = scalars(as: Float.self).map { Float(bitPattern: $0.bitPattern.littleEndian) }
            return try values.withUnsafeBytes(body)
        case .float64:
            let values = scalars(as: Double.self).map { Double(bitPattern: $0.bitPattern.littleEndian) }
            return try values.withUnsafeBytes(body)
        }
    }
}
