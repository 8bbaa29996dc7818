"""The English catalogue is complete, and the compiled catalogue that ships is the one its source says.

Chinese is the source language; every message a page, form or notice can show must have its English entry, so
an English user never meets a stray Chinese string, and no half-done (fuzzy) translation is used.
"""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]  # minqing/
REPO = PACKAGE.parent
CATALOGUES = sorted(PACKAGE.glob("locale/*/LC_MESSAGES/django.po"))


def _gettext_tools() -> None:
    if shutil.which("msgfmt") and shutil.which("msgattrib") and shutil.which("xgettext"):
        return
    if os.environ.get("CI"):
        pytest.fail("GNU gettext (msgfmt, msgattrib, xgettext) is required in CI: apt-get install gettext")
    pytest.skip("GNU gettext is not installed (apt-get install gettext)")


def _entries(po: Path, *flags: str) -> list[str]:
    out = subprocess.run(["msgattrib", *flags, str(po)], capture_output=True, text=True, check=True).stdout
    msgids = [line[len('msgid "') : -1] for line in out.splitlines() if line.startswith('msgid "')]
    return [m for m in msgids if m]  # the header has the empty msgid


def test_the_english_catalogue_is_among_the_shipped_ones():
    assert PACKAGE / "locale/en/LC_MESSAGES/django.po" in CATALOGUES


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_a_catalogue_has_no_untranslated_or_fuzzy_entry(po: Path):
    _gettext_tools()
    assert _entries(po, "--untranslated") == []
    assert _entries(po, "--only-fuzzy") == []


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_the_committed_mo_is_compiled_from_its_po(po: Path, tmp_path: Path):
    _gettext_tools()
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True)
    with fresh.open("rb") as a, po.with_suffix(".mo").open("rb") as b:
        expected, committed = gettext.GNUTranslations(a), gettext.GNUTranslations(b)
    assert committed._catalog == expected._catalog, (
        f"{po.with_suffix('.mo')} is stale: run `cd minqing && django-admin compilemessages`"
    )


def test_every_message_in_the_source_has_an_english_entry(tmp_path: Path):
    """Extract the messages again from a copy of the source, exactly as a translator would, and look for gaps."""
    _gettext_tools()
    copy = tmp_path / "minqing"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("tests", "__pycache__", "static", "*.mo"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(REPO)}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-obsolete", "-i", "tests/*"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    missing = _entries(copy / "locale/en/LC_MESSAGES/django.po", "--untranslated")
    assert missing == [], (
        "messages without an English entry (cd minqing && django-admin makemessages -l en, translate, "
        "compilemessages):\n" + "\n".join(missing)
    )
