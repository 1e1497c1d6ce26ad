#!/usr/bin/env python3
"""The peer figure for `gan-numerics-bench eig`'s Jacobian row: the dense Jacobian of the paper's
MoG GAN field (generator 16 -> 16x4 -> 2, discriminator 2 -> 16x4 -> 1, ReLU, the standard
non-saturating losses of `peers.py`; 2,003 x 2,003, float64) on one minibatch of 512, with JAX jit
(`jacfwd` and `jacrev` of the flattened field), best of three after a warm-up.

    pip install "jax[cpu]"
    python3 scripts/jax_jacobian.py
"""
import math
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

jax.config.update("jax_enable_x64", True)


def init(key, sizes):
    layers = []
    for m, n in zip(sizes[:-1], sizes[1:]):
        key, k = jax.random.split(key)
        layers.append((jax.random.normal(k, (m, n), dtype=jnp.float64) * math.sqrt(1.0 / m), jnp.zeros(n, dtype=jnp.float64)))
    return layers


def mlp(layers, x):
    for i, (w, b) in enumerate(layers):
        x = x @ w + b
        if i < len(layers) - 1:
            x = jax.nn.relu(x)
    return x


generator = init(jax.random.PRNGKey(0), [16, 16, 16, 16, 16, 2])
discriminator = init(jax.random.PRNGKey(1), [2, 16, 16, 16, 16, 1])
flat, unravel = ravel_pytree((generator, discriminator))
rng = np.random.default_rng(0)
z = jnp.asarray(rng.standard_normal((512, 16)))
mode = np.arange(512) % 8
x = jnp.asarray(np.stack([np.cos(2 * np.pi * mode / 8), np.sin(2 * np.pi * mode / 8)], 1) + 0.01 * rng.standard_normal((512, 2)))


def field(parameters):
    g, d = unravel(parameters)
    def generator_loss(g):
        return jnp.mean(jax.nn.softplus(-mlp(d, mlp(g, z))))
    def discriminator_loss(d):
        return jnp.mean(jax.nn.softplus(-mlp(d, x))) + jnp.mean(jax.nn.softplus(mlp(d, mlp(g, z))))
    return ravel_pytree((jax.grad(generator_loss)(g), jax.grad(discriminator_loss)(d)))[0]


print(f"parameters {flat.size}")
for name, transform in [("jacfwd", jax.jacfwd), ("jacrev", jax.jacrev)]:
    jacobian = jax.jit(transform(field))
    jacobian(flat).block_until_ready()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        jacobian(flat).block_until_ready()
        times.append(time.perf_counter() - start)
    print(f"jax {name} jacobian mog8 one minibatch of 512 float64 seconds={min(times):.3f}")
