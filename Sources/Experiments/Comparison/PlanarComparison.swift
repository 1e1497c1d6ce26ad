import Foundation
import Formats
import Games
import Numerics
import Spectral
import StepRules
import Tensors

/// Every method on a game of two scalar players, from (1, 1): the trajectories over the game's
/// vector field, and the eigenvalues of each method's update map at the equilibrium (0, 0) —
/// the iteration converges locally iff they all lie inside the unit circle.
///
/// The update map is differentiated by central differences (step 10⁻⁶, in float64) on the
/// method's whole state: the two parameters, plus the stored previous direction for optimistic
/// and past-extragradient methods; for Lookahead the map over one synchronisation period, whose
/// eigenvalues are reported as per-step rates |λ|^(1/k). ACGD's step sizes depend on running
/// averages that vanish at the equilibrium, so it has no fixed linearisation there.
struct PlanarComparison<Game: DifferentiableGame> where Game.Batch == Void {
    let comparison: MethodComparison
    let title: String
    let make: (Double, Double) -> Game

    /// What `results.json` holds for one method.
    struct Result: Codable {
        let method: String
        let weight: Double
        /// (x, y) after each iteration, from (1, 1).
        let trajectory: [[Double]]
        /// ‖(x, y)‖ at the end (null if the iteration blew up).
        @FiniteOrNull var finalDistance: Double
        /// Eigenvalues [re, im] of the update map's Jacobian at (0, 0).
        let updateEigenvalues: [[Double]]?
        /// Their largest modulus, per iteration.
        let spectralRadius: Double?
        let note: String?
    }

    init(comparison: MethodComparison, title: String, make: @escaping (Double, Double) -> Game) {
        self.comparison = comparison
        self.title = title
        self.make = make
    }

    func run() throws -> String {
        let results = comparison.methods.map(result)
        try JSON.write(results, to: comparison.directory + "/results.json")
        let table = self.table(results)
        try FileIO.write(text: table, to: comparison.directory + "/table.md")
        let trajectories = trajectoryFigure(results)
        try FileIO.write(trajectories.png().png(), to: comparison.directory + "/trajectories.png")
        try FileIO.write(text: trajectories.svg(), to: comparison.directory + "/trajectories.svg")
        let spectra = eigenvalueFigure(results)
        try FileIO.write(spectra.png().png(), to: comparison.directory + "/eigenvalues.png")
        try FileIO.write(text: spectra.svg(), to: comparison.directory + "/eigenvalues.svg")
        return table
    }

    private func result(_ method: TrainingConfiguration.Method) -> Result {
        let optimizer = comparison.configuration(for: method).makeOptimizer()
        let iterations = comparison.configuration(for: method).iterations
        let game = make(1, 1)
        var state = OptimizerState()
        var trajectory: [[Double]] = [[1, 1]]
        for _ in 0..<iterations {
            _ = optimizer.step(game, state: &state)
            let point = coordinates(game)
            trajectory.append(point)
            if !point.allSatisfy(\.isFinite) || point.map(abs).max()! > 1e6 { break }
        }
        let end = trajectory.last!
        let (values, radius, note) = updateSpectrum(optimizer)
        return Result(method: method.rawValue, weight: comparison.weight(for: method), trajectory: trajectory,
                      finalDistance: (end[0] * end[0] + end[1] * end[1]).squareRoot(),
                      updateEigenvalues: values?.map { [$0.real, $0.imaginary] }, spectralRadius: radius, note: note)
    }

    private func coordinates(_ game: Game) -> [Double] {
        game.allParameters.map { $0.parameter.value.item }
    }

    /// The eigenvalues of the update map at the equilibrium and the per-step spectral radius.
    private func updateSpectrum(_ optimizer: GameOptimizer) -> ([Complex<Double>]?, Double?, String?) {
        if optimizer.transforms.contains(where: { ($0 as? CompetitiveGradient)?.adaptive == true }) {
            return (nil, nil, "adaptive step sizes: no fixed linearisation at the equilibrium")
        }
        let memory = optimizer.methodStateNames.contains("previous_direction")
        let period = optimizer.lookahead?.period ?? 1
        let dimension = memory ? 4 : 2
        let epsilon = 1e-6
        var columns: [[Double]] = []
        for axis in 0..<dimension {
            let plus = map(optimizer, at: (0..<dimension).map { $0 == axis ? epsilon : 0 }, memory: memory, steps: period)
            let minus = map(optimizer, at: (0..<dimension).map { $0 == axis ? -epsilon : 0 }, memory: memory, steps: period)
            columns.append(zip(plus, minus).map { ($0 - $1) / (2 * epsilon) })
        }
        let jacobian = Matrix(rows: dimension, columns: dimension,
                              elements: (0..<dimension).flatMap { row in columns.map { $0[row] } })
        guard let periodValues = try? EigenDecomposition(jacobian).eigenvalues else { return (nil, nil, "eigenvalues not found") }
        // Per step: the principal k-th root of each eigenvalue of the period map.
        let values = periodValues.map { value in
            Complex(length: Foundation.pow(value.length, 1 / Double(period)), phase: value.phase / Double(period))
        }
        let note = period > 1 ? "per-step k-th roots of the map over one Lookahead period of \(period) steps" : nil
        return (values, values.map(\.length).max() ?? 0, note)
    }

