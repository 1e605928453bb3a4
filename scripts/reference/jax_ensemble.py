"""Reference for the ensemble benchmark: the reduced population flow of
population_flow.py (P=32, s=8, sigma=1, alpha=(1.5,1), p=(1/2,1/2), offdiag head,
eta=1, eta_E=0.01) from N random starts (d=100: A(0) ~ N(0, 1/d), R(0) the Bartlett
factor of Wishart_m(d-k, I/d), E(0)=I), integrated to t_end=2e4 with jax.vmap over
diffrax's Dopri8 (rtol 1e-8, atol 1e-12) on the CPU in float64. Prints JSON with
the wall time of the first call (compile + run), of a second call (run), and the
outcome counts (diverse / collapse / other, |cos| >= 0.9)."""
import argparse, json, time
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import numpy as np
import diffrax

P, s, sig = 32, 8, 1.0
alpha = jnp.array([1.5, 1.0]); p = jnp.array([0.5, 0.5])
cx, ce, u = s * (s - 1) / 4, s * (s + 1) / 4, (P - s) / 2
k = m = 2
w = p * alpha ** 6


def grads(A, R, E):
    B = R.T @ R
    A3 = A ** 3
    K = cx * (A3.T * w) @ A3
    d = jnp.diag(B)
    S = ce * (A3.T * w) @ A3 + u * sig ** 6 * (9 * jnp.outer(d, d) * B + 6 * B ** 3)
    gA = jnp.zeros_like(A); gB = jnp.zeros((m, m)); rows = []
    for j in range(m):
        e = E[j]
        N = e @ K[:, j]; D = e @ S @ e; T = S[j, j]; r = N / jnp.sqrt(D * T)
        c1, c2 = 1 / jnp.sqrt(D * T), r / D
        psi = A3 @ e
        gA = gA - 2 * 3 * A ** 2 * e[None, :] * (w * (c1 * cx * A3[:, j] - c2 * ce * psi))[:, None]
        G = u * sig ** 6 * (9 * jnp.outer(e, e) * jnp.outer(d, d) + 18 * jnp.outer(e, e) * B ** 2
                            + jnp.diag(18 * e * ((B * d[None, :]) @ e)))
        gB = gB + c2 * G
        rows.append(-2 * (c1 * K[:, j] - c2 * (S @ e)))
    return gA, 2 * R @ gB, jnp.stack(rows)


def rhs(t, y, args):
    A = y[:4].reshape(2, 2); R = y[4:8].reshape(2, 2); E = y[8:].reshape(2, 2)
    gA, gR, gE = grads(A, R, E)
    mask = 1 - jnp.eye(2)
    return jnp.concatenate([-gA.ravel(), -gR.ravel(), -0.01 * (gE * mask).ravel()])


def solve(y0, t_end):
    sol = diffrax.diffeqsolve(diffrax.ODETerm(rhs), diffrax.Dopri8(), t0=0.0, t1=t_end, dt0=None, y0=y0,
                              stepsize_controller=diffrax.PIDController(rtol=1e-8, atol=1e-12),
                              saveat=diffrax.SaveAt(t1=True), max_steps=1_000_000)
    return sol.ys[-1]


def starts(n, d, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(0, 1 / np.sqrt(d), size=(n, k, m))
    R = np.zeros((n, m, m))
    for i in range(m):
        R[:, i, i] = np.sqrt(rng.chisquare(d - k - i, size=n) / d)
        for j in range(i + 1, m):
            R[:, i, j] = rng.normal(0, 1 / np.sqrt(d), size=n)
    E = np.broadcast_to(np.eye(m), (n, m, m))
    return np.concatenate([A.reshape(n, -1), R.reshape(n, -1), E.reshape(n, -1)], axis=1)


def outcome(y):
    A = y[:4].reshape(2, 2); R = y[4:8].reshape(2, 2)
    cos = A / np.sqrt((A ** 2).sum(0) + np.diag(R.T @ R))
    on = [next((l for l in range(k) if abs(cos[l, j]) >= 0.9), None) for j in range(m)]
    if None not in on and len(set(on)) == k: return "diverse"
    if all(x == 0 for x in on): return "collapse"
    return "other"


ap = argparse.ArgumentParser()
ap.add_argument("--starts", type=int, default=256)
ap.add_argument("--d", type=int, default=100)
ap.add_argument("--t-end", type=float, default=2e4)
ap.add_argument("--seed", type=int, default=1)
a = ap.parse_args()
y0 = jnp.asarray(starts(a.starts, a.d, a.seed))
run = jax.jit(jax.vmap(lambda y: solve(y, a.t_end)))
t0 = time.perf_counter(); out = run(y0).block_until_ready(); first = time.perf_counter() - t0
t0 = time.perf_counter(); out = run(y0).block_until_ready(); second = time.perf_counter() - t0
counts = {}
for y in np.asarray(out):
    o = outcome(y); counts[o] = counts.get(o, 0) + 1
print(json.dumps({"starts": a.starts, "compile_and_run_s": first, "run_s": second, "outcomes": counts,
                  "jax": jax.__version__, "diffrax": diffrax.__version__, "device": str(jax.devices()[0])}))
