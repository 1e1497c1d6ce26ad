import Autodiff
import Games
import Layers
import Tensors

/// The Jacobian of the field of a GAN between two multilayer perceptrons, by per-sample
/// recursions through the layers: the fast path of ``GameJacobian`` for the paper's MoG game.
///
/// Layer k computes h_k = x_k·W_kᵀ + b_k and x_{k+1} = φ(h_k), sample by sample, and the losses
/// are means over samples of a function of each logit (every ``GANObjective``). A unit tangent
/// on W_l[j, q] moves h_l only in column j, by x_l[s, q] in sample s; one on b_l[j] by 1. Every
/// later layer and the whole backward pass act on each sample separately and linearly in the
/// tangent, so every tangent of the walk is x_l[s, q] times that of the unit tangent e_j of h_l,
/// sample by sample. One walk per unit j of a layer thus serves its in_l + 1 parameters, and
/// the tangents of the parameter gradients,
///
///     d∇W_k = Σ_s (dδ_k[s] ⊗ x_k[s] + δ_k[s] ⊗ dx_k[s]),   d∇b_k = Σ_s dδ_k[s],
///
/// (δ_k = ∂ℓ/∂h_k) become one product Sᵀ·P over the samples: S[s, ·] = (x_l[s], 1) the
/// parameters' scales and P[s, ·] the terms of sample s. This is the Kronecker structure of a
/// perceptron's curvature (Martens & Grosse 2015; Botev, Ritter & Barber 2017), used exactly.
/// The backward tangent carries the activation's curvature, dδ_{k−1} = (dδ_k·W_k) ⊙ φ′(h_{k−1}) +
/// (δ_k·W_k) ⊙ φ″(h_{k−1}) ⊙ dh_{k−1}, and the loss's, dδ = ℓ″(o)·do at the logit o.
///
/// Which walk gives which block of J (player i's rows are −∇²ℓᵢ; G's parameters θ, D's ψ):
/// - a generator walk (unit of a G layer l) goes up through G and D on the fake samples and back
///   down with two seeds: the generator's loss down to layer l gives J[θ, θ_l] for G's layers from
///   l on and H_G[ψ, θ_l], that is J[θ_l, ψ] by symmetry; the discriminator's loss down to D's first
///   layer gives J[ψ, θ_l] directly;
/// - a discriminator walk (unit of a D layer l) goes up through D on both the real and the fake
///   samples and back down to layer l with the discriminator's loss: J[ψ, ψ_l] for D's layers
///   from l on.
/// The rows of a player's earlier layers follow by the symmetry of its loss's Hessian.
///
/// The activations' and the losses' first and second derivatives come from the autodiff engine
/// itself (the derivatives of the recorded functions at the pass's values), so they are the
/// engine's by construction and no table of them is kept here.
struct PerceptronGANJacobian {
    /// One Linear layer and the activation after it (nil for a network's output layer).
    private struct DenseLayer {
        let weight: [Double]
        let bias: [Double]
        let inputs: Int
        let outputs: Int
        let activation: Activation?
        /// The weight's first coordinate in the field; the bias follows the weight.
        let offset: Int
        var coordinates: Int { outputs * inputs + outputs }
    }

    /// A layer's values on one set of samples.
    private struct Stage {
        let layer: DenseLayer
        /// x_k, samples × inputs.
        let input: [Double]
        /// φ′(h_k) and φ″(h_k), samples × outputs; nil without an activation.
        let slope: [Double]?
        let curvature: [Double]?

        /// `values` (samples × outputs) times φ′(h_k) elementwise: a tangent of h_k carried through
        /// the activation, or a cotangent of its output carried back to h_k.
        func throughActivation(_ values: [Double]) -> [Double] {
            slope.map { zip(values, $0).map(*) } ?? values
        }
    }

    /// Layers applied one after another to a set of samples (the fake ones go through G, then D).
    private struct Chain {
        let samples: Int
        let stages: [Stage]
        /// The logits, one per sample.
        let logits: [Double]
    }

    /// A loss's backward pass along a chain: δ_k = ∂ℓ/∂h_k and ∂ℓ/∂x_{k+1} (= δ_{k+1}·W_{k+1})
    /// for the stages it reached (empty below), and ℓ″ at each logit.
    private struct Backward {
        var deltas: [[Double]]
        var upperInputDeltas: [[Double]]
        let lossCurvature: [Double]
    }

