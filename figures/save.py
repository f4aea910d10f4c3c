"""Deterministic, atomic saving of figures.

The same figure saved twice gives byte-identical files: the time stamps and
version strings matplotlib would write into the metadata are removed, the SVG
ids are salted with a fixed string, and the font and compression settings
read at save time are pinned.  Each file is written to a temporary file in the
target directory and moved into place with :func:`os.replace`, so a reader
never sees a half-written figure and an interrupted save leaves the old file.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import matplotlib as mpl

from .style import SVG_HASHSALT

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["FORMATS", "METADATA", "SAVE_RC", "save_figure"]

#: The formats :func:`save_figure` writes (``pgf`` needs XeLaTeX, LuaLaTeX or pdfLaTeX; the
#: configured ``pgf.texsystem`` is used if installed, else the first of those found).
FORMATS: tuple[str, ...] = ("pdf", "png", "svg", "pgf")

#: Fixed metadata per format: no dates, no version strings.
METADATA: Mapping[str, Mapping[str, Any] | None] = MappingProxyType(
    {
        "pdf": MappingProxyType({"CreationDate": None, "ModDate": None, "Producer": None, "Creator": "derive"}),
        "png": MappingProxyType({"Software": None}),
        "svg": MappingProxyType({"Date": None}),
        "pgf": None,
    }
)

#: rcParams read while saving, pinned so the bytes do not depend on the global configuration.
SAVE_RC: Mapping[str, Any] = MappingProxyType(
    {
        "svg.hashsalt": SVG_HASHSALT,
        "svg.fonttype": "path",
        "svg.image_inline": True,
        "pdf.fonttype": 42,
        "pdf.compression": 6,
        "pdf.use14corefonts": False,
        "pdf.inheritcolor": False,
        "ps.fonttype": 42,
        "savefig.transparent": False,
        "savefig.bbox": None,
        "savefig.facecolor": "white",
        "savefig.edgecolor": "white",
        "savefig.orientation": "portrait",
        # PGF text is typeset by the including document: measure it with LaTeX's default fonts
        # instead of loading the figure's fonts with fontspec (which needs XeTeX/LuaTeX font setup).
        "pgf.rcfonts": False,
    }
)


def _normalise_formats(formats: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(formats, str):
        formats = (formats,)
    out: list[str] = []
    for fmt in formats:
        key = str(fmt).lower().lstrip(".")
        if key not in FORMATS:
            raise ValueError(f"unsupported format {fmt!r}; choose from {', '.join(FORMATS)}")
        if key not in out:
            out.append(key)
    if not out:
        raise ValueError("no format given")
    return tuple(out)


def _pgf_rc() -> dict[str, Any]:
    """Use an installed TeX engine for PGF output if the configured one is missing."""
    import shutil

    configured = mpl.rcParams["pgf.texsystem"]
    if shutil.which(configured):
        return {}
    for engine in ("xelatex", "lualatex", "pdflatex"):
        if shutil.which(engine):
            return {"pgf.texsystem": engine}
    return {}  # matplotlib raises, naming the missing engine


def _write_atomically(fig: Figure, target: Path, fmt: str, dpi: float) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for open()
    try:
        with os.fdopen(fd, "wb") as handle:
            kwargs: dict[str, Any] = {"format": fmt, "dpi": dpi}
            metadata = METADATA[fmt]
            if metadata is not None:
                kwargs["metadata"] = dict(metadata)
            fig.savefig(handle, **kwargs)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_figure(
    fig: Figure,
    path: str | os.PathLike[str],
    formats: Iterable[str] | str = ("pdf", "png"),
    *,
    dpi: float = 300,
) -> list[Path]:
    """Save ``fig`` as ``path.<format>`` for each format, deterministically and atomically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : str or os.PathLike
        The output path *without* suffix (``"out/threshold"`` writes
        ``out/threshold.pdf`` ...); missing directories are created.  The
        suffix is appended, so ``"fig.v2"`` gives ``fig.v2.pdf``.
    formats : iterable of str
        Any of ``"pdf"``, ``"png"``, ``"svg"``, ``"pgf"`` (duplicates ignored).
    dpi : float
        Resolution of raster output (and of rasterised parts of vector output).

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``.

    Raises
    ------
    ValueError
        For an unknown format, or a path that already ends in a format's suffix.
    """
    formats = _normalise_formats(formats)
    base = Path(path)
    if base.suffix.lower().lstrip(".") in FORMATS:
        raise ValueError(f"pass the path without a suffix (got {str(base)!r}); formats are chosen by `formats`")
    if not base.name:
        raise ValueError(f"{str(base)!r} names no file")
    base.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for fmt in formats:
        target = base.with_name(f"{base.name}.{fmt}")
        rc = dict(SAVE_RC) | (_pgf_rc() if fmt == "pgf" else {})
        with mpl.rc_context(rc):
            _write_atomically(fig, target, fmt, dpi)
        written.append(target)
    return written
