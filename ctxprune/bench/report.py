"""Markdown report and recall-vs-kept-ratio plots from the bench results."""
from __future__ import annotations

from pathlib import Path


def write_plot(path: Path, kind: str, res: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for name, curve in res["curves"].items():
        pts = sorted((v["kept_ratio"], v["recall"]) for v in curve.values())
        style = dict(linewidth=2.5, marker="o") if name == "ctxprune" else dict(linewidth=1, marker=".", linestyle="--")
        ax.plot([p[0] for p in pts], [p[1] for p in pts], label=name, **style)
    ax.set_xlabel("kept tokens / input tokens (cl100k_base)")
    ax.set_ylabel("gold recall")
    ax.set_title(f"{kind}: recall vs budget (n={res['n']})")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(path: Path, results: dict) -> None:
    lines = [f"# ctxprune bench ({results['split']} split, limit {results['limit']})", "",
             f"Machine: {results['machine']['cpus']} CPUs, Python {results['machine']['python']}; "
             f"model warm-up {results['warm_up_s']:.1f} s.", ""]
    ratios = results["ratios"]
    for kind, res in results["kinds"].items():
        lines += [f"## {kind} (n={res['n']})", "", "Gold recall (mean kept-token ratio) at each requested ratio:", "",
                  "| method | " + " | ".join(f"r={r}" for r in ratios) + " |", "|---" * (len(ratios) + 1) + "|"]
        for name, curve in res["curves"].items():
            cells = [f"{curve[r]['recall']:.3f} ({curve[r]['kept_ratio']:.3f})" if r in curve else "—" for r in ratios]
            lines.append(f"| {'**ctxprune**' if name == 'ctxprune' else name} | " + " | ".join(cells) + " |")
        if res.get("caveat"):
            lines += ["", f"Note: {res['caveat']}"]
        if res.get("peers_skipped"):
            lines += ["", res["peers_skipped"]]
        for name, curve in res["curves"].items():
            notes = [f"{name} at r={r}: n={v['n']}, {v['mean_s']:.1f} s per prompt" for r, v in curve.items() if "mean_s" in v]
            lines += ["", *notes] if notes else []
        lat = res.get("latency") or {}
        if lat:
            lines += ["", f"Latency at r={lat['ratio']} (ms):", "", "| path | cold miss p50 | cold miss p95 | hit p50 | hit p95 |",
                      "|---|---|---|---|---|"]
            for where in ("in_process", "rest"):
                if where in lat:
                    L = lat[where]
                    lines.append(f"| {where} | {L['cold_miss']['p50_ms']} | {L['cold_miss']['p95_ms']} | "
                                 f"{L['hit']['p50_ms']} | {L['hit']['p95_ms']} |")
            ip = lat["in_process"]
            lines.append(f"\nThroughput in process: {ip['throughput_rps_cold']} req/s cold, {ip['throughput_rps_hit']} req/s on hits.")
        lines += ["", f"![{kind}]({kind}.png)", ""]
    path.write_text("\n".join(lines))