    private let generator: [DenseLayer]
    private let discriminator: [DenseLayer]
    private let game: GenerativeAdversarialGame
    /// Coordinates of the generator (θ) and of the whole field.
    private let generatorCount: Int
    private let count: Int

    /// The fast path for `game`, or nil unless it is a ``GenerativeAdversarialGame`` between two
    /// ``MultilayerPerceptron``s with biases, without a gradient penalty.
    init?(game: some DifferentiableGame) {
        guard let game = game as? GenerativeAdversarialGame, game.penalty == .none,
              let generator = PerceptronGANJacobian.layers(of: game.generator, offset: 0) else { return nil }
        let generatorCount = generator.last.map { $0.offset + $0.coordinates } ?? 0
        guard let discriminator = PerceptronGANJacobian.layers(of: game.discriminator, offset: generatorCount),
              discriminator.last?.outputs == 1, generator.last?.outputs == discriminator.first?.inputs else { return nil }
        let count = discriminator.last.map { $0.offset + $0.coordinates } ?? 0
        guard game.players.map(\.parameterCount) == [generatorCount, count - generatorCount] else { return nil }
        (self.game, self.generator, self.discriminator) = (game, generator, discriminator)
        (self.generatorCount, self.count) = (generatorCount, count)
    }

    /// The layers of a perceptron whose first coordinate is `offset`, or nil for another network.
    private static func layers(of network: any Layer, offset: Int) -> [DenseLayer]? {
        guard let perceptron = network as? MultilayerPerceptron else { return nil }
        let layers = perceptron.layers.layers
        var dense: [DenseLayer] = []
        var (index, offset) = (0, offset)
        while index < layers.count {
            guard let linear = layers[index] as? Linear, let bias = linear.bias else { return nil }
            let activation = index + 1 < layers.count ? layers[index + 1] as? Activation : nil
            if index + 1 < layers.count && activation == nil { return nil }
            dense.append(DenseLayer(weight: linear.weight.value.doubles, bias: bias.value.doubles, inputs: linear.inputSize,
                                    outputs: linear.outputSize, activation: activation, offset: offset))
            offset += dense.last!.coordinates
            index += activation == nil ? 1 : 2
        }
        return dense
    }

    /// Σ over `batches` of J on each, n × n row-major; `progress` gets the minibatches done.
    func jacobianSum(over batches: [GenerativeAdversarialGame.Batch], progress: ((Int) -> Void)?) -> [Double] {
        let n = count
        // J, and J[θ, ψ]ᵀ (found as H_G[ψ, θ]).
        var matrix = [Double](repeating: 0, count: n * n)
        var generatorColumns = [Double](repeating: 0, count: (n - generatorCount) * generatorCount)
        matrix.withUnsafeMutableBufferPointer { j in
            generatorColumns.withUnsafeMutableBufferPointer { x in
                for (index, batch) in batches.enumerated() {
                    add(batch, into: j.baseAddress!, generatorColumns: x.baseAddress!)
                    progress?(index + 1)
                }
                complete(j.baseAddress!, generatorColumns: UnsafePointer(x.baseAddress!))
            }
        }
        return matrix
    }

    /// Fills in the entries no walk found: J[θ, ψ] from `generatorColumns` (its transpose), and
    /// J[r, c] within a player where r's layer comes before c's from J[c, r], by the symmetry of
    /// the player's loss Hessian.
    private func complete(_ matrix: UnsafeMutablePointer<Double>, generatorColumns: UnsafePointer<Double>) {
        let n = count
        var layerOf = [Int](repeating: 0, count: n)
        for (index, layer) in (generator + discriminator).enumerated() {
            for coordinate in layer.offset..<(layer.offset + layer.coordinates) { layerOf[coordinate] = index }
        }
        let tile = 64
        for rowStart in stride(from: 0, to: n, by: tile) {
            for columnStart in stride(from: 0, to: n, by: tile) {
                for row in rowStart..<Swift.min(rowStart + tile, n) {
                    for column in columnStart..<Swift.min(columnStart + tile, n) {
                        if row < generatorCount && column >= generatorCount {
                            matrix[row * n + column] = generatorColumns[(column - generatorCount) * generatorCount + row]
                        } else if (row < generatorCount) == (column < generatorCount) && layerOf[row] < layerOf[column] {
                            matrix[row * n + column] = matrix[column * n + row]
                        }
                    }
                }
            }
        }
    }

