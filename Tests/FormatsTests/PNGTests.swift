import Formats
import Testing

@Suite struct PNGTests {
    @Test func encodeDecodeRoundTrip() throws {
        let (width, height) = (37, 23)
        let pixels = (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 97) }
        let file = PNG.encode(rgb: pixels, width: width, height: height)
        #expect(Array(file.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let decoded = try PNG.decode(file)
        #expect(decoded.width == width && decoded.height == height)
        #expect(decoded.rgb == pixels)
    }

    @Test func drawingIsClippedToTheImage() {
        var image = RGBImage(width: 20, height: 10)
        image.fill(x: 15, y: 5, width: 30, height: 30, color: .black)
        image.fill(x: 40, y: 40, width: 3, height: 3, color: .black)
        image.text("clipped text", x: 12, y: 6, scale: 2)
        image.line(from: (-5, -5), to: (25, 15), color: .gray)
        image.disc(center: (19, 9), radius: 4, color: .black)
        #expect(image[19, 9] == .black && image[14, 4] != .black)
        #expect(RGBImage.textWidth("ab", scale: 2) == 22)
    }

    @Test func corruptChunkIsDetected() {
        var file = PNG.encode(rgb: [UInt8](repeating: 200, count: 12), width: 2, height: 2)
        file[20] ^= 1
        #expect(throws: Inflate.DataError(description: "PNG chunk IHDR has a bad CRC")) { try PNG.decode(file) }
    }

    /// A PNG whose chunks are given, each with a correct CRC.
    static func png(_ chunks: [(String, [UInt8])]) -> [UInt8] {
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        for (type, data) in chunks {
            let body = Array(type.utf8) + data
            let crc = CRC32.checksum(body)
            file += bigEndian(UInt32(data.count)) + body + bigEndian(crc)
        }
        return file
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }

    /// Headers that crashed the decoder (found by fuzzing it): too short, or a size whose pixel
    /// count overflows.
    @Test func malformedHeadersAreErrors() {
        let idat = ("IDAT", Deflate.zlibCompress([0, 1, 2, 3]))
        #expect(throws: Inflate.DataError(description: "PNG header chunk has 4 bytes, not 13")) {
            try PNG.decode(Self.png([("IHDR", [0, 0, 0, 1]), idat, ("IEND", [])]))
        }
        let huge = Self.bigEndian(0x7FFF_FFFF) + Self.bigEndian(0x7FFF_FFFF) + [8, 2, 0, 0, 0]
        #expect(throws: Inflate.DataError(description: "PNG size 2147483647×2147483647 is invalid")) {
            try PNG.decode(Self.png([("IHDR", huge), idat, ("IEND", [])]))
        }
        #expect(throws: Inflate.DataError(description: "PNG file has no header chunk")) {
            try PNG.decode(Self.png([idat, ("IEND", [])]))
        }
    }
}
