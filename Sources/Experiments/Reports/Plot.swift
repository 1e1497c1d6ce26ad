import Foundation
import Formats

/// A two-dimensional chart rendered both as a PNG (with the 5×7 bitmap font) and as SVG:
/// axes with round ticks, a grid, point or line series, an optional shaded disc, a legend.
public struct Plot: Sendable {
    public enum Style: Sendable {
        case dots(radius: Double)
        case line
        /// Consecutive pairs of points are the tail and head of an arrow.
        case arrows
    }

    public struct Series: Sendable {
        public var name: String
        public var color: RGB
        public var points: [(x: Double, y: Double)]
        public var style: Style

        public init(name: String, color: RGB, points: [(x: Double, y: Double)], style: Style = .dots(radius: 2)) {
            self.name = name
            self.color = color
            self.points = points
            self.style = style
        }
    }

    /// A filled disc (in data coordinates), drawn under the series.
    public struct Disc: Sendable {
        public var center: (x: Double, y: Double)
        public var radius: Double
        public var color: RGB
        public var name: String

        public init(center: (x: Double, y: Double), radius: Double, color: RGB, name: String) {
            self.center = center
            self.radius = radius
            self.color = color
            self.name = name
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xRange: ClosedRange<Double>
    public var yRange: ClosedRange<Double>
    public var series: [Series] = []
    public var disc: Disc?
    public var width = 720
    public var height = 480
    /// Distinguishes this plot's clip path when several plots share one SVG document.
    public var identifier = "plot"
    /// Whether the y axis is logarithmic (base 10); `yRange` then holds positive values.
    public var logarithmicY = false

    public init(title: String, xLabel: String, yLabel: String, xRange: ClosedRange<Double>, yRange: ClosedRange<Double>) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xRange = xRange
        self.yRange = yRange
    }

    /// Distinct colours for series (matplotlib's tab10, then darker and lighter variants).
    public static let palette = [RGB(31, 119, 180), RGB(255, 127, 14), RGB(44, 160, 44), RGB(214, 39, 40), RGB(148, 103, 189),
                                 RGB(140, 86, 75), RGB(227, 119, 194), RGB(127, 127, 127), RGB(188, 189, 34), RGB(23, 190, 207),
                                 RGB(0, 0, 128), RGB(128, 0, 0), RGB(0, 100, 0), RGB(255, 215, 0), RGB(75, 0, 130)]

    // MARK: Layout

    private var left: Int { 64 }
    private var right: Int { width - 16 }
    private var top: Int { 28 }
    private var bottom: Int { height - 44 }

    func pixel(_ x: Double, _ y: Double) -> (Double, Double) {
        let px = Double(left) + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * Double(right - left)
        let (low, high) = (axisY(yRange.lowerBound), axisY(yRange.upperBound))
        let py = Double(bottom) - (axisY(y) - low) / (high - low) * Double(bottom - top)
        return (px, py)
    }

    /// Where `y` sits along the y axis: itself, or its logarithm on a logarithmic axis.
    private func axisY(_ y: Double) -> Double { logarithmicY ? log10(y) : y }

    /// The y axis' ticks: round values, or the powers of ten in range on a logarithmic axis
    /// (round values when the range spans less than a decade).
    var yTicks: [Double] {
        guard logarithmicY else { return Plot.ticks(yRange) }
        let (low, high) = (log10(yRange.lowerBound).rounded(.up), log10(yRange.upperBound).rounded(.down))
        guard high > low else { return Plot.ticks(yRange) }
        let step = ((high - low) / 6).rounded(.up)
        return stride(from: low, through: high, by: step).map { pow(10, $0) }
    }

    /// Round tick values (1, 2 or 5 × 10ᵏ apart) covering `range`.
    static func ticks(_ range: ClosedRange<Double>, count: Int = 6) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0 && span.isFinite else { return [range.lowerBound] }
        let raw = span / Double(count)
        let power = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        let first = (range.lowerBound / step).rounded(.up) * step
        return stride(from: first, through: range.upperBound + step * 1e-9, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
    }

    static func label(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e6 { return String(Int(value)) }
        let text = String(format: "%.4g", value)
        return text
    }

    /// How many points of each series fall outside the axes.
    func outsideCounts() -> [Int] {
        series.map { $0.points.filter { !xRange.contains($0.x) || !yRange.contains($0.y) }.count }
    }

    // MARK: PNG

