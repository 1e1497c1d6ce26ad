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

    @Test func corruptChunkIsDetected() {
        var file = PNG.encode(rgb: [UInt8](repeating: 200, count: 12), width: 2, height: 2)
        file[20] ^= 1
        #expect(throws: Inflate.DataError(description: "PNG chunk IHDR has a bad CRC")) { try PNG.decode(file) }
    }
}
