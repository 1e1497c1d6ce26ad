extension Tensor {
    /// x·Wᵀ + b for x [n, in], W [out, in] (PyTorch's layout) and b [out], with the bias added in
    /// place of the product (one pass, no temporary).
    public func linear(weight: Tensor, bias: Tensor) -> Tensor {
        let result = matmul(weight, transposingOther: true)
        guard rank == 2, bias.shape == [result.shape[1]], bias.dtype == dtype else {
            ShapeError(op: "linear", detail: "input \(shape), weight \(weight.shape) and bias \(bias.shape) do not fit").stop()
        }
        let (rows, columns) = (result.shape[0], result.shape[1])
        func addBias() {
            switch bias.dtype {
            case .float32: addRows(bias.pointer(as: Float.self), to: result.mutablePointer(as: Float.self), rows, columns)
            case .float64: addRows(bias.pointer(as: Double.self), to: result.mutablePointer(as: Double.self), rows, columns)
            }
        }
        KernelTrace.run(addBias, replaying: addBias, reading: [bias, result], writing: [result])
        return result
    }
}

private func addRows<S: TensorScalar>(_ row: UnsafePointer<S>, to matrix: UnsafeMutablePointer<S>, _ rows: Int,
                                      _ columns: Int) {
    for r in 0..<rows {
        let target = matrix + r * columns
        zipElements(UnsafePointer(target), row, target, count: columns) { $0 + $1 }
    }
}
