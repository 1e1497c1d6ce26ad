import Foundation

/// An 8-bit RGB raster with the few drawing operations the reports need: filled rectangles,
/// lines, discs, circles, text in a 5×7 bitmap font, and pasting one image into another.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major RGB bytes, 3 per pixel, top row first.
    public private(set) var pixels: [UInt8]

    /// An image filled with `color`.
    public init(width: Int, height: Int, color: RGB = .white) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, color: color)
    }

    public subscript(x: Int, y: Int) -> RGB {
        get {
            let offset = (y * width + x) * 3
            return RGB(pixels[offset], pixels[offset + 1], pixels[offset + 2])
        }
        set {
            guard x >= 0 && x < width && y >= 0 && y < height else { return }
            let offset = (y * width + x) * 3
            pixels[offset] = newValue.red
            pixels[offset + 1] = newValue.green
            pixels[offset + 2] = newValue.blue
        }
    }

    /// Fills a rectangle (clipped to the image).
    public mutating func fill(x: Int, y: Int, width: Int, height: Int, color: RGB) {
        let (left, right) = (Swift.max(x, 0), Swift.min(x + width, self.width))
        let (top, bottom) = (Swift.max(y, 0), Swift.min(y + height, self.height))
        guard left < right && top < bottom else { return }
        for row in top..<bottom {
            for column in left..<right { self[column, row] = color }
        }
    }

    /// A one-pixel line from (x0, y0) to (x1, y1) (Bresenham).
    public mutating func line(from start: (Int, Int), to end: (Int, Int), color: RGB) {
        var (x, y) = start
        let (dx, dy) = (abs(end.0 - x), -abs(end.1 - y))
        let (sx, sy) = (x < end.0 ? 1 : -1, y < end.1 ? 1 : -1)
        var error = dx + dy
        while true {
            self[x, y] = color
            if x == end.0 && y == end.1 { return }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += sx }
            if doubled <= dx { error += dx; y += sy }
        }
    }

    /// A filled disc of radius `radius` pixels.
    public mutating func disc(center: (Double, Double), radius: Double, color: RGB) {
        let (cx, cy) = center
        for row in Int((cy - radius).rounded(.down))...Int((cy + radius).rounded(.up)) {
            for column in Int((cx - radius).rounded(.down))...Int((cx + radius).rounded(.up)) {
                let (u, v) = (Double(column) - cx, Double(row) - cy)
                if u * u + v * v <= radius * radius { self[column, row] = color }
            }
        }
    }

    /// The outline of a circle, drawn with enough points to close it.
    public mutating func circle(center: (Double, Double), radius: Double, color: RGB) {
        let steps = Swift.max(16, Int(8 * radius))
        var previous: (Int, Int)?
        for step in 0...steps {
            let angle = 2 * Double.pi * Double(step) / Double(steps)
            let point = (Int((center.0 + radius * cos(angle)).rounded()), Int((center.1 + radius * sin(angle)).rounded()))
            if let previous { line(from: previous, to: point, color: color) }
            previous = point
        }
    }

    /// `image` pasted with its top-left corner at (x, y), clipped.
    public mutating func paste(_ image: RGBImage, x: Int, y: Int) {
        for row in 0..<image.height {
            for column in 0..<image.width { self[x + column, y + row] = image[column, row] }
        }
    }

    /// Text in the 5×7 bitmap font, `scale` pixels per font pixel, top-left at (x, y).
    /// Characters the font lacks are drawn as a box.
    public mutating func text(_ string: String, x: Int, y: Int, scale: Int = 1, color: RGB = .black) {
        var cursor = x
        for character in string {
            let rows = BitmapFont.glyph(character)
            for (row, bits) in rows.enumerated() {
                for column in 0..<5 where bits & (0x10 >> column) != 0 {
                    fill(x: cursor + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
                }
            }
            cursor += 6 * scale
        }
    }

    /// The width in pixels of `string` drawn by ``text(_:x:y:scale:color:)``.
    public static func textWidth(_ string: String, scale: Int = 1) -> Int {
        string.count * 6 * scale - scale
    }

    /// The PNG file of this image.
    public func png() -> [UInt8] {
        PNG.encode(rgb: pixels, width: width, height: height)
    }
}

/// An 8-bit colour.
public struct RGB: Sendable, Equatable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
    public static let gray = RGB(128, 128, 128)
    public static let lightGray = RGB(220, 220, 220)

    /// The colour `t` of the way from `self` to `other`.
    public func mixed(with other: RGB, _ t: Double) -> RGB {
        func channel(_ a: UInt8, _ b: UInt8) -> UInt8 {
            UInt8((Double(a) + (Double(b) - Double(a)) * Swift.min(Swift.max(t, 0), 1)).rounded())
        }
        return RGB(channel(red, other.red), channel(green, other.green), channel(blue, other.blue))
    }

    /// `#rrggbb`, for SVG.
    public var hex: String {
        "#" + [red, green, blue].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

extension RGBImage {
    /// An image holding decoded RGB bytes.
    public init(width: Int, height: Int, rgb: [UInt8]) {
        precondition(rgb.count == width * height * 3, "RGBImage: \(rgb.count) bytes for \(width)×\(height)")
        self.width = width
        self.height = height
        pixels = rgb
    }

    /// This image resampled (nearest neighbour) to `size`×`size`.
    public func scaled(to size: Int) -> RGBImage {
        var result = RGBImage(width: size, height: size)
        for row in 0..<size {
            for column in 0..<size { result[column, row] = self[column * width / size, row * height / size] }
        }
        return result
    }
}
