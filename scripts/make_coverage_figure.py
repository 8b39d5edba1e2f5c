"""Write docs/lecture-coverage.png, the example deck's coverage (cards with a figure, and why not),
and the README's coverage sentence (between the `<!-- coverage -->` markers)."""

import re
from pathlib import Path

from ui.lecture import coverage, coverage_summary, example
from viz.export import to_image
from viz.lecture import coverage_figure

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MARKERS = re.compile(r"(<!-- coverage -->\n).*?(\n<!-- /coverage -->)", re.S)


def readme_with(summary: str, readme: str) -> str:
    """The README text with `summary` between the coverage markers (ValueError if they are missing)."""
    if not MARKERS.search(readme):
        raise ValueError("README.md has no <!-- coverage --> ... <!-- /coverage --> markers")
    return MARKERS.sub(lambda m: m.group(1) + summary + m.group(2), readme)


if __name__ == "__main__":
    deck, slides = example()
    cov = coverage(slides)
    fig = coverage_figure(
        cov["with_figure"], {r: len(c) for r, c in cov["without"].items()}, title="Example deck coverage"
    )
    fig.update_layout(width=1000)
    out = ROOT / "docs" / "lecture-coverage.png"
    out.write_bytes(to_image(fig, "png", scale=1.0))
    readme = readme_with(coverage_summary(slides), README.read_text(encoding="utf-8"))
    README.write_text(readme, encoding="utf-8")
    print(out, cov["with_figure"], "of", cov["cards"])
