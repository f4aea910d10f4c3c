"""The shrinkage panels: the plotted data against the symbolic results, then the drawing."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from figures.data import same_data
from figures.shrinkage_panels import (
    OLS_LABEL,
    draw_shrinkage_panels,
    panel_parameters,
    shrinkage_panels,
    shrinkage_panels_data,
)


@pytest.fixture(scope="module")
def data():
    return shrinkage_panels_data()


@pytest.fixture(scope="module")
def table():
    from derive.shrinkage_table import shrinkage_table

    return shrinkage_table()


def test_one_panel_per_row(data, table):
    assert len(data.panels) == len(table.rows)
    for panel, row in zip(data.panels, table.rows, strict=True):
        assert panel.series[0].label == row.label
        assert panel.series[1].label == OLS_LABEL
        np.testing.assert_array_equal(panel.series[1].x, panel.series[1].y)  # the 45-degree line


def test_plotted_estimates_equal_the_symbolic_results(data, table):
    for panel, row in zip(data.panels, table.rows, strict=True):
        deriv = row.estimator
        values = panel_parameters(row.name, deriv, "esl")
        exact = {p: sp.nsimplify(v) for p, v in values.items()}
        threshold = float(row.threshold.subs(exact))
        series = panel.series[0]
        picks = np.linspace(0, series.x.size - 1, 23).astype(int)
        checked = 0
        for k in picks:
            x, y = float(series.x[k]), float(series.y[k])
            if np.isnan(y) or abs(abs(x) - threshold) < 1e-12:
                continue  # the break at a jump, and the tie at the threshold
            want = deriv.result.subs(exact).subs(deriv.variable, sp.nsimplify(x))
            assert not isinstance(want, sp.Set)
            assert y == pytest.approx(float(want), abs=1e-12), (row.name, x)
            checked += 1
        assert checked >= 15


def test_zero_sets_are_shaded(data, table):
    for panel, row in zip(data.panels, table.rows, strict=True):
        values = panel_parameters(row.name, row.estimator, "esl")
        t = float(row.threshold.subs(values))
        if t == 0:
            assert panel.spans == ()
            continue
        (span,) = panel.spans
        assert span.hi == pytest.approx(t)
        zero = (panel.series[0].x > span.lo) & (panel.series[0].x < span.hi)
        assert (panel.series[0].y[zero] == 0).all()


def test_jumps_are_breaks_at_the_derived_limits(data, table):
    names = [row.name for row in table.rows]
    panel = data.panels[names.index("l0")]
    series = panel.series[0]
    t = np.sqrt(2.0)
    at = np.flatnonzero(np.isclose(series.x, t))
    assert list(series.y[at][[0, 2]]) == pytest.approx([0.0, t]) and np.isnan(series.y[at][1])
    lasso = data.panels[names.index("lasso")].series[0]
    assert not np.isnan(lasso.y).any()


def test_drawing_reads_back_the_data(data):
    import matplotlib as mpl

    before = dict(mpl.rcParams)
    axes = draw_shrinkage_panels(data)
    assert len(axes) == len(data.panels)
    for ax, panel in zip(axes, data.panels, strict=True):
        for line, series in zip(ax.lines, panel.series, strict=True):
            np.testing.assert_array_equal(line.get_xydata()[:, 0], series.x)
            np.testing.assert_array_equal(line.get_xydata()[:, 1], series.y)
    assert dict(mpl.rcParams) == before


def test_importing_changes_nothing():
    import subprocess
    import sys

    # (reading rcParams['backend'] would itself import pyplot: leave it out)
    code = (
        "import matplotlib as mpl, sys; "
        "rc = lambda: {k: dict.__getitem__(mpl.rcParams, k) for k in list(mpl.rcParams.keys())}; "
        "before = rc(); import figures.shrinkage_panels; "
        "assert 'matplotlib.pyplot' not in sys.modules; assert rc() == before"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_top_level_function_and_determinism():
    fig, small = shrinkage_panels(names=("lasso", "ridge"))
    again = shrinkage_panels_data(names=("lasso", "ridge"))
    assert same_data(small, again)
    assert len(fig.axes) >= 2
    with pytest.raises(ValueError, match="zmax must be positive"):
        shrinkage_panels_data(zmax=0)