    /// The state after `steps` iterations from `start` (x, y, and the previous direction).
    private func map(_ optimizer: GameOptimizer, at start: [Double], memory: Bool, steps: Int) -> [Double] {
        let game = make(start[0], start[1])
        var state = OptimizerState()
        if memory {
            for (named, value) in zip(game.allParameters, start[2...]) {
                state[named.name]["previous_direction"] = Tensor(shape: named.parameter.shape, scalars: [value])
            }
        }
        for _ in 0..<steps { _ = optimizer.step(game, state: &state) }
        let point = coordinates(game)
        guard memory else { return point }
        return point + game.allParameters.map { state[$0.name]["previous_direction"]!.item }
    }

    private func table(_ results: [Result]) -> String {
        var lines = [
            "| method | weight | ‖x‖ after \(results.map { $0.trajectory.count - 1 }.max() ?? 0) steps | spectral radius of the update at (0, 0) | locally convergent |",
            "|---|---:|---:|---:|---|",
        ]
        for (method, result) in zip(comparison.methods, results) {
            let radius = result.spectralRadius.map { String(format: "%.4f", $0) } ?? "—"
            let verdict = result.spectralRadius.map { $0 < 1 - 1e-9 ? "yes" : ($0 > 1 + 1e-9 ? "no (diverges)" : "no (circles)") }
                ?? (result.note ?? "—")
            let distance = result.finalDistance.isFinite ? String(format: "%.3g", result.finalDistance) : "blew up"
            lines.append("| \(result.method) | \(comparison.weightLabel(for: method)) | \(distance) | \(radius) | \(verdict) |")
        }
        lines.append("")
        lines.append("\(title); SGD with step size \(Plot.label(comparison.stepSize)) from (1, 1). The spectral radius is the largest |eigenvalue| of the Jacobian of one iteration at the equilibrium (for methods with memory, on the augmented state).")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One panel per method: the field v = −ξ as arrows, the trajectory, start and end.
    private func trajectoryFigure(_ results: [Result]) -> PlotGrid {
        let reach = 2.0
        var arrows: [(x: Double, y: Double)] = []
        let grid = stride(from: -reach * 0.9, through: reach * 0.9, by: reach / 6)
        for x in grid {
            for y in grid {
                let evaluation = FieldEvaluation(make(x, y), on: (), record: false)
                let v = evaluation.field.joined().map { -$0.item }
                let length = (v[0] * v[0] + v[1] * v[1]).squareRoot()
                guard length > 0 else { continue }
                let scale = reach / 8 / length
                arrows += [(x, y), (x + v[0] * scale, y + v[1] * scale)]
            }
        }
        let plots = results.enumerated().map { index, result -> Plot in
            var plot = Plot(title: result.method, xLabel: "", yLabel: "", xRange: -reach...reach, yRange: -reach...reach)
            (plot.width, plot.height) = (300, 300)
            let path = result.trajectory.map { (x: $0[0], y: $0[1]) }
            plot.series = [
                Plot.Series(name: "", color: RGB(190, 190, 190), points: arrows, style: .arrows),
                Plot.Series(name: "", color: Plot.palette[index % Plot.palette.count], points: path, style: .line),
                Plot.Series(name: "", color: .black, points: [path[0]], style: .dots(radius: 3)),
                Plot.Series(name: "", color: Plot.palette[index % Plot.palette.count], points: [path.last!], style: .dots(radius: 4)),
            ]
            return plot
        }
        return PlotGrid(plots: plots, columns: 4)
    }

    /// Every method's update eigenvalues in the complex plane near 1, with the unit circle: inside
    /// it the iteration contracts. (Eigenvalues of the memory of optimistic and
    /// past-extragradient methods lie near 0 and are counted as outside the view.)
    private func eigenvalueFigure(_ results: [Result]) -> Plot {
        let near = results.compactMap(\.updateEigenvalues).joined().filter { ($0[0] * $0[0] + $0[1] * $0[1]).squareRoot() > 0.5 }
        let reach = max(0.02, 1.5 * (near.map { (($0[0] - 1) * ($0[0] - 1) + $0[1] * $0[1]).squareRoot() }.max() ?? 0))
        var plot = Plot(title: "Update eigenvalues, \(title)", xLabel: "Re", yLabel: "Im",
                        xRange: (1 - reach)...(1 + reach / 2), yRange: -reach...reach)
        (plot.width, plot.height) = (760, 620)
        let arc = (0...720).map { Double($0 - 360) / 720 * 2 * Foundation.asin(min(1, reach)) }
        let circle = arc.map { (x: Foundation.cos($0), y: Foundation.sin($0)) }
        plot.series = [Plot.Series(name: "", color: .gray, points: circle, style: .line)]
        for (index, result) in results.enumerated() {
            guard let values = result.updateEigenvalues else { continue }
            plot.series.append(Plot.Series(name: result.method, color: Plot.palette[index % Plot.palette.count],
                                           points: values.map { (x: $0[0], y: $0[1]) }, style: .dots(radius: 4)))
        }
        return plot
    }
}
