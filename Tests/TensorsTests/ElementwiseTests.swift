import RealModule
import Testing
import Tensors

@Suite struct ElementwiseTests {
    static let sizes = [0, 1, 7, 17, 33, 129]

    static let unaryCases: [(UnaryFunction, @Sendable (Double) -> Double)] = [
        (.negate, { -$0 }), (.exp, { Double.exp($0) }), (.log, { Double.log(Swift.abs($0)) }),
        (.squareRoot, { Swift.abs($0).squareRoot() }), (.tanh, { Double.tanh($0) }),
        (.sigmoid, { 1 / (1 + Double.exp(-$0)) }), (.softplus, { Double.log(1 + Double.exp($0)) }),
        (.relu, { Swift.max($0, 0) }), (.leakyReLU(slope: 0.2), { $0 > 0 ? $0 : 0.2 * $0 }),
        (.abs, { Swift.abs($0) }), (.square, { $0 * $0 }), (.reciprocal, { 1 / $0 }),
        (.sign, { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }), (.positiveIndicator, { $0 > 0 ? 1 : 0 }),
    ]

    @Test(arguments: sizes)
    func unaryMatchesReference(size: Int) {
        for dtype in [DType.float64, .float32] {
            for (function, reference) in Self.unaryCases {
                var x = sample([size], dtype: dtype)
                // log and square root are checked on |x|.
                if function == .log || function == .squareRoot { x = x.abs() }
                let expected = x.doubles.map(reference)
                let tolerance = dtype == .float64 ? 1e-14 : 1e-6
                #expect(close(x.applying(function).doubles, expected, tolerance: tolerance),
                        "\(function) \(dtype) size \(size)")
            }
        }
    }

    @Test func stableFunctionsAtExtremes() {
        let x = Tensor([-1000.0, -50, 0, 50, 1000])
        #expect(close(x.sigmoid().doubles, [0, 1 / (1 + Double.exp(50)), 0.5, 1 / (1 + Double.exp(-50)), 1], tolerance: 1e-15))
        #expect(!x.sigmoid().doubles.contains { $0.isNaN })
        #expect(close(x.softplus().doubles, [0, Double.exp(-50), Double.log(2), 50, 1000]))
        let f = Tensor([Float(-100), 100])
        #expect(close(f.softplus().doubles, [0, 100], tolerance: 1e-30))
    }

    static let binaryCases: [(BinaryFunction, @Sendable (Double, Double) -> Double)] = [
        (.add, { $0 + $1 }), (.subtract, { $0 - $1 }), (.multiply, { $0 * $1 }), (.divide, { $0 / $1 }),
        (.maximum, { Swift.max($0, $1) }), (.minimum, { Swift.min($0, $1) }), (.greater, { $0 > $1 ? 1 : 0 }),
    ]

    static let broadcastCases: [([Int], [Int])] = [
        ([17], [17]), ([7, 5], []), ([], [7, 5]), ([129], [1]), ([3, 1], [1, 4]), ([2, 3, 17], [17]),
        ([2, 1, 33], [5, 1]), ([4, 1, 3], [4, 7, 3]), ([1, 7], [33, 1]), ([5, 0], [1]), ([0, 3], [0, 1]),
        ([2, 3, 1, 5], [3, 4, 1]), ([6, 1], [6, 1]),
    ]

    @Test(arguments: broadcastCases)
    func broadcastingMatchesReference(shapeA: [Int], shapeB: [Int]) throws {
        let a = sample(shapeA, seed: 1)
        let b = sample(shapeB, seed: 2)
        let shape = try Tensor.broadcastShape(shapeA, shapeB, op: "test")
        let (valuesA, valuesB) = (a.doubles, b.doubles)
        let stridesA = Self.broadcastIndex(shapeA, shape)
        let stridesB = Self.broadcastIndex(shapeB, shape)
        for (function, reference) in Self.binaryCases {
            let result = a.combining(b, with: function)
            #expect(result.shape == shape)
            let expected = (0..<shape.reduce(1, *)).map { flat in
                reference(valuesA[stridesA(flat)], valuesB[stridesB(flat)])
            }
            #expect(close(result.doubles, expected), "\(function) \(shapeA) \(shapeB)")
        }
    }

    /// Maps a flat position of the broadcast result to the operand's flat position.
    static func broadcastIndex(_ shape: [Int], _ result: [Int]) -> (Int) -> Int {
        { flat in
            let index = Reference.index(of: flat, in: result)
            let own = index.suffix(shape.count).enumerated().map { shape[$0.offset] == 1 ? 0 : $0.element }
            return Reference.flat(own, in: shape)
        }
    }

    @Test func scalarOperatorsAndDTypes() {
        let x = Tensor([Float(1), 2, 3])
        #expect((x * 2 + 1).floats == [3, 5, 7])
        #expect((1 - x).floats == [0, -1, -2])
        #expect((6 / x).floats == [6, 3, 2])
        #expect((x / 2).dtype == .float32)
        #expect(x.converted(to: .float64).dtype == .float64)
        #expect(x.converted(to: .float64).doubles == [1, 2, 3])
    }

    @Test func incompatibleShapesAreReported() {
        #expect(throws: ShapeError(op: "add", detail: "shapes [2, 3] and [4] cannot be broadcast together")) {
            try Tensor.broadcastShape([2, 3], [4], op: "add")
        }
    }

    /// The (leaky) ReLU gate with a reference of the same shape, or of the trailing shape shared
    /// by every slice along the leading axes.
    @Test func gateByReference() async {
        let values = Tensor(shape: [2, 3], scalars: [1.0, -2, 3, 4, 5, -6])
        let reference = Tensor([1.0, -1, 0])
        #expect(values.gated(by: reference, negativeSlope: 0.5).doubles == [1, -1, 1.5, 4, 2.5, -3])
        #expect(values.gated(by: Tensor(shape: [2, 3], scalars: [1.0, 1, 1, -1, -1, -1])).doubles == [1, -2, 3, 0, 0, 0])
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).gated(by: Tensor.zeros([2]))
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self).contains("gated: shapes [2, 3] and [2] differ"))
        }
    }

    /// Where a tensor's elements live.
    func address(of tensor: Tensor) -> UnsafeRawPointer? {
        tensor.dtype == .float32 ? tensor.withUnsafeBufferPointer(as: Float.self) { UnsafeRawPointer($0.baseAddress) }
            : tensor.withUnsafeBufferPointer(as: Double.self) { UnsafeRawPointer($0.baseAddress) }
    }

    /// `assignElements(of:)` writes over a buffer nothing else holds, gives a tensor whose buffer
    /// is shared a new one (the other holder keeps its values), and becomes a copy of a source of
    /// another shape or element type.
    @Test func assignElementsInPlaceOnlyWhereUnshared() {
        for dtype in [DType.float32, .float64] {
            let source = Tensor(shape: [2, 2], scalars: [1.0, 2, 3, 4]).converted(to: dtype)
            var target = Tensor.zeros([2, 2], dtype: dtype)
            let buffer = address(of: target)
            target.assignElements(of: source)
            #expect(address(of: target) == buffer && target.isEqual(to: source) && address(of: source) != buffer)
            let kept = target
            target.assignElements(of: Tensor.ones([2, 2], dtype: dtype))
            #expect(address(of: target) != address(of: kept) && kept.isEqual(to: source))
            #expect(target.doubles == [1, 1, 1, 1])
            target.assignElements(of: Tensor([5.0, 6, 7]))
            #expect(target.shape == [3] && target.dtype == .float64 && target.doubles == [5, 6, 7])
        }
    }

    /// The gate in place: the same elements as `gated`, written over a buffer nothing else
    /// holds, while a shared buffer is left to its other holder.
    @Test func gateInPlace() async {
        for dtype in [DType.float32, .float64] {
            let reference = Tensor([1.0, -1, 0]).converted(to: dtype)
            var values = Tensor(shape: [2, 3], scalars: [1.0, -2, 3, 4, 5, -6]).converted(to: dtype)
            let expected = values.gated(by: reference, negativeSlope: 0.5)
            let buffer = address(of: values)
            values.gate(by: reference, negativeSlope: 0.5)
            #expect(address(of: values) == buffer)
            #expect(values.isEqual(to: expected))
            let shared = Tensor(shape: [2, 3], scalars: [1.0, -2, 3, 4, 5, -6]).converted(to: dtype)
            var copy = shared
            copy.gate(by: reference, negativeSlope: 0.5)
            #expect(copy.isEqual(to: expected))
            #expect(shared.doubles == [1, -2, 3, 4, 5, -6])
            #expect(address(of: copy) != address(of: shared))
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var values = Tensor.zeros([2, 3])
            values.gate(by: Tensor.zeros([3, 2]))
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self).contains("gated: shapes [2, 3] and [3, 2] differ"))
        }
    }

    @Test func mismatchedOperandsStopWithBothShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }.map { result in
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("add: shapes [2, 3] and [4] cannot be broadcast together"))
        }
    }
}
