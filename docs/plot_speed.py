"""Draw docs/speed.png from the README's main speed table (the output of
`python -m fastcumprod bench --full`): per case, fastcumprod's speed-up over
the faster of numpy and torch, with and without out=.  Needs matplotlib."""
import pathlib
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = pathlib.Path(__file__).parent


def table():
    """(case, fastcumprod, fcp out=, numpy, torch) rows of the README's table."""
    readme = (HERE.parent / "README.md").read_text()
    speed = readme[readme.index("## Speed"):]
    block = re.search(r"```\n(case\s+fastcumprod.*?)```", speed, re.S).group(1)
    rows = []
    for line in block.splitlines()[1:]:
        if line.startswith("geometric"):
            break
        name, numbers = line[:29].strip(), line[29:].split()
        rows.append((name, *map(float, numbers[:4])))
    return rows


def main():
    rows = table()
    names = [r[0] for r in rows]
    new = [min(r[3], r[4]) / r[1] for r in rows]
    out = [min(r[3], r[4]) / r[2] for r in rows]
    fig, ax = plt.subplots(figsize=(8, 6.5))
    y = range(len(rows))
    ax.barh([i + 0.2 for i in y], out, height=0.4, label="into out=", color="#2b6cb0")
    ax.barh([i - 0.2 for i in y], new, height=0.4, label="new result", color="#90cdf4")
    ax.axvline(1, color="black", lw=0.8)
    ax.set_yticks(list(y), names)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("speed-up over the faster of numpy and torch (log scale)")
    ax.set_title("fastcumprod.cumprod, 2-core AMD EPYC, torch 2.13.0 at 2 threads")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(HERE / "speed.png", dpi=110)


if __name__ == "__main__":
    main()
