"""`python -m fastcumprod bench --plot FILE.png`: per case, fastcumprod's
speed-up over numpy and over torch, as a new result and into out=.  Needs
matplotlib (the `plot` extra); imported only when asked for."""


def plot(rows, path, title):
    """Draw rows, (case, best times) from fastcumprod._bench.run, into path."""
    import matplotlib

    matplotlib.use("Agg")  # a file, no screen
    import matplotlib.pyplot as plt

    names = [case.name for case, _ in rows]
    peers = [p for p in ("numpy", "torch") if all(p in best for _, best in rows)]
    bars = [(f"vs {peer}, new results", peer, "fastcumprod") for peer in peers]
    bars += [(f"vs {peer}, each into out=", f"{peer.replace('numpy', 'np')} out=", "fcp out=")
             for peer in peers]
    colours = ["#90cdf4", "#fbb6ce", "#2b6cb0", "#b83280"]
    height = 0.8 / len(bars)
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.42 * len(rows) * len(bars) / 2))
    for k, (label, peer, ours) in enumerate(bars):
        ax.barh([i - 0.4 + (k + 0.5) * height for i in range(len(rows))],
                [best[peer] / best[ours] for _, best in rows],
                height=height, label=label, color=colours[k % len(colours)])
    ax.axvline(1, color="black", lw=0.8)
    ax.set_yticks(range(len(rows)), names)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("speed-up: time of numpy or torch / time of fastcumprod (log scale; "
                  "> 1 is faster)")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
