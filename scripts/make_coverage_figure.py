"""Write docs/lecture-coverage.png: the example deck's coverage (cards with a figure, and why not)."""

from pathlib import Path

from ui.lecture import coverage, example
from viz.export import to_image
from viz.lecture import coverage_figure

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    deck, slides = example()
    cov = coverage(slides)
    fig = coverage_figure(
        cov["with_figure"], {r: len(c) for r, c in cov["without"].items()}, title="Example deck coverage"
    )
    fig.update_layout(width=1000)
    out = ROOT / "docs" / "lecture-coverage.png"
    out.write_bytes(to_image(fig, "png", scale=1.0))
    print(out, cov["with_figure"], "of", cov["cards"])
