#!/usr/bin/env python3
"""The figure of docs/real-data.md from the stores scripts/real-study wrote: for each width m (one row), the
mean over seeds of erank, linear-probe accuracy and max_{j≠r}|E_jr| against epoch, one line per head.
Usage: real-study-figure.py OUT M... (OUT/mM are headflow sweep stores). Writes docs/figures/real-data.png
with gnuplot (pngcairo), and prints the per-epoch means it plotted."""
import json, os, subprocess, sys, tempfile
from collections import defaultdict

out, widths = sys.argv[1], sys.argv[2:]
heads = ["none", "diag", "offdiag", "full"]
metrics = [("erank", "erank of f (training features)"), ("linear_probe", "linear-probe test accuracy"),
           ("head_offdiag_max", "max_{j≠r} |E_{jr}|")]
series = {}  # (m, head, metric) -> {epoch: [values over seeds]}
for m in widths:
    cells = os.path.join(out, f"m{m}", "cells")
    for name in sorted(os.listdir(cells)):
        cell = json.load(open(os.path.join(cells, name)))
        if cell.get("status") != "finished":
            continue
        head = cell["values"]["head"]
        for e in cell.get("evaluations") or []:
            for key, _ in metrics:
                if e.get(key) is not None:
                    series.setdefault((m, head, key), defaultdict(list))[e["epoch"]].append(e[key])
tmp = tempfile.mkdtemp(prefix="headflow-figure-")
plots = []
for r, m in enumerate(widths):
    for c, (key, label) in enumerate(metrics):
        lines = []
        for h in heads:
            data = series.get((m, h, key))
            if not data:
                continue
            path = os.path.join(tmp, f"m{m}-{h}-{key}.dat")
            with open(path, "w") as f:
                for epoch in sorted(data):
                    xs = data[epoch]
                    mean = sum(xs) / len(xs)
                    sd = (sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)) ** 0.5 if len(xs) > 1 else 0.0
                    f.write(f"{epoch} {mean} {sd}\n")
                    print(f"m={m} head={h} epoch={epoch} {key}: {mean:.4f} ± {sd:.4f} (n={len(xs)})")
            lines.append(f"'{path}' using 1:2:3 with yerrorlines title '{h}'")
        plots.append((f"m = {m}: {label}", lines))
script = ["set terminal pngcairo size 1500,{} font 'sans,10'".format(420 * len(widths)),
          "set output 'docs/figures/real-data.png'",
          f"set multiplot layout {len(widths)},3", "set xlabel 'epoch'", "set key left bottom", "set grid"]
for title, lines in plots:
    script.append(f"set title \"{title}\" noenhanced")
    script.append("plot " + ", ".join(lines) if lines else "plot 0 notitle")
script.append("unset multiplot")
subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)
print("wrote docs/figures/real-data.png")
