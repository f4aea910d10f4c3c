"""Atomic writes."""

from __future__ import annotations

import pytest

from derive.io import replace_directory, write_bytes, write_text


def test_write_text_replaces_atomically(tmp_path):
    target = tmp_path / "sub" / "file.txt"
    write_text(target, "one")
    write_text(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.txt"]


def test_failed_write_keeps_old_content(tmp_path, monkeypatch):
    target = tmp_path / "file.bin"
    write_bytes(target, b"old")

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.bin"]


def test_replace_directory_swaps_only_on_success(tmp_path):
    out = tmp_path / "out"
    with replace_directory(out) as staging:
        (staging / "a.txt").write_text("first")
    assert (out / "a.txt").read_text() == "first"
    with pytest.raises(RuntimeError), replace_directory(out) as staging:
        (staging / "a.txt").write_text("second")
        raise RuntimeError("interrupted")
    assert (out / "a.txt").read_text() == "first"
    with replace_directory(out) as staging:
        (staging / "b.txt").write_text("third")
    assert sorted(p.name for p in out.iterdir()) == ["b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
