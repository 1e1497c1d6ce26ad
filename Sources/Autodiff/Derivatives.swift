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
    let graph = BackwardGraph(roots: outputs.compactMap(\.node), targets: targets.compactMap(\.node))
    var tangent = [Variable?](repeating: nil, count: graph.nodes.count)
    for (target, value) in zip(targets, tangents) {
        guard let node = target.node, let index = graph.table.value(for: node) else { continue }
        let seed = Variable(value.converted(to: target.dtype))
        tangent[index] = tangent[index].map { $0 + seed } ?? seed
    }
    var inputTangents: [Variable?] = []
    for index in graph.postOrder where graph.relevant[index] && !graph.isTarget[index] {
        let node = graph.nodes[index]
        guard let operation = node.operation else { continue }
        let edges = graph.edgeRange(of: index)
        inputTangents.removeAll(keepingCapacity: true)
        var anyNonzero = false
        for position in edges {
            let input = graph.edge(position)
            let inputTangent = input >= 0 ? tangent[input] : nil
            anyNonzero = anyNonzero || inputTangent != nil
            inputTangents.append(inputTangent)
        }
        guard anyNonzero else { continue }
        let output = Variable(value: node.value, node: createGraph ? node : nil)
        tangent[index] = operation.tangent(of: OperationInputs(node: node, detached: !createGraph), tangents: inputTangents,
                                           output: output)
    }
    return outputs.map { output in
        output.node.flatMap { graph.table.value(for: $0) }.flatMap { tangent[$0] }
            ?? Variable(Tensor.zeros(like: output.value))
    }
}

/// The dense Jacobian of `output` with respect to `targets`: a float64 matrix with one row per
/// element of `output` and one column per element of the targets, in order. Row i is one
/// vector-Jacobian product with the i-th unit vector on the graph recorded once; the rows are
/// split between the processor cores (each backward pass keeps its own bookkeeping).
public func jacobian(of output: Variable, wrt targets: [Variable]) -> Tensor {
    let columns = targets.reduce(0) { $0 + $1.count }
    let rows = output.count
    var matrix = [Double](repeating: 0, count: rows * columns)
    let parts = rows >= 64 ? Parallel.processorCount : 1
    matrix.withUnsafeMutableBufferPointer { buffer in
        let target = buffer.baseAddress!
        Parallel.forEach(parts) { part in
            var unit = [Double](repeating: 0, count: rows)
            for row in (rows * part / parts)..<(rows * (part + 1) / parts) {
                unit[row] = 1
                let seed = Variable(Tensor(shape: output.shape, scalars: unit).converted(to: output.dtype))
                unit[row] = 0
                var column = row * columns
                for gradient in gradients(of: output, wrt: targets, seed: seed) {
                    for value in gradient.value.doubles {
                        target[column] = value
                        column += 1
                    }
                }
            }
        }
    }
    return Tensor(shape: [rows, columns], scalars: matrix)
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
