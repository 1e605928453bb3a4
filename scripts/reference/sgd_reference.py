"""Plain PyTorch (CPU) reference of headflow's SGD (docs/MODEL.md §2), for scripts/bench-sgd.

One step: N fresh samples (feature l ~ p, sign eps, s feature patches eps*alpha_l*v_l at random
positions, the other P - s patches xi ~ N(0, sigma^2 Pi)), a fair-coin mask per patch into view 1
or view 2, f_j(X) = sum_p <w_j, X_p>^3, online F = E f(X1), target G = f(X2) under stop-gradient,
batch normalization over the batch on both branches, L = mean_i ||BN F_i - BN G_i||^2, autograd,
W -= lr dL/dW, E -= lr_e (dL/dE * mask). Written the obvious way: dense N x P x d tensors.

Prints one JSON object: steps, seconds, steps_per_second, final a = V^T W, B = W^T Pi W, E, norms,
cos, and the mean batch loss over the last 10% of steps.
"""
import argparse
import json
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--d", type=int, default=256)
    ap.add_argument("--patches", type=int, default=32)
    ap.add_argument("--feature-patches", type=int, default=8)
    ap.add_argument("--alpha", default="1.5,1.0")
    ap.add_argument("--noise", type=float, default=1.0)
    ap.add_argument("--mask-prob", type=float, default=0.5)
    ap.add_argument("--head", default="offdiag", choices=["none", "offdiag", "full", "diag"])
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--lr-e", type=float, default=0.001)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--init-a", required=True, help="JSON k x m")
    ap.add_argument("--init-b", required=True, help="JSON m x m, positive definite")
    ap.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: PyTorch's default)")
    args = ap.parse_args()

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    dt = getattr(torch, args.dtype)
    alpha = torch.tensor([float(x) for x in args.alpha.split(",")], dtype=dt)
    k, d, P, s, N = len(alpha), args.d, args.patches, args.feature_patches, args.batch
    prob = torch.full((k,), 1.0 / k)
    a0 = torch.tensor(json.loads(args.init_a), dtype=torch.float64)
    b0 = torch.tensor(json.loads(args.init_b), dtype=torch.float64)
    m = a0.shape[1]
    # W(0) = V A(0) + U R(0) with R(0)^T R(0) = B(0) and U the first m noise coordinates.
    w0 = torch.zeros(d, m, dtype=torch.float64)
    w0[:k] = a0
    w0[k:k + m] = torch.linalg.cholesky(b0).T
    W = w0.to(dt).clone().requires_grad_(True)
    E = torch.eye(m, dtype=dt).requires_grad_(True)
    mask = {"none": torch.zeros(m, m), "offdiag": 1 - torch.eye(m), "full": torch.ones(m, m),
            "diag": torch.eye(m)}[args.head].to(dt)

    losses = []
    start = time.perf_counter()
    for _ in range(args.steps):
        # Data.
        ell = torch.multinomial(prob, N, replacement=True)
        eps = torch.randint(0, 2, (N,), dtype=dt) * 2 - 1
        is_feat = torch.zeros(N, P, dtype=torch.bool)
        is_feat.scatter_(1, torch.rand(N, P).argsort(dim=1)[:, :s], True)
        X = torch.zeros(N, P, d, dtype=dt)
        X[:, :, k:] = args.noise * torch.randn(N, P, d - k, dtype=dt)
        X[is_feat] = 0
        value = (eps * alpha[ell])[:, None].expand(N, P)
        rows, cols = is_feat.nonzero(as_tuple=True)
        X[rows, cols, ell[rows]] = value[rows, cols]
        view1 = (torch.rand(N, P) < args.mask_prob).to(dt)[..., None]
        X1, X2 = X * view1, X * (1 - view1)
        # Loss.
        f1 = ((X1 @ W) ** 3).sum(1)
        F = f1 @ E.T
        with torch.no_grad():
            G = ((X2 @ W) ** 3).sum(1)
            Gh = (G - G.mean(0)) / G.var(0, unbiased=False).sqrt()
        Fh = (F - F.mean(0)) / F.var(0, unbiased=False).sqrt()
        loss = ((Fh - Gh) ** 2).sum(1).mean()
        W.grad = None
        E.grad = None
        loss.backward()
        with torch.no_grad():
            W -= args.lr * W.grad
            E -= args.lr_e * E.grad * mask
        losses.append(loss.item())
    seconds = time.perf_counter() - start

    w = W.detach().to(torch.float64)
    a = w[:k]
    B = w[k:].T @ w[k:]
    norms = w.norm(dim=0)
    tail = losses[-max(1, len(losses) // 10):]
    print(json.dumps({
        "steps": args.steps, "seconds": seconds, "steps_per_second": args.steps / seconds,
        "dtype": args.dtype, "threads": torch.get_num_threads(), "torch": torch.__version__,
        "final": {"a": a.tolist(), "B": B.tolist(), "E": E.detach().to(torch.float64).tolist(),
                  "norms": norms.tolist(), "cos": (a / norms).tolist()},
        "batch_loss_tail": sum(tail) / len(tail),
    }))


if __name__ == "__main__":
    main()