    /// Adds J on one minibatch to the entries the walks find: the rest of `matrix` and
    /// `generatorColumns` (J[θ, ψ]ᵀ, n_ψ × n_θ).
    private func add(_ batch: GenerativeAdversarialGame.Batch, into matrix: UnsafeMutablePointer<Double>,
                     generatorColumns: UnsafeMutablePointer<Double>) {
        let noise = batch.noise.doubles, real = batch.real.doubles
        let (fakeSamples, realSamples) = (batch.noise.shape.first ?? 0, batch.real.shape.first ?? 0)
        let fake = chain(generator + discriminator, input: noise, samples: fakeSamples)
        let realChain = chain(discriminator, input: real, samples: realSamples)
        let (generatorLoss, discriminatorFake, discriminatorReal) = lossDerivatives(real: realChain.logits, fake: fake.logits)
        let discriminatorStart = generator.count
        let generatorBackward = backward(fake, loss: generatorLoss, lowest: 0)
        let fakeBackward = backward(fake, loss: discriminatorFake, lowest: discriminatorStart)
        let realBackward = backward(realChain, loss: discriminatorReal, lowest: 0)
        let n = count
        let units = (generator.enumerated().map { (network: 0, layer: $0.offset, unitCount: $0.element.outputs) }
            + discriminator.enumerated().map { (network: 1, layer: $0.offset, unitCount: $0.element.outputs) })
            .flatMap { seed in (0..<seed.unitCount).map { (seed.network, seed.layer, $0) } }
        Parallel.forEach(units.count) { index in
            let (network, layer, unit) = units[index]
            if network == 0 {
                let tangents = forwardTangents(fake, from: layer, unit: unit)
                walkDown(fake, generatorBackward, tangents: tangents, seed: layer, unit: unit, lowest: layer) { stage in
                    stage < discriminatorStart ? (matrix, n, 0) : (generatorColumns, generatorCount, generatorCount)
                }
                walkDown(fake, fakeBackward, tangents: tangents, seed: layer, unit: unit, lowest: discriminatorStart) { _ in
                    (matrix, n, 0)
                }
            } else {
                let stage = discriminatorStart + layer
                walkDown(fake, fakeBackward, tangents: forwardTangents(fake, from: stage, unit: unit), seed: stage, unit: unit,
                         lowest: stage) { _ in (matrix, n, 0) }
                walkDown(realChain, realBackward, tangents: forwardTangents(realChain, from: layer, unit: unit), seed: layer,
                         unit: unit, lowest: layer) { _ in (matrix, n, 0) }
            }
        }
    }

    /// The values of `layers` on `samples` rows of `input`, with each activation's derivatives.
    private func chain(_ layers: [DenseLayer], input: [Double], samples: Int) -> Chain {
        var stages: [Stage] = []
        var x = input
        for layer in layers {
            var h = product(x, layer, samples: samples, transposingWeight: true)
            for sample in 0..<samples {
                for unit in 0..<layer.outputs { h[sample * layer.outputs + unit] += layer.bias[unit] }
            }
            guard let activation = layer.activation else {
                stages.append(Stage(layer: layer, input: x, slope: nil, curvature: nil))
                x = h
                continue
            }
            let pre = Variable(differentiable: Tensor(shape: [samples, layer.outputs], scalars: h))
            let post = activation(pre)
            let (slope, curvature) = PerceptronGANJacobian.derivatives(of: post.sum(), at: pre)
            stages.append(Stage(layer: layer, input: x, slope: slope, curvature: curvature))
            x = post.value.doubles
        }
        return Chain(samples: samples, stages: stages, logits: x)
    }

    /// (ℓ′, ℓ″) per sample of the generator's loss on the fake logits and of the discriminator's
    /// on the fake and the real ones, from the objective's recorded losses. Each is a mean over
    /// samples of a function of one logit, so ℓ″ is the diagonal of the Hessian, ∇(Σ ∇ℓ).
    private func lossDerivatives(real: [Double], fake: [Double])
        -> (generator: (first: [Double], second: [Double]), discriminatorFake: (first: [Double], second: [Double]),
            discriminatorReal: (first: [Double], second: [Double])) {
        let realLogits = Variable(differentiable: Tensor(shape: [real.count, 1], scalars: real))
        let fakeLogits = Variable(differentiable: Tensor(shape: [fake.count, 1], scalars: fake))
        let losses = game.objective.losses(realLogits: realLogits, fakeLogits: fakeLogits)
        return (PerceptronGANJacobian.derivatives(of: losses.generator, at: fakeLogits),
                PerceptronGANJacobian.derivatives(of: losses.discriminator, at: fakeLogits),
                PerceptronGANJacobian.derivatives(of: losses.discriminator, at: realLogits))
    }

