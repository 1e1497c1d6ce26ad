import Formats

/// A perceptually ordered colour scale (matplotlib's viridis, sampled at nine points and
/// interpolated linearly): dark blue for 0 through green to yellow for 1.
public enum Colormap {
    private static let anchors: [RGB] = [
        RGB(68, 1, 84), RGB(71, 44, 122), RGB(59, 81, 139), RGB(44, 113, 142), RGB(33, 144, 141),
        RGB(39, 173, 129), RGB(92, 200, 99), RGB(170, 220, 50), RGB(253, 231, 37),
    ]

    /// The colour of `value` in [0, 1] (clamped).
    public static func viridis(_ value: Double) -> RGB {
        let t = Swift.min(Swift.max(value.isNaN ? 0 : value, 0), 1) * Double(anchors.count - 1)
        let index = Swift.min(Int(t), anchors.count - 2)
        return anchors[index].mixed(with: anchors[index + 1], t - Double(index))
    }
}
