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

    /// A PNG of `rows` (each already prefixed by its filter byte) with this header.
    static func image(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, rows: [[UInt8]],
                      palette: [UInt8]? = nil) -> [UInt8] {
        let header = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [bitDepth, colorType, 0, 0, 0]
        return png([("IHDR", header)] + (palette.map { [("PLTE", $0)] } ?? []) + [("IDAT", Deflate.zlibCompress(rows.flatMap { $0 })),
                   ("IEND", [])])
    }

    /// Greyscale, greyscale with alpha, RGBA, 16-bit RGB (high bytes) and 2-bit palette images
    /// decode to the same RGB, with the Sub and Paeth filters undone.
    @Test func everyCommonKindOfPNGDecodes() throws {
        let grey = try PNG.decode(Self.image(width: 2, height: 2, bitDepth: 8, colorType: 0, rows: [[0, 10, 200], [1, 5, 5]]))
        #expect(grey.rgb == [10, 10, 10, 200, 200, 200, 5, 5, 5, 10, 10, 10])
        let greyAlpha = try PNG.decode(Self.image(width: 1, height: 1, bitDepth: 8, colorType: 4, rows: [[0, 77, 255]]))
        #expect(greyAlpha.rgb == [77, 77, 77])
        let rgba = try PNG.decode(Self.image(width: 2, height: 1, bitDepth: 8, colorType: 6, rows: [[0, 1, 2, 3, 9, 4, 5, 6, 9]]))
        #expect(rgba.rgb == [1, 2, 3, 4, 5, 6])
        let deep = try PNG.decode(Self.image(width: 1, height: 2, bitDepth: 16, colorType: 2,
                                             rows: [[0, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC], [4, 1, 0, 1, 0, 1, 0]]))
        #expect(deep.rgb == [0x12, 0x56, 0x9A, 0x13, 0x57, 0x9B])
        // Palette indices 0, 3, 1, 2 packed in one byte (2 bits each).
        let indexed = try PNG.decode(Self.image(width: 4, height: 1, bitDepth: 2, colorType: 3, rows: [[0, 0b00_11_01_10]],
                                                palette: [10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42]))
        #expect(indexed.rgb == [10, 11, 12, 40, 41, 42, 20, 21, 22, 30, 31, 32])
        #expect(throws: Inflate.DataError(description: "PNG pixel uses palette entry 3, beyond the palette")) {
            try PNG.decode(Self.image(width: 1, height: 1, bitDepth: 8, colorType: 3, rows: [[0, 3]], palette: [1, 2, 3]))
        }
        #expect(throws: Inflate.DataError(description: "PNG colour type 2 with 4-bit samples is not read")) {
            try PNG.decode(Self.image(width: 1, height: 1, bitDepth: 4, colorType: 2, rows: [[0, 0]]))
        }
    }
}
