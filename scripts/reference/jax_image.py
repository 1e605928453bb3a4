"""JAX reference of headflow's SGD on images (issue 20, point 6): the paper's one-layer patch network
f_j(X) = sum_p sigma(<w_j, X_p>) (sigma = t^3 'cube', or relu), the batch-normalised loss of docs/MODEL.md
section 2 with head E and stop-gradient, and SGD W <- W - lr dL/dW, E <- E - lr_e (dL/dE * mask), with BYOL's
EMA target W_tg <- (1 - lr/tau) W_tg + (lr/tau) W when the trace says so (section 6). Written independently of
headflow's code: jax.value_and_grad differentiates the loss.

  --trace DIR   DIR as `headflow train ... --trace-dir DIR --trace-steps K` (ImageTrace) writes it: start from
                w0.npy / e0.npy, feed the exported views of each step, and compare the loss, W and E after every
                step with headflow's (float64). Prints one JSON line
                {steps, max_rel_loss_err, max_abs_w_err, max_abs_e_err, ..., agree} and exits 1 when they
                disagree beyond the tolerance (see TOLERANCE), 2 when the trace cannot be checked (a head set
                from the outputs, a missing file).
  --bench       Fashion-MNIST's 60,000 training images read here with numpy + gzip, standardised as headflow
                does (per-pixel mean, overall sd), 7x7 non-overlapping patches (P = 16, d = 49), m = 64,
                batch 256 (the last 60000 mod 256 images of each shuffled epoch sit out, as in headflow), the
                paper's random patch mask q = 1/2, offdiag head, float32, one jit-compiled lax.scan over an
                epoch's batches. Prints JSON {jax, epochs, compile_s, s_per_epoch, peak_rss_mb, ...}.

The bench is meant as a fast, fair JAX baseline: the images live on the device as patches once; a batch's
pre-activations H = X W are computed once for both views (the target uses the same W, so view 1 and view 2
differ only by which patches the mask keeps), and autodiff then needs one more product X^T Gamma.
"""
import argparse
import gzip
import json
import os
import resource
import sys
import time

import numpy as np

# float64 trace tolerance (relative). Both sides compute in IEEE float64 but sum in different orders (OpenBLAS
# dgemm over chunks of 32 images, summed in chunk order, against XLA's dot); each of the K steps forms sums of
# N*P*d ~ 2e5 terms, so a bound of the form n * u ~ 2e5 * 1.1e-16 ~ 2e-11 per step, amplified at most ~3x
# by the cube and the batch normalisation (whose 1/sqrt(v) does not cancel catastrophically at these
# variances), stays below 1e-9 over tens of steps; measured on Fashion-MNIST: <= 1.5e-15 relative. A wrong
# view, mask, visit, step size or sign changes the loss or W in the 3rd digit, 6 orders of magnitude above.
TOLERANCE = {"float64": 1e-9, "float32": 1e-5}


def activation(name):
    import jax
    import jax.numpy as jnp
    if name == "cube":
        return lambda t: t * t * t
    if name == "relu":
        return jax.nn.relu  # derivative 0 at 0 (custom JVP), as headflow's h > 0 ? g : 0
    raise SystemExit(f"jax_image.py: activation {name!r} is not supported (cube, relu)")


def bn(z, eps):
    """Batch normalisation per coordinate, biased variance, no affine parameters."""
    import jax.numpy as jnp
    mu = jnp.mean(z, axis=0)
    c = z - mu
    return c / jnp.sqrt(jnp.mean(c * c, axis=0) + eps)


def make_loss(n, p, sigma, eps, stop_grad, ema):
    """L(W, E, X1, X2, W_tg) = (1/N) sum_i ||BN(F_i) - BN(G_i)||^2, F = f(X1; W) E^T, G = f(X2; W_tg) with an EMA
    target, else G = f(X2; W) (the argument W_tg is then ignored, so that the gradient in W flows through G too
    when stop-gradient is off)."""
    import jax
    import jax.numpy as jnp

    def outputs(w, x):                      # x: (N*P, d) -> f: (N, m)
        return jnp.sum(sigma(x @ w).reshape(n, p, -1), axis=1)

    def loss(w, e, x1, x2, w_tg):
        f1 = outputs(w, x1)
        f2 = outputs(w_tg if ema else w, x2)
        if stop_grad:
            f2 = jax.lax.stop_gradient(f2)
        f = f1 @ e.T                        # F_ij = sum_r E_jr f_r(X_i^(1))
        d = bn(f, eps) - bn(f2, eps)
        return jnp.sum(d * d) / n
    return loss


