import Autodiff
import Tensors

/// Batch normalization (Ioffe & Szegedy 2015) over the last axis (channels of NHWC, features of
/// [n, features]), with PyTorch's `nn.BatchNorm2d`/`BatchNorm1d` names: `weight` (γ), `bias` (β),
/// `running_mean`, `running_var`, `num_batches_tracked`.
///
/// In training mode the batch's statistics normalise and are differentiated through (so
/// consensus optimization's double backpropagation sees them), and, when the mode says so, the
/// running averages are updated; in evaluation mode the running averages normalise. The running
/// statistics are buffers: checkpointed, never trained, not part of a game's field.
///
/// `scale` and `center` choose whether γ and β are trained; TF-slim's default, the reference's,
/// is center yes, scale no. An untrained γ (ones) or β (zeros) is kept as a buffer under the
/// same name, so the checkpoint loads into `nn.BatchNorm2d` unchanged.
public final class BatchNorm: Layer, ModeDependent {
    /// How running averages are kept, and the ε added to the variance.
    public enum Convention: Sendable, Equatable {
        /// TF-slim: running ← decay·running + (1 − decay)·batch with the batch's (biased)
        /// variance; the reference's decay 0.999, ε 1e-3.
        case tensorflow(decay: Double = 0.999, epsilon: Double = 1e-3)
        /// PyTorch: running ← (1 − momentum)·running + momentum·batch with the unbiased
        /// variance; momentum 0.1, ε 1e-5.
        case pytorch(momentum: Double = 0.1, epsilon: Double = 1e-5)

        var epsilon: Double {
            switch self {
            case .tensorflow(_, let epsilon), .pytorch(_, let epsilon): return epsilon
            }
        }
    }

    public let convention: Convention
    /// γ when trained.
    public let scale: Parameter?
    /// β when trained.
    public let shift: Parameter?
    private let fixedScale: Buffer?
    private let fixedShift: Buffer?
    public let runningMean: Buffer
    public let runningVariance: Buffer
    public let batchesTracked: Buffer
    public var mode: LayerMode = .training(updatesStatistics: true)

    public init(features: Int, convention: Convention = .tensorflow(), center: Bool = true, scale: Bool = false,
                dtype: DType = .float32) {
        self.convention = convention
        let (ones, zeros) = (Tensor.ones([features], dtype: dtype), Tensor.zeros([features], dtype: dtype))
        self.scale = scale ? Parameter(ones) : nil
        fixedScale = scale ? nil : Buffer(ones)
        shift = center ? Parameter(zeros) : nil
        fixedShift = center ? nil : Buffer(zeros)
        runningMean = Buffer(zeros)
        runningVariance = Buffer(ones)
        batchesTracked = Buffer(Tensor.scalar(0, dtype: .float64), isCount: true)
    }

    public func callAsFunction(_ input: Variable) -> Variable {
        let normalized: Variable
        switch mode {
        case .training(let updates):
            let (output, mean, variance) = input.batchNormalized(epsilon: convention.epsilon)
            normalized = output
            if updates { update(mean: mean, variance: variance, count: input.count / input.shape[input.rank - 1]) }
        case .evaluation:
            let deviation = (runningVariance.value.converted(to: input.dtype) + convention.epsilon).squareRoot()
            normalized = (input - Variable(runningMean.value.converted(to: input.dtype))) / Variable(deviation)
        }
        let scaled = scale.map { normalized * $0.variable } ?? normalized
        return shift.map { scaled + $0.variable } ?? scaled
    }

    /// Folds a batch's statistics (over `count` values per feature) into the running averages.
    private func update(mean batchMean: Tensor, variance batchVariance: Tensor, count: Int) {
        let (mean, variance) = (batchMean.converted(to: runningMean.value.dtype), batchVariance.converted(to: runningMean.value.dtype))
        switch convention {
        case .tensorflow(let decay, _):
            runningMean.value = runningMean.value * decay + mean * (1 - decay)
            runningVariance.value = runningVariance.value * decay + variance * (1 - decay)
        case .pytorch(let momentum, _):
            let unbiased = variance * (Double(count) / Double(max(count - 1, 1)))
            runningMean.value = runningMean.value * (1 - momentum) + mean * momentum
            runningVariance.value = runningVariance.value * (1 - momentum) + unbiased * momentum
        }
        batchesTracked.value = batchesTracked.value + 1
    }

    public var namedParameters: [NamedParameter] {
        (scale.map { [NamedParameter(name: "weight", parameter: $0)] } ?? [])
            + (shift.map { [NamedParameter(name: "bias", parameter: $0)] } ?? [])
    }

    public var namedBuffers: [NamedBuffer] {
        (fixedScale.map { [NamedBuffer(name: "weight", buffer: $0)] } ?? [])
            + (fixedShift.map { [NamedBuffer(name: "bias", buffer: $0)] } ?? [])
            + [NamedBuffer(name: "running_mean", buffer: runningMean), NamedBuffer(name: "running_var", buffer: runningVariance),
               NamedBuffer(name: "num_batches_tracked", buffer: batchesTracked)]
    }
}
