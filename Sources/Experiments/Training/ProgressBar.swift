import Foundation

/// A progress bar on standard error: `[#####·····] 12500/50000 25% 2031 it/s ETA 0:18 <status>`,
/// redrawn in place at most ten times a second on a terminal; on a pipe or file, one line per
/// tenth of the work, so logs stay readable.
public final class ProgressBar {
    private let total: Int
    private let label: String
    private let isTerminal: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastTenth = -1
    private let first: Int

    /// - Parameter first: the count already done when the bar starts (a resumed run).
    public init(total: Int, label: String, first: Int = 0) {
        self.total = max(total, 1)
        self.label = label
        self.first = first
        isTerminal = isatty(STDERR_FILENO) != 0
    }

    /// Shows `completed` of the total with a status text.
    public func update(_ completed: Int, status: String = "") {
        let now = Date()
        let tenth = completed * 10 / total
        if isTerminal {
            guard now.timeIntervalSince(lastDraw) >= 0.1 || completed == total else { return }
            lastDraw = now
            write("\r\u{1B}[K" + line(completed, status: status, now: now))
        } else if tenth != lastTenth {
            lastTenth = tenth
            write(line(completed, status: status, now: now) + "\n")
        }
    }

    /// Ends the bar's line.
    public func finish() {
        if isTerminal { write("\n") }
    }

    private func line(_ completed: Int, status: String, now: Date) -> String {
        let fraction = Double(completed) / Double(total)
        let filled = Int(fraction * 20)
        let bar = String(repeating: "#", count: filled) + String(repeating: "·", count: 20 - filled)
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(completed - first) / elapsed : 0
        let eta = rate > 0 ? Double(total - completed) / rate : 0
        return "\(label) [\(bar)] \(completed)/\(total) \(Int(fraction * 100))% \(Int(rate)) it/s ETA \(clock(eta)) \(status)"
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Seconds as `m:ss` or `h:mm:ss`.
func clock(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    let (hours, minutes, secs) = (total / 3600, (total / 60) % 60, total % 60)
    let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
    return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(secs))" : "\(minutes):\(twoDigits(secs))"
}
