extension Tensor {
    /// x·Wᵀ + b for x [n, in], W [out, in] (PyTorch's layout) and b [out], then `activation` if
    /// one is given. The bias and a rectifier (ReLU, leaky ReLU) are applied as the product's
    /// kernel stores its result (``ProductEpilogue``): one pass over memory, no temporary, the same
    /// bits as adding and rectifying in passes of their own. Other activations follow in a pass.
    public func linear(weight: Tensor, bias: Tensor, activation: UnaryFunction? = nil) -> Tensor {
        guard rank == 2, weight.rank == 2, bias.shape == [weight.shape[0]], bias.dtype == dtype else {
            ShapeError(op: "linear", detail: "input \(shape), weight \(weight.shape) and bias \(bias.shape) do not fit").stop()
        }
        let rectifier = activation.flatMap { $0.isRectifier ? $0 : nil }
        let result = product(weight, transposingOther: true, bias: bias, rectifier: rectifier)
        guard let activation, rectifier == nil else { return result }
        return result.applying(activation)
    }
}
