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
}
