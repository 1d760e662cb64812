"""The translation catalogues are complete (F-80): every msgid of the nl, fr, de and hu catalogues has a
translation that is neither empty nor fuzzy nor the English text again (but for the allow-list below),
and keeps the python-format placeholders of its msgid; the catalogues hold every string the code
marks for translation; and `compilemessages` turns every one of them into the .mo files the portal
reads. fleetportal/tests/test_translated_screens.py renders the messages and pages themselves.

The .po files are read with a small stdlib parser, so the check needs neither gettext nor polib."""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
TRANSLATED_LANGUAGES = ["nl", "fr", "de", "hu"]

# Translations that rightly read as their English msgid (compared ignoring case). Nothing else may:
# a msgstr equal to its msgid is English left on a Dutch, French, German or Hungarian screen.
SAME_IN_EVERY_LANGUAGE = {
    # names, codes and units every language writes alike
    "API",
    "eSIM",
    "IMSI",
    "MSA",
    "PIN",
    "PUK",
    "SMS",
    "Web",
    "ok",
    "%(count)s GB",
    "%(count)s MB",
    "%(count)s SMS",
    "%(field)s: %(message)s",
    # payment and document names
    "Bancontact",
    "BIC",
    "IBAN",
    "iDEAL",
    "PayByMobile",
    "PDF",
}
SAME_IN = {
    "nl": {
        # the seeds' own Dutch terms (shared/seeds/002: "Selecteer het billing account",
        # "Navigeer naar Dashboard fleet manager")
        "Billing account",
        "billing account",
        "billing accounts",
        "Billing accounts",
        "Billing account %(number)s",
        "Per billing account",
        # the portal's Dutch name for its support function, as the seeds call it
        "Helpdesk",
        "Dashboard fleet manager",
        # Dutch words spelt as in English
        "Code",
        "code",
        "Contract",
        "contract",
        "Contract / MSA",
        "Contract %(number)s",
        "Dashboard",
        "data (MB)",
        "E-mail",
        "e-mail",
        "Euro (EUR)",
        "Export",
        "Import",
        "Imports",
        "login",
        "Logins",
        "p/m",
        "Sorry",
        "Status",
        "status",
        "Status: %(before)s → %(after)s",
        "type",
        "URL",
        "Webhooks",
    },
    "fr": {
        # the seeds' own French term (shared/seeds/003: "Sélectionnez le billing account")
        "Billing account",
        "billing account",
        "billing accounts",
        "Billing accounts",
        # French words spelt as in English
        "Action",
        "action",
        "Actions",
        "Code",
        "code",
        "Date",
        "date",
        "Description",
        "description",
        "E-mail",
        "e-mail",
        "format",
        "Message",
        "message",
        "minutes",
        "%(count)s minute",
        "Mx",
        "Option",
        "option",
        "Options",
        "options",
        "Page %(n)s",
        "Pages",
        "Parties",
        "Signature",
        "Signatures",
        "Support",
        "type",
        "Catalogue",
        "Euro (EUR)",
        "Export",
        "France",
        "Luxembourg",
        "min",
        "service",
        "Stock",
        "Tickets",
        "Type",
        "Webhooks",
    },
    "de": {
        # German words spelt as in English (German writes its nouns with a capital)
        "Code",
        "code",
        "Dashboard",
        "E-mail",
        "e-mail",
        "Euro (EUR)",
        "Export",
        "Filter",
        "format",
        "Import",
        "Job",
        "Name",
        "name",
        "Option",
        "option",
        "%(count)s minute",
        "Status",
        "status",
        "Support",
        "System",
        "Tag",
        "tag",
        "Tags",
    },
    "hu": {
        # Hungarian words spelt as in English
        "Belgium",
        "E-mail",
        "e-mail",
    },
}


def may_read_as_english(language: str, msgid: str) -> bool:
    return msgid in SAME_IN_EVERY_LANGUAGE or msgid in SAME_IN.get(language, set())


def reads_as(translation: str, english: str) -> bool:
    return translation.strip().casefold() == english.strip().casefold()


# %(name)s, %(count)d, %s, %d, %.2f, %%; see the python-format rules of GNU gettext.
PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +\-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])"
)


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {context}{self.msgid!r}"


