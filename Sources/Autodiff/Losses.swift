import Tensors

extension Variable {
    /// Elementwise sigmoid cross-entropy of logits `self` against targets `t` ∈ [0, 1]:
    /// −t·log σ(x) − (1 − t)·log(1 − σ(x)) = softplus(x) − t·x, which is finite for every x
    /// (TensorFlow's `sigmoid_cross_entropy_with_logits`). Its gradient is σ(x) − t.
    public func sigmoidCrossEntropy(targets: Variable) -> Variable {
        softplus() - self * targets
    }

    /// Sigmoid cross-entropy against a constant target for every element.
    public func sigmoidCrossEntropy(target: Double) -> Variable {
        target == 0 ? softplus() : softplus() - self * target
    }

    /// log softmax over the last axis, computed stably: the row maximum is subtracted first (held
    /// constant; log softmax does not depend on it).
    public func logSoftmax() -> Variable {
        let shifted = self - Variable(value.max(alongAxes: [rank - 1], keepingDimensions: true))
        return shifted - shifted.exp().sum(alongAxes: [rank - 1], keepingDimensions: true).log()
    }

    /// The mean cross-entropy of softmax(logits `self`) against class `labels`, one per row.
    public func softmaxCrossEntropy(labels: [Int]) -> Variable {
        let classes = shape[rank - 1]
        var oneHot = [Double](repeating: 0, count: labels.count * classes)
        for (row, label) in labels.enumerated() { oneHot[row * classes + label] = 1 }
        let targets = Tensor(shape: [labels.count, classes], scalars: oneHot).converted(to: dtype)
        return -(logSoftmax() * Variable(targets)).sum() * (1 / Double(labels.count))
    }

    /// ½‖x‖² summed over every element.
    public func halfSquaredNorm() -> Variable {
        squared().sum() * 0.5
    }
}