    public func png() -> RGBImage {
        var image = RGBImage(width: width, height: height)
        if let disc {
            for row in top...bottom {
                for column in left...right {
                    let x = xRange.lowerBound + Double(column - left) / Double(right - left) * (xRange.upperBound - xRange.lowerBound)
                    let y = yRange.lowerBound + Double(bottom - row) / Double(bottom - top) * (yRange.upperBound - yRange.lowerBound)
                    let (dx, dy) = (x - disc.center.x, y - disc.center.y)
                    if dx * dx + dy * dy < disc.radius * disc.radius { image[column, row] = disc.color }
                }
            }
        }
        for tick in Plot.ticks(xRange) {
            let (px, _) = pixel(tick, 0)
            image.line(from: (Int(px), top), to: (Int(px), bottom), color: .lightGray)
            let text = Plot.label(tick)
            image.text(text, x: Int(px) - RGBImage.textWidth(text) / 2, y: bottom + 6)
        }
        for tick in yTicks {
            let (_, py) = pixel(0, tick)
            image.line(from: (left, Int(py)), to: (right, Int(py)), color: .lightGray)
            let text = Plot.label(tick)
            image.text(text, x: left - 6 - RGBImage.textWidth(text), y: Int(py) - 3)
        }
        if xRange.contains(0) {
            let (px, _) = pixel(0, 0)
            image.line(from: (Int(px), top), to: (Int(px), bottom), color: .gray)
        }
        if yRange.contains(0) && !logarithmicY {
            let (_, py) = pixel(0, 0)
            image.line(from: (left, Int(py)), to: (right, Int(py)), color: .gray)
        }
        for (x0, y0, x1, y1) in [(left, top, right, top), (left, bottom, right, bottom), (left, top, left, bottom), (right, top, right, bottom)] {
            image.line(from: (x0, y0), to: (x1, y1), color: .black)
        }
        for item in series {
            let inside = item.points.filter { xRange.contains($0.x) && yRange.contains($0.y) }
            switch item.style {
            case .dots(let radius):
                for point in inside { image.disc(center: pixel(point.x, point.y), radius: radius, color: item.color) }
            case .line:
                for (a, b) in zip(item.points, item.points.dropFirst()) {
                    let (p, q) = (pixel(a.x, a.y), pixel(b.x, b.y))
                    image.line(from: (Int(p.0), Int(p.1)), to: (Int(q.0), Int(q.1)), color: item.color)
                }
            case .arrows:
                for (tail, head) in arrowSegments(item.points) {
                    image.line(from: (Int(tail.0), Int(tail.1)), to: (Int(head.0), Int(head.1)), color: item.color)
                    for barb in barbs(tail, head) {
                        image.line(from: (Int(head.0), Int(head.1)), to: (Int(barb.0), Int(barb.1)), color: item.color)
                    }
                }
            }
        }
        image.text(title, x: left, y: 8, scale: 2)
        image.text(xLabel, x: (left + right - RGBImage.textWidth(xLabel)) / 2, y: height - 18)
        image.text(yLabel, x: 4, y: top - 18 > 0 ? top + 4 : 4)
        var legendY = top + 8
        for (item, outside) in zip(series, outsideCounts()) where !item.name.isEmpty {
            let text = item.name + (outside > 0 ? " (\(outside) outside)" : "")
            let x = right - 12 - RGBImage.textWidth(text)
            image.fill(x: x - 14, y: legendY, width: 8, height: 8, color: item.color)
            image.text(text, x: x, y: legendY + 1)
            legendY += 14
        }
        if let disc {
            let x = right - 12 - RGBImage.textWidth(disc.name)
            image.fill(x: x - 14, y: legendY, width: 8, height: 8, color: disc.color.mixed(with: .gray, 0.2))
            image.text(disc.name, x: x, y: legendY + 1)
        }
        return image
    }

    /// The pixel segments of an arrow series.
    private func arrowSegments(_ points: [(x: Double, y: Double)]) -> [((Double, Double), (Double, Double))] {
        stride(from: 0, to: points.count - 1, by: 2).map { (pixel(points[$0].x, points[$0].y), pixel(points[$0 + 1].x, points[$0 + 1].y)) }
    }

    /// The ends of the two strokes of an arrowhead at `head`.
    private func barbs(_ tail: (Double, Double), _ head: (Double, Double)) -> [(Double, Double)] {
        let (dx, dy) = (head.0 - tail.0, head.1 - tail.1)
        let length = (dx * dx + dy * dy).squareRoot()
        guard length > 0 else { return [] }
        let size = min(4, length / 2)
        let (ux, uy) = (dx / length, dy / length)
        return [(head.0 - size * (ux - 0.5 * uy), head.1 - size * (uy + 0.5 * ux)),
                (head.0 - size * (ux + 0.5 * uy), head.1 - size * (uy - 0.5 * ux))]
    }

