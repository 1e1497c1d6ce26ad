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
///
/// Only the part of the graph from which a target can be reached is visited, and a rule is asked
/// only for the input gradients that lead to a target. Each call keeps its own bookkeeping, so
/// several threads may differentiate one graph at once.
public func gradients(
    of outputs: [Variable], wrt targets: [Variable], seeds: [Variable]? = nil, createGraph: Bool = false
) -> [Variable] {
    let seeds = seeds ?? outputs.map { Variable(Tensor.ones(like: $0.value)) }
    precondition(seeds.count == outputs.count, "gradients: \(outputs.count) outputs but \(seeds.count) seeds")
    for (output, seed) in zip(outputs, seeds) where output.shape != seed.shape {
        ShapeError(op: "gradients", detail: "seed of shape \(seed.shape) for output of shape \(output.shape)").stop()
    }
    let graph = BackwardGraph(roots: outputs.compactMap(\.node), targets: targets.compactMap(\.node))
    var accumulated = [Variable?](repeating: nil, count: graph.nodes.count)
    func accumulate(_ gradient: Variable, at index: Int) {
        accumulated[index] = accumulated[index].map { $0 + gradient } ?? gradient
    }
    var contributions = graph.contributionCounts
    for (output, seed) in zip(outputs, seeds) {
        guard let node = output.node, let index = graph.table.value(for: node) else { continue }
        accumulate(createGraph ? seed : seed.detached, at: index)
        contributions[index] += 1
    }
    var seedIsGated = [Bool](repeating: false, count: graph.nodes.count)
    for index in graph.postOrder.reversed() where graph.relevant[index] {
        let node = graph.nodes[index]
        guard let operation = node.operation, let seed = accumulated[index] else { continue }
        if !graph.isTarget[index] { accumulated[index] = nil }
        let edges = graph.edgeRange(of: index)
        var bits: UInt64 = 0
        for position in 0..<min(edges.count, 64) {
            let input = graph.edge(edges.lowerBound + position)
            if input >= 0 && graph.relevant[input] { bits |= 1 << UInt64(position) }
        }
        let output = Variable(value: node.value, node: createGraph ? node : nil)
        let (inputs, wanted) = (OperationInputs(node: node, detached: !createGraph), edges.count > 64 ? InputMask.all : InputMask(bits))
        let inputGradients: [Variable?]
        if let fusing = operation.gateFusing {
            // Each input whose seed is this gradient alone, from an operation that gates its seed
            // first, gets its gradient gated as the product computing it is stored.
            var gating = [SeedGate?](repeating: nil, count: edges.count)
            for position in gating.indices where wanted[position] && fusing.fusesGate(intoGradientOf: position) {
                let input = graph.edge(edges.lowerBound + position)
                guard input >= 0, contributions[input] == 1, !graph.isTarget[input],
                      let producer = graph.nodes[input].operation?.gateFusing,
                      let gate = producer.seedGate(inputs: OperationInputs(node: graph.nodes[input], detached: true),
                                                   output: graph.nodes[input].value),
                      gate.reference.shape == graph.nodes[input].value.shape else { continue }
                gating[position] = gate
                seedIsGated[input] = true
            }
            inputGradients = fusing.gradients(seed: seed, seedIsGated: seedIsGated[index], inputs: inputs, output: output,
                                              wanted: wanted, gating: gating)
        } else {
            inputGradients = operation.gradients(seed: seed, inputs: inputs, output: output, wanted: wanted)
        }
        for (position, gradient) in inputGradients.enumerated() {
            let input = graph.edge(edges.lowerBound + position)
            guard input >= 0, let gradient else { continue }
            accumulate(gradient, at: input)
        }
    }
    return targets.map { target in
        target.node.flatMap { graph.table.value(for: $0) }.flatMap { accumulated[$0] }
            ?? Variable(Tensor.zeros(like: target.value))
    }
}

/// The gradient of one output with respect to each target; see ``gradients(of:wrt:seeds:createGraph:)``.
public func gradients(
    of output: Variable, wrt targets: [Variable], seed: Variable? = nil, createGraph: Bool = false
) -> [Variable] {
    gradients(of: [output], wrt: targets, seeds: seed.map { [$0] }, createGraph: createGraph)
}

/// The nodes reachable from the outputs, numbered, with their input edges and the nodes from
/// which some target can be reached.
struct BackwardGraph {
    var table = NodeTable()
    var nodes: [GraphNode] = []
    /// Node numbers in post-order: every node after all of its inputs.
    var postOrder: [Int] = []
    var relevant: [Bool] = []
    var isTarget: [Bool] = []
    /// The node number of each input of each node (−1 for a constant), flattened.
    private var edgeList: [Int32] = []
    private var edgeStart: [Int] = []

    init(roots: [GraphNode], targets: [GraphNode]) {
        var targetTable = NodeTable(capacity: targets.count)
        for target in targets where targetTable.value(for: target) == nil { targetTable.insert(target, value: 0) }
        var stack: [(index: Int, next: Int)] = []
        for root in roots where table.value(for: root) == nil {
            stack.append((add(root, targets: targetTable), 0))
            while let (index, next) = stack.last {
                let node = nodes[index]
                if next < node.inputCount {
                    stack[stack.count - 1].next += 1
                    guard let input = node.inputNode(next) else { continue }
                    if let known = table.value(for: input) {
                        edgeList[edgeStart[index] + next] = Int32(known)
                    } else {
                        let added = add(input, targets: targetTable)
                        edgeList[edgeStart[index] + next] = Int32(added)
                        stack.append((added, 0))
                    }
                    continue
                }
                stack.removeLast()
                relevant[index] = isTarget[index] || edgeRange(of: index).contains { edge($0) >= 0 && relevant[edge($0)] }
                postOrder.append(index)
            }
        }
    }

    /// Numbers a newly discovered node.
    private mutating func add(_ node: GraphNode, targets: NodeTable) -> Int {
        let index = nodes.count
        table.insert(node, value: index)
        nodes.append(node)
        relevant.append(false)
        isTarget.append(targets.value(for: node) != nil)
        edgeStart.append(edgeList.count)
        edgeList.append(contentsOf: repeatElement(-1, count: node.inputCount))
        return index
    }

    /// How many gradients each node can receive from the nodes of the graph: one per edge from a
    /// relevant node (an operation using one input twice counts twice).
    var contributionCounts: [Int] {
        var counts = [Int](repeating: 0, count: nodes.count)
        for index in nodes.indices where relevant[index] {
            for position in edgeRange(of: index) where edge(position) >= 0 { counts[edge(position)] += 1 }
        }
        return counts
    }

    /// The positions in the edge list of the inputs of node `index`.
    func edgeRange(of index: Int) -> Range<Int> {
        edgeStart[index]..<(edgeStart[index] + nodes[index].inputCount)
    }

    /// The node number an edge points to (−1 for a constant input).
    @inline(__always)
    func edge(_ position: Int) -> Int {
        Int(edgeList[position])
    }
}
