/// Branch-free approximations of the transcendental functions for `Float`, written so that a
/// loop over them vectorises (bit manipulation instead of library calls). Coefficients are
/// Cephes's (S. Moshier); errors measured against double-precision libm are within 2 ulp.
/// `Double` keeps the C library's correctly rounded-ish functions: it is the precision type.
enum FastFloatMath {
    /// The functions with a vectorisable form.
    enum Function {
        case exp, log, tanh, sigmoid, softplus
    }

    /// eˣ: x = n·ln2 + r with |r| ≤ ln2/2, eʳ by a degree-7 polynomial, 2ⁿ by building the
    /// exponent bits. Inputs are clamped to the finite range of `Float`.
    @inline(__always)
    static func exp(_ input: Float) -> Float {
        // NaN passes through the clamp (every comparison with it is false) and the polynomial.
        let x = Swift.min(Swift.max(input, -87.336_54), 88.722_83)
        // Adding 1.5·2²³ rounds x·log₂e to an integer held in the low mantissa bits.
        let shifted = x * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        let r = (x - n * 0.693_359_375) + n * 2.121_944_40e-4
        var p: Float = 1.987_569_150_0e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * (r * r) + r + 1
        let exponent = (Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000 &+ 127) &<< 23
        return p * Float(bitPattern: UInt32(bitPattern: exponent))
    }

    /// log x: x = m·2ᵉ with m ∈ [√½, √2), log(m) by a degree-9 polynomial in m − 1.
    /// Subnormals are scaled by 2²³ first; 0 gives −∞, negatives and NaN give NaN.
    @inline(__always)
    static func log(_ x: Float) -> Float {
        let subnormal = x < Float.leastNormalMagnitude
        let bits = (subnormal ? x * 8_388_608 : x).bitPattern
        var e = Float(Int32(bitPattern: (bits >> 23) & 0xFF) - 126) - (subnormal ? 23 : 0)
        var m = Float(bitPattern: (bits & 0x807F_FFFF) | 0x3F00_0000)  // m ∈ [0.5, 1)
        let small = m < 0.707_106_78
        e = small ? e - 1 : e
        m = small ? m + m - 1 : m - 1
        let result = logarithm(reduced: m, exponent: e)
        return x > 0 ? (x == .infinity ? x : result) : (x == 0 ? -.infinity : .nan)
    }

    /// log(2ᵉ·(1 + m)) for m ∈ [√½ − 1, √2 − 1): the degree-9 polynomial of ``log(_:)``, for one
    /// `Float` or a vector of them (the same operations lane by lane).
    @inline(__always)
    static func logarithm<V: FloatLanes>(reduced m: V, exponent e: V) -> V {
        let z = m * m
        var y = V(lanes: 7.037_683_629_2e-2)
        y = y * m - V(lanes: 1.151_461_031_0e-1)
        y = y * m + V(lanes: 1.167_699_874_0e-1)
        y = y * m - V(lanes: 1.242_014_084_6e-1)
        y = y * m + V(lanes: 1.424_932_278_7e-1)
        y = y * m - V(lanes: 1.666_805_766_5e-1)
        y = y * m + V(lanes: 2.000_071_476_5e-1)
        y = y * m - V(lanes: 2.499_999_399_3e-1)
        y = y * m + V(lanes: 3.333_333_117_4e-1)
        y = y * m * z - V(lanes: 2.121_944_40e-4) * e - V(lanes: 0.5) * z
        return m + y + V(lanes: 0.693_359_375) * e
    }

    /// cos and sin of the angle (fraction − ½)·π/2 + π/4 for `fraction` ∈ [0, 1): polynomials on
    /// [−π/4, π/4] rotated by π/4 (the quadrant's quarter turns are the caller's).
    @inline(__always)
    static func rotatedQuarterTurn<V: FloatLanes>(_ fraction: V) -> (cosine: V, sine: V) {
        let b = (fraction - V(lanes: 0.5)) * V(lanes: Float.pi / 2)        // angle − quarter − π/4
        let z = b * b
        var sine = V(lanes: -1.951_529_589_1e-4)
        sine = sine * z + V(lanes: 8.332_160_873_6e-3)
        sine = sine * z - V(lanes: 1.666_665_461_1e-1)
        sine = sine * z * b + b
        var cosine = V(lanes: 2.443_315_711_809_948e-5)
        cosine = cosine * z - V(lanes: 1.388_731_625_493_765e-3)
        cosine = cosine * z + V(lanes: 4.166_664_568_298_827e-2)
        cosine = cosine * z * z - V(lanes: 0.5) * z + V(lanes: 1)
        return ((cosine - sine) * V(lanes: 0.707_106_78), (sine + cosine) * V(lanes: 0.707_106_78))
    }

