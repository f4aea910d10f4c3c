"""The HTML site: MathML conversion, the pages, determinism, and a real headless Chromium loading every page."""

from __future__ import annotations

import base64
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sympy as sp

from derive.html import HtmlBuildError, build_site, derivation_to_html, latex_to_mathml
from derive.prox import prox
from derive.report import SEED_QUESTION, report_contents
from derive.symbols import lam, v, x

MATHML = "{http://www.w3.org/1998/Math/MathML}"

FIGURES = (
    (
        "threshold_functions",
        "Estimates against the OLS coordinate z (lambda = 1): the lasso is 0 on [-lambda, lambda].",
    ),
    ("subdifferential", "The subdifferential of |x| at 0 is the whole segment [-lambda, lambda]."),
)


# -- LaTeX to MathML ---------------------------------------------------------------------------


def _tree(mathml: str) -> ET.Element:
    return ET.fromstring(mathml)  # well-formed XML, or this raises


def _tags(mathml: str) -> list[str]:
    return [e.tag.removeprefix(MATHML) for e in _tree(mathml).iter()]


def test_cases_become_a_table_with_the_tex_kept_as_annotation():
    tex = r"\begin{cases} v - \lambda & \text{if } v > \lambda \\ 0 & \text{otherwise} \end{cases}"
    out = latex_to_mathml(tex, display=True)
    root = _tree(out)
    assert root.get("display") == "block"
    assert _tags(out).count("mtr") == 2 and _tags(out).count("mtd") == 4
    assert root.find(f".//{MATHML}annotation").text == tex
    texts = [e.text for e in root.iter(f"{MATHML}mtext")]
    assert texts == ["if\u00a0", "otherwise"]


def test_repairs_of_latex2mathml():
    out = latex_to_mathml(r"\operatorname*{arg\,min}_{x\in\mathbb{R}} f", display=True)
    assert '<munder><mo movablelimits="true">arg\u2009min</mo>' in out and "<mi>ℝ</mi>" in out
    assert "<mo>:</mo>" in latex_to_mathml("a := b")  # latex2mathml gives <mi>:</mi>
    assert "<mo>⟺</mo>" in latex_to_mathml(r"a \iff b")
    assert "<mi>∞</mi>" in latex_to_mathml(r"\infty")
    assert '<mo form="prefix">−</mo><mi>λ</mi>' in latex_to_mathml(r"\left[- \lambda, \lambda\right]")
    assert "<mo>−</mo><mi>b</mi>" in latex_to_mathml(r"\left(a\right) - b")  # binary after a closing fence
    assert "<mtext>a\u00a0&amp;\u00a0b</mtext>" in latex_to_mathml(r"\text{a \& b}")
    # Fences around one line keep their size; around a fraction they stretch.
    assert 'stretchy="false"' in latex_to_mathml(r"g\left(x\right)")
    assert 'stretchy="false"' not in latex_to_mathml(r"\left(\frac{a}{b}\right)")


@pytest.mark.parametrize(
    ("tex", "match"),
    [
        (r"\undefinedcommand x", r"left the LaTeX '\\\\undefinedcommand' unconverted"),
        (r"\begin{aligned} a &= b \end{aligned}", "alignment '&' outside a table"),
    ],
)
def test_formulas_that_would_show_raw_latex_raise(tex: str, match: str):
    with pytest.raises(HtmlBuildError, match=match):
        latex_to_mathml(tex)


def test_derivation_html_follows_the_notation():
    d = prox(lam * sp.Abs(x), x, v)
    plain = derivation_to_html(d)
    renamed = derivation_to_html(d, notation={"lambda": r"\alpha", "v": "u"})
    assert plain.count('<li class="step"') == len(d.steps) == renamed.count('<li class="step"')
    assert "λ" in plain and "λ" not in renamed and "<mi>α</mi>" in renamed
    with pytest.raises(TypeError):
        derivation_to_html(d, notaton={})


# -- the site --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sections():
    return report_contents()


