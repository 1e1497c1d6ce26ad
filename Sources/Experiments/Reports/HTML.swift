import Foundation

/// The little HTML the report needs: escaping, embedded pictures, tables. Everything is written
/// as well-formed markup (every element closed, every attribute quoted) so the page is also
/// valid XML apart from its script.
enum HTML {
    /// `text` with the characters markup gives meaning to replaced by references.
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A `data:` URI holding PNG bytes, so a page needs no file beside it (the report embeds only
    /// pictures `PNG.read` has decoded, so a truncated file is an error, not a broken image).
    static func pngSource(_ bytes: [UInt8]) -> String {
        "data:image/png;base64," + Data(bytes).base64EncodedString()
    }

    /// A table with a header row; cells are already markup, the `numeric` columns right-aligned.
    static func table(header: [String], rows: [[String]], classes: [String] = [], numeric: Set<Int> = []) -> String {
        func cells(_ row: [String], tag: String) -> String {
            row.enumerated().map { index, cell in
                numeric.contains(index) ? "<\(tag) class=\"number\">\(cell)</\(tag)>" : "<\(tag)>\(cell)</\(tag)>"
            }.joined()
        }
        let body = rows.enumerated().map { index, row in
            let rowClass = index < classes.count && !classes[index].isEmpty ? " class=\"\(classes[index])\"" : ""
            return "<tr\(rowClass)>\(cells(row, tag: "td"))</tr>"
        }.joined(separator: "\n")
        return "<table>\n<thead><tr>\(cells(header, tag: "th"))</tr></thead>\n<tbody>\n\(body)\n</tbody>\n</table>"
    }

    /// A Markdown pipe table (`| a | b |` rows, a `|---|` separator whose `---:` columns are
    /// right-aligned) as an HTML table, and any other non-empty line as a paragraph.
    static func markdown(_ text: String) -> String {
        var output: [String] = []
        var tableLines: [[String]] = []
        func flushTable() {
            guard let header = tableLines.first else { return }
            let isSeparator = { (row: [String]) in row.allSatisfy { !$0.isEmpty && $0.allSatisfy { "-:".contains($0) } } }
            let separator = tableLines.dropFirst().first.flatMap { isSeparator($0) ? $0 : nil }
            let numeric = Set(separator?.indices.filter { separator![$0].hasSuffix(":") } ?? [])
            let body = tableLines.dropFirst(separator == nil ? 1 : 2)
            output.append(table(header: header.map(escaped), rows: body.map { $0.map(escaped) }, numeric: numeric))
            tableLines = []
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("|") {
                var cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                cells.removeFirst()
                if line.count > 1 && line.hasSuffix("|") { cells.removeLast() }
                tableLines.append(cells)
            } else {
                flushTable()
                if !line.isEmpty { output.append("<p>\(escaped(line))</p>") }
            }
        }
        flushTable()
        return output.joined(separator: "\n")
    }

    /// An SVG document's markup to place inside a page: without an XML declaration, with its
    /// element ids (and references to them) prefixed by `prefix`, so several figures on one page
    /// never share an id.
    static func inline(svg: String, prefix: String) -> String {
        var body = svg
        if body.hasPrefix("<?xml"), let end = body.range(of: "?>") { body = String(body[end.upperBound...]) }
        return body.replacingOccurrences(of: "id=\"", with: "id=\"\(prefix)-")
            .replacingOccurrences(of: "url(#", with: "url(#\(prefix)-")
            .replacingOccurrences(of: "href=\"#", with: "href=\"#\(prefix)-")
    }
}
