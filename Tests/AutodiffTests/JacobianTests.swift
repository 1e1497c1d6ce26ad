import Autodiff
import Testing
import Tensors

/// Dense Jacobians of several outputs, with blocks skipped and in either layout.
@Suite struct JacobianTests {
    /// Outputs tanh(x·W), Σx², W·2 of targets x [3, 4] and W [4, 5] (more elements than a block
    /// of columns): the rows of each output stacked, the full matrix column by column against the
    /// one-output Jacobians; skipped (output, target) blocks are zero and the others the same bits;
    /// the transposed layout is the transpose, bit for bit.
    @Test func severalOutputsSkippedBlocksAndTheTransposedLayout() {
        var generator = RandomGenerator(seed: 5)
        let x = Variable(differentiable: Tensor.normal([3, 4], dtype: .float64, using: &generator))
        let w = Variable(differentiable: Tensor.normal([4, 5], dtype: .float64, using: &generator))
        let outputs = [x.matmul(w).tanh(), (x * x).sum(), w * Variable(Tensor.scalar(2.0).converted(to: .float64))]
        let targets = [x, w]
        let full = jacobian(of: outputs, wrt: targets)
        let rows = outputs.map(\.count), columns = targets.map(\.count)
        #expect(full.shape == [rows.reduce(0, +), columns.reduce(0, +)])
        let stacked = outputs.flatMap { jacobian(of: $0, wrt: targets).doubles }
        #expect(full.doubles.map(\.bitPattern) == stacked.map(\.bitPattern))

        let skipped: Set<[Int]> = [[0, 1], [1, 0], [2, 1]]
        let pruned = jacobian(of: outputs, wrt: targets) { skipped.contains([$0, $1]) }
        let transposed = jacobian(of: outputs, wrt: targets, transposed: true) { skipped.contains([$0, $1]) }
        let width = columns.reduce(0, +), height = rows.reduce(0, +)
        #expect(transposed.shape == [width, height])
        var (wrong, misplaced) = (0, 0)
        for row in 0..<height {
            let output = rows.indices.first { row < rows[...$0].reduce(0, +) }!
            for column in 0..<width {
                let target = column < columns[0] ? 0 : 1
                let value = pruned.doubles[row * width + column]
                let expected = skipped.contains([output, target]) ? 0 : full.doubles[row * width + column]
                if value.bitPattern != expected.bitPattern { wrong += 1 }
                if transposed.doubles[column * height + row].bitPattern != value.bitPattern { misplaced += 1 }
            }
        }
        #expect(wrong == 0 && misplaced == 0)
    }
}
