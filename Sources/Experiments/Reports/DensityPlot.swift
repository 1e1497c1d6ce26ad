import RealModule
import Formats
import Tensors

/// The paper's picture of a 2-D generator: a kernel density estimate of samples on a square box,
/// drawn with the viridis scale (normalised to the densest pixel), optionally with the true modes
/// marked as small white rings.
public struct DensityPlot: Sendable {
    /// The half-width of the box: the plot shows [−extent, extent]².
    public var extent: Double
    /// Pixels per side.
    public var size: Int = 256
    /// The smoothing kernel's standard deviation in pixels.
    public var bandwidth: Double = 1.5
    /// Modes to mark, in data coordinates.
    public var modes: [SIMD2<Double>] = []

    public init(extent: Double, size: Int = 256, bandwidth: Double = 1.5, modes: [SIMD2<Double>] = []) {
        self.extent = extent
        self.size = size
        self.bandwidth = bandwidth
        self.modes = modes
    }

    /// The image of `samples` ([n, 2]).
    public func render(_ samples: Tensor) -> RGBImage {
        precondition(samples.rank == 2 && samples.shape[1] == 2, "DensityPlot: samples must be [n, 2], got \(samples.shape)")
        var histogram = [Double](repeating: 0, count: size * size)
        let values = samples.doubles
        for index in 0..<samples.shape[0] {
            let (x, y) = (values[2 * index], values[2 * index + 1])
            guard let (column, row) = pixel(x, y) else { continue }
            histogram[row * size + column] += 1
        }
        let density = blurred(histogram)
        let peak = density.max() ?? 0
        var image = RGBImage(width: size, height: size)
        for row in 0..<size {
            for column in 0..<size {
                image[column, row] = Colormap.viridis(peak > 0 ? (density[row * size + column] / peak).squareRoot() : 0)
            }
        }
        for mode in modes {
            guard let (column, row) = pixel(mode.x, mode.y) else { continue }
            image.circle(center: (Double(column), Double(row)), radius: 4, color: RGB(255, 255, 255).mixed(with: .gray, 0.3))
        }
        return image
    }

    /// The pixel of a point (y up), or nil outside the box.
    func pixel(_ x: Double, _ y: Double) -> (Int, Int)? {
        let column = Int(((x + extent) / (2 * extent) * Double(size)).rounded(.down))
        let row = Int(((extent - y) / (2 * extent) * Double(size)).rounded(.down))
        guard column >= 0 && column < size && row >= 0 && row < size else { return nil }
        return (column, row)
    }

    /// A separable Gaussian blur with standard deviation `bandwidth` pixels.
    private func blurred(_ image: [Double]) -> [Double] {
        let radius = Int((3 * bandwidth).rounded(.up))
        let kernel = (-radius...radius).map { Double.exp(-Double($0 * $0) / (2 * bandwidth * bandwidth)) }
        var horizontal = [Double](repeating: 0, count: image.count)
        for row in 0..<size {
            for column in 0..<size {
                var sum = 0.0
                for (offset, weight) in zip(-radius...radius, kernel) where column + offset >= 0 && column + offset < size {
                    sum += weight * image[row * size + column + offset]
                }
                horizontal[row * size + column] = sum
            }
        }
        var result = [Double](repeating: 0, count: image.count)
        for row in 0..<size {
            for column in 0..<size {
                var sum = 0.0
                for (offset, weight) in zip(-radius...radius, kernel) where row + offset >= 0 && row + offset < size {
                    sum += weight * horizontal[(row + offset) * size + column]
                }
                result[row * size + column] = sum
            }
        }
        return result
    }
}
