import Testing
import Tensors

@Suite struct ReductionTests {
    static let cases: [([Int], [Int]?)] = [
        ([129], nil), ([7, 17], [0]), ([7, 17], [1]), ([7, 17], [-1]), ([3, 5, 33], [0, 2]), ([3, 5, 33], [1]),
        ([2, 3, 4, 5], [1, 2]), ([2, 3, 4, 5], [0, 3]), ([2, 3, 4, 5], [0, 1, 2, 3]), ([4, 0, 3], [1]),
        ([1, 1], [0]), ([3, 4], []),
    ]

    @Test(arguments: cases)
    func reductionsMatchReference(shape: [Int], axes: [Int]?) {
        let x = sample(shape)
        let values = x.doubles
        let rank = shape.count
        let reduced = Set((axes ?? Array(0..<rank)).map { $0 < 0 ? $0 + rank : $0 })
        let keptShape = (0..<rank).map { reduced.contains($0) ? 1 : shape[$0] }
        var sums = [Double](repeating: 0, count: keptShape.reduce(1, *))
        var maxima = [Double](repeating: -.infinity, count: sums.count)
        var minima = [Double](repeating: .infinity, count: sums.count)
        for flat in values.indices {
            let index = Reference.index(of: flat, in: shape)
            let target = Reference.flat((0..<rank).map { reduced.contains($0) ? 0 : index[$0] }, in: keptShape)
            sums[target] += values[flat]
            maxima[target] = Swift.max(maxima[target], values[flat])
            minima[target] = Swift.min(minima[target], values[flat])
        }
        let n = Double(reduced.reduce(1) { $0 * shape[$1] })
        let sum = x.sum(alongAxes: axes, keepingDimensions: true)
        #expect(sum.shape == keptShape)
        #expect(close(sum.doubles, sums, tolerance: 1e-13))
        #expect(close(x.mean(alongAxes: axes).doubles, sums.map { $0 / n }, tolerance: 1e-13))
        #expect(x.sum(alongAxes: axes).shape == (0..<rank).filter { !reduced.contains($0) }.map { shape[$0] })
        if n > 0 {
            #expect(x.max(alongAxes: axes).doubles == maxima)
            #expect(x.min(alongAxes: axes).doubles == minima)
        }
        let single = x.converted(to: .float32).sum(alongAxes: axes, keepingDimensions: true)
        #expect(close(single.doubles, sums, tolerance: 1e-5))
    }

    @Test func squaredNormInDouble() {
        for dtype in [DType.float32, .float64] {
            let x = sample([37], dtype: dtype)
            #expect(Swift.abs(x.squaredNorm() - x.doubles.reduce(0) { $0 + $1 * $1 }) < 1e-12)
        }
    }

    @Test func maxPropagatesNaN() {
        let x = Tensor(shape: [2, 20], scalars: (0..<40).map { $0 == 25 ? Double.nan : Double($0) })
        let rows = x.max(alongAxes: [1]).doubles
        #expect(rows[0] == 19 && rows[1].isNaN)
        let columns = x.max(alongAxes: [0]).doubles
        #expect(columns[5].isNaN && columns[4] == 24)
    }

    @Test func badAxesAreReported() async {
        #expect(throws: ShapeError(op: "sum", detail: "axis 2 is out of range for rank 2")) {
            try Tensor.normalizedAxis(2, rank: 2, op: "sum")
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 0]).max(alongAxes: [1])
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self)
                .contains("max: cannot reduce shape [2, 0] over empty axes [1]"))
        }
    }
}
