import Tensors

/// Σ or mean over axes: ∂ = seed (with the reduced axes restored as extent 1) broadcast back to
/// the input's shape, divided by the count for the mean.
struct SumReduction: DifferentiableOperation {
    let keptShape: [Int]
    let scale: Double

    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        let spread = seed.reshaped(keptShape).broadcast(to: inputs[0].shape)
        return [scale == 1 ? spread : spread * scale]
    }

    /// The tangent reduced the same way.
    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        let reduced = tangents[0]!.summed(toShape: keptShape).reshaped(output.shape)
        return scale == 1 ? reduced : reduced * scale
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        let reduced = tangents[0]!.blockSummed(to: keptShape).blockReshaped(output.shape)
        return scale == 1 ? reduced : reduced * scale
    }
}

/// max over axes: ∂ = seed at the maximal elements, split equally among ties.
struct MaxReduction: DifferentiableOperation {
    let keptShape: [Int]

    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        let x = inputs[0].value
        return [seed.reshaped(keptShape).broadcast(to: x.shape) * Variable(share(of: x, maximum: output.value))]
    }

    /// The mean of the tangent over the maximal elements (the same tie split).
    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        (tangents[0]! * Variable(share(of: inputs[0].value, maximum: output.value))).summed(toShape: keptShape)
            .reshaped(output.shape)
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        (tangents[0]! * share(of: inputs[0].value, maximum: output)).blockSummed(to: keptShape).blockReshaped(output.shape)
    }

    /// Each element's share of the maximum: 1/(number of ties) where x equals the maximum, else 0.
    private func share(of x: Tensor, maximum: Tensor) -> Tensor {
        // 1 where x equals the maximum: x ≥ max, i.e. not (max > x).
        let isMaximal = 1 - maximum.reshaped(keptShape).greater(than: x)
        return isMaximal / isMaximal.sum(alongAxes: axesReduced, keepingDimensions: true)
    }

    private var axesReduced: [Int] { keptShape.indices.filter { keptShape[$0] == 1 } }
}

extension Variable {
    /// The sum over `axes` (all when nil).
    public func sum(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Variable {
        reduce(.sum, axes, keepingDimensions)
    }

    /// The mean over `axes` (all when nil).
    public func mean(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Variable {
        reduce(.mean, axes, keepingDimensions)
    }

    /// The maximum over `axes` (all when nil).
    public func max(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Variable {
        reduce(.max, axes, keepingDimensions)
    }

    private func reduce(_ function: ReductionFunction, _ axes: [Int]?, _ keep: Bool) -> Variable {
        let kept = value.reduced(function, alongAxes: axes, keepingDimensions: true)
        let reducedAxes = Set((axes ?? Array(0..<rank)).map { $0 < 0 ? $0 + rank : $0 })
        let result = keep ? kept : kept.reshaped(shape.indices.filter { !reducedAxes.contains($0) }.map { shape[$0] })
        switch function {
        case .sum, .mean:
            let scale = function == .mean ? Double(kept.count) / Double(Swift.max(count, 1)) : 1
            return .recording(result, SumReduction(keptShape: kept.shape, scale: scale), self)
        case .max:
            return .recording(result, MaxReduction(keptShape: kept.shape), self)
        case .min:
            return -(-self).reduce(.max, axes, keep)
        }
    }
}
