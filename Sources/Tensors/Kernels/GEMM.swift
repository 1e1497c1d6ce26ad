#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// General matrix multiply `C = A·B` (or `C −= A·B` when `subtracting`) for A m×k, B k×n (either
/// strided, so either may be a transpose) and C m×n row-major with leading dimension `ldc`.
///
/// Three paths:
/// - `n` at most two SIMD vectors (the 16-wide layers of the paper's networks): B's rows as
///   whole vectors (zero-padded copies if need be) and blocks of 16 rows (one vector) or 8 rows
///   (two vectors) of C accumulating in 16 registers, reading A in place.
/// - otherwise the BLIS scheme: B is packed into k×NR panels and A into MR×k panels per cache
///   block, and an 8×(2 vectors) register-blocked micro-kernel runs over the panels.
/// - large problems are split into one sub-problem per core along the longer side of C; each
///   writes a disjoint part of C, so the result does not depend on the thread count.
///
/// `epilogue` (a bias row, a rectifier, a gate) finishes C: in the narrow kernels' stores, after the
/// product elsewhere. It cannot be combined with `subtracting`.
///
/// Specialised here for both scalar types so that callers in other files reach the specialised
/// kernels even without whole-module optimisation (debug builds optimise this module alone).
@_specialize(where S == Float)
@_specialize(where S == Double)
func gemm<S: TensorScalar>(
    m: Int, n: Int, k: Int, a: MatrixOperand<S>, b: MatrixOperand<S>, c: UnsafeMutablePointer<S>, ldc: Int,
    subtracting: Bool = false, epilogue: ProductEpilogue<S> = .none
) {
    precondition(!subtracting || epilogue.isNone, "gemm: an epilogue finishes a product, not a subtraction")
    guard m > 0 && n > 0 else { return }
    guard k > 0 else {
        if !subtracting {
            for row in 0..<m { (c + row * ldc).initialize(repeating: 0, count: n) }
            epilogue.apply(to: c, rows: m, columns: n, ldc: ldc)
        }
        return
    }
    let work = Double(m) * Double(n) * Double(k)
    let threads = work >= 2_000_000 ? Parallel.processorCount : 1
    let skinny = n <= 2 * S.Vector.scalarCount
    if threads > 1 && (skinny || m >= n) {
        let rows = splitExtent(m, parts: threads, multipleOf: GEMMTile.rows)
        Parallel.forEach(rows.count) { part in
            let range = rows[part]
            gemmSerial(m: range.count, n: n, k: k, a: a.offset(row: range.lowerBound, column: 0), b: b,
                       c: c + range.lowerBound * ldc, ldc: ldc, skinny: skinny, subtracting: subtracting,
                       epilogue: epilogue.offset(row: range.lowerBound, column: 0))
        }
    } else if threads > 1 {
        let columns = splitExtent(n, parts: threads, multipleOf: GEMMTile.columns(S.self))
        Parallel.forEach(columns.count) { part in
            let range = columns[part]
            gemmSerial(m: m, n: range.count, k: k, a: a, b: b.offset(row: 0, column: range.lowerBound),
                       c: c + range.lowerBound, ldc: ldc, skinny: false, subtracting: subtracting,
                       epilogue: epilogue.offset(row: 0, column: range.lowerBound))
        }
    } else {
        gemmSerial(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, skinny: skinny, subtracting: subtracting, epilogue: epilogue)
    }
}

/// Register tile and cache block sizes.
enum GEMMTile {
    /// Rows of C per micro-kernel call.
    static let rows = 8
    /// Columns of C per micro-kernel call: two SIMD vectors.
    static func columns<S: TensorScalar>(_: S.Type) -> Int { 2 * S.Vector.scalarCount }
    /// Depth of a packed panel (kc). Deep enough that the convolutions' products (k = 25·C up
    /// to a few hundred, C tens of MB) pass over C once: measured on the dcgan4 step, kc 512
    /// gives 166–168 GFLOP/s against 150–157 at kc 96, and square SGEMM is unchanged (within
    /// noise at 512 and 1024). The B micro-panel (512 × 32 floats, 64 KiB) streams from L2.
    static let depth = 512
    /// Rows of A packed at once (mc).
    static let rowBlock = 128
    /// Columns of B packed at once (nc).
    static let columnBlock = 2048
}

/// `extent` cut into at most `parts` ranges whose starts are multiples of `multipleOf`.
func splitExtent(_ extent: Int, parts: Int, multipleOf unit: Int) -> [Range<Int>] {
    let units = (extent + unit - 1) / unit
    let parts = max(1, min(parts, units))
    return (0..<parts).map { part in
        let start = min(extent, units * part / parts * unit)
        let end = min(extent, units * (part + 1) / parts * unit)
        return start..<end
    }.filter { !$0.isEmpty }
}

