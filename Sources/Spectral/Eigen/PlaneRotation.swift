/// The rotation [[cs, sn], [−sn, cs]] of two adjacent indices k, k + 1 of a quasi-triangular
/// matrix, as standardising a 2×2 block (`dlanv2`) and swapping two 1×1 blocks (`dlaexc`) apply
/// it: (x, y) ← (cs·x + sn·y, cs·y − sn·x) on the pair of rows or columns.
struct PlaneRotation {
    let cs: Double
    let sn: Double

    /// Rows k, k + 1 of `h` right of the 2×2 block at (k, k), and columns k, k + 1 above it.
    func applyOutsideBlock(of h: inout Matrix, at k: Int) {
        applyToRows(of: &h, at: k, from: k + 2)
        applyToColumns(of: &h, at: k, rows: k)
    }

    /// Rows k, k + 1 of `m` from column `first` on (all columns by default).
    func applyToRows(of m: inout Matrix, at k: Int, from first: Int = 0) {
        let n = m.columns
        m.elements.withUnsafeMutableBufferPointer { buffer in
            let upper = buffer.baseAddress! + k * n, lower = upper + n
            for column in first..<max(n, first) {
                let (x, y) = (upper[column], lower[column])
                upper[column] = cs * x + sn * y
                lower[column] = cs * y - sn * x
            }
        }
    }

    /// Columns k, k + 1 of the first `rows` rows of `z` (all by default).
    func applyToColumns(of z: inout Matrix, at k: Int, rows: Int? = nil) {
        let (count, stride) = (rows ?? z.rows, z.columns)
        z.elements.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<count {
                let pair = buffer.baseAddress! + row * stride + k
                let (x, y) = (pair[0], pair[1])
                pair[0] = cs * x + sn * y
                pair[1] = cs * y - sn * x
            }
        }
    }
}
