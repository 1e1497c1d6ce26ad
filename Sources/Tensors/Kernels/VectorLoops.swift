/// The loops every elementwise kernel is built from.
///
/// Maps are plain scalar loops over raw pointers, marked `@inline(__always)` so that the closure
/// passed in is inlined into one loop per operation and scalar type, which LLVM then vectorises
/// (Swift's generic `SIMD` mask and conversion operations are not reliably lowered to vector
/// instructions; simple loops are). Reductions are different: Swift never reassociates
/// floating-point additions, so sums accumulate explicitly in SIMD registers.

/// The `S.Vector.scalarCount` elements at `pointer`, as one register-sized vector (for kernels in
/// other modules, such as the step rules' updates; inlinable, so that theirs is specialised).
@inlinable @inline(__always)
public func loadVector<S: TensorScalar>(_ pointer: UnsafePointer<S>) -> S.Vector {
    UnsafeRawPointer(pointer).loadUnaligned(as: S.Vector.self)
}

/// Writes `vector`'s elements at `pointer`.
@inlinable @inline(__always)
public func storeVector<S: TensorScalar>(_ vector: S.Vector, _ pointer: UnsafeMutablePointer<S>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: S.Vector.self)
}

/// `output[i] = f(input[i])` for `i` in `0..<count`.
@inline(__always)
func mapElements<S: TensorScalar>(
    _ input: UnsafePointer<S>, _ output: UnsafeMutablePointer<S>, count: Int, _ f: (S) -> S
) {
    for index in 0..<count { output[index] = f(input[index]) }
}

/// `output[i] = f(a[i], b[i])`.
@inline(__always)
func zipElements<S: TensorScalar>(
    _ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ output: UnsafeMutablePointer<S>, count: Int,
    _ f: (S, S) -> S
) {
    for index in 0..<count { output[index] = f(a[index], b[index]) }
}

/// `target[i] = f(target[i], b[i])`: in place, with one pointer written (two that alias would
/// keep LLVM's vectorised loop from running).
@inline(__always)
func updateElements<S: TensorScalar>(
    _ target: UnsafeMutablePointer<S>, _ b: UnsafePointer<S>, count: Int, _ f: (S, S) -> S
) {
    for index in 0..<count { target[index] = f(target[index], b[index]) }
}

/// The sum of `count` contiguous elements, accumulated in four independent SIMD registers.
@inline(__always)
func sumContiguous<S: TensorScalar>(_ input: UnsafePointer<S>, count: Int) -> S {
    let width = S.Vector.scalarCount
    var accumulators = (S.Vector(), S.Vector(), S.Vector(), S.Vector())
    var index = 0
    while index + 4 * width <= count {
        accumulators.0 += loadVector(input + index)
        accumulators.1 += loadVector(input + index + width)
        accumulators.2 += loadVector(input + index + 2 * width)
        accumulators.3 += loadVector(input + index + 3 * width)
        index += 4 * width
    }
    while index + width <= count {
        accumulators.0 += loadVector(input + index)
        index += width
    }
    var total = ((accumulators.0 + accumulators.1) + (accumulators.2 + accumulators.3)).sum()
    while index < count {
        total += input[index]
        index += 1
    }
    return total
}

/// The largest (or, with `largest` false, the smallest) of `count > 0` contiguous elements;
/// NaN if any is NaN.
@inline(__always)
func extremeContiguous<S: TensorScalar>(_ input: UnsafePointer<S>, count: Int, largest: Bool) -> S {
    let width = S.Vector.scalarCount
    var index = 0
    var result = largest ? -S.infinity : S.infinity
    if count >= width {
        var best = loadVector(input)
        index = width
        while index + width <= count {
            let value = loadVector(input + index)
            best = largest ? pointwiseMax(best, value) : pointwiseMin(best, value)
            index += width
        }
        result = largest ? best.max() : best.min()
    }
    while index < count {
        result = largest ? Swift.max(result, input[index]) : Swift.min(result, input[index])
        index += 1
    }
    return containsNaN(input, count: count) ? .nan : result
}

/// Whether any of `count` contiguous elements is NaN (a vectorisable or-reduction).
@inline(__always)
func containsNaN<S: TensorScalar>(_ input: UnsafePointer<S>, count: Int) -> Bool {
    var found: UInt8 = 0
    for index in 0..<count { found |= input[index] != input[index] ? 1 : 0 }
    return found != 0
}
