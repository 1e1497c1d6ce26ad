/// A Householder reflector I − τvvᵀ on two or three consecutive indices, v = [1, v₁(, v₂)]: the
/// transformation the QR sweeps chase their bulges with.
struct SmallReflector {
    let v1: Double
    let v2: Double
    let tau: Double
    /// 2 or 3.
    let size: Int
    /// The first component of the reflected vector: (I − τvvᵀ)(x, y, z) = (β, 0, 0).
    let beta: Double

    /// The reflector that maps (x, y, z) — (x, y) when `size` is 2 — to a multiple of e₁
    /// (LAPACK's `dlarfg`, on the vector scaled by its 1-norm); nil when there is nothing to
    /// annihilate.
    init?(_ x: Double, _ y: Double, _ z: Double, size: Int) {
        let w = size == 3 ? z : 0
        let scale = abs(x) + abs(y) + abs(w)
        guard scale != 0 else { return nil }
        let (a, b, c) = (x / scale, y / scale, w / scale)
        let tail = b * b + c * c
        guard tail != 0 else { return nil }
        let scaledBeta = -(a >= 0 ? 1.0 : -1.0) * (a * a + tail).squareRoot()
        tau = (scaledBeta - a) / scaledBeta
        v1 = b / (a - scaledBeta)
        v2 = c / (a - scaledBeta)
        beta = scaledBeta * scale
        self.size = size
    }

    /// Rows `firstRow ..< firstRow + size` of a row-major matrix with row stride `stride`, over
    /// `columns`: eight columns at a time in SIMD registers (LLVM leaves the loop scalar, unable
    /// to prove the rows apart), each element by the same operations as one at a time.
    @inline(__always)
    func applyFromLeft(_ a: UnsafeMutablePointer<Double>, stride: Int, firstRow: Int, columns: ClosedRange<Int>) {
        typealias Lanes = SIMD8<Double>
        let r0 = UnsafeMutableRawPointer(a + firstRow * stride + columns.lowerBound)
        let r1 = r0 + stride * 8
        let (count, width) = (columns.count, Lanes.scalarCount)
        var offset = 0
        if size == 3 {
            let r2 = r1 + stride * 8
            while offset + width <= count {
                let (x0, x1, x2) = (r0.loadUnaligned(fromByteOffset: offset * 8, as: Lanes.self),
                                    r1.loadUnaligned(fromByteOffset: offset * 8, as: Lanes.self),
                                    r2.loadUnaligned(fromByteOffset: offset * 8, as: Lanes.self))
                let sum = tau * (x0 + v1 * x1 + v2 * x2)
                r0.storeBytes(of: x0 - sum, toByteOffset: offset * 8, as: Lanes.self)
                r1.storeBytes(of: x1 - sum * v1, toByteOffset: offset * 8, as: Lanes.self)
                r2.storeBytes(of: x2 - sum * v2, toByteOffset: offset * 8, as: Lanes.self)
                offset += width
            }
            let (e0, e1, e2) = (r0.assumingMemoryBound(to: Double.self), r1.assumingMemoryBound(to: Double.self),
                                r2.assumingMemoryBound(to: Double.self))
            for j in offset..<count {
                let sum = tau * (e0[j] + v1 * e1[j] + v2 * e2[j])
                e0[j] -= sum
                e1[j] -= sum * v1
                e2[j] -= sum * v2
            }
        } else {
            while offset + width <= count {
                let (x0, x1) = (r0.loadUnaligned(fromByteOffset: offset * 8, as: Lanes.self),
                                r1.loadUnaligned(fromByteOffset: offset * 8, as: Lanes.self))
                let sum = tau * (x0 + v1 * x1)
                r0.storeBytes(of: x0 - sum, toByteOffset: offset * 8, as: Lanes.self)
                r1.storeBytes(of: x1 - sum * v1, toByteOffset: offset * 8, as: Lanes.self)
                offset += width
            }
            let (e0, e1) = (r0.assumingMemoryBound(to: Double.self), r1.assumingMemoryBound(to: Double.self))
            for j in offset..<count {
                let sum = tau * (e0[j] + v1 * e1[j])
                e0[j] -= sum
                e1[j] -= sum * v1
            }
        }
    }

    /// Columns `firstColumn ..< firstColumn + size` of the rows in `rows`.
    @inline(__always)
    func applyFromRight(_ a: UnsafeMutablePointer<Double>, stride: Int, firstColumn: Int, rows: ClosedRange<Int>) {
        for i in rows {
            let row = a + i * stride + firstColumn
            if size == 3 {
                let sum = tau * (row[0] + v1 * row[1] + v2 * row[2])
                row[0] -= sum
                row[1] -= sum * v1
                row[2] -= sum * v2
            } else {
                let sum = tau * (row[0] + v1 * row[1])
                row[0] -= sum
                row[1] -= sum * v1
            }
        }
    }
}
