import Testing
import Autodiff
import Tensors

/// Convolutions, transposed convolutions, pooling and batch normalization: against naive loops,
/// TensorFlow's SAME sizes, their adjoint identity, and every derivative against finite
/// differences (gradient, Hessian-vector product, forward mode, forward over reverse).
@Suite struct ConvolutionTests {
    /// A naive NHWC convolution with PyTorch's weight layout, straight from the definition.
    func naiveConvolution(_ x: Tensor, _ w: Tensor, stride: Int, geometry g: ConvolutionGeometry) -> [Double] {
        let (xs, ws) = (x.doubles, w.doubles)
        let (cin, cout, k) = (x.shape[3], w.shape[0], w.shape[2])
        var out = [Double](repeating: 0, count: g.batch * g.outputHeight * g.outputWidth * cout)
        for n in 0..<g.batch {
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    for o in 0..<cout {
                        var sum = 0.0
                        for i in 0..<cin {
                            for ky in 0..<k {
                                for kx in 0..<w.shape[3] {
                                    let (iy, ix) = (oy * stride + ky - g.padTop, ox * stride + kx - g.padLeft)
                                    guard iy >= 0 && iy < x.shape[1] && ix >= 0 && ix < x.shape[2] else { continue }
                                    sum += xs[((n * x.shape[1] + iy) * x.shape[2] + ix) * cin + i]
                                        * ws[((o * cin + i) * k + ky) * w.shape[3] + kx]
                                }
                            }
                        }
                        out[((n * g.outputHeight + oy) * g.outputWidth + ox) * cout + o] = sum
                    }
                }
            }
        }
        return out
    }

    @Test(arguments: [(7, 1, ConvolutionGeometry.Padding.same), (7, 2, .same), (8, 2, .same), (9, 2, .valid),
                      (6, 1, .valid), (5, 2, .explicit(top: 1, bottom: 0, left: 2, right: 1))])
    func convolutionMatchesTheDefinition(size: Int, stride: Int, padding: ConvolutionGeometry.Padding) {
        var generator = RandomGenerator(seed: UInt64(size * 10 + stride))
        let x = Tensor.normal([2, size, size + 1, 3], dtype: .float64, using: &generator)
        let w = Tensor.normal([4, 3, 3, 2], dtype: .float64, using: &generator)
        let y = Variable(x).convolution2D(weight: Variable(w), stride: (stride, stride), padding: padding).value
        let g = ConvolutionGeometry(batch: 2, height: size, width: size + 1, channels: 3, kernel: (3, 2),
                                    stride: (stride, stride), padding: padding)
        #expect(y.shape == [2, g.outputHeight, g.outputWidth, 4])
        #expect(zip(y.doubles, naiveConvolution(x, w, stride: stride, geometry: g)).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    /// TensorFlow's SAME: output ⌈in/s⌉, total padding max((out − 1)s + k − in, 0), the extra
    /// row below (asymmetric for odd totals); VALID: ⌊(in − k)/s⌋ + 1.
    @Test func sizesMatchTensorFlow() {
        for (input, kernel, stride, output, top) in [(32, 5, 2, 16, 1), (31, 5, 2, 16, 2), (7, 5, 2, 4, 2), (8, 5, 2, 4, 1),
                                                     (4, 3, 1, 4, 1), (5, 4, 1, 5, 1), (2, 5, 2, 1, 1)] {
            let g = ConvolutionGeometry(batch: 1, height: input, width: input, channels: 1, kernel: (kernel, kernel),
                                        stride: (stride, stride), padding: .same)
            #expect(g.outputHeight == output && g.padTop == top, "in \(input), k \(kernel), s \(stride): \(g)")
        }
        let valid = ConvolutionGeometry(batch: 1, height: 9, width: 10, channels: 1, kernel: (5, 5), stride: (2, 2), padding: .valid)
        #expect(valid.outputHeight == 3 && valid.outputWidth == 3 && valid.padTop == 0)
        // Transposed SAME doubles the size.
        let up = Variable(Tensor.zeros([1, 3, 5, 2], dtype: .float64)).transposedConvolution2D(
            weight: Variable(Tensor.zeros([2, 4, 5, 5], dtype: .float64)), stride: (2, 2))
        #expect(up.shape == [1, 6, 10, 4])
    }

    /// ⟨conv(x), y⟩ = ⟨x, convᵀ(y)⟩ with one weight tensor: the transposed convolution is the
    /// adjoint of the convolution it undoes.
    @Test(arguments: [1, 2])
    func transposedConvolutionIsTheAdjoint(stride: Int) {
        var generator = RandomGenerator(seed: UInt64(stride))
        let (small, large) = (3, 3 * stride)
        let x = Tensor.normal([2, large, large + stride, 3], dtype: .float64, using: &generator)
        let y = Tensor.normal([2, small, small + 1, 4], dtype: .float64, using: &generator)
        let w = Tensor.normal([4, 3, 5, 5], dtype: .float64, using: &generator)
        let forward = Variable(x).convolution2D(weight: Variable(w), stride: (stride, stride), padding: .same).value
        let backward = Variable(y).transposedConvolution2D(weight: Variable(w), stride: (stride, stride)).value
        #expect(forward.shape == y.shape && backward.shape == x.shape)
        let (left, right) = ((forward * y).sum().item, (x * backward).sum().item)
        #expect(abs(left - right) < 1e-10 * max(1, abs(left)))
    }

    @Test func derivativesOfConvolutions() {
        for (stride, padding) in [(1, ConvolutionGeometry.Padding.same), (2, .same), (2, .valid)] {
            FiniteDifferenceCheck([[2, 5, 4, 2], [3, 2, 3, 3]]) {
                $0[0].convolution2D(weight: $0[1], stride: (stride, stride), padding: padding)
            }.run()
        }
        FiniteDifferenceCheck([[2, 3, 2, 3], [3, 2, 5, 5]]) { $0[0].transposedConvolution2D(weight: $0[1], stride: (2, 2)) }.run()
        FiniteDifferenceCheck([[1, 3, 3, 2], [2, 2, 3, 3]]) { $0[0].transposedConvolution2D(weight: $0[1], stride: (1, 1)) }.run()
        // A small convolutional network with a bias and a leaky ReLU, to second order.
        FiniteDifferenceCheck([[2, 6, 6, 2], [3, 2, 3, 3], [3]]) {
            ($0[0].convolution2D(weight: $0[1], stride: (2, 2)) + $0[2]).leakyReLU(slope: 0.2).tanh()
        }.run()
    }

    @Test func derivativesOfPoolingAndNormalization() {
        FiniteDifferenceCheck([[2, 4, 6, 3]]) { $0[0].averagePooled(size: 2) }.run()
        FiniteDifferenceCheck([[4, 3, 2, 3]]) { $0[0].batchNormalized(epsilon: 1e-3).output }.run()
        FiniteDifferenceCheck([[5, 4]]) { $0[0].batchNormalized(epsilon: 1e-3).output }.run()
    }

    /// Training-mode statistics: per channel over batch and space, biased variance.
    @Test func batchStatisticsAreThoseOfTheBatch() {
        var generator = RandomGenerator(seed: 3)
        let x = Tensor.normal([3, 2, 2, 2], mean: 1, std: 2, dtype: .float64, using: &generator)
        let (output, mean, variance) = Variable(x).batchNormalized(epsilon: 0)
        let values = x.doubles
        for channel in 0..<2 {
            let samples = stride(from: channel, to: values.count, by: 2).map { values[$0] }
            let m = samples.reduce(0, +) / Double(samples.count)
            let v = samples.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(samples.count)
            #expect(abs(mean[channel] - m) < 1e-12 && abs(variance[channel] - v) < 1e-12)
            let normalized = stride(from: channel, to: values.count, by: 2).map { output.value[flat: $0] }
            #expect(abs(normalized.reduce(0, +)) < 1e-10 && abs(normalized.reduce(0) { $0 + $1 * $1 } / 12 - 1) < 1e-10)
        }
    }
}
