import CKernels

/// The GEMM inner loops compiled in C for several instruction-set levels (AVX-512, AVX2 + FMA,
/// the baseline) and chosen at run time for the CPU, so one binary is fast on the machine it
/// was built on and runs on any other (see `Sources/CKernels`).
public enum CPUKernels {
    /// The level in use: the best the CPU supports, capped by `GANNUMERICS_KERNELS`
    /// (`avx512`, `avx2` or `baseline`) when set.
    public static var level: String { name(gan_kernel_level()) }

    /// The best level this CPU supports.
    public static var supportedLevel: String { name(gan_kernel_supported_level()) }

    private static func name(_ level: GANKernelLevel) -> String {
        switch level {
        case GANKernelLevelAVX512: "avx512"
        case GANKernelLevelAVX2: "avx2"
        default: "baseline"
        }
    }
}

/// C[0..<8, 0..<2w] (+)= the product of a packed 8-row panel of A and a packed two-vector panel
/// of B, `depth` deep: the packed GEMM's micro-kernel.
@inline(__always)
func multiplyPanels<S: TensorScalar>(depth: Int, _ a: UnsafePointer<S>, _ b: UnsafePointer<S>,
                                     into c: UnsafeMutablePointer<S>, ldc: Int, accumulate: Bool) {
    if S.self == Float.self {
        gan_gemm_micro_f32(depth, rebound(a), rebound(b), rebound(c), ldc, accumulate ? 1 : 0)
    } else {
        gan_gemm_micro_f64(depth, rebound(a), rebound(b), rebound(c), ldc, accumulate ? 1 : 0)
    }
}

/// C[0..<m, 0..<n] = A·B, finished by `epilogue` as it is stored, for n at most two vectors: A
/// strided, B given as k rows of one whole vector each (n at most one vector) or two, `strideB`
/// apart.
@inline(__always)
func multiplyNarrow<S: TensorScalar>(m: Int, n: Int, k: Int, _ a: MatrixOperand<S>, rowsOfB: UnsafePointer<S>,
                                     strideB: Int, into c: UnsafeMutablePointer<S>, ldc: Int,
                                     epilogue: ProductEpilogue<S>) {
    var argument = epilogue.kernelArgument
    if S.self == Float.self {
        gan_gemm_narrow_f32(m, n, k, rebound(a.base), a.rowStride, a.columnStride, rebound(rowsOfB), strideB, rebound(c), ldc, &argument)
    } else {
        gan_gemm_narrow_f64(m, n, k, rebound(a.base), a.rowStride, a.columnStride, rebound(rowsOfB), strideB, rebound(c), ldc, &argument)
    }
}

@inline(__always)
private func rebound<S, T>(_ pointer: UnsafePointer<S>) -> UnsafePointer<T> {
    UnsafeRawPointer(pointer).assumingMemoryBound(to: T.self)
}

@inline(__always)
private func rebound<S, T>(_ pointer: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<T> {
    UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: T.self)
}
