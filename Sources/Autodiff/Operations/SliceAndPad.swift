import Tensors

/// A range along one axis: ∂ = seed padded with zeros back to the input's extent.
struct Slice: DifferentiableOperation {
    let axis: Int
    let range: Range<Int>

    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        var before = [Int](repeating: 0, count: seed.rank)
        var after = before
        before[axis] = range.lowerBound
        after[axis] = inputs[0].shape[axis] - range.upperBound
        return [seed.padded(before: before, after: after)]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]!.slice(alongAxis: axis, range: range)
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        tangents[0]!.slice(alongAxis: axis + 1, range: range)
    }
}

/// Zeros added around each axis: ∂ = seed sliced back to the input's region.
struct Pad: DifferentiableOperation {
    let before: [Int]

    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        var gradient = seed
        for (axis, extent) in inputs[0].shape.enumerated() where extent != seed.shape[axis] {
            gradient = gradient.slice(alongAxis: axis, range: before[axis]..<before[axis] + extent)
        }
        return [gradient]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]!.padded(before: before, after: after(input: inputs[0].shape, output: output.shape))
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        tangents[0]!.padded(before: [0] + before, after: [0] + after(input: inputs[0].shape, output: output.shape))
    }

    /// The zeros added after each axis of an input of shape `input`.
    private func after(input: [Int], output: [Int]) -> [Int] {
        output.indices.map { output[$0] - input[$0] - before[$0] }
    }
}

/// Tensors joined along an axis: ∂ for each input = its slice of seed.
struct Concatenation: DifferentiableOperation {
    let axis: Int

    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        var start = 0
        return inputs.indices.map { index in
            let extent = inputs[index].shape[axis]
            defer { start += extent }
            return wanted[index] ? seed.slice(alongAxis: axis, range: start..<start + extent) : nil
        }
    }

    /// The inputs' tangents joined the same way (zeros where an input has none).
    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        .concatenate(inputs.indices.map { tangents[$0] ?? Variable(Tensor.zeros(like: inputs[$0].value)) }, alongAxis: axis)
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        let count = blockWidth(tangents)
        return .concatenate(inputs.indices.map { tangents[$0] ?? Tensor.zeros([count] + inputs[$0].shape, dtype: output.dtype) },
                            alongAxis: axis + 1)
    }
}

extension Variable {
    /// The elements at `range` along `axis`.
    public func slice(alongAxis axis: Int, range: Range<Int>) -> Variable {
        let value = self.value.slice(alongAxis: axis, range: range)
        return .recording(value, Slice(axis: axis < 0 ? axis + rank : axis, range: range), self)
    }

    /// Zeros added: `before[i]` and `after[i]` along axis `i`.
    public func padded(before: [Int], after: [Int]) -> Variable {
        .recording(value.padded(before: before, after: after), Pad(before: before), self)
    }

    /// The variables joined along `axis`.
    public static func concatenate(_ variables: [Variable], alongAxis axis: Int = 0) -> Variable {
        let value = Tensor.concatenate(variables.map(\.value), alongAxis: axis)
        let normalized = axis < 0 ? axis + value.rank : axis
        return .recording(value, Concatenation(axis: normalized), inputs: variables)
    }

    /// The variables, all of one shape, stacked along a new axis.
    public static func stack(_ variables: [Variable], alongAxis axis: Int = 0) -> Variable {
        guard let first = variables.first else { ShapeError(op: "stack", detail: "no variables given").stop() }
        var expanded = first.shape
        let normalized = axis < 0 ? axis + first.rank + 1 : axis
        expanded.insert(1, at: Swift.min(Swift.max(normalized, 0), first.rank))
        return concatenate(variables.map { $0.reshaped(expanded) }, alongAxis: normalized)
    }
}
