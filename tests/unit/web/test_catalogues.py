"""The web UI's message catalogues: every message of the code and templates (as ``pybabel
extract -F babel.cfg`` finds them) is translated in French and English, without fuzzy or
stale entries, and keeps its placeholders. Run ``make messages`` after adding one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bascule.web import i18n

ROOT = Path(__file__).parents[3]
PLACEHOLDER = re.compile(r"\{[a-z_]*\}|%\([a-z_]+\)s")


def _method_map() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    methods: list[tuple[str, str]] = []
    options: dict[str, dict[str, str]] = {}
    section = None
    for raw in (ROOT / "babel.cfg").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            method, pattern = line[1:-1].split(":", 1)
            section = pattern.strip()
            methods.append((section, method.strip()))
            options[section] = {}
        elif "=" in line and section:
            name, value = line.split("=", 1)
            options[section][name.strip()] = value.strip()
    return methods, options


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    methods, options = _method_map()
    found = extract_from_dir(str(ROOT), methods, options)
    return {message if isinstance(message, str) else message[0] for _, _, message, *_ in found}


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_message_is_translated(extracted: set[str], language: str):
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    entries = {m.id: m for m in catalog if m.id}

    missing = sorted(extracted - set(entries))
    stale = sorted(set(entries) - extracted)
    empty = sorted(k for k, m in entries.items() if not m.string)
    fuzzy = sorted(k for k, m in entries.items() if m.fuzzy)
    broken = sorted(
        k
        for k, m in entries.items()
        if m.string and set(PLACEHOLDER.findall(str(k))) != set(PLACEHOLDER.findall(m.string))
    )

    assert (missing, stale, empty, fuzzy, broken) == ([], [], [], [], []), (
        f"{language}: run `make messages` and translate: missing={missing} stale={stale} "
        f"empty={empty} fuzzy={fuzzy} placeholders={broken}"
    )
    assert len(extracted) > 150


def test_a_catalogue_without_its_compiled_file_is_compiled_in_memory(tmp_path, monkeypatch):
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    source = i18n.LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po"
    (folder / "messages.po").write_bytes(source.read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("fr").gettext("Sign in") == "Se connecter"
    finally:
        i18n.translations.cache_clear()
