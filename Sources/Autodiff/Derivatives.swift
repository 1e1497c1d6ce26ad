import Tensors

/// The Hessian-vector product H·v of a scalar `output` with respect to `targets`
/// (Pearlmutter 1994): the gradient of ⟨∇f, v⟩, by differentiating the recorded gradient.
public func hessianVectorProduct(
    of output: Variable, wrt targets: [Variable], vectors: [Tensor], createGraph: Bool = false
) -> [Variable] {
    let first = gradients(of: output, wrt: targets, createGraph: true)
    return gradients(of: innerProduct(first, vectors), wrt: targets, createGraph: createGraph)
}

/// The vector-Jacobian product uᵀJ of `outputs` with respect to `targets`.
public func vectorJacobianProduct(
    of outputs: [Variable], wrt targets: [Variable], cotangents: [Tensor], createGraph: Bool = false
) -> [Variable] {
    gradients(of: outputs, wrt: targets, seeds: cotangents.map { Variable($0) }, createGraph: createGraph)
}

/// The Jacobian-vector product J·u of `outputs` with respect to `targets`, by forward mode: the
/// targets' tangents are pushed through the recorded graph, inputs before outputs, by each
/// operation's tangent rule — about the cost of evaluating the graph once more (where the
/// double-VJP trick needs two reverse passes).
///
/// - Parameters:
///   - tangents: u, one tensor per target, of the target's shape.
///   - createGraph: record the tangent computation, so that the product can be differentiated
///     with respect to the graph's variables (the tangents are constants).
/// - Returns: one tangent per output, of its shape (zeros where an output does not depend on the
///   targets).
public func jacobianVectorProduct(
    of outputs: [Variable], wrt targets: [Variable], tangents: [Tensor], createGraph: Bool = false
) -> [Variable] {
    precondition(tangents.count == targets.count, "jacobianVectorProduct: \(targets.count) targets but \(tangents.count) tangents")
    for (target, tangent) in zip(targets, tangents) where target.shape != tangent.shape {
        ShapeError(op: "jacobianVectorProduct", detail: "tangent of shape \(tangent.shape) for target of shape \(target.shape)").stop()
    }
    let seeds = zip(targets, tangents).map { target, value in (target, Variable(value.converted(to: target.dtype))) }
    let pushed = pushForward(outputs, seeds: seeds) { node, operation, inputTangents in
        operation.tangent(of: OperationInputs(node: node, detached: !createGraph), tangents: inputTangents,
                          output: Variable(value: node.value, node: createGraph ? node : nil))
    }
    return zip(outputs, pushed).map { output, tangent in tangent ?? Variable(Tensor.zeros(like: output.value)) }
}

/// Forward mode's walk over the graph of `outputs`, shared by one tangent and blocks of them:
/// every node that depends on a seeded target gets its tangent from its inputs' tangents by
/// `rule`, inputs before outputs (nil is zero; a node whose inputs are all zero is skipped), and a
/// tangent is dropped after its last consumer: a tangent read for the last time is then held only
/// by the list the rule gets, so a rule that takes it out of the list may update it in place.
/// Seeds of one target add up. Returns the outputs' tangents, nil where zero.
func pushForward<Tangent: Summable>(
    _ outputs: [Variable], seeds: [(target: Variable, tangent: Tangent)],
    rule: (GraphNode, any DifferentiableOperation, inout [Tangent?]) -> Tangent
) -> [Tangent?] {
    let graph = BackwardGraph(roots: outputs.compactMap(\.node), targets: seeds.compactMap(\.target.node))
    // Consumers still to read each node's tangent; the outputs count as one more.
    var pendingUses = [Int](repeating: 0, count: graph.nodes.count)
    for index in graph.postOrder where graph.relevant[index] && !graph.isTarget[index] {
        for position in graph.edgeRange(of: index) where graph.edge(position) >= 0 { pendingUses[graph.edge(position)] += 1 }
    }
    for output in outputs {
        if let node = output.node, let index = graph.table.value(for: node) { pendingUses[index] += 1 }
    }
    var tangent = [Tangent?](repeating: nil, count: graph.nodes.count)
    for (target, seed) in seeds {
        guard let node = target.node, let index = graph.table.value(for: node) else { continue }
        tangent[index] = tangent[index].map { $0 + seed } ?? seed
    }
    var inputTangents: [Tangent?] = []
    for index in graph.postOrder where graph.relevant[index] && !graph.isTarget[index] {
        let node = graph.nodes[index]
        guard let operation = node.operation else { continue }
        inputTangents.removeAll(keepingCapacity: true)
        for position in graph.edgeRange(of: index) {
            let input = graph.edge(position)
            guard input >= 0 else {
                inputTangents.append(nil)
                continue
            }
            inputTangents.append(tangent[input])
            pendingUses[input] -= 1
            if pendingUses[input] == 0 { tangent[input] = nil }
        }
        guard inputTangents.contains(where: { $0 != nil }) else { continue }
        tangent[index] = rule(node, operation, &inputTangents)
    }
    return outputs.map { output in output.node.flatMap { graph.table.value(for: $0) }.flatMap { tangent[$0] } }
}

/// The dense Jacobian of `output` with respect to `targets`: a float64 matrix with one row per
/// element of `output` and one column per element of the targets, in order.
///
/// The columns are found by forward mode in blocks (``jacobianVectorProducts(of:wrt:tangents:)``):
/// each block holds the unit tangents of up to ``JacobianBlocking/columns`` elements of one
/// target, so the graph is walked once per block, its matrix products have the block's width
/// times the rows, and nodes that do not depend on that target are skipped. The cores take
/// blocks as they finish one; each writes its own columns.
public func jacobian(of output: Variable, wrt targets: [Variable]) -> Tensor {
    jacobian(of: [output], wrt: targets)
}