private func gemmSerial<S: TensorScalar>(
    m: Int, n: Int, k: Int, a: MatrixOperand<S>, b: MatrixOperand<S>, c: UnsafeMutablePointer<S>, ldc: Int,
    skinny: Bool, subtracting: Bool, epilogue: ProductEpilogue<S>
) {
    if subtracting && skinny {
        // The narrow kernels overwrite C: form the product aside, then subtract it.
        let product = UnsafeMutablePointer<S>.allocate(capacity: m * n)
        defer { product.deallocate() }
        gemmSerial(m: m, n: n, k: k, a: a, b: b, c: product, ldc: n, skinny: true, subtracting: false, epilogue: .none)
        for row in 0..<m {
            let target = c + row * ldc
            zipElements(UnsafePointer(target), product + row * n, target, count: n) { $0 - $1 }
        }
    } else if skinny && n < m && m <= S.Vector.scalarCount {
        // A few columns but up to a vector of rows (a weight gradient such as [16, 2]): Cᵀ = BᵀAᵀ
        // is the wider product; compute it and write it back transposed.
        let transposed = UnsafeMutablePointer<S>.allocate(capacity: n * m)
        defer { transposed.deallocate() }
        gemmSkinny(m: n, n: m, k: k, a: MatrixOperand(base: b.base, rowStride: b.columnStride, columnStride: b.rowStride),
                   b: MatrixOperand(base: a.base, rowStride: a.columnStride, columnStride: a.rowStride),
                   c: transposed, ldc: m, epilogue: .none)
        for i in 0..<m {
            for j in 0..<n { c[i * ldc + j] = transposed[j * m + i] }
        }
        epilogue.apply(to: c, rows: m, columns: n, ldc: ldc)
    } else if skinny {
        gemmSkinny(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, epilogue: epilogue)
    } else {
        gemmPacked(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, subtracting: subtracting)
        epilogue.apply(to: c, rows: m, columns: n, ldc: ldc)
    }
}

// MARK: - Narrow C (n ≤ two vectors)

/// C = A·B (finished by `epilogue`) for C at most two vectors wide, reading A in place: B's rows
/// as whole vectors (B itself when its rows are contiguous and exactly that wide, otherwise a
/// zero-padded copy), then the one- or two-vector kernel.
private func gemmSkinny<S: TensorScalar>(
    m: Int, n: Int, k: Int, a: MatrixOperand<S>, b: MatrixOperand<S>, c: UnsafeMutablePointer<S>, ldc: Int,
    epilogue: ProductEpilogue<S>
) {
    let width = S.Vector.scalarCount * (n > S.Vector.scalarCount ? 2 : 1)
    var copy: UnsafeMutablePointer<S>?
    defer { copy?.deallocate() }
    let rowsOfB: UnsafePointer<S>
    let strideB: Int
    if b.columnStride == 1 && n == width {
        (rowsOfB, strideB) = (b.base, b.rowStride)
    } else {
        let padded = UnsafeMutablePointer<S>.allocate(capacity: k * width)
        padded.initialize(repeating: 0, count: k * width)
        for p in 0..<k {
            let source = b.base + p &* b.rowStride
            for j in 0..<n { padded[p &* width &+ j] = source[j &* b.columnStride] }
        }
        (copy, rowsOfB, strideB) = (padded, UnsafePointer(padded), width)
    }
    multiplyNarrow(m: m, n: n, k: k, a, rowsOfB: rowsOfB, strideB: strideB, into: c, ldc: ldc, epilogue: epilogue)
}

// MARK: - Packed, register-blocked GEMM

/// For a product with banded operands: the range of the shared dimension k that each row of A,
/// and each column of B, can be nonzero in (nil: all of k). A tile of C is then multiplied over
/// only the part of k its rows' and its columns' ranges have in common.
struct DepthBands {
    let rowsOfA: [Range<Int>]?
    let columnsOfB: [Range<Int>]?

    /// The part of k that the rows `rows` of A can be nonzero in.
    func depth(rowsOfA rows: Range<Int>, of k: Int) -> Range<Int> { rowsOfA.map { DepthBands.union($0[rows]) } ?? 0..<k }

    /// The part of k that the columns `columns` of B can be nonzero in.
    func depth(columnsOfB columns: Range<Int>, of k: Int) -> Range<Int> {
        columnsOfB.map { DepthBands.union($0[columns]) } ?? 0..<k
    }

