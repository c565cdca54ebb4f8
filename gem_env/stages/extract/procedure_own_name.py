"""The name a procedure's request gives the thing it acts on: "install the Japanese input tool package
ibus-mozc" acts on package ibus-mozc, "remove this special "/etc/apt/preferences" file" on that
file, "open CSV files" on a file whose name ends in .csv. The record's own name field holds that
value, so the record is the thing asked about (a request to install ibus-mozc acted on "package
rsync", a seeded name of another package; "open CSV files" on "yourself.ppt").
"""
from __future__ import annotations

import re

from ...text import features as tf
from .procedure_given import _FILE_NAME, _URL, _file_names

_PACKAGE = r"[a-z0-9][a-z0-9.+-]*[a-z0-9+]"
#: "package ibus-mozc", "vim-scripts -- Debian package", "aptitude install perl"
_PACKAGE_NAMED = (re.compile(rf"\bpackage\s+[\"“]?({_PACKAGE})\b"),
                  re.compile(rf"\b(?:apt-get|apt|aptitude)\s+install\s+({_PACKAGE})\b"),
                  re.compile(rf"\b({_PACKAGE})(?=\s+(?:--\s+)?(?:Debian\s+)?package\b)"))
#: a path the request quotes: "/etc/apt/preferences" (not a folder: "/etc/exim4/")
_PATH = re.compile(r"[\"“](/[^\s\"”]*[^\s\"”/])[\"”]")
#: the kind of file the request names by its extension: "open CSV files", "open XML using a text editor"
_EXTENSION = re.compile(r"\b(?P<ext>[A-Z][A-Z0-9]{1,4})s?\s+(?:files?|documents?)\b|"
                        r"\b(?:open|edit|view|read)\s+(?P<opened>[A-Z][A-Z0-9]{1,4})\b")
_FILES = frozenset({"file", "document"})
_SITES = frozenset({"website", "site", "domain"})


def _package_name(word: str) -> bool:
    """A word shaped like a package's name ("ibus-mozc", "perl"), not an English one ("the package is")."""
    return bool(re.search(r"[-+.\d]", word)) or not tf.known_word(word)


def request_names(request: str, noun: str, seed: int, guide: str = "") -> list[str]:
    """The names a record of kind `noun` may have for the request to be about it: the one the request
    writes, or file names with the extension it names; none where it names no value of that kind. A
    package the request does not name is the one the guide's steps do ("Install the smartmontools
    package"; `guide`: the steps' text), not a seeded name of another (coturn)."""
    if noun == "package":
        for said in (request, guide):
            for m in (m for pattern in _PACKAGE_NAMED for m in pattern.finditer(said)):
                if _package_name(m.group(1)) and not (said is guide and re.fullmatch(r"[a-z]+(?:ed|ing)", m.group(1))):
                    return [m.group(1)]  # (not "remove unused package")
    elif noun in _FILES:
        named = _PATH.search(request) or _FILE_NAME.search(request)
        if named:
            return [named.group(1)]
        ext = _EXTENSION.search(request)
        if ext:
            return _file_names(seed, f"{noun}_name", (ext["ext"] or ext["opened"]).lower())
    elif noun in _SITES:
        url = _URL.search(request)
        if url and not re.match(r"^\S+@", request[url.start():]):
            return [url.group(0).rstrip("/")]
    return []


#: the world a kind's seeded names belong to, where it is one: a package named coturn or nginx is a
#: Debian package, which a guide to watching football ("Purchase a football channel package") never is
_WORLD = {"package": re.compile(r"\b(?:apt(?:-get|-cache)?|aptitude|dpkg|debian|debconf|synaptic)\b|\.deb\b", re.I)}


def seeded_names_fit(noun: str, text: str) -> bool:
    """Whether the seeded names of the record's kind (`tools.kinds.NAMED_BY`) are names a thing the
    text speaks of may have: Debian packages' only in a text about Debian's packaging."""
    world = _WORLD.get(noun)
    return world is None or bool(world.search(text))