@pytest.fixture(scope="module")
def svg_dir(sections, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SVGs of every figure the sections show (the two index figures among them)."""
    from derive.report import _figures

    where = tmp_path_factory.mktemp("svg")
    _figures(where, sections, formats=("svg",))
    return where / "figures"


def _inline_figures(section) -> list[str]:
    from derive.report import Figure

    return [item.name for item in section.items if isinstance(item, Figure)]


def _steps(item) -> int:
    if hasattr(item, "proof"):
        return len(item.proof.steps)
    return len(getattr(item, "steps", ()))  # figures and tables have no steps


@pytest.fixture(scope="module")
def site(sections, svg_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("site") / "html"
    return build_site(
        sections, out, figures=FIGURES, figures_dir=svg_dir, title="Why L1 is sparse", question=SEED_QUESTION
    )


def _visible_text(page: str) -> str:
    """The page without tags, with the TeX annotations of the formulas removed."""
    page = re.sub(r"<annotation\b.*?</annotation>", "", page, flags=re.S)
    return re.sub(r"<[^>]+>", "", page)


def test_one_page_per_chapter_and_an_index(site, sections):
    names = [p.filename for p in site.pages]
    assert names[0] == "index.html" and len(site.chapters) == len(sections) + 1  # + the verification summary
    assert [p.title for p in site.chapters][: len(sections)] == [s.title for s in sections]
    index = (site.root / "index.html").read_text()
    for page in site.chapters:
        assert f'href="{page.filename}"' in index
    inline = [name for section in sections for name in _inline_figures(section)]
    assert {"threshold_functions", "subdifferential", "zero_probability", "geometry", "bayes"} <= set(inline)
    assert site.figures == tuple(f"figures/{name}.svg" for name in dict.fromkeys([n for n, _ in FIGURES] + inline))
    for figure in site.figures:
        assert (site.root / figure).read_bytes().startswith(b"<?xml")
    for name, _ in FIGURES:
        assert f"figures/{name}.svg" in index
    # Each inline figure stands on its chapter's page, numbered after the index figures.
    for page, section in zip(site.chapters, sections, strict=False):
        text = (site.root / page.filename).read_text()
        for name in _inline_figures(section):
            assert f'<img src="figures/{name}.svg"' in text
    assert (site.root / "style.css").is_file()


def test_every_derivation_and_theorem_is_on_its_chapter(site, sections):
    for page, section in zip(site.chapters, sections, strict=False):
        text = (site.root / page.filename).read_text()
        steps = sum(_steps(item) for item in section.items)
        assert text.count('<li class="step"') == steps
        assert text.count('class="theorem"') == sum(hasattr(item, "proof") for item in section.items)
        tables = sum(hasattr(item, "_html") for item in section.items)
        assert text.count('<table class="results">') == tables


def test_no_raw_latex_and_no_script_or_remote_resource(site):
    for page in site.pages:
        text = (site.root / page.filename).read_text()
        visible = _visible_text(text)
        assert not re.search(r"\\[A-Za-z]+|\$", visible), (page.filename, re.findall(r".{20}\\[A-Za-z]+.{20}", visible))
        assert "<script" not in text and "http://" not in text.replace("http://www.w3.org/1998/Math/MathML", "")
        assert "https://" not in text


def test_same_bytes_twice(site, sections, svg_dir: Path, tmp_path: Path):
    again = build_site(
        sections,
        tmp_path / "again",
        figures=FIGURES,
        figures_dir=svg_dir,
        title="Why L1 is sparse",
        question=SEED_QUESTION,
    )
    files = sorted(p.relative_to(site.root).as_posix() for p in site.root.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again.root).as_posix() for p in again.root.rglob("*") if p.is_file())
    for name in files:
        assert (site.root / name).read_bytes() == (again.root / name).read_bytes(), name


def test_missing_svg_is_an_error_naming_the_fix(sections, tmp_path: Path):
    with pytest.raises(
        HtmlBuildError, match=r"figure 'nope': .*nope.svg not found \(save it with formats=\('svg',\)\)"
    ):
        build_site(sections[:1], tmp_path / "site", figures=[("nope", "missing")], figures_dir=tmp_path)
    assert not (tmp_path / "site").exists()


# -- a real browser ------------------------------------------------------------------------------


def _chromium():
    browser, driver = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        browser = None
    if browser is None or driver is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium, chromedriver and selenium are required on CI (.ci/run installs them)")
        pytest.skip("chromium, chromedriver or selenium not installed")
    return browser, driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    path, driver_path = _chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = path
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1100,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


_MATH_REPORT = """
const maths = Array.from(document.querySelectorAll('math'));
return {
  count: maths.length,
  mathml: maths.filter(m => m instanceof MathMLElement).length,
  laidOut: maths.filter(m => m.getBoundingClientRect().width > 0 && m.getBoundingClientRect().height > 0).length,
  tables: document.querySelectorAll('mtable').length,
  images: Array.from(document.images).map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0]),
  text: document.body.innerText,
  height: document.documentElement.scrollHeight,
};
"""


def test_every_page_renders_in_headless_chromium(site, browser, tmp_path: Path):
    """Load each page from disk: no console message, every formula laid out as MathML, figures loaded."""
    shots = []
    for page in site.pages:
        source = (site.root / page.filename).read_text()
        browser.get((site.root / page.filename).as_uri())
        report = browser.execute_script(_MATH_REPORT)
        console = browser.get_log("browser")
        assert console == [], (page.filename, console)
        assert report["count"] == source.count("<math ") > 0, page.filename
        assert report["mathml"] == report["count"] == report["laidOut"], (page.filename, report["count"])
        if "cases" in source:
            assert report["tables"] > 0
        for needle in (r"\begin{", r"\left", r"\frac", "$$", r"\operatorname"):
            assert needle not in report["text"], (page.filename, needle)
        assert all(loaded for _, loaded in report["images"]), report["images"]
        if page.kind == "chapter":
            shot = browser.execute_cdp_cmd(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": 1100, "height": report["height"], "scale": 1},
                },
            )
            target = tmp_path / f"{Path(page.filename).stem}.png"
            target.write_bytes(base64.b64decode(shot["data"]))
            shots.append(target)
    assert len(shots) == len(site.chapters)
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in shots)
    print("screenshots:", *(str(p) for p in shots), sep="\n  ")