    private static func union(_ ranges: ArraySlice<Range<Int>>) -> Range<Int> {
        var (lower, upper) = (Int.max, Int.min)
        for range in ranges where !range.isEmpty {
            lower = min(lower, range.lowerBound)
            upper = max(upper, range.upperBound)
        }
        return lower < upper ? lower..<upper : 0..<0
    }
}

func gemmPacked<S: TensorScalar>(
    m: Int, n: Int, k: Int, a: MatrixOperand<S>, b: MatrixOperand<S>, c: UnsafeMutablePointer<S>, ldc: Int,
    subtracting: Bool, bands: DepthBands? = nil
) {
    let (mr, nr) = (GEMMTile.rows, GEMMTile.columns(S.self))
    let kcMax = min(k, GEMMTile.depth)
    let mcMax = min(roundUp(m, mr), GEMMTile.rowBlock)
    let ncMax = min(roundUp(n, nr), GEMMTile.columnBlock)
    let (aBytes, bBytes) = (roundUp(mcMax * kcMax * MemoryLayout<S>.stride, 64), roundUp(kcMax * ncMax * MemoryLayout<S>.stride, 64))
    let workspace = PackingWorkspace.ofThisThread(byteCount: aBytes + bBytes + mr * nr * MemoryLayout<S>.stride)
    let packedA = workspace.assumingMemoryBound(to: S.self)
    let packedB = (workspace + aBytes).assumingMemoryBound(to: S.self)
    let tile = (workspace + aBytes + bBytes).assumingMemoryBound(to: S.self)
    for jc in stride(from: 0, to: n, by: GEMMTile.columnBlock) {
        let nc = min(GEMMTile.columnBlock, n - jc)
        for pc in stride(from: 0, to: k, by: GEMMTile.depth) {
            let kc = min(GEMMTile.depth, k - pc)
            packPanels(of: b.offset(row: pc, column: jc), depth: kc, width: nc, panel: nr, into: packedB)
            for ic in stride(from: 0, to: m, by: GEMMTile.rowBlock) {
                let mc = min(GEMMTile.rowBlock, m - ic)
                packPanels(of: a.offset(row: ic, column: pc), height: mc, depth: kc, panel: mr, into: packedA)
                if subtracting {  // C − A·B = C + (−A)·B
                    mapElements(packedA, packedA, count: roundUp(mc, mr) * kc) { -$0 }
                }
                let accumulate = pc > 0 || subtracting
                for jr in stride(from: 0, to: nc, by: nr) {
                    let columns = min(nr, nc - jr)
                    let columnBand = bands?.depth(columnsOfB: (jc + jr)..<(jc + jr + columns), of: k)
                    for ir in stride(from: 0, to: mc, by: mr) {
                        let rows = min(mr, mc - ir)
                        // The steps of p in this depth block where the tile's operands can be nonzero.
                        var steps = 0..<kc
                        if let bands, let columnBand {
                            let rowBand = bands.depth(rowsOfA: (ic + ir)..<(ic + ir + rows), of: k)
                            let start = min(max(max(rowBand.lowerBound, columnBand.lowerBound) - pc, 0), kc)
                            steps = start..<max(min(min(rowBand.upperBound, columnBand.upperBound) - pc, kc), start)
                            if steps.isEmpty && accumulate { continue }
                        }
                        let panelA = packedA + ir * kc + steps.lowerBound * mr
                        let panelB = packedB + jr * kc + steps.lowerBound * nr
                        let target = c + (ic + ir) * ldc + jc + jr
                        if rows == mr && columns == nr {
                            multiplyPanels(depth: steps.count, panelA, panelB, into: target, ldc: ldc, accumulate: accumulate)
                        } else {
                            multiplyPanels(depth: steps.count, panelA, panelB, into: tile, ldc: nr, accumulate: false)
                            for r in 0..<rows {
                                for j in 0..<columns {
                                    let value = tile[r * nr + j]
                                    target[r * ldc + j] = accumulate ? target[r * ldc + j] + value : value
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Each thread's memory for the packed panels of its products, kept from one product to the next
/// and grown when one needs more: panels allocated per product came back from the allocator as
/// fresh pages whenever it had returned them to the system, and the page faults and the
/// kernel's zeroing of them cost 10,000 faults in the first 2003×2003 eigendecomposition.
private final class PackingWorkspace {
    private var base: UnsafeMutableRawPointer?
    private var byteCount = 0

    deinit { free(base) }

    /// At least `byteCount` bytes, 64-byte aligned, for this thread's current product.
    static func ofThisThread(byteCount: Int) -> UnsafeMutableRawPointer {
        let workspace: PackingWorkspace
        if let stored = pthread_getspecific(key) {
            workspace = Unmanaged<PackingWorkspace>.fromOpaque(stored).takeUnretainedValue()
        } else {
            workspace = PackingWorkspace()
            pthread_setspecific(key, Unmanaged.passRetained(workspace).toOpaque())
        }
        if byteCount > workspace.byteCount {
            free(workspace.base)
            (workspace.base, workspace.byteCount) = (BufferPool.systemAllocate(byteCount), byteCount)
        }
        return workspace.base!
    }

    /// The slot of each thread's workspace, released when the thread ends.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { Unmanaged<PackingWorkspace>.fromOpaque($0!).release() }
        return key
    }()
}

@inline(__always)
private func roundUp(_ value: Int, _ multiple: Int) -> Int {
    (value + multiple - 1) / multiple * multiple
}

/// Packs a depth×width block of B into panels of `panel` columns: panel q holds, for each p,
/// the `panel` elements B[p, q·panel ..< (q+1)·panel] contiguously, zero-padded past `width`.
private func packPanels<S: TensorScalar>(
    of b: MatrixOperand<S>, depth: Int, width: Int, panel: Int, into target: UnsafeMutablePointer<S>
) {
    for start in stride(from: 0, to: width, by: panel) {
        let columns = min(panel, width - start)
        let destination = target + start * depth
        if columns < panel { destination.initialize(repeating: 0, count: depth * panel) }
        if b.columnStride == 1 && columns == panel && panel == 2 * S.Vector.scalarCount {
            // A full panel of row-major B: two vector copies per row (a memmove call per row
            // costs more than the copy).
            let w = S.Vector.scalarCount
            var source = b.base + start
            var target = destination
            for _ in 0..<depth {
                storeVector(loadVector(source), target)
                storeVector(loadVector(source + w), target + w)
                source += b.rowStride
                target += panel
            }
        } else if b.columnStride == 1 {
            for p in 0..<depth {
                (destination + p * panel).update(from: b.base + p * b.rowStride + start, count: columns)
            }
        } else {
            for j in 0..<columns {
                let source = b.base + (start + j) * b.columnStride
                for p in 0..<depth { destination[p * panel + j] = source[p * b.rowStride] }
            }
        }
    }
}

/// Packs a height×depth block of A into panels of `panel` rows: panel q holds, for each p,
/// the `panel` elements A[q·panel ..< (q+1)·panel, p] contiguously, zero-padded past `height`.
private func packPanels<S: TensorScalar>(
    of a: MatrixOperand<S>, height: Int, depth: Int, panel: Int, into target: UnsafeMutablePointer<S>
) {
    for start in stride(from: 0, to: height, by: panel) {
        let rows = min(panel, height - start)
        let destination = target + start * depth
        if rows < panel { destination.initialize(repeating: 0, count: depth * panel) }
        if a.rowStride == 1 && rows == GEMMTile.rows {
            // A full panel of column-major A: eight contiguous values per step of p.
            var source = a.base + start
            for p in 0..<depth {
                for r in 0..<GEMMTile.rows { destination[p * panel + r] = source[r] }
                source += a.columnStride
            }
        } else if a.rowStride == 1 {
            for p in 0..<depth {
                (destination + p * panel).update(from: a.base + p * a.columnStride + start, count: rows)
            }
        } else if a.columnStride == 1 && rows == GEMMTile.rows {
            // Row-major A, a full panel: read the eight rows as sequential streams and write the
            // panel in order, eight values per step of p.
            let s0 = a.base + start * a.rowStride
            let (s1, s2, s3) = (s0 + a.rowStride, s0 + 2 * a.rowStride, s0 + 3 * a.rowStride)
            let (s4, s5, s6, s7) = (s0 + 4 * a.rowStride, s0 + 5 * a.rowStride, s0 + 6 * a.rowStride, s0 + 7 * a.rowStride)
            var target = destination
            for p in 0..<depth {
                target[0] = s0[p]; target[1] = s1[p]; target[2] = s2[p]; target[3] = s3[p]
                target[4] = s4[p]; target[5] = s5[p]; target[6] = s6[p]; target[7] = s7[p]
                target += 8
            }
        } else {
            for r in 0..<rows {
                let source = a.base + (start + r) * a.rowStride
                for p in 0..<depth { destination[p * panel + r] = source[p * a.columnStride] }
            }
        }
    }
}