    /// log(1 + t) for t ≥ 0, accurate for tiny t: log(u)·t/(u − 1) with u = 1 + t (Goldberg 1991).
    @inline(__always)
    static func logOnePlus(_ t: Float) -> Float {
        let u = 1 + t
        return u == 1 ? t : log(u) * (t / (u - 1))
    }

    /// tanh x: an odd polynomial for |x| < 0.625, 1 − 2/(e^{2|x|} + 1) beyond, sign restored.
    @inline(__always)
    static func tanh(_ x: Float) -> Float {
        let a = Swift.abs(x)
        let z = x * x
        var p: Float = -5.704_988_727_45e-3
        p = p * z + 2.063_908_879_54e-2
        p = p * z - 5.373_971_555_31e-2
        p = p * z + 1.333_144_220_36e-1
        p = p * z - 3.333_328_194_22e-1
        let near = p * z * x + x
        let far = 1 - 2 / (exp(2 * a) + 1)
        return a < 0.625 ? near : (x < 0 ? -far : far)
    }

    /// σ(x) = 1/(1 + e⁻ˣ); e⁻ˣ is clamped, so the result is 0 or 1 (never NaN) at the extremes.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        1 / (1 + exp(-x))
    }

    /// log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|).
    @inline(__always)
    static func softplus(_ x: Float) -> Float {
        Swift.max(x, 0) + logOnePlus(exp(-Swift.abs(x)))
    }

    /// A pair of independent standard normals from two random words (Box–Muller): the radius
    /// √(−2 log u₁) with u₁ ∈ (0, 1] from the top 24 bits of the first word, the angle 2πu₂ from the
    /// second. The sine and cosine are polynomials on [−π/4, π/4] rotated into the angle's quadrant.
    @inline(__always)
    static func boxMuller(_ first: UInt32, _ second: UInt32) -> (Float, Float) {
        let u1 = Float((first >> 8) + 1) * 0x1p-24
        let radius = (-2 * log(u1)).squareRoot()
        let quadrant = second >> 30                                   // which quarter turn
        let fraction = Float(second & 0x3FFF_FFFF) * 0x1p-30          // position in it, [0, 1)
        // Rotated by π/4, then by the quadrant's quarter turns.
        let (c, s) = rotatedQuarterTurn(fraction)
        let x = quadrant == 0 ? c : (quadrant == 1 ? -s : (quadrant == 2 ? -c : s))
        let y = quadrant == 0 ? s : (quadrant == 1 ? c : (quadrant == 2 ? -s : -c))
        return (radius * x, radius * y)
    }

    /// ``boxMuller(_:_:)`` for sixteen pairs at once, the same arithmetic lane by lane (so the
    /// same bits): `log` specialised to u ∈ [2⁻²⁴, 1], where none of its special cases arise.
    @inline(__always)
    static func boxMuller(_ first: SIMD16<UInt32>, _ second: SIMD16<UInt32>) -> (SIMD16<Float>, SIMD16<Float>) {
        let u1 = SIMD16<Float>((first &>> 8) &+ 1) * 0x1p-24
        let bits = unsafeBitCast(u1, to: SIMD16<UInt32>.self)
        var e = SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: (bits &>> 23) & 0xFF) &- 126)
        var m = unsafeBitCast((bits & 0x807F_FFFF) | 0x3F00_0000, to: SIMD16<Float>.self)
        let small = m .< 0.707_106_78
        e = e.replacing(with: e - 1, where: small)
        m = (m - 1).replacing(with: m + m - 1, where: small)
        let radius = (-2 * logarithm(reduced: m, exponent: e)).squareRoot()
        let quadrant = second &>> 30
        let (c, s) = rotatedQuarterTurn(SIMD16<Float>(second & 0x3FFF_FFFF) * 0x1p-30)
        let (q1, q2, q3) = (quadrant .== 1, quadrant .== 2, quadrant .== 3)
        let x = c.replacing(with: -s, where: q1).replacing(with: -c, where: q2).replacing(with: s, where: q3)
        let yy = s.replacing(with: c, where: q1).replacing(with: -s, where: q2).replacing(with: -c, where: q3)
        return (radius * x, radius * yy)
    }
}

/// The arithmetic the approximations need, shared by one `Float` and a vector of them, so that
/// each polynomial is written once for the scalar and the vectorised loops.
protocol FloatLanes {
    init(lanes value: Float)
    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
}

extension Float: FloatLanes {
    @inline(__always) init(lanes value: Float) { self = value }
}

extension SIMD16: FloatLanes where Scalar == Float {
    @inline(__always) init(lanes value: Float) { self.init(repeating: value) }
}