    /// ∂f/∂xᵢ and ∂²f/∂xᵢ² at every element of `input`, by the engine, for an `output` f that is a
    /// sum of functions of one element each (an activation's outputs summed, a mean loss over
    /// logits): the Hessian is then diagonal, and its diagonal is ∇(Σ ∇f).
    private static func derivatives(of output: Variable, at input: Variable) -> (first: [Double], second: [Double]) {
        let first = gradients(of: output, wrt: [input], createGraph: true)[0]
        return (first.value.doubles, gradients(of: first.sum(), wrt: [input])[0].value.doubles)
    }

    /// A loss's backward pass along `chain` down to stage `lowest`, seeded with ℓ′ at the logits.
    private func backward(_ chain: Chain, loss: (first: [Double], second: [Double]), lowest: Int) -> Backward {
        let top = chain.stages.count - 1
        var pass = Backward(deltas: Array(repeating: [], count: chain.stages.count),
                            upperInputDeltas: Array(repeating: [], count: chain.stages.count), lossCurvature: loss.second)
        pass.deltas[top] = loss.first
        for stage in stride(from: top, to: lowest, by: -1) {
            let inputDelta = product(pass.deltas[stage], chain.stages[stage].layer, samples: chain.samples, transposingWeight: false)
            let below = chain.stages[stage - 1]
            pass.upperInputDeltas[stage - 1] = inputDelta
            pass.deltas[stage - 1] = below.throughActivation(inputDelta)
        }
        return pass
    }

    /// The tangents of a walk up a chain from the unit tangent e_j of h_seed: dh_k and the
    /// tangent of the layer's output, φ′(h_k) ⊙ dh_k (dh_k itself without an activation), for
    /// stages `seed…`.
    private struct ForwardTangents {
        var preactivations: [[Double]]
        var outputs: [[Double]]
    }

    private func forwardTangents(_ chain: Chain, from seed: Int, unit: Int) -> ForwardTangents {
        let width = chain.stages[seed].layer.outputs
        var tangents = ForwardTangents(preactivations: Array(repeating: [], count: chain.stages.count),
                                       outputs: Array(repeating: [], count: chain.stages.count))
        var tangent = (0..<(chain.samples * width)).map { $0 % width == unit ? 1.0 : 0 }
        for stage in seed..<chain.stages.count {
            if stage > seed {
                tangent = product(tangents.outputs[stage - 1], chain.stages[stage].layer, samples: chain.samples,
                                  transposingWeight: true)
            }
            tangents.preactivations[stage] = tangent
            tangents.outputs[stage] = chain.stages[stage].throughActivation(tangent)
        }
        return tangents
    }

