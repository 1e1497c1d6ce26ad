import Formats

/// Plots laid out in a grid of equal cells, row by row: one picture (PNG) or one document (SVG)
/// of small multiples.
public struct PlotGrid: Sendable {
    public var plots: [Plot]
    public var columns: Int

    public init(plots: [Plot], columns: Int) {
        precondition(columns > 0, "PlotGrid: at least one column")
        self.plots = plots
        self.columns = columns
    }

    private var cell: (width: Int, height: Int) {
        (plots.map(\.width).max() ?? 0, plots.map(\.height).max() ?? 0)
    }

    private var rows: Int { (plots.count + columns - 1) / columns }

    public func png() -> RGBImage {
        var image = RGBImage(width: cell.width * min(columns, max(plots.count, 1)), height: cell.height * rows)
        for (index, plot) in plots.enumerated() {
            image.paste(plot.png(), x: (index % columns) * cell.width, y: (index / columns) * cell.height)
        }
        return image
    }

    /// One SVG document; each plot is a nested `<svg>` at its cell (clip paths named apart).
    public func svg() -> String {
        let width = cell.width * min(columns, max(plots.count, 1))
        var parts = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(cell.height * rows)\" viewBox=\"0 0 \(width) \(cell.height * rows)\">"]
        for (index, plot) in plots.enumerated() {
            var named = plot
            named.identifier = "\(plot.identifier)-\(index)"
            let inner = named.svg().replacingOccurrences(of: "<svg xmlns=\"http://www.w3.org/2000/svg\" ",
                                                         with: "<svg x=\"\((index % columns) * cell.width)\" y=\"\((index / columns) * cell.height)\" ")
            parts.append(inner)
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }
}
