import Tensors

/// The IDX format of the MNIST files (LeCun et al.): two zero bytes, a type code (0x08 unsigned
/// byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of
/// dimensions, each dimension as a big-endian UInt32, then the elements in row-major order,
/// big-endian. Files may be gzip-compressed (`t10k-images-idx3-ubyte.gz`), which is detected.
public enum IDX {
    /// The element types and their widths in bytes.
    static let widths: [UInt8: Int] = [0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8]

    /// The array in an IDX file (gzip-compressed or not) as float32, each element converted
    /// exactly (bytes and labels are small integers).
    public static func decode(_ file: [UInt8]) throws(FormatError) -> Tensor {
        var bytes = file
        if file.count >= 2 && file[0] == 0x1F && file[1] == 0x8B {
            do {
                bytes = try Inflate.gunzip(file)
            } catch {
                throw FormatError("is gzip-compressed but cannot be decompressed: \(error.description)")
            }
        }
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
            throw FormatError("not an IDX file (it must start with two zero bytes)")
        }
        guard let width = widths[bytes[2]] else {
            throw FormatError("IDX type code 0x\(String(bytes[2], radix: 16)) is not one of 08, 09, 0B, 0C, 0D, 0E")
        }
        let rank = Int(bytes[3])
        guard bytes.count >= 4 + 4 * rank else { throw FormatError("IDX header is truncated (\(rank) dimensions announced)") }
        let shape = (0..<rank).map { Int(bigEndian(bytes, at: 4 + 4 * $0, width: 4)) }
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw FormatError("IDX shape \(shape) has too many elements") }
            count = product
        }
        let start = 4 + 4 * rank
        let available = bytes.count - start
        guard available / width == count && available % width == 0 else {
            throw FormatError("IDX shape \(shape) needs \(count) elements of \(width) bytes, but the data holds \(available) bytes")
        }
        let code = bytes[2]
        var values = [Float](repeating: 0, count: count)
        for index in 0..<count {
            let raw = bigEndian(bytes, at: start + index * width, width: width)
            switch code {
            case 0x08: values[index] = Float(UInt8(raw))
            case 0x09: values[index] = Float(Int8(truncatingIfNeeded: raw))
            case 0x0B: values[index] = Float(Int16(truncatingIfNeeded: raw))
            case 0x0C: values[index] = Float(Int32(truncatingIfNeeded: raw))
            case 0x0D: values[index] = Float(bitPattern: UInt32(raw))
            default: values[index] = Float(Double(bitPattern: raw))
            }
        }
        return Tensor(shape: shape, scalars: values)
    }

    /// Reads the IDX file at `path`.
    public static func read(_ path: String) throws(FormatError) -> Tensor {
        do {
            return try decode(FileIO.read(path))
        } catch {
            throw error.path == nil ? error.at(path) : error
        }
    }

    /// The `width`-byte big-endian unsigned integer at `offset`.
    private static func bigEndian(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<width { value = value << 8 | UInt64(bytes[offset + index]) }
        return value
    }
}