def trace(directory):
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def load(name):
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            print(f"jax_image.py: {path} is missing (an unfinished trace?)", file=sys.stderr)
            sys.exit(2)
        return np.load(path)

    meta_path = os.path.join(directory, "meta.json")
    if not os.path.exists(meta_path):
        print(f"jax_image.py: {meta_path} is missing (the trace did not finish, or DIR is not a trace)", file=sys.stderr)
        sys.exit(2)
    meta = json.load(open(meta_path))
    if meta.get("spectral_head"):
        print(f"jax_image.py: head {meta['head']} is set from the outputs' running second moment (DirectPred); "
              "the reference checks trained or frozen heads only", file=sys.stderr)
        sys.exit(2)
    if meta["target"] == "ema" and meta["stop_grad"] != "on":
        print("jax_image.py: an EMA target needs stop-gradient on", file=sys.stderr)
        sys.exit(2)
    k_steps, digits = meta["steps"], meta["step_digits"]
    n, p, m = meta["batch"], meta["patches"], meta["neurons"]
    lr, lr_e, eps = meta["lr"], meta["lr_e"], meta["epsilon"]
    ema = meta["target"] == "ema"
    rate = meta["ema_rate"] if ema else 0.0
    loss = make_loss(n, p, activation(meta["activation"]), eps, meta["stop_grad"] == "on", ema)
    grad = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))

    w = jnp.asarray(load("w0.npy")); e = jnp.asarray(load("e0.npy")); mask = jnp.asarray(load("mask.npy"))
    if not np.array_equal(np.asarray(mask), np.array(meta["trainable_mask"], dtype=np.float64)):
        print("jax_image.py: mask.npy and meta.json's trainable_mask differ", file=sys.stderr)
        sys.exit(2)
    w_tg = w
    losses = load("losses.npy")
    rel_loss = abs_w = abs_e = rel_w = rel_e = abs_tg = 0.0
    for k in range(1, k_steps + 1):
        tag = str(k).zfill(digits)
        x1 = jnp.asarray(load(f"view1_{tag}.npy")); x2 = jnp.asarray(load(f"view2_{tag}.npy"))
        value, (gw, ge) = grad(w, e, x1, x2, w_tg)
        w = w - lr * gw
        e = e - lr_e * (ge * mask)
        if ema:
            w_tg = (1 - rate) * w_tg + rate * w
        hw, he = load(f"w_{tag}.npy"), load(f"e_{tag}.npy")
        rel_loss = max(rel_loss, abs(float(value) - losses[k - 1]) / abs(losses[k - 1]))
        dw, de = float(np.max(np.abs(np.asarray(w) - hw))), float(np.max(np.abs(np.asarray(e) - he)))
        abs_w, abs_e = max(abs_w, dw), max(abs_e, de)
        rel_w, rel_e = max(rel_w, dw / np.max(np.abs(hw))), max(rel_e, de / np.max(np.abs(he)))
        if ema:
            abs_tg = max(abs_tg, float(np.max(np.abs(np.asarray(w_tg) - load(f"wtg_{tag}.npy")))))
    tol = TOLERANCE[meta["precision"]]
    agree = bool(rel_loss <= tol and rel_w <= tol and rel_e <= tol and (not ema or abs_tg <= tol * float(np.max(np.abs(np.asarray(w_tg))))))
    out = {"steps": k_steps, "max_rel_loss_err": rel_loss, "max_abs_w_err": abs_w, "max_abs_e_err": abs_e,
           "max_rel_w_err": rel_w, "max_rel_e_err": rel_e, "tolerance": tol, "precision": meta["precision"],
           "head": meta["head"], "target": meta["target"], "stop_grad": meta["stop_grad"], "jax": jax.__version__,
           "agree": agree}
    if ema:
        out["max_abs_wtg_err"] = abs_tg
    print(json.dumps(out))
    sys.exit(0 if agree else 1)


