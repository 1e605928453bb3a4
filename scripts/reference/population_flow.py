"""Reference implementation of the reduced population flow (docs/MODEL.md §3-4) in
numpy/scipy, for benchmarking headflow against and cross-checking its numbers.
Canonical case: A(0)=[[0.1,0.05],[0.05,0.05]], B(0)=I, offdiag head, eta=1,
eta_E=0.01, t_end=2e4. Prints the final state as JSON."""
import json
import numpy as np
from scipy.integrate import solve_ivp

P, s, sig = 32, 8, 1.0
alpha = np.array([1.5, 1.0]); p = np.array([0.5, 0.5])
cx, ce, u = s * (s - 1) / 4, s * (s + 1) / 4, (P - s) / 2
k = m = 2
w = p * alpha ** 6


def grads(A, R, E):
    B = R.T @ R
    A3 = A ** 3
    K = cx * (A3.T * w) @ A3
    d = np.diag(B)
    S = ce * (A3.T * w) @ A3 + u * sig ** 6 * (9 * np.outer(d, d) * B + 6 * B ** 3)
    gA = np.zeros_like(A); gB = np.zeros((m, m)); gE = np.zeros((m, m))
    for j in range(m):
        e = E[j]
        N = e @ K[:, j]; D = e @ S @ e; T = S[j, j]; r = N / np.sqrt(D * T)
        c1, c2 = 1 / np.sqrt(D * T), r / D
        psi = A3 @ e
        gA += -2 * 3 * A ** 2 * e[None, :] * (w * (c1 * cx * A3[:, j] - c2 * ce * psi))[:, None]
        G = u * sig ** 6 * (9 * np.outer(e, e) * np.outer(d, d) + 18 * np.outer(e, e) * B ** 2
                            + np.diag(18 * e * ((B * d[None, :]) @ e)))
        gB += c2 * G
        gE[j] = -2 * (c1 * K[:, j] - c2 * (S @ e))
    return gA, 2 * R @ gB, gE


def rhs(t, y, eta=1.0, etaE=0.01):
    A = y[:4].reshape(2, 2); R = y[4:8].reshape(2, 2); E = y[8:].reshape(2, 2)
    gA, gR, gE = grads(A, R, E)
    mask = 1 - np.eye(2)
    return np.concatenate([-eta * gA.ravel(), -eta * gR.ravel(), -etaE * (gE * mask).ravel()])


y0 = np.concatenate([np.array([[0.1, 0.05], [0.05, 0.05]]).ravel(), np.eye(2).ravel(), np.eye(2).ravel()])
sol = solve_ivp(rhs, (0, 2e4), y0, method="DOP853", rtol=1e-8, atol=1e-12)
y = sol.y[:, -1]
A = y[:4].reshape(2, 2); R = y[4:8].reshape(2, 2); E = y[8:].reshape(2, 2)
norms = np.sqrt((A ** 2).sum(0) + np.diag(R.T @ R))
print(json.dumps({"t": sol.t[-1], "cos": (A / norms).tolist(), "E": E.tolist(), "nfev": int(sol.nfev)}))