    /// The backward tangent of `pass` for the forward `tangents` (seeded at unit `unit` of stage
    /// `seed`), from the logits down to stage `lowest`: at each stage the rows of its parameters
    /// get −Sᵀ·P for the seed layer's weights of unit `unit` and its bias, at the columns of J
    /// the destination (matrix, row stride, first coordinate of a row) for the stage gives.
    private func walkDown(_ chain: Chain, _ pass: Backward, tangents: ForwardTangents, seed: Int, unit: Int, lowest: Int,
                          destination: (Int) -> (UnsafeMutablePointer<Double>, Int, Int)) {
        let samples = chain.samples
        let top = chain.stages.count - 1
        var tangentDelta = zip(pass.lossCurvature, tangents.preactivations[top]).map(*)
        let seedLayer = chain.stages[seed].layer
        let scales = chain.stages[seed].input
        let weightColumns = seedLayer.offset + unit * seedLayer.inputs
        let biasColumn = seedLayer.offset + seedLayer.outputs * seedLayer.inputs + unit
        let widest = chain.stages[lowest...].map(\.layer.coordinates).max() ?? 0
        // P, overwritten at each stage, and its column sums.
        let terms = UnsafeMutablePointer<Double>.allocate(capacity: samples * widest)
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: widest)
        defer {
            terms.deallocate()
            sums.deallocate()
        }
        for stage in stride(from: top, through: lowest, by: -1) {
            let layer = chain.stages[stage].layer
            // dx_k, the tangent of this layer's input: none at the seed layer.
            PerceptronGANJacobian.perSampleTerms(layer, samples: samples, tangentDelta: tangentDelta, delta: pass.deltas[stage],
                                                 input: chain.stages[stage].input,
                                                 inputTangent: stage > seed ? tangents.outputs[stage - 1] : nil, into: terms)
            // J[rows of layer k, the seed's weights of unit j] −= Pᵀ·S: one row per coordinate …
            let (matrix, stride, shift) = destination(stage)
            let rows = matrix + (layer.offset - shift) * stride
            scales.withUnsafeBufferPointer { s in
                RawMatrixProduct.subtract(m: layer.coordinates, n: seedLayer.inputs, k: samples, a: terms, aRowStride: 1,
                                          aColumnStride: layer.coordinates, b: s.baseAddress!, bRowStride: seedLayer.inputs,
                                          bColumnStride: 1, from: rows + weightColumns, ldc: stride)
            }
            // … and at the bias of unit j, Pᵀ·1.
            sums.update(repeating: 0, count: layer.coordinates)
            for sample in 0..<samples {
                let row = terms + sample * layer.coordinates
                for coordinate in 0..<layer.coordinates { sums[coordinate] += row[coordinate] }
            }
            for coordinate in 0..<layer.coordinates { rows[coordinate * stride + biasColumn] -= sums[coordinate] }
            guard stage > lowest else { break }
            // dδ_{k−1} = (dδ_k·W_k) ⊙ φ′(h_{k−1}) + (δ_k·W_k) ⊙ φ″(h_{k−1}) ⊙ dh_{k−1}.
            let below = chain.stages[stage - 1]
            tangentDelta = product(tangentDelta, layer, samples: samples, transposingWeight: false)
            guard let slope = below.slope, let curvature = below.curvature else { continue }
            let (upper, lowerTangent) = (pass.upperInputDeltas[stage - 1], tangents.preactivations[stage - 1])
            tangentDelta.withUnsafeMutableBufferPointer { pulled in
                for index in pulled.indices {
                    pulled[index] = pulled[index] * slope[index] + upper[index] * curvature[index] * lowerTangent[index]
                }
            }
        }
    }

    /// P[s, ·] = (dδ[s] ⊗ x[s] + δ[s] ⊗ dx[s], dδ[s]) for each sample: the terms of layer k's
    /// weight-gradient and bias-gradient tangents (dx nil: zero), row-major with a row per sample.
    private static func perSampleTerms(_ layer: DenseLayer, samples: Int, tangentDelta: [Double], delta: [Double], input: [Double],
                                       inputTangent: [Double]?, into terms: UnsafeMutablePointer<Double>) {
        let (inputs, outputs, width) = (layer.inputs, layer.outputs, layer.coordinates)
        tangentDelta.withUnsafeBufferPointer { dd in
            delta.withUnsafeBufferPointer { d in
                input.withUnsafeBufferPointer { x in
                    (inputTangent ?? []).withUnsafeBufferPointer { dx in
                        for sample in 0..<samples {
                            let row = terms + sample * width
                            let x = x.baseAddress! + sample * inputs
                            // (An empty buffer may still have an address.)
                            let dx = inputTangent == nil ? nil : dx.baseAddress.map { $0 + sample * inputs }
                            for output in 0..<outputs {
                                let (scale, deltaScale) = (dd[sample * outputs + output], d[sample * outputs + output])
                                let target = row + output * inputs
                                if let dx {
                                    for input in 0..<inputs { target[input] = scale * x[input] + deltaScale * dx[input] }
                                } else {
                                    for input in 0..<inputs { target[input] = scale * x[input] }
                                }
                                row[outputs * inputs + output] = scale
                            }
                        }
                    }
                }
            }
        }
    }

    /// `rows`·W_kᵀ (samples × outputs from samples × inputs) or `rows`·W_k (the reverse).
    private func product(_ rows: [Double], _ layer: DenseLayer, samples: Int, transposingWeight: Bool) -> [Double] {
        let (from, to) = transposingWeight ? (layer.inputs, layer.outputs) : (layer.outputs, layer.inputs)
        var result = [Double](repeating: 0, count: samples * to)
        rows.withUnsafeBufferPointer { a in
            layer.weight.withUnsafeBufferPointer { w in
                result.withUnsafeMutableBufferPointer { c in
                    RawMatrixProduct.multiply(m: samples, n: to, k: from, a: a.baseAddress!, aRowStride: from, aColumnStride: 1,
                                              b: w.baseAddress!, bRowStride: transposingWeight ? 1 : layer.inputs,
                                              bColumnStride: transposingWeight ? layer.inputs : 1, c: c.baseAddress!, ldc: to)
                }
            }
        }
        return result
    }
}
