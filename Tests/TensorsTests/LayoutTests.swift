import Testing
import Tensors

@Suite struct LayoutTests {
    @Test func reshapeSharesElementsAndInfers() {
        let x = sample([2, 3, 4])
        #expect(x.reshaped([6, -1]).shape == [6, 4])
        #expect(x.reshaped([24]).doubles == x.doubles)
        #expect(Tensor.zeros([0, 5]).reshaped([5, 0]).count == 0)
    }

    @Test(arguments: [[1, 0], [2, 0, 1], [1, 2, 0], [0, 2, 1], [3, 1, 0, 2]])
    func permuteMatchesReference(axes: [Int]) {
        let shape = Array([3, 17, 5, 2].prefix(axes.count))
        let x = sample(shape)
        let y = x.permuted(axes)
        #expect(y.shape == axes.map { shape[$0] })
        let values = x.doubles
        let expected = (0..<x.count).map { flat -> Double in
            let index = Reference.index(of: flat, in: y.shape)
            var source = [Int](repeating: 0, count: axes.count)
            for (position, axis) in axes.enumerated() { source[axis] = index[position] }
            return values[Reference.flat(source, in: shape)]
        }
        #expect(y.doubles == expected)
    }

    @Test(arguments: [(1, 1), (7, 17), (33, 129), (40, 3)])
    func transposeMatchesReference(rows: Int, columns: Int) {
        let x = sample([rows, columns])
        #expect(x.transposed().doubles == Reference.transpose(x.doubles, rows: rows, columns: columns))
        #expect(x.transposed().transposed().isEqual(to: x))
    }

    @Test func sliceRowsConcatenateStack() {
        let x = Tensor(shape: [3, 4], scalars: (0..<12).map(Double.init))
        #expect(x.slice(alongAxis: 1, range: 1..<3).doubles == [1, 2, 5, 6, 9, 10])
        #expect(x.slice([1..<3]).doubles == Array(4..<12).map(Double.init))
        #expect(x.slice(alongAxis: 0, range: 1..<1).shape == [0, 4])
        #expect(x.rows([2, 0, 2]).doubles == [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11])
        let joined = Tensor.concatenate([x, x.slice(alongAxis: 1, range: 0..<1)], alongAxis: 1)
        #expect(joined.shape == [3, 5])
        #expect(joined.doubles == [0, 1, 2, 3, 0, 4, 5, 6, 7, 4, 8, 9, 10, 11, 8])
        #expect(Tensor.concatenate([x, x]).shape == [6, 4])
        let stacked = Tensor.stack([x, x + 100], alongAxis: 1)
        #expect(stacked.shape == [3, 2, 4])
        #expect(stacked.slice(alongAxis: 1, range: 1..<2).reshaped([3, 4]).isEqual(to: x + 100))
    }

    @Test func broadcastAndItsAdjoint() {
        let x = Tensor(shape: [3, 1], scalars: [1.0, 2, 3])
        let b = x.broadcast(to: [2, 3, 4])
        #expect(b.shape == [2, 3, 4])
        let expected: [Double] = (0..<24).map { index in Double((index / 4) % 3 + 1) }
        #expect(b.doubles == expected)
        #expect(b.summed(toShape: [3, 1]).doubles == [8, 16, 24])
        #expect(b.summed(toShape: [1, 4]).doubles == [12, 12, 12, 12])
        #expect(b.summed(toShape: []).item == 48)
    }

    @Test func padding() {
        let x = Tensor(shape: [2, 2], scalars: [1.0, 2, 3, 4])
        let p = x.padded(before: [1, 0], after: [0, 2])
        #expect(p.shape == [3, 4])
        #expect(p.doubles == [0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0])
    }

    @Test func copyOnWrite() {
        let x = Tensor([1.0, 2, 3])
        var y = x
        y.withUnsafeMutableBufferPointer(as: Double.self) { $0[0] = 9 }
        #expect(x.doubles == [1, 2, 3])
        #expect(y.doubles == [9, 2, 3])
    }

    @Test func creation() {
        #expect(Tensor.range(to: 5).doubles == [0, 1, 2, 3, 4])
        #expect(Tensor.range(from: 1, to: 2, by: 0.25).doubles == [1, 1.25, 1.5, 1.75])
        #expect(Tensor.linearSpace(from: 0, to: 1, count: 5).doubles == [0, 0.25, 0.5, 0.75, 1])
        #expect(Tensor.identity(3).doubles == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(Tensor(repeating: 2, shape: [2, 2], dtype: .float64).doubles == [2, 2, 2, 2])
        #expect(Tensor(scalar: Float(3)).shape == [])
        #expect(sample([2, 3])[1, 2] == sample([2, 3]).doubles[5])
    }

    @Test func badIndicesStopWithShape() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3])[2, 0]
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self)
                .contains("subscript: index [2, 0] is out of range for shape [2, 3]"))
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).reshaped([4, 2])
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self)
                .contains("reshape: cannot reshape [2, 3] (6 elements) to [4, 2]"))
        }
    }
}
