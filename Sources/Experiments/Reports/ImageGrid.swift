import Formats
import Tensors

/// Images [n, h, w, c] in [−1, 1] laid out in a grid with a one-pixel gap, each enlarged
/// `scale` times (nearest pixel): the sample grids of image runs.
public enum ImageGrid {
    public static func render(_ images: Tensor, columns: Int = 8, scale: Int = 2) -> RGBImage {
        let (count, height, width, channels) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let rows = (count + columns - 1) / columns
        let (cellWidth, cellHeight) = (width * scale + 1, height * scale + 1)
        var grid = RGBImage(width: columns * cellWidth + 1, height: rows * cellHeight + 1, color: RGB(64, 64, 64))
        let values = images.floats
        for index in 0..<count {
            let (left, top) = ((index % columns) * cellWidth + 1, (index / columns) * cellHeight + 1)
            for y in 0..<(height * scale) {
                for x in 0..<(width * scale) {
                    let pixel = ((index * height + y / scale) * width + x / scale) * channels
                    let level = { (channel: Int) in UInt8(max(0, min(255, (values[pixel + channel] + 1) * 127.5)).rounded()) }
                    grid[left + x, top + y] = channels == 1 ? RGB(level(0), level(0), level(0)) : RGB(level(0), level(1), level(2))
                }
            }
        }
        return grid
    }
}
