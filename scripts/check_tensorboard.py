#!/usr/bin/env python3
"""Reads a gan-numerics run's TensorBoard event file with TensorBoard's own EventAccumulator and
checks it against the run's metrics.jsonl and spectrum.jsonl: every scalar at the right steps
with the right values, one sample image per snapshot (a PNG of the stated size), and a histogram
of real parts per spectrum record.

    pip install tensorboard
    python3 scripts/check_tensorboard.py RUN_DIRECTORY
    python3 scripts/check_tensorboard.py REPRODUCTION_DIRECTORY   # every run under runs/

Prints the tags it found and exits non-zero on the first disagreement. Given a reproduction, it
also lists the runs TensorBoard's EventMultiplexer finds there: one per method, overlaid.
"""
import io
import json
import math
import os
import struct
import sys

from tensorboard.backend.event_processing import event_accumulator, plugin_event_multiplexer

SCALARS = {  # tag -> metrics.jsonl key (MetricSeries.all in Sources/Experiments/Training/MetricsLog.swift)
    "loss/generator": "generator_loss",
    "loss/discriminator": "discriminator_loss",
    "field/norm": "field_norm",
    "field/consensus_gradient_norm": "consensus_gradient_norm",
    "modes/recovered": "modes_recovered",
    "modes/high_quality_percent": "high_quality_percent",
    "modes/kl_from_uniform": "kl_from_uniform",
    "score/classifier_score": "classifier_score",
    "score/frechet_distance": "frechet_distance",
    "score/classes_covered": "classes_covered",
}


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def main(run):
    accumulator = event_accumulator.EventAccumulator(
        run, size_guidance={event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0, event_accumulator.HISTOGRAMS: 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    print("scalars:", ", ".join(sorted(tags["scalars"])))
    print("images:", ", ".join(sorted(tags["images"])))
    print("histograms:", ", ".join(sorted(tags["histograms"])))

    rows = [json.loads(line) for line in open(os.path.join(run, "metrics.jsonl"))]
    for tag, key in SCALARS.items():
        expected = [(row["iteration"], row[key]) for row in rows if row.get(key) is not None]
        if not expected:
            if tag in tags["scalars"]:
                fail(f"{tag} is logged but metrics.jsonl has no {key}")
            continue
        found = [(event.step, event.value) for event in accumulator.Scalars(tag)]
        if [step for step, _ in found] != [step for step, _ in expected]:
            fail(f"{tag}: steps {[s for s, _ in found][:5]}... differ from metrics.jsonl's {[s for s, _ in expected][:5]}...")
        for (step, value), (_, want) in zip(found, expected):
            if not math.isclose(value, want, rel_tol=1e-6, abs_tol=1e-30):  # stored as float32
                fail(f"{tag} at step {step}: {value} != {want}")
        print(f"  {tag}: {len(found)} values match metrics.jsonl")
    config = json.load(open(os.path.join(run, "config.json")))
    rates = accumulator.Scalars("train/learning_rate")
    if len(rates) != len(rows) or any(not math.isclose(e.value, config["learningRate"], rel_tol=1e-6) for e in rates):
        fail("train/learning_rate is not the configuration's on every row")
    speeds = accumulator.Scalars("train/steps_per_second")
    if not speeds or any(e.value <= 0 for e in speeds):
        fail("train/steps_per_second missing or not positive")
    print(f"  train/learning_rate: {len(rates)} values; train/steps_per_second: {len(speeds)} values, last {speeds[-1].value:.0f}")

    snapshots = sorted(int(name[len("iteration-"):-4]) for name in os.listdir(os.path.join(run, "samples"))
                       if name.startswith("iteration-"))
    images = accumulator.Images("samples")
    if [image.step for image in images] != snapshots:
        fail(f"sample image steps {[i.step for i in images]} differ from the snapshots {snapshots}")
    for image in images:
        data = image.encoded_image_string
        if data[:8] != b"\x89PNG\r\n\x1a\n":
            fail(f"image at step {image.step} is not a PNG")
        width, height = struct.unpack(">II", data[16:24])
        if (width, height) != (image.width, image.height):
            fail(f"image at step {image.step}: PNG is {width}x{height}, event says {image.width}x{image.height}")
        on_disk = open(os.path.join(run, "samples", f"iteration-{image.step:06d}.png"), "rb").read()
        if on_disk != data:
            fail(f"image at step {image.step} differs from samples/iteration-{image.step:06d}.png")
    print(f"  samples: {len(images)} PNG images, {images[0].width}x{images[0].height}, identical to samples/*.png")

    spectrum_path = os.path.join(run, "spectrum.jsonl")
    if os.path.exists(spectrum_path):
        records = [json.loads(line) for line in open(spectrum_path)]
        for tag, key in [("spectrum/maximum_real_part", "maximumRealPart"), ("spectrum/spectral_radius", "spectralRadius")]:
            found = accumulator.Scalars(tag)
            if [(e.step) for e in found] != [r["iteration"] for r in records] or any(
                    not math.isclose(e.value, r[key], rel_tol=1e-6, abs_tol=1e-30) for e, r in zip(found, records)):
                fail(f"{tag} differs from spectrum.jsonl")
        histograms = accumulator.Histograms("spectrum/real_parts")
        for event, record in zip(histograms, records):
            parts = [pair[0] for pair in record["largestMagnitude"] + record["largestRealPart"]]
            value = event.histogram_value
            if value.num != len(parts) or not math.isclose(value.max, max(parts)) or not math.isclose(value.min, min(parts)) \
                    or sum(value.bucket) != len(parts):
                fail(f"histogram at step {event.step} does not describe the record's {len(parts)} real parts")
        if len(histograms) != len(records):
            fail(f"{len(histograms)} histograms for {len(records)} spectrum records")
        print(f"  spectrum: {len(records)} records as scalars and histograms of real parts")
    print("OK: TensorBoard reads", run)


def check_collection(directory):
    runs = sorted(name for name in os.listdir(os.path.join(directory, "runs"))
                  if os.path.exists(os.path.join(directory, "runs", name, "config.json")))
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(directory)
    multiplexer.Reload()
    found = sorted(os.path.basename(run) for run in multiplexer.Runs())
    print("TensorBoard runs:", ", ".join(found))
    if found != runs:
        fail(f"TensorBoard finds runs {found}, the reproduction has {runs}")
    for run in runs:
        main(os.path.join(directory, "runs", run))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    if os.path.isdir(os.path.join(sys.argv[1], "runs")):
        check_collection(sys.argv[1])
    else:
        main(sys.argv[1])
