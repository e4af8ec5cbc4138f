"""The HTML report: self-contained, every plot present, and it renders in a browser."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from plan_fixtures import fast_config
from staffing.datasets import load_example
from staffing.plan import plan
from staffing.plot import plan_figures
from staffing.report import render_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def page() -> str:
    result = plan(load_example(), fast_config(horizon_days=2))
    return render_report(result.summary(), plan_figures(result))


def expected_plots() -> list[str]:
    plots = []
    for queue in ("chat", "email", "phone"):
        plots += [f"{queue} forecast", f"{queue} coverage", f"{queue} roster"]
        if queue != "email":
            plots.append(f"{queue} service-level")
    return plots


def test_page_embeds_every_plot_and_fetches_nothing(page):
    alts = re.findall(r'<img class="plot" data-plot="[a-z-]+" alt="([^"]+)"', page)
    assert sorted(alts) == sorted(expected_plots())
    sources = re.findall(r'src="([^"]+)"', page)
    assert all(src.startswith("data:image/png;base64,") for src in sources)
    assert "http://" not in page
    assert "https://" not in page


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")
def test_page_renders_in_headless_chromium(page, tmp_path):
    """Chromium loads the page and decodes every embedded plot to a non-empty image."""
    probe = (
        "<script>window.addEventListener('load', () => { for (const img of document.images) "
        "{ img.setAttribute('data-decoded', String(img.complete && img.naturalWidth > 0)); } "
        "});</script>"
    )
    file = tmp_path / "report.html"
    file.write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            file.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    decoded = re.findall(r'alt="([^"]+)"[^>]*data-decoded="(true|false)"', done.stdout)
    assert sorted(alt for alt, ok in decoded if ok == "true") == sorted(expected_plots())
    assert "<h2>Headline numbers</h2>" in done.stdout