def _unquote(text: str) -> str:
    return ast.literal_eval(text.strip())


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file without the obsolete (#~) ones; the header is the entry with msgid ""."""
    entries: list[Entry] = []
    current: Entry | None = None
    flags: set[str] = set()  # from "#," lines, for the entry that starts next
    last: tuple[str, int] | None = None  # the field that continuation lines ("...") extend

    def start(number: int) -> Entry:
        nonlocal flags
        if current is not None:
            entries.append(current)
        entry, flags = Entry(flags=flags, line=number), set()
        return entry

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if current is None or last is None:
                raise ValueError(f"{path}:{number}: string without a keyword")
            name, index = last
            if name == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, name, (getattr(current, name) or "") + _unquote(line))
        elif keyword == "msgctxt" or (keyword == "msgid" and (last is None or last[0] != "msgctxt")):
            current = start(number)
            setattr(current, keyword, _unquote(rest))
            last = (keyword, 0)
        elif current is None:
            raise ValueError(f"{path}:{number}: {keyword} before msgid")
        elif keyword in ("msgid", "msgid_plural"):
            setattr(current, keyword, _unquote(rest))
            last = (keyword, 0)
        elif match := re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword):
            index = int(match.group(1) or 0)
            current.msgstr[index] = _unquote(rest)
            last = ("msgstr", index)
        else:
            raise ValueError(f"{path}:{number}: unexpected {line!r}")
    if current is not None:
        entries.append(current)
    return entries


# `{% translate '%(count)s …' %}` doubles the % in the msgid (and undoes it after translating) for a
# script to fill in later; the translation must keep such escaped placeholders too.
ESCAPED_NAME = re.compile(r"\([^)]*\)[a-zA-Z]")


def placeholders(text: str) -> set[str]:
    found = set()
    for m in PLACEHOLDER.finditer(text):
        if m.group("type") != "%":
            name = m.group("name")
            found.add(f"%({name}){m.group('type')}" if name is not None else f"%{m.group('type')}")
        elif escaped := ESCAPED_NAME.match(text, m.end()):
            found.add(f"%%{escaped.group()}")
    return found


def plural_count(header: Entry) -> int:
    m = re.search(r"nplurals\s*=\s*(\d+)", header.msgstr.get(0, ""))
    return int(m.group(1)) if m else 2


def problems(path: Path, language: str | None = None) -> list[str]:
    """What is wrong in a catalogue; with `language`, also the translations that repeat the English
    msgid and are not on that language's allow-list."""
    entries = parse_po(path)
    header = next((e for e in entries if e.msgid == "" and e.msgctxt is None), None)
    if header is None:
        return ["no header entry"]
    nplurals = plural_count(header)
    found = []
    for entry in entries:
        if entry is header:
            continue
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.label}")
            continue
        expected = range(nplurals) if entry.msgid_plural is not None else range(1)
        translations = [entry.msgstr.get(i, "") for i in expected]
        if not all(translation.strip() for translation in translations):
            found.append(f"empty: {entry.label}")
            continue
        english = [entry.msgid, *([entry.msgid_plural] if entry.msgid_plural is not None else [])]
        if (
            language is not None
            and not may_read_as_english(language, entry.msgid)
            and any(reads_as(translation, text) for translation in translations for text in english)
        ):
            found.append(f"English: {entry.label}")
            continue
        if "python-format" not in entry.flags:
            continue
        singular, plural = placeholders(entry.msgid), placeholders(entry.msgid_plural or "")
        known = singular | plural
        for index, translation in zip(expected, translations, strict=True):
            # The first form may leave out the count ("The SIM will be …"), the others follow msgid_plural.
            wanted = singular if index == 0 else plural
            have = placeholders(translation)
            if missing := (wanted - have):
                found.append(f"placeholder {sorted(missing)} missing in msgstr[{index}]: {entry.label}")
            # A named placeholder the msgid lacks would raise a KeyError at run time.
            if unknown := (have - known):
                found.append(f"placeholder {sorted(unknown)} unknown in msgstr[{index}]: {entry.label}")
    return found


@pytest.mark.spec("F-80")
@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_catalogue_is_complete(language: str) -> None:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"{path} is missing; run `make messages`"
    found = problems(path, language)
    assert not found, f"{path.relative_to(LOCALE_DIR)} has {len(found)} problem(s):\n" + "\n".join(found)


