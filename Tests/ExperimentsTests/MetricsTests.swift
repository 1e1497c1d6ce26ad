import Experiments
import Formats
import Testing
import Tensors

@Suite struct MetricsTests {
    @Test func samplesAtTheModesAreAllRecovered() {
        let mixture = MixtureOfGaussians.ring()
        var generator = RandomGenerator(seed: 1)
        let samples = mixture.batch(count: 2560, dtype: .float64, using: &generator)
        let metrics = ModeMetrics(samples: samples, mixture: mixture)
        #expect(metrics.modesRecovered == 8)
        // Within 3σ in 2-D: 1 − e^{−9/2} ≈ 98.9% of a Gaussian's mass.
        #expect(Swift.abs(metrics.highQualityPercent - 98.9) < 1)
        #expect(metrics.klFromUniform! < 1e-3)
    }

    @Test func collapseIsDetected() {
        let mixture = MixtureOfGaussians.ring()
        let oneMode = Tensor(shape: [100, 2], scalars: [Double](repeating: 0, count: 200).enumerated().map { $0.offset % 2 == 0 ? 1 : 0 })
        let metrics = ModeMetrics(samples: oneMode, mixture: mixture)
        #expect(metrics.modesRecovered == 1 && metrics.highQualityPercent == 100)
        #expect(Swift.abs(metrics.klFromUniform! - Double.log(8)) < 1e-12)
        let nowhere = ModeMetrics(samples: Tensor.zeros([10, 2], dtype: .float64), mixture: mixture)
        #expect(nowhere.modesRecovered == 0 && nowhere.highQualityPercent == 0 && nowhere.klFromUniform == nil)
    }

    @Test func batchesAreStratified() {
        var generator = RandomGenerator(seed: 2)
        let grid = MixtureOfGaussians.grid()
        #expect(grid.means.count == 25 && grid.means.contains(SIMD2(-4, 4)) && grid.means.contains(SIMD2(0, 0)))
        let batch = MixtureOfGaussians.ring().batch(count: 512, dtype: .float64, using: &generator).doubles
        for index in 0..<512 {
            let angle = 2 * Double.pi * Double(index % 8) / 8
            #expect(Swift.abs(batch[2 * index] - Double.cos(angle)) < 0.06)
            #expect(Swift.abs(batch[2 * index + 1] - Double.sin(angle)) < 0.06)
        }
    }

    @Test func densityPlotPutsMassWhereTheSamplesAre() {
        let plot = DensityPlot(extent: 1, size: 64)
        let samples = Tensor(shape: [50, 2], scalars: [Double](repeating: 0.5, count: 100))
        let image = plot.render(samples)
        let (column, row) = (48, 16)  // x = 0.5 → right quarter, y = 0.5 → upper quarter
        #expect(image[column, row] == Colormap.viridis(1))
        #expect(image[10, 60] == Colormap.viridis(0))
    }
}
