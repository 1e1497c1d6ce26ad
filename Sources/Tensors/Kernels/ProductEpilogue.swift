import CKernels

/// What a matrix product does to its result before it is stored: adds a bias row, then applies
/// a rectifier (``UnaryFunction/relu`` or ``UnaryFunction/leakyReLU(slope:)``). The narrow
/// kernels (the paper's 16-wide layers) do both in registers as they store C, so a layer's
/// `relu(x·Wᵀ + b)` is one pass over memory instead of three; the other paths finish C in a pass
/// after the product. Either way each element gets the operations the separate passes give it,
/// in the same order, so the result is the same bits.
struct ProductEpilogue<S: TensorScalar> {
    /// The row added to every row of C (`n` values), if any.
    var bias: UnsafePointer<S>?
    var activation = GANActivationNone
    /// The leaky ReLU's slope for negative values.
    var slope: S = 0

    /// Nothing: C is the product.
    static var none: ProductEpilogue { ProductEpilogue() }

    var isNone: Bool { bias == nil && activation == GANActivationNone }

    /// The epilogue adding `bias` and then applying `rectifier` (nil, ReLU or leaky ReLU).
    init(bias: UnsafePointer<S>? = nil, rectifier: UnaryFunction? = nil) {
        self.bias = bias
        switch rectifier {
        case .relu: activation = GANActivationReLU
        case .leakyReLU(let slope):
            activation = GANActivationLeakyReLU
            self.slope = S(slope)
        default: precondition(rectifier == nil, "ProductEpilogue: \(rectifier!) is not a rectifier")
        }
    }

    /// The epilogue applied to the m×n block at `c` (row stride `ldc`): the pass for the paths
    /// whose kernels store C as it is.
    func apply(to c: UnsafeMutablePointer<S>, rows: Int, columns: Int, ldc: Int) {
        for row in 0..<rows {
            let target = c + row * ldc
            if let bias { zipElements(UnsafePointer(target), bias, target, count: columns) { $0 + $1 } }
            switch activation {
            case GANActivationReLU: mapElements(UnsafePointer(target), target, count: columns) { $0 < 0 ? 0 : $0 }
            case GANActivationLeakyReLU:
                let slope = self.slope
                mapElements(UnsafePointer(target), target, count: columns) { $0 < 0 ? slope * $0 : $0 }
            default: break
            }
        }
    }
}
