import Formats

/// A table of pictures: one labelled row per method, labelled columns (a label may take several
/// lines), each cell a picture scaled to a square tile or a note where there is none.
struct TileFigure {
    var rowLabels: [String]
    var columnLabels: [[String]]
    var tile = 192

    /// The figure with `cell(row, column)` in each cell: a picture, or a note drawn in its place.
    func render(_ cell: (Int, Int) throws -> Cell) rethrows -> RGBImage {
        let (margin, lineHeight, scale) = (8, 18, 2)
        let header = 6 + (columnLabels.map(\.count).max() ?? 0) * lineHeight
        let labelWidth = (rowLabels.map { RGBImage.textWidth($0, scale: scale) }.max() ?? 0) + 2 * margin
        var image = RGBImage(width: labelWidth + columnLabels.count * (tile + margin),
                             height: header + rowLabels.count * (tile + margin) + margin)
        for (column, lines) in columnLabels.enumerated() {
            let left = labelWidth + column * (tile + margin)
            for (line, text) in lines.enumerated() {
                let textScale = RGBImage.textWidth(text, scale: scale) <= tile ? scale : 1
                image.text(text, x: left + (tile - RGBImage.textWidth(text, scale: textScale)) / 2,
                           y: 6 + line * lineHeight, scale: textScale)
            }
        }
        for (row, label) in rowLabels.enumerated() {
            let top = header + row * (tile + margin)
            image.text(label, x: margin, y: top + tile / 2 - 7, scale: scale)
            for column in columnLabels.indices {
                let left = labelWidth + column * (tile + margin)
                switch try cell(row, column) {
                case .picture(let picture):
                    image.paste(picture.scaled(to: tile), x: left, y: top)
                case .note(let lines):
                    image.fill(x: left, y: top, width: tile, height: tile, color: RGB(235, 235, 235))
                    for (line, text) in lines.enumerated() {
                        image.text(text, x: left + (tile - RGBImage.textWidth(text, scale: 1)) / 2,
                                   y: top + tile / 2 - 10 + line * 12, scale: 1)
                    }
                }
            }
        }
        return image
    }

    /// What a cell shows.
    enum Cell {
        case picture(RGBImage)
        case note([String])
    }
}
