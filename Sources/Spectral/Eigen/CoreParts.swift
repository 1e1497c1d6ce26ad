import Tensors

/// How the eigensolver's loops over rows (or elements) share the cores: in consecutive parts, one
/// per core, when the loop is large enough to pay for the hand-off.
enum CoreParts {
    /// Loops over fewer elements than this run on the calling thread (a hand-off costs about a
    /// microsecond, the time of some thousand multiply-adds).
    static let parallelElements = 8_192

    /// Runs `body` on consecutive parts of `range`, one per core at once when its items hold at
    /// least ``parallelElements`` elements in all (`elementsPerItem` each), or on the whole range
    /// on the calling thread. For loops whose items are independent, so that the split does not
    /// change a result.
    static func forEach(of range: Range<Int>, elementsPerItem: Int, _ body: (Range<Int>) -> Void) {
        let parts = range.count * elementsPerItem >= parallelElements ? Parallel.processorCount : 1
        Parallel.forEach(parts) { body(range.part($0, of: parts)) }
    }
}

extension Range<Int> {
    /// Part `index` of `parts` nearly equal consecutive parts of this range (how the solver's
    /// loops split rows or columns between the cores).
    func part(_ index: Int, of parts: Int) -> Range<Int> {
        (lowerBound + count * index / parts)..<(lowerBound + count * (index + 1) / parts)
    }
}
