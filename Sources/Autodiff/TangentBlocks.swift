import Tensors

/// J·U for a block of k tangents U = [u₁ … u_k] at once: forward mode in which every node of
/// the graph carries one tensor of shape [k] + its own shape (the vmap of a Jacobian-vector
/// product, as `jax.vmap(jax.jvp)` computes it). Each operation's ``DifferentiableOperation/tangentBlock(of:tangents:output:)``
/// pushes the whole block through in one go — a matrix product becomes one product with k times
/// the rows — so the graph is walked once instead of k times and the kernels see large operands.
///
/// - Parameters:
///   - tangents: one block per target, [k] + the target's shape; all blocks have the same k.
/// - Returns: one block per output, [k] + the output's shape.
public func jacobianVectorProducts(of outputs: [Variable], wrt targets: [Variable], tangents: [Tensor]) -> [Tensor] {
    guard let count = tangents.first?.shape.first else {
        ShapeError(op: "jacobianVectorProducts", detail: "no tangent blocks, or a block of rank 0").stop()
    }
    return jacobianVectorProducts(of: outputs, wrt: targets, blocks: tangents.map { $0 }, count: count)
}

/// ``jacobianVectorProducts(of:wrt:tangents:)`` where a nil block is zero: nodes that depend on
/// no target with a block are skipped.
func jacobianVectorProducts(of outputs: [Variable], wrt targets: [Variable], blocks seeds: [Tensor?], count: Int) -> [Tensor] {
    precondition(seeds.count == targets.count, "jacobianVectorProducts: \(targets.count) targets but \(seeds.count) blocks")
    for (target, seed) in zip(targets, seeds) {
        if let seed, seed.shape != [count] + target.shape {
            ShapeError(op: "jacobianVectorProducts", detail: "block of shape \(seed.shape) for target of shape \(target.shape); expected \([count] + target.shape)").stop()
        }
    }
    let active = zip(targets, seeds).compactMap { target, seed in seed.map { (target, $0.converted(to: target.dtype)) } }
    let pushed = pushForward(outputs, seeds: active) { node, operation, inputBlocks in
        let inputs = OperationInputs(node: node, detached: true)
        if let gate = operation as? any InPlaceTangentBlock, var block = inputBlocks[0] {
            inputBlocks[0] = nil  // the walk's reference, so that a block read for the last time is updated in place
            gate.updateTangentBlock(&block, of: inputs)
            return block
        }
        return operation.tangentBlock(of: inputs, tangents: inputBlocks, output: node.value)
    }
    return zip(outputs, pushed).map { output, block in block ?? Tensor.zeros([count] + output.shape, dtype: output.dtype) }
}

/// An operation of one input whose block rule can overwrite the input's block: elementwise and
/// linear in its input, like a ReLU's gate. Blocks of tangents are large (a minibatch of
/// activations times the block's width) and a gate's pass over one is bound by memory, so
/// writing the result over an input block read for the last time, rather than into a new
/// buffer, saves a tenth of a Jacobian.
protocol InPlaceTangentBlock: DifferentiableOperation {
    /// Replaces `block` ([k] + the input's shape) by the output's tangent block; `block` is
    /// copied first if another tensor shares its buffer.
    func updateTangentBlock(_ block: inout Tensor, of inputs: OperationInputs)
}

extension InPlaceTangentBlock {
    /// The block rule as ``updateTangentBlock(_:of:)`` on the input's block, which the list
    /// still holds, so the result goes to a new buffer.
    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        var block = tangents[0]!
        updateTangentBlock(&block, of: inputs)
        return block
    }
}

extension DifferentiableOperation {
    /// The default block rule: the operation's ``tangent(of:tangents:output:)`` applied to each
    /// member of the block in turn, the results stacked. Correct for every operation; operations
    /// on the hot paths override it with one batched computation.
    public func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        memberwiseTangentBlock(of: inputs, tangents: tangents, output: output)
    }

    func memberwiseTangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        let count = blockWidth(tangents)
        let members = (0..<count).map { member in
            tangent(of: inputs, tangents: tangents.map { $0.map { Variable($0.blockMember(member)) } },
                    output: Variable(output)).value
        }
        return Tensor.stack(members)
    }
}

/// k, the number of members of the blocks `tangents` (at least one of which is present).
func blockWidth(_ tangents: [Tensor?]) -> Int {
    tangents.lazy.compactMap { $0 }.first!.shape[0]
}

extension Tensor {
    /// Member `index` of a block [k] + shape: a tensor of that shape.
    func blockMember(_ index: Int) -> Tensor {
        slice(alongAxis: 0, range: index..<(index + 1)).reshaped(Array(shape.dropFirst()))
    }

    /// A block [k] + s with unit axes inserted after the block axis up to `rank` member axes, so
    /// that NumPy broadcasting against a member-shaped tensor lines the axes up from the right.
    func blockAligned(toRank rank: Int) -> Tensor {
        let missing = rank - (self.rank - 1)
        guard missing > 0 else { return self }
        return reshaped([shape[0]] + [Int](repeating: 1, count: missing) + shape.dropFirst())
    }

    /// A block whose members are broadcast to `memberShape`.
    func blockBroadcast(to memberShape: [Int]) -> Tensor {
        blockAligned(toRank: memberShape.count).broadcast(to: [shape[0]] + memberShape)
    }

    /// A block whose members are summed to `memberShape` (the adjoint of ``blockBroadcast(to:)``).
    func blockSummed(to memberShape: [Int]) -> Tensor {
        let aligned = [Int](repeating: 1, count: rank - 1 - memberShape.count) + memberShape
        return summed(toShape: [shape[0]] + aligned).reshaped([shape[0]] + memberShape)
    }

    /// A block whose members are reshaped to `memberShape`.
    func blockReshaped(_ memberShape: [Int]) -> Tensor {
        reshaped([shape[0]] + memberShape)
    }
}
