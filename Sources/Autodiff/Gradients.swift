import Tensors

/// The gradients of `Σᵢ ⟨seedᵢ, outputᵢ⟩` with respect to each of `targets` (reverse mode).
///
/// - Parameters:
///   - outputs: the variables to differentiate; a scalar output's seed defaults to 1.
///   - targets: any variables of the graph (usually leaves); a target the outputs do not depend on
///     gets a zero gradient.
///   - seeds: cotangents, one per output (default: ones). Seeds may themselves be differentiable.
///   - createGraph: record the backward pass so that the returned gradients can be
///     differentiated again. When false the backward runs on constants and records nothing.
/// - Returns: one gradient per target, with the target's shape.
public func gradients(
    of outputs: [Variable], wrt targets: [Variable], seeds: [Variable]? = nil, createGraph: Bool = false
) -> [Variable] {
    let seeds = seeds ?? outputs.map { Variable(Tensor.ones(like: $0.value)) }
    precondition(seeds.count == outputs.count, "gradients: \(outputs.count) outputs but \(seeds.count) seeds")
    for (output, seed) in zip(outputs, seeds) where output.shape != seed.shape {
        ShapeError(op: "gradients", detail: "seed of shape \(seed.shape) for output of shape \(output.shape)").stop()
    }
    let targetIDs = Set(targets.compactMap { $0.node.map(ObjectIdentifier.init) })
    let order = reverseTopologicalOrder(from: outputs.compactMap(\.node), relevantTo: targetIDs)
    var accumulated: [ObjectIdentifier: Variable] = [:]
    for (output, seed) in zip(outputs, seeds) {
        guard let node = output.node else { continue }
        accumulate(createGraph ? seed : seed.detached, into: &accumulated, at: node)
    }
    for (node, wanted) in order {
        let id = ObjectIdentifier(node)
        guard let operation = node.operation, let seed = accumulated[id] else { continue }
        if !targetIDs.contains(id) { accumulated[id] = nil }
        let inputs = createGraph ? node.inputs : node.inputs.map(\.detached)
        let output = Variable(value: node.value, node: createGraph ? node : nil)
        let inputGradients = operation.gradients(seed: seed, inputs: inputs, output: output, wanted: wanted)
        for (input, gradient) in zip(node.inputs, inputGradients) {
            guard let inputNode = input.node, let gradient else { continue }
            accumulate(gradient, into: &accumulated, at: inputNode)
        }
    }
    return targets.map { target in
        target.node.flatMap { accumulated[ObjectIdentifier($0)] } ?? Variable(Tensor.zeros(like: target.value))
    }
}

/// The gradient of one output with respect to each target; see ``gradients(of:wrt:seeds:createGraph:)``.
public func gradients(
    of output: Variable, wrt targets: [Variable], seed: Variable? = nil, createGraph: Bool = false
) -> [Variable] {
    gradients(of: [output], wrt: targets, seeds: seed.map { [$0] }, createGraph: createGraph)
}

private func accumulate(_ gradient: Variable, into accumulated: inout [ObjectIdentifier: Variable], at node: GraphNode) {
    let id = ObjectIdentifier(node)
    if let existing = accumulated[id] {
        accumulated[id] = existing + gradient
    } else {
        accumulated[id] = gradient
    }
}

/// The nodes from which some target can be reached, outputs first, each after every node that
/// uses it; with each node, which of its inputs lead to a target.
private func reverseTopologicalOrder(
    from roots: [GraphNode], relevantTo targets: Set<ObjectIdentifier>
) -> [(GraphNode, [Bool])] {
    var relevant: [ObjectIdentifier: Bool] = [:]
    var postOrder: [GraphNode] = []
    var stack: [(node: GraphNode, nextInput: Int)] = []
    for root in roots where relevant[ObjectIdentifier(root)] == nil {
        relevant[ObjectIdentifier(root)] = false
        stack.append((root, 0))
        while let (node, next) = stack.last {
            if next < node.inputs.count {
                stack[stack.count - 1].nextInput += 1
                if let input = node.inputs[next].node, relevant[ObjectIdentifier(input)] == nil {
                    relevant[ObjectIdentifier(input)] = false
                    stack.append((input, 0))
                }
                continue
            }
            stack.removeLast()
            let id = ObjectIdentifier(node)
            relevant[id] = targets.contains(id) || node.inputs.contains { input in
                input.node.map { relevant[ObjectIdentifier($0)] == true } ?? false
            }
            postOrder.append(node)
        }
    }
    return postOrder.reversed().compactMap { node in
        guard relevant[ObjectIdentifier(node)] == true else { return nil }
        return (node, node.inputs.map { input in input.node.map { relevant[ObjectIdentifier($0)] == true } ?? false })
    }
}
