import CKernels

/// What a matrix product does to its result before it is stored, in this order: adds a bias row,
/// applies a rectifier (``UnaryFunction/relu`` or ``UnaryFunction/leakyReLU(slope:)``), then
/// gates by a reference matrix of C's shape (keeping a value where the reference is positive,
/// scaling it by a slope elsewhere: ``Tensor/gated(by:negativeSlope:)``). The narrow kernels (the
/// paper's 16-wide layers) do it in registers as they store C, so a layer's `relu(x·Wᵀ + b)`, or
/// a backward pass's gated `seed·W`, is one pass over memory instead of two or three; the other
/// paths finish C in a pass after the product. Either way each element gets the operations the
/// separate passes give it, in the same order, so the result is the same bits.
struct ProductEpilogue<S: TensorScalar> {
    /// The row added to every row of C (`n` values), if any.
    var bias: UnsafePointer<S>?
    /// ``UnaryFunction/relu`` or ``UnaryFunction/leakyReLU(slope:)``, if any.
    var rectifier: UnaryFunction?
    /// The reference matrix of the gate (row stride `gateStride`), if any.
    var gate: UnsafePointer<S>?
    var gateStride = 0
    /// The factor where the reference is not positive.
    var gateSlope: S = 0

    /// Nothing: C is the product.
    static var none: ProductEpilogue { ProductEpilogue() }

    var isNone: Bool { bias == nil && rectifier == nil && gate == nil }

    /// The epilogue adding `bias`, then applying `rectifier` (nil, ReLU or leaky ReLU), then
    /// gating by the row-major `gate` (`gateStride` apart) with `gateSlope`.
    init(bias: UnsafePointer<S>? = nil, rectifier: UnaryFunction? = nil, gate: UnsafePointer<S>? = nil, gateStride: Int = 0,
         gateSlope: S = 0) {
        precondition(rectifier?.isRectifier ?? true, "ProductEpilogue: \(rectifier!) is not a rectifier")
        (self.bias, self.rectifier) = (bias, rectifier)
        (self.gate, self.gateStride, self.gateSlope) = (gate, gateStride, gateSlope)
    }

    /// The epilogue of the block of C from (`row`, `column`) on.
    func offset(row: Int, column: Int) -> ProductEpilogue {
        var result = self
        result.bias = bias.map { $0 + column }
        result.gate = gate.map { $0 + row * gateStride + column }
        return result
    }

    /// The form the C kernels take.
    var kernelArgument: GANEpilogue {
        let (activation, slope): (GANActivation, Double) = switch rectifier {
        case .relu: (GANActivationReLU, 0)
        case .leakyReLU(let slope): (GANActivationLeakyReLU, slope)
        default: (GANActivationNone, 0)
        }
        return GANEpilogue(bias: bias.map(UnsafeRawPointer.init), activation: activation, slope: slope,
                           gate: gate.map(UnsafeRawPointer.init), gate_stride: gateStride, gate_slope: Double(gateSlope))
    }

    /// The epilogue applied to the m×n block at `c` (row stride `ldc`): the pass for the paths
    /// whose kernels store C as it is, with the separate operations' own loops.
    func apply(to c: UnsafeMutablePointer<S>, rows: Int, columns: Int, ldc: Int) {
        guard !isNone else { return }
        for row in 0..<rows {
            let target = c + row * ldc
            if let bias { zipElements(UnsafePointer(target), bias, target, count: columns) { $0 + $1 } }
            if let rectifier { applyUnary(rectifier, UnsafePointer(target), target, columns) }
            if let gate { gateElements(UnsafePointer(target), by: gate + row * gateStride, into: target, count: columns, slope: gateSlope) }
        }
    }
}