/// The dense Jacobian of several `outputs` (their elements stacked in order: the rows) with
/// respect to `targets` (the columns), as ``jacobian(of:wrt:)`` computes it, except that the
/// blocks (output i, target j) for which `skipping(i, j)` holds are left zero and cost nothing:
/// a block of tangents is pushed only towards the outputs its target's columns want, so the parts
/// of the graph that lead only to skipped outputs are not walked. The other entries are the bits
/// the full Jacobian has.
///
/// With `transposed` the result is Jᵀ (a row per target element), the layout forward mode
/// produces: each column of J is then stored as it is found, in one contiguous row.
public func jacobian(of outputs: [Variable], wrt targets: [Variable], transposed: Bool = false,
                     skipping: (_ output: Int, _ target: Int) -> Bool = { _, _ in false }) -> Tensor {
    var rowOffsets = [0]
    for output in outputs { rowOffsets.append(rowOffsets.last! + output.count) }
    var offsets = [0]
    for target in targets { offsets.append(offsets.last! + target.count) }
    let (rows, columns) = (rowOffsets.last!, offsets.last!)
    let wanted = targets.indices.map { target in outputs.indices.filter { !skipping($0, target) } }
    let blocks = targets.indices.flatMap { target in
        stride(from: 0, to: wanted[target].isEmpty ? 0 : targets[target].count, by: JacobianBlocking.columns).map { start in
            (target: target, elements: start..<Swift.min(start + JacobianBlocking.columns, targets[target].count))
        }
    }
    var matrix = Tensor.zeros(transposed ? [columns, rows] : [rows, columns], dtype: .float64)
    matrix.withUnsafeMutableBufferPointer(as: Double.self) { buffer in
        let destination = buffer.baseAddress!
        // One part per block: the cores take the next block as they finish one (blocks of later
        // layers cost less), so they end together.
        Parallel.forEach(blocks.count) { block in
            let (target, elements) = blocks[block]
            let size = targets[target].count
            var unit = [Double](repeating: 0, count: elements.count * size)
            for (member, element) in elements.enumerated() { unit[member * size + element] = 1 }
            var seeds = [Tensor?](repeating: nil, count: targets.count)
            seeds[target] = Tensor(shape: [elements.count] + targets[target].shape, scalars: unit)
            let products = jacobianVectorProducts(of: wanted[target].map { outputs[$0] }, wrt: targets, blocks: seeds,
                                                  count: elements.count)
            let first = offsets[target] + elements.lowerBound
            for (output, product) in zip(wanted[target], products) {
                let count = outputs[output].count
                product.converted(to: .float64).withUnsafeBufferPointer(as: Double.self) { values in
                    if transposed {
                        for member in 0..<elements.count {
                            (destination + (first + member) * rows + rowOffsets[output])
                                .update(from: values.baseAddress! + member * count, count: count)
                        }
                        return
                    }
                    for row in 0..<count {
                        let line = destination + (rowOffsets[output] + row) * columns + first
                        for member in 0..<elements.count { line[member] = values[member * count + row] }
                    }
                }
            }
        }
    }
    return matrix
}

/// How ``jacobian(of:wrt:)`` groups its columns.
public enum JacobianBlocking {
    /// Unit tangents pushed through the graph together. Wide enough that a block's products are
    /// large and the walk over the graph is shared, narrow enough that a block of activations
    /// stays in the core's cache: for the paper's MoG field (batch 512, width 16, float64, so
    /// 512 KiB per block of 8) one minibatch's Jacobian took 0.37 s at 8 columns, 0.40 s at 16,
    /// 0.46 s at 32, 0.67 s at 128 and 0.42 s at 4 (best of six runs, 2-core AVX-512). Since the
    /// gates write in place, 4 and 8 columns are within the machine's noise of each other
    /// (0.35–0.36 s against 0.35–0.37 s in alternating runs) and 16 is slower.
    public static let columns = 8
}

/// ∇f(x) for a scalar function of one tensor.
public func gradient(at x: Tensor, of f: (Variable) -> Variable) -> Tensor {
    let input = Variable(differentiable: x)
    return gradients(of: f(input), wrt: [input])[0].value
}

/// The dense Jacobian of `f` at `x`, [f(x).count, x.count], in float64.
public func jacobian(at x: Tensor, of f: (Variable) -> Variable) -> Tensor {
    let input = Variable(differentiable: x)
    return jacobian(of: f(input), wrt: [input])
}

/// The dense Hessian of a scalar function at `x`: the Jacobian of its recorded gradient.
public func hessian(at x: Tensor, of f: (Variable) -> Variable) -> Tensor {
    let input = Variable(differentiable: x)
    let first = gradients(of: f(input), wrt: [input], createGraph: true)[0]
    return jacobian(of: first, wrt: [input])
}

/// Σᵢ ⟨aᵢ, bᵢ⟩ as a differentiable scalar (b constant).
func innerProduct(_ a: [Variable], _ b: [Tensor]) -> Variable {
    precondition(a.count == b.count, "innerProduct: \(a.count) and \(b.count) tensors")
    var total: Variable?
    for (x, y) in zip(a, b) {
        let term = (x * Variable(y.converted(to: x.dtype))).sum()
        total = total.map { $0 + term } ?? term
    }
    return total ?? Variable(Tensor.scalar(0))
}
