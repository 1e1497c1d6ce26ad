/// Writing 8-bit RGB images as PNG (ISO/IEC 15948), compressed with ``Deflate``.
public enum PNG {
    /// The PNG file of a `width`×`height` image given as rows of RGB bytes (3 per pixel).
    public static func encode(rgb pixels: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(pixels.count == width * height * 3, "PNG: \(pixels.count) bytes for \(width)×\(height) RGB")
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 2, 0, 0, 0]  // 8 bits per sample, truecolour, deflate, adaptive filter, no interlace
        appendChunk("IHDR", header, to: &file)
        // Each row is prefixed by its filter type: "Up" (2), the best simple filter for images with
        // vertical structure such as plots, except the first row, which has nothing above it.
        var filtered: [UInt8] = []
        filtered.reserveCapacity((width * 3 + 1) * height)
        let stride = width * 3
        for row in 0..<height {
            filtered.append(row == 0 ? 0 : 2)
            for index in 0..<stride {
                let value = pixels[row * stride + index]
                filtered.append(row == 0 ? value : value &- pixels[(row - 1) * stride + index])
            }
        }
        appendChunk("IDAT", Deflate.zlibCompress(filtered), to: &file)
        appendChunk("IEND", [], to: &file)
        return file
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to file: inout [UInt8]) {
        file += bigEndian(UInt32(data.count))
        let typed = Array(type.utf8) + data
        file += typed
        file += bigEndian(CRC32.checksum(typed))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }
    }

    /// The size and RGB pixels of a PNG written by ``encode(rgb:width:height:)`` (8-bit truecolour,
    /// any filter): the inverse, for checking files.
    public static func decode(_ file: [UInt8]) throws(Inflate.DataError) -> (width: Int, height: Int, rgb: [UInt8]) {
        guard file.count > 8, Array(file[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else {
            throw Inflate.DataError(description: "not a PNG file")
        }
        var position = 8
        var (width, height) = (0, 0)
        var compressed: [UInt8] = []
        while position + 12 <= file.count {
            let length = Int(file[position..<position + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            guard position + 12 + length <= file.count else { throw Inflate.DataError(description: "PNG chunk is truncated") }
            let type = String(decoding: file[position + 4..<position + 8], as: UTF8.self)
            let data = Array(file[position + 8..<position + 8 + length])
            let stored = file[position + 8 + length..<position + 12 + length].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard stored == CRC32.checksum(file[position + 4..<position + 8 + length]) else {
                throw Inflate.DataError(description: "PNG chunk \(type) has a bad CRC")
            }
            if type == "IHDR" {
                guard data.count == 13 else { throw Inflate.DataError(description: "PNG header chunk has \(data.count) bytes, not 13") }
                let word = { (offset: Int) in Int(data[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }) }
                (width, height) = (word(0), word(4))
                // The format's limit (2³¹ − 1 per side) and one that keeps the pixel count in range.
                guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max),
                      width.multipliedReportingOverflow(by: 3 * height).overflow == false else {
                    throw Inflate.DataError(description: "PNG size \(width)×\(height) is invalid")
                }
                guard data[8] == 8, data[9] == 2, data[12] == 0 else {
                    throw Inflate.DataError(description: "only 8-bit RGB, non-interlaced PNG is read")
                }
            } else if type == "IDAT" {
                compressed += data
            }
            position += 12 + length
        }
        guard width > 0 else { throw Inflate.DataError(description: "PNG file has no header chunk") }
        let raw = try Inflate.zlibDecompress(compressed)
        let stride = width * 3
        guard raw.count == (stride + 1) * height else { throw Inflate.DataError(description: "PNG image data has the wrong size") }
        var pixels = [UInt8](repeating: 0, count: stride * height)
        for row in 0..<height {
            let filter = raw[row * (stride + 1)]
            for index in 0..<stride {
                let value = raw[row * (stride + 1) + 1 + index]
                let left = index >= 3 ? pixels[row * stride + index - 3] : 0
                let up = row > 0 ? pixels[(row - 1) * stride + index] : 0
                let upLeft = row > 0 && index >= 3 ? pixels[(row - 1) * stride + index - 3] : 0
                let predictor: UInt8
                switch filter {
                case 0: predictor = 0
                case 1: predictor = left
                case 2: predictor = up
                case 3: predictor = UInt8((Int(left) + Int(up)) / 2)
                case 4: predictor = paeth(left, up, upLeft)
                default: throw Inflate.DataError(description: "unknown PNG filter \(filter)")
                }
                pixels[row * stride + index] = value &+ predictor
            }
        }
        return (width, height, pixels)
    }

    private static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let (pa, pb, pc) = (abs(p - Int(a)), abs(p - Int(b)), abs(p - Int(c)))
        return pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
    }
}
