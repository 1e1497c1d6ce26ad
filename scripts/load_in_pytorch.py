"""Load a GANNumerics image checkpoint into PyTorch and check that it computes what GANNumerics does.

GANNumerics writes checkpoints with PyTorch's names and layouts (Conv2d weight [out, in, kh, kw],
ConvTranspose2d weight [in, out, kh, kw], Linear weight [out, in], flattening in NCHW order,
BatchNorm weight/bias/running_mean/running_var/num_batches_tracked). The networks are the
reference's TensorFlow ones, so two things differ from PyTorch's defaults and are built here:
'SAME' padding of the stride-2 5x5 convolutions (pad 1 before and 2 after; a transposed
convolution is padding 1 with the last row and column cropped), and batch norm with eps 1e-3.

Usage (needs torch and safetensors):
    gan-numerics train --experiment mnist --architecture dcgan4 --width 16 --iterations 100 --out run
    gan-numerics score run --samples 256          # writes run/score/latent.npy and samples.npy
    python scripts/load_in_pytorch.py run dcgan4   # loads run/checkpoint/model.safetensors

It loads the generator and discriminator with strict=True (every name and shape must match),
and when run/score/latent.npy exists, regenerates the samples from the same codes and prints
the largest difference from GANNumerics' samples.npy.
"""
import json
import sys

import numpy as np
import torch
from safetensors.torch import load_file
from torch import nn


class SameConv(nn.Conv2d):
    """TensorFlow's 'SAME' convolution (asymmetric padding for stride 2)."""

    def forward(self, x):
        k, s = self.kernel_size[0], self.stride[0]
        total = max(k - s, 0) if x.shape[-1] % s == 0 else max(k - x.shape[-1] % s, 0)
        before = total // 2
        return super().forward(nn.functional.pad(x, (before, total - before, before, total - before)))


class SameConvTranspose(nn.ConvTranspose2d):
    """The adjoint of SameConv for stride 2, kernel 5: output 2H x 2W."""

    def __init__(self, inputs, outputs, bias):
        super().__init__(inputs, outputs, 5, stride=2, padding=1, bias=bias)

    def forward(self, x):
        h, w = x.shape[-2:]
        return super().forward(x)[..., : 2 * h, : 2 * w]


class Residual(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.branch = nn.Sequential(nn.LeakyReLU(0.2), SameConv(width, hidden, 3), nn.LeakyReLU(0.2), SameConv(hidden, width, 3))

    def forward(self, x):
        return x + 0.1 * self.branch(x)


def batch_norm(features, two_d=True):
    # Statistics of the batch, running averages left alone (momentum 0), as GANNumerics samples.
    return (nn.BatchNorm2d if two_d else nn.BatchNorm1d)(features, eps=1e-3, momentum=0.0)


def generator(arch, z, f, channels, size):
    lrelu = lambda: nn.LeakyReLU(0.2)
    layers = []

    def upsample(i, o, normalized, activation):
        layers.append(SameConvTranspose(i, o, bias=not normalized))
        if normalized:
            layers.append(batch_norm(o))
        layers.append(activation)

    if arch.startswith("dcgan3"):
        side, cf, normalized = size // 8, arch.endswith("_cf"), arch == "dcgan3"
        first, second = (f, f) if cf else (4 * f, 2 * f)
        act = lrelu if cf else nn.ReLU
        layers.append(nn.Linear(z, side * side * first, bias=not normalized))
        if normalized:
            layers.append(batch_norm(side * side * first, two_d=False))
        unflatten = nn.Unflatten(1, (first, side, side))
        layers += [unflatten, act()] if cf else [act(), unflatten]
        upsample(first, second, normalized, act())
        upsample(second, f, normalized, act())
        upsample(f, channels, False, nn.Tanh())
    elif arch.startswith("dcgan4"):
        side, normalized = size // 16, arch == "dcgan4"
        widths = [f] * 4 if arch.endswith("_cf") else [8 * f, 4 * f, 2 * f, f]
        layers += [nn.Linear(z, side * side * widths[0]), nn.Unflatten(1, (widths[0], side, side))]
        if normalized:
            layers.append(batch_norm(widths[0]))
        layers.append(lrelu())
        for i, o in zip(widths, widths[1:]):
            upsample(i, o, normalized, lrelu())
        upsample(widths[3], channels, False, nn.Tanh())
    else:
        side = size // 16
        widths = [f] * 4 if arch.endswith("_cf") else [8 * f, 4 * f, 2 * f, f]
        layers += [nn.Linear(z, side * side * widths[0]), nn.Unflatten(1, (widths[0], side, side))]
        for i, o in zip(widths, widths[1:]):
            layers += [lrelu(), SameConvTranspose(i, o, bias=True), Residual(o, o // 2)]
        layers += [lrelu(), SameConvTranspose(widths[3], channels, bias=True), nn.Tanh()]
    return nn.Sequential(*layers)


def discriminator(arch, f, channels, size):
    lrelu = lambda: nn.LeakyReLU(0.2)
    layers = []
    if arch.startswith("dcgan"):
        depth = 4 if arch.startswith("dcgan4") else 3
        widths = [f if arch.endswith("_cf") else f << i for i in range(depth)]
        for index, width in enumerate(widths):
            normalized = arch in ("dcgan3", "dcgan4") and index > 0
            layers.append(SameConv(channels if index == 0 else widths[index - 1], width, 5, stride=2, bias=not normalized))
            if normalized:
                layers.append(batch_norm(width))
            layers.append(lrelu())
        side = size >> depth
        layers += [nn.Flatten(), nn.Linear(side * side * widths[-1], 1)]
    else:
        cf = arch.endswith("_cf")
        widths = [f] * 4 if cf else [f, 2 * f, 4 * f, 8 * f]
        for index, width in enumerate(widths):
            if index > 0:
                layers.append(lrelu())
            layers.append(SameConv(channels if index == 0 else widths[index - 1], width, 5, stride=2))
            layers.append(Residual(width, width if cf and index == 0 else width // 2))
        side = size // 16
        layers += [nn.Flatten(), lrelu(), nn.Linear(side * side * widths[3], 1)]
    return nn.Sequential(*layers)


def main(run, arch):
    config = json.load(open(f"{run}/config.json"))
    state = load_file(f"{run}/checkpoint/model.safetensors")
    size = 64 if arch.startswith("resnet") else 32
    channels = state["discriminator.0.weight"].shape[1]
    g = generator(arch, config["latentSize"], config["width"], channels, size)
    d = discriminator(arch, config["width"], channels, size)
    for name, net in (("generator", g), ("discriminator", d)):
        part = {k[len(name) + 1:]: v for k, v in state.items() if k.startswith(name + ".")}
        net.load_state_dict(part, strict=True)
    print(f"{arch}: generator and discriminator loaded with strict=True "
          f"({sum(p.numel() for p in g.parameters()) + sum(p.numel() for p in d.parameters())} parameters)")
    try:
        codes = np.load(f"{run}/score/latent.npy")
        ours = np.load(f"{run}/score/samples.npy")
    except FileNotFoundError:
        return
    g.train()  # batch statistics, as GANNumerics samples (running averages untouched: momentum 0)
    batch = config["batchSize"]
    with torch.no_grad():
        chunks = [g(torch.from_numpy(codes[i:i + batch])) for i in range(0, len(codes), batch)]
    theirs = torch.cat(chunks).permute(0, 2, 3, 1).numpy()  # NCHW -> NHWC
    print(f"{arch}: {len(codes)} samples regenerated in PyTorch, largest difference {np.abs(theirs - ours).max():.2e}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