def idx_images(path):
    """An IDX3 uint8 file (gzip) as an (N, H, W) uint8 array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n, h, w = (int.from_bytes(raw[i:i + 4], "big") for i in (0, 4, 8, 12))
    if magic != 0x00000803 or len(raw) != 16 + n * h * w:
        raise SystemExit(f"jax_image.py: {path} is not an IDX3 uint8 image file")
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, h, w)


def bench(args):
    import jax
    import jax.numpy as jnp

    t_load = time.perf_counter()
    images = idx_images(os.path.join(args.data, "train-images-idx3-ubyte.gz"))[: args.samples]
    n_img, hgt, wid = images.shape
    x = images.astype(np.float32) / np.float32(255)          # pixels in [0, 1], as headflow stores them
    del images
    mu = x.mean(axis=0, dtype=np.float64)                     # per-pixel mean over the training set
    sq = sum(float(np.sum((x[i:i + 4096] - mu) ** 2)) for i in range(0, n_img, 4096))
    s = np.sqrt(sq / x.size)                                  # overall sd about those means
    x -= mu.astype(np.float32)                                # (x - mu) * (1/s) in float32, as headflow's float32 run
    x *= np.float32(1 / s)
    q = args.patch
    gr, gc = hgt // q, wid // q
    # Non-overlapping q x q patches, row by row, each flattened row-major: (N, P, d).
    patches = x[:, : gr * q, : gc * q].reshape(n_img, gr, q, gc, q).transpose(0, 1, 3, 2, 4).reshape(n_img, gr * gc, q * q)
    del x
    n_p, d, m, nb = gr * gc, q * q, args.neurons, args.batch
    steps = n_img // nb
    data = jax.device_put(jnp.asarray(patches))
    del patches
    load_s = time.perf_counter() - t_load

    lr = np.float32(args.lr); lr_e = np.float32(args.lr * args.eta_e / args.eta)
    mask_e = jnp.asarray(1 - np.eye(m, dtype=np.float32))      # offdiag: the diagonal frozen at 1
    cube = lambda t: t * t * t

    def loss(w, e, xb, keep):
        # Each patch once (the target uses the same W), as one (N*P, d) x (d, m) product: XLA's CPU dot is
        # about 1.5x faster on the 2-d shape than on the batched einsum "npd,dm->npm" on this machine.
        h = (xb.reshape(nb * n_p, d) @ w).reshape(nb, n_p, m)
        a = cube(h)
        f1 = jnp.sum(a * keep[:, :, None], axis=1)            # view 1: the patches the mask kept
        f2 = jax.lax.stop_gradient(jnp.sum(a * (1 - keep)[:, :, None], axis=1))  # view 2: the others
        f = f1 @ e.T
        dd = bn(f, 0.0) - bn(f2, 0.0)
        return jnp.sum(dd * dd) / nb

    grad = jax.value_and_grad(loss, argnums=(0, 1))

    @jax.jit
    def epoch(w, e, key, data):
        key, kperm = jax.random.split(key)
        order = jax.random.permutation(kperm, n_img)[: steps * nb].reshape(steps, nb)

        def step(carry, idx):
            w, e, key = carry
            key, kmask = jax.random.split(key)
            keep = jax.random.bernoulli(kmask, 0.5, (nb, n_p)).astype(jnp.float32)
            value, (gw, ge) = grad(w, e, jnp.take(data, idx, axis=0), keep)
            return (w - lr * gw, e - lr_e * (ge * mask_e), key), value

        (w, e, key), values = jax.lax.scan(step, (w, e, key), order)
        return w, e, key, jnp.mean(values)

    rng = np.random.default_rng(args.seed)
    w = jnp.asarray(rng.normal(0, 1 / np.sqrt(d), size=(d, m)).astype(np.float32))
    e = jnp.eye(m, dtype=jnp.float32)
    key = jax.random.PRNGKey(args.seed)
    t0 = time.perf_counter()
    compiled = epoch.lower(w, e, key, data).compile()
    compile_s = time.perf_counter() - t0
    times, losses = [], []
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        w, e, key, mean_loss = compiled(w, e, key, data)
        mean_loss = float(jax.block_until_ready(mean_loss))
        times.append(time.perf_counter() - t0)
        losses.append(mean_loss)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"jax": jax.__version__, "backend": jax.default_backend(), "devices": len(jax.devices()),
                      "epochs": args.epochs, "samples": n_img, "steps_per_epoch": steps, "neurons": m, "patches": n_p,
                      "dimension": d, "batch": nb, "dtype": "float32", "load_s": round(load_s, 3),
                      "compile_s": round(compile_s, 3), "s_per_epoch": round(float(np.median(times)), 4),
                      "epoch_s": [round(t, 4) for t in times], "mean_losses": [round(x, 6) for x in losses],
                      "peak_rss_mb": round(peak, 1)}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--trace", metavar="DIR", help="check a headflow trace directory")
    mode.add_argument("--bench", action="store_true", help="seconds per epoch on Fashion-MNIST")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--samples", type=int, default=60000)
    ap.add_argument("--neurons", type=int, default=64)
    ap.add_argument("--patch", type=int, default=7)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--eta", type=float, default=1.0)
    ap.add_argument("--eta-e", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.trace:
        trace(args.trace)
    else:
        bench(args)


if __name__ == "__main__":
    main()
