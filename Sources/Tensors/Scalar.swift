import RealModule

/// The element type of a tensor, chosen at run time (as in NumPy and PyTorch).
///
/// Training runs in `float32`; `float64` is there for numbers one must be able to trust:
/// finite-difference checks, Jacobians and spectra.
public enum DType: String, Sendable, CustomStringConvertible {
    case float32
    case float64

    /// Bytes per element.
    public var byteWidth: Int { self == .float32 ? 4 : 8 }

    public var description: String { rawValue }
}

/// A scalar type a tensor can hold: `Float` or `Double`.
///
/// Kernels are written once, generically over `TensorScalar`, and specialised by the compiler for
/// both types. `Vector` is the SIMD register-sized vector the kernels accumulate in (64 bytes).
public protocol TensorScalar: Real, BinaryFloatingPoint, SIMDScalar, Codable, Sendable
where Vector.Scalar == Self, Vector.MaskStorage.Scalar: FixedWidthInteger {
    associatedtype Vector: SIMD
    /// The run-time tag of this scalar type.
    static var dtype: DType { get }
}

extension Float: TensorScalar {
    public typealias Vector = SIMD16<Float>
    public static var dtype: DType { .float32 }
}

extension Double: TensorScalar {
    public typealias Vector = SIMD8<Double>
    public static var dtype: DType { .float64 }
}