    // MARK: SVG

    public func svg() -> String {
        var parts: [String] = []
        parts.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"11\">")
        parts.append("<rect width=\"\(width)\" height=\"\(height)\" fill=\"white\"/>")
        let clip = "clip-\(identifier)"
        parts.append("<defs><clipPath id=\"\(clip)\"><rect x=\"\(left)\" y=\"\(top)\" width=\"\(right - left)\" height=\"\(bottom - top)\"/></clipPath></defs>")
        if let disc {
            let (cx, cy) = pixel(disc.center.x, disc.center.y)
            let (edge, _) = pixel(disc.center.x + disc.radius, disc.center.y)
            parts.append("<circle clip-path=\"url(#\(clip))\" cx=\"\(f(cx))\" cy=\"\(f(cy))\" r=\"\(f(abs(edge - cx)))\" fill=\"\(disc.color.hex)\"/>")
        }
        for tick in Plot.ticks(xRange) {
            let (px, _) = pixel(tick, 0)
            parts.append("<line x1=\"\(f(px))\" y1=\"\(top)\" x2=\"\(f(px))\" y2=\"\(bottom)\" stroke=\"#dcdcdc\"/>")
            parts.append("<text x=\"\(f(px))\" y=\"\(bottom + 16)\" text-anchor=\"middle\">\(Plot.label(tick))</text>")
        }
        for tick in yTicks {
            let (_, py) = pixel(0, tick)
            parts.append("<line x1=\"\(left)\" y1=\"\(f(py))\" x2=\"\(right)\" y2=\"\(f(py))\" stroke=\"#dcdcdc\"/>")
            parts.append("<text x=\"\(left - 6)\" y=\"\(f(py + 4))\" text-anchor=\"end\">\(Plot.label(tick))</text>")
        }
        parts.append("<rect x=\"\(left)\" y=\"\(top)\" width=\"\(right - left)\" height=\"\(bottom - top)\" fill=\"none\" stroke=\"black\"/>")
        for item in series {
            switch item.style {
            case .dots(let radius):
                for point in item.points where xRange.contains(point.x) && yRange.contains(point.y) {
                    let (px, py) = pixel(point.x, point.y)
                    parts.append("<circle cx=\"\(f(px))\" cy=\"\(f(py))\" r=\"\(f(radius))\" fill=\"\(item.color.hex)\"/>")
                }
            case .line:
                let path = item.points.map { point in
                    let (px, py) = pixel(point.x, point.y)
                    return "\(f(px)),\(f(py))"
                }.joined(separator: " ")
                parts.append("<polyline clip-path=\"url(#\(clip))\" points=\"\(path)\" fill=\"none\" stroke=\"\(item.color.hex)\" stroke-width=\"1.5\"/>")
            case .arrows:
                for (tail, head) in arrowSegments(item.points) {
                    let strokes = [head] + barbs(tail, head) + [head]
                    parts.append("<path clip-path=\"url(#\(clip))\" d=\"M\(f(tail.0)),\(f(tail.1)) L\(f(head.0)),\(f(head.1)) M\(strokes.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " L"))\" fill=\"none\" stroke=\"\(item.color.hex)\"/>")
                }
            }
        }
        parts.append("<text x=\"\(left)\" y=\"20\" font-size=\"15\">\(HTML.escaped(title))</text>")
        parts.append("<text x=\"\((left + right) / 2)\" y=\"\(height - 8)\" text-anchor=\"middle\">\(HTML.escaped(xLabel))</text>")
        parts.append("<text x=\"14\" y=\"\((top + bottom) / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 14 \((top + bottom) / 2))\">\(HTML.escaped(yLabel))</text>")
        var legendY = top + 16
        for (item, outside) in zip(series, outsideCounts()) where !item.name.isEmpty {
            parts.append("<circle cx=\"\(right - 170)\" cy=\"\(legendY - 4)\" r=\"4\" fill=\"\(item.color.hex)\"/>")
            parts.append("<text x=\"\(right - 160)\" y=\"\(legendY)\">\(HTML.escaped(item.name + (outside > 0 ? " (\(outside) outside)" : "")))</text>")
            legendY += 16
        }
        if let disc {
            parts.append("<rect x=\"\(right - 174)\" y=\"\(legendY - 8)\" width=\"8\" height=\"8\" fill=\"\(disc.color.hex)\"/>")
            parts.append("<text x=\"\(right - 160)\" y=\"\(legendY)\">\(HTML.escaped(disc.name))</text>")
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
