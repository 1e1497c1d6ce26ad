import Foundation
import Formats

/// `gan-numerics report`: one self-contained HTML page of runs and reproductions — no network,
/// no file beside it. Plots are inline SVG and pictures embedded PNG: the runs at a glance, a
/// reproduction's table and figures, the metrics over iterations (one colour per run, ‖v‖ on a
/// logarithmic axis), the snapshot timeline with a slider, the spectra and their stability
/// summaries, and every setting. It reads the same whether opened offline or printed (the
/// timeline then shows the snapshots the slider is on, the final ones unless moved).
public struct RunReport: Sendable {
    public let input: ReportInput
    /// The most snapshots of one run the timeline embeds: evenly spaced, first and last kept.
    public let snapshotLimit: Int

    public init(input: ReportInput, snapshotLimit: Int = 40) {
        self.input = input
        self.snapshotLimit = max(snapshotLimit, 2)
    }

    /// The colour of the run at `index` in every plot and legend.
    static func color(_ index: Int) -> RGB { Plot.palette[index % Plot.palette.count] }

    /// The page.
    public func html() throws(FormatError) -> String {
        let title = input.collections.count == 1 && input.collections[0].runs.count == input.runs.count
            ? input.collections[0].name
            : input.runs.count == 1 ? input.runs[0].name : "\(input.runs.count) runs"
        var sections = [overview()]
        for (index, collection) in input.collections.enumerated() { sections.append(try section(for: collection, index: index)) }
        sections.append(curves())
        sections.append(try timeline())
        sections.append(try spectra())
        sections.append(settings())
        let body = sections.filter { !$0.isEmpty }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <meta name="generator" content="gan-numerics report"/>
            <title>\(HTML.escaped(title)) — GANNumerics report</title>
            <style>\(RunReport.style)</style>
            </head>
            <body>
            <header><h1>\(HTML.escaped(title))</h1><p class="note">GANNumerics report of \(HTML.escaped(sources))</p></header>
            \(body.joined(separator: "\n"))
            <script>\(RunReport.script)</script>
            </body>
            </html>

            """
    }

    /// Writes the page to `path` atomically.
    public func write(to path: String) throws(FormatError) {
        try FileIO.write(text: try html(), to: path)
    }

    private var sources: String {
        (input.collections.map(\.directory) + input.runs.filter { run in
            !input.collections.contains { $0.runs.contains { $0.directory == run.directory } }
        }.map(\.directory)).joined(separator: ", ")
    }

    static let style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 1.5rem 3rem; color: #1a1a1a; line-height: 1.45; }
        h1 { font-size: 1.6rem; margin: 1.2rem 0 0.2rem; } h2 { font-size: 1.25rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; margin-top: 2rem; } h3 { font-size: 1.05rem; }
        .note { color: #555; font-size: 0.9rem; margin: 0.2rem 0; }
        table { border-collapse: collapse; font-size: 0.85rem; margin: 0.6rem 0; }
        th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
        th { background: #f3f3f3; } td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
        tr.differs td { background: #fff7e0; }
        .plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 1rem; }
        figure > svg { width: 100%; max-width: 760px; height: auto; }
        .plots figure > svg { max-width: none; }
        figure { margin: 0.5rem 0; }
        figcaption { font-size: 0.85rem; color: #333; }
        .legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; font-size: 0.85rem; }
        .swatch { display: inline-block; width: 0.9rem; height: 0.9rem; border-radius: 50%; margin-right: 0.35rem; vertical-align: -0.1rem; }
        .frames { display: flex; flex-wrap: wrap; gap: 1rem; }
        .timeline img { display: block; max-width: 100%; image-rendering: pixelated; border: 1px solid #ddd; }
        .timeline img[hidden] { display: none; }
        .timeline-controls { position: sticky; top: 0; background: #fff; padding: 0.5rem 0; z-index: 1; }
        .timeline-controls input { width: min(600px, 70vw); vertical-align: middle; }
        img.figure { max-width: 100%; border: 1px solid #eee; }
        @media print {
          body { max-width: none; padding: 0; }
          .timeline-controls { display: none; }
          figure, tr { break-inside: avoid; }
          h2, h3 { break-after: avoid; }
          .plots { grid-template-columns: 1fr 1fr; }
        }
        """

    /// Moves every run's timeline to the slider's iteration (each run shows its latest snapshot
    /// at or before it); once loaded, marks the page ready with how many of its pictures decoded
    /// (what `scripts/check_report.sh` reads in a headless browser).
    static let script = """
        (function () {
          'use strict';
          window.addEventListener('error', function (event) { document.body.setAttribute('data-error', String(event.message)); });
          var slider = document.getElementById('timeline-slider');
          if (slider) {
            var iterations = JSON.parse(slider.getAttribute('data-iterations'));
            var label = document.getElementById('timeline-label');
            var show = function () {
              var iteration = iterations[Number(slider.value)];
              label.textContent = 'iteration ' + iteration;
              document.querySelectorAll('.timeline').forEach(function (timeline) {
                var frames = Array.prototype.slice.call(timeline.querySelectorAll('img.frame'));
                var shown = frames[0];
                frames.forEach(function (frame) {
                  if (Number(frame.getAttribute('data-iteration')) <= iteration) { shown = frame; }
                });
                frames.forEach(function (frame) { frame.hidden = frame !== shown; });
                timeline.querySelector('.frame-iteration').textContent = shown.getAttribute('data-iteration');
              });
            };
            slider.addEventListener('input', show);
            show();
          }
          window.addEventListener('load', function () {
            var images = Array.prototype.slice.call(document.images);
            document.body.setAttribute('data-images', String(images.length));
            document.body.setAttribute('data-images-decoded', String(images.filter(function (image) {
              return image.complete && image.naturalWidth > 0;
            }).length));
            document.body.setAttribute('data-ready', 'yes');
          });
        })();
        """
}