@pytest.mark.spec("F-80")
def test_parser_reports_empty_fuzzy_and_lost_placeholders(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        '#: a.py:1\nmsgid "Fine"\nmsgstr "Goed"\n\n'
        '#: a.py:2\nmsgid ""\n"Not yet "\n"done"\nmsgstr ""\n\n'
        '#: a.py:3\n#, fuzzy, python-format\n#| msgid "Old %(x)s"\nmsgid "New %(x)s"\nmsgstr "Oud %(x)s"\n\n'
        '#: a.py:4\n#, python-format\nmsgid "Sent to %(email)s."\nmsgstr "Verstuurd."\n\n'
        '#: a.py:5\n#, python-format\nmsgid "%(n)d line"\nmsgid_plural "%(n)d lines"\n'
        'msgstr[0] "%(n)d lijn"\nmsgstr[1] ""\n\n'
        '#: a.py:6\n#, python-format\nmsgctxt "button"\nmsgid "100%% %(who)s"\nmsgstr "100%% %(wie)s"\n\n'
        '#: a.html:7\n#, python-format\nmsgid "%%(count)s selected"\nmsgstr "%(count)s gekozen"\n\n'
        '#~ msgid "Gone"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    found = problems(po)
    assert [p.split(":")[0] for p in found] == [
        "empty",
        "fuzzy",
        "placeholder ['%(email)s'] missing in msgstr[0]",
        "empty",
        "placeholder ['%(who)s'] missing in msgstr[0]",
        "placeholder ['%(wie)s'] unknown in msgstr[0]",
        "placeholder ['%%(count)s'] missing in msgstr[0]",
        "placeholder ['%(count)s'] unknown in msgstr[0]",
    ]
    assert "'Not yet done'" in found[0]
    assert "[button]" in found[-3]


@pytest.mark.spec("F-80")
def test_a_translation_that_repeats_the_english_is_reported_unless_allowed(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        '#: a.py:1\nmsgid "Active"\nmsgstr "ACTIVE"\n\n'
        '#: a.py:2\nmsgid "Status"\nmsgstr "Status"\n\n'
        '#: a.py:3\nmsgid "Billing account"\nmsgstr "Billing account"\n\n'
        '#: a.py:4\nmsgid "%(n)s line"\nmsgid_plural "%(n)s lines"\nmsgstr[0] "%(n)s lijn"\nmsgstr[1] "%(n)s lines"\n',
        encoding="utf-8",
    )
    assert [p.split(":")[0] for p in problems(po)] == []  # without a language: no opinion
    assert [p.split(":")[0] for p in problems(po, "nl")] == ["English", "English"]
    assert [p.split(":")[0] for p in problems(po, "de")] == ["English", "English", "English"]


def _msgfmt() -> str:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is missing: `make system-packages` installs Debian's gettext"
    return msgfmt


def _catalogue(mo: Path) -> dict[object, str]:
    with mo.open("rb") as file:
        return gettext.GNUTranslations(file)._catalog  # type: ignore[attr-defined]


@pytest.mark.spec("F-80")
@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_compilemessages_covers_every_msgid_of_the_catalogue(language: str, tmp_path: Path) -> None:
    """msgfmt, as `compilemessages` runs it, counts every msgid of the catalogue as translated (none
    fuzzy, none untranslated), and the .mo beside the .po, which the portal reads, holds exactly
    that: a .po edited without `make compile-messages` would leave the pages on the old texts."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    fresh = tmp_path / "django.mo"
    result = subprocess.run(  # noqa: S603 (Debian's msgfmt on our own catalogue)
        [_msgfmt(), "--check-format", "--statistics", "-o", str(fresh), str(po)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
    )
    assert result.returncode == 0, result.stderr
    msgids = [entry for entry in parse_po(po) if entry.msgid]
    assert result.stderr.strip() == f"{len(msgids)} translated messages.", result.stderr
    installed = po.with_suffix(".mo")
    assert installed.exists(), f"{installed} is missing: run `make compile-messages`"
    want, have = _catalogue(fresh), _catalogue(installed)
    stale = sorted(str(key) for key in want.keys() | have.keys() if want.get(key) != have.get(key))
    assert not stale, (
        f"{installed} is older than its .po, run `make compile-messages`: {len(stale)} differ, {stale[:5]}"
    )


def _msgids(path: Path) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in parse_po(path) if entry.msgid}


@pytest.mark.spec("F-80")
def test_catalogues_hold_every_string_of_the_code(tmp_path: Path) -> None:
    """`make messages` run on a copy of the code adds no msgid the committed catalogue lacks:
    a string marked for translation but never extracted would stay English in every language."""
    root = LOCALE_DIR.parents[1]
    shutil.copy(root / "manage.py", tmp_path)
    shutil.copytree(root / "fleetportal", tmp_path / "fleetportal", ignore=shutil.ignore_patterns("__pycache__"))
    # the same --ignore options as `make messages`
    ignores = re.findall(r"--ignore '[^']+'", (root / "Makefile").read_text())
    ignores = [part.strip("'") for option in ignores for part in option.split(" ", 1)]
    subprocess.run(  # noqa: S603 (our own interpreter and the copy's manage.py)
        [sys.executable, "manage.py", "makemessages", "-l", "nl", "-v0", *ignores],
        cwd=tmp_path,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "fleetportal.settings"},
    )
    committed = _msgids(LOCALE_DIR / "nl" / "LC_MESSAGES" / "django.po")
    extracted = _msgids(tmp_path / "fleetportal" / "locale" / "nl" / "LC_MESSAGES" / "django.po")
    missing = sorted(extracted - committed, key=str)
    assert not missing, f"{len(missing)} string(s) not in the catalogues yet, run `make messages`: {missing}"
