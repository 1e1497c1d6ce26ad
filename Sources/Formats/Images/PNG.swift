/// PNG (ISO/IEC 15948): writing 8-bit RGB images compressed with ``Deflate``, and reading the
/// common kinds of PNG file.
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

    /// The PNG file at `path` as its bytes and its decoded pixels (see ``decode(_:)``); a file
    /// that cannot be read or decoded is an error naming it.
    public static func read(_ path: String) throws(FormatError) -> (bytes: [UInt8], image: (width: Int, height: Int, rgb: [UInt8])) {
        let bytes = try FileIO.read(path)
        do {
            return (bytes, try decode(bytes))
        } catch {
            throw FormatError("is not a readable PNG: \(error)", path: path)
        }
    }

    /// The size and RGB pixels (3 bytes per pixel) of a PNG file: greyscale, RGB, palette,
    /// greyscale with alpha or RGBA (alpha dropped), 8 or 16 bits per sample (16-bit samples keep
    /// their high byte; palettes of 1–8 bits), not interlaced; every chunk's CRC checked.
    public static func decode(_ file: [UInt8]) throws(Inflate.DataError) -> (width: Int, height: Int, rgb: [UInt8]) {
        guard file.count > 8, Array(file[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else {
            throw Inflate.DataError(description: "not a PNG file")
        }
        var position = 8
        var header: Header?
        var palette: [UInt8] = []
        var compressed: [UInt8] = []
        while position + 12 <= file.count {
            let length = Int(file[position..<position + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            guard length <= file.count - position - 12 else { throw Inflate.DataError(description: "PNG chunk is truncated") }
            let type = String(decoding: file[position + 4..<position + 8], as: UTF8.self)
            let data = Array(file[position + 8..<position + 8 + length])
            let stored = file[position + 8 + length..<position + 12 + length].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard stored == CRC32.checksum(file[position + 4..<position + 8 + length]) else {
                throw Inflate.DataError(description: "PNG chunk \(type) has a bad CRC")
            }
            switch type {
            case "IHDR": header = try Header(data)
            case "PLTE": palette = data
            case "IDAT": compressed += data
            default: break
            }
            position += 12 + length
        }
        guard let header else { throw Inflate.DataError(description: "PNG file has no header chunk") }
        if header.colorType == 3 && (palette.isEmpty || palette.count % 3 != 0) {
            throw Inflate.DataError(description: "PNG palette image has no valid palette")
        }
        let raw = try Inflate.zlibDecompress(compressed)
        let samples = try unfilter(raw, header)
        return (header.width, header.height, try rgb(samples, header, palette: palette))
    }

    /// The IHDR fields this decoder reads.
    private struct Header {
        let width: Int
        let height: Int
        let bitDepth: Int
        let colorType: Int

        init(_ data: [UInt8]) throws(Inflate.DataError) {
            guard data.count == 13 else { throw Inflate.DataError(description: "PNG header chunk has \(data.count) bytes, not 13") }
            let word = { (offset: Int) in Int(data[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }) }
            (width, height, bitDepth, colorType) = (word(0), word(4), Int(data[8]), Int(data[9]))
            // The format's limit (2³¹ − 1 per side) and one that keeps the byte count in range.
            guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max),
                  width.multipliedReportingOverflow(by: 8 * height).overflow == false else {
                throw Inflate.DataError(description: "PNG size \(width)×\(height) is invalid")
            }
            let depths: [Int: [Int]] = [0: [8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
            guard let allowed = depths[colorType], allowed.contains(bitDepth) else {
                throw Inflate.DataError(description: "PNG colour type \(colorType) with \(bitDepth)-bit samples is not read")
            }
            guard data[12] == 0 else { throw Inflate.DataError(description: "interlaced PNG is not read") }
        }

        /// Samples per pixel.
        var channels: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }
        /// Bytes per complete pixel, at least 1 (the filters' unit).
        var pixelBytes: Int { max(1, channels * bitDepth / 8) }
        /// Bytes per row, without the filter byte.
        var rowBytes: Int { (width * channels * bitDepth + 7) / 8 }
    }

    /// The rows with their filters undone (RFC 2083 §6).
    private static func unfilter(_ raw: [UInt8], _ header: Header) throws(Inflate.DataError) -> [UInt8] {
        let (stride, unit, height) = (header.rowBytes, header.pixelBytes, header.height)
        guard raw.count == (stride + 1) * height else { throw Inflate.DataError(description: "PNG image data has the wrong size") }
        var pixels = [UInt8](repeating: 0, count: stride * height)
        for row in 0..<height {
            let filter = raw[row * (stride + 1)]
            for index in 0..<stride {
                let value = raw[row * (stride + 1) + 1 + index]
                let left = index >= unit ? pixels[row * stride + index - unit] : 0
                let up = row > 0 ? pixels[(row - 1) * stride + index] : 0
                let upLeft = row > 0 && index >= unit ? pixels[(row - 1) * stride + index - unit] : 0
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
        return pixels
    }

    /// RGB bytes from unfiltered samples of any colour type.
    private static func rgb(_ samples: [UInt8], _ header: Header, palette: [UInt8]) throws(Inflate.DataError) -> [UInt8] {
        let (width, height, stride) = (header.width, header.height, header.rowBytes)
        var result = [UInt8](repeating: 0, count: width * height * 3)
        let sampleBytes = header.bitDepth / 8
        for y in 0..<height {
            for x in 0..<width {
                let target = (y * width + x) * 3
                if header.colorType == 3 {
                    let bitOffset = x * header.bitDepth
                    let byte = samples[y * stride + bitOffset / 8]
                    let index = Int(byte >> (8 - header.bitDepth - bitOffset % 8)) & ((1 << header.bitDepth) - 1)
                    guard 3 * index + 2 < palette.count else { throw Inflate.DataError(description: "PNG pixel uses palette entry \(index), beyond the palette") }
                    for channel in 0..<3 { result[target + channel] = palette[3 * index + channel] }
                    continue
                }
                // The high byte of each sample; grey (with or without alpha) repeats to RGB.
                let pixel = y * stride + x * header.channels * sampleBytes
                let sample = { (channel: Int) in samples[pixel + channel * sampleBytes] }
                let colour = header.colorType == 2 || header.colorType == 6
                for channel in 0..<3 { result[target + channel] = sample(colour ? channel : 0) }
            }
        }
        return result
    }

    private static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let (pa, pb, pc) = (abs(p - Int(a)), abs(p - Int(b)), abs(p - Int(c)))
        return pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
    }
}
