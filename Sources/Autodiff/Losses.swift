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

    /// ½‖x‖² summed over every element.
    public func halfSquaredNorm() -> Variable {
        squared().sum() * 0.5
    }
}
