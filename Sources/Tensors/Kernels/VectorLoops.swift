/// Loops over contiguous memory in whole SIMD vectors, then a scalar tail.
///
/// These are the building blocks of every elementwise kernel. They are `@inline(__always)` so that
/// the closures passed in are inlined into one specialised loop per operation and scalar type.

@inline(__always)
func loadVector<S: TensorScalar>(_ pointer: UnsafePointer<S>) -> S.Vector {
    UnsafeRawPointer(pointer).loadUnaligned(as: S.Vector.self)
}

@inline(__always)
func storeVector<S: TensorScalar>(_ vector: S.Vector, _ pointer: UnsafeMutablePointer<S>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: S.Vector.self)
}

/// `output[i] = f(input[i])` for `i` in `0..<count`.
@inline(__always)
func mapContiguous<S: TensorScalar>(
    _ input: UnsafePointer<S>, _ output: UnsafeMutablePointer<S>, count: Int,
    vector: (S.Vector) -> S.Vector, scalar: (S) -> S
) {
    let width = S.Vector.scalarCount
    var index = 0
    while index + width <= count {
        storeVector(vector(loadVector(input + index)), output + index)
        index += width
    }
    while index < count {
        output[index] = scalar(input[index])
        index += 1
    }
}

/// `output[i] = f(a[i], b[i])`.
@inline(__always)
func zipContiguous<S: TensorScalar>(
    _ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ output: UnsafeMutablePointer<S>, count: Int,
    vector: (S.Vector, S.Vector) -> S.Vector, scalar: (S, S) -> S
) {
    let width = S.Vector.scalarCount
    var index = 0
    while index + width <= count {
        storeVector(vector(loadVector(a + index), loadVector(b + index)), output + index)
        index += width
    }
    while index < count {
        output[index] = scalar(a[index], b[index])
        index += 1
    }
}

/// The sum of `count` contiguous elements, accumulated in four independent SIMD registers
/// (Swift never reassociates floating-point additions, so the accumulators must be explicit).
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

/// The largest of `count > 0` contiguous elements (NaN if any is NaN).
@inline(__always)
func maxContiguous<S: TensorScalar>(_ input: UnsafePointer<S>, count: Int) -> S {
    let width = S.Vector.scalarCount
    var index = 0
    var result = -S.infinity
    var sawNaN = false
    if count >= width {
        var best = loadVector(input)
        var nan = best .!= best
        index = width
        while index + width <= count {
            let value = loadVector(input + index)
            nan .|= value .!= value
            best = pointwiseMax(best, value)
            index += width
        }
        result = best.max()
        sawNaN = any(nan)
    }
    while index < count {
        let value = input[index]
        if value.isNaN { sawNaN = true }
        if value > result { result = value }
        index += 1
    }
    return sawNaN ? .nan : result
}
