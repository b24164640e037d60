#!/usr/bin/python3
"""Print "SUITE MIRROR KEYRING" of this machine's main Debian apt source.

Reads /etc/apt/sources.list, /etc/apt/sources.list.d/*.list (one-line
format) and /etc/apt/sources.list.d/*.sources (deb822).  Chooses the first
"deb" entry whose suite is the release codename (VERSION_CODENAME in
/etc/os-release), else the first whose suite has no "-suffix" (so not
-updates / -security / -backports).  KEYRING is the entry's Signed-By file,
or "-" when there is none.  Exits 1 when nothing suitable is found.

Used by tests/lib/images.sh (lc_image_debian) so that no mirror is ever
hard-coded in the repository.  APT_ROOT overrides "/" (for tests).
"""

import glob
import os
import sys

ROOT = os.environ.get("APT_ROOT", "/")


def path(p: str) -> str:
    return os.path.join(ROOT, p.lstrip("/"))


def codename() -> str:
    try:
        with open(path("/etc/os-release")) as f:
            for line in f:
                if line.startswith("VERSION_CODENAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return ""


def one_line_entries(fname):
    try:
        with open(fname) as f:
            lines = f.readlines()
    except OSError:
        return
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if words[0] != "deb":
            continue
        words = words[1:]
        opts = {}
        if words and words[0].startswith("["):
            optwords = []
            while words:
                w = words.pop(0)
                optwords.append(w)
                if w.endswith("]"):
                    break
            for o in " ".join(optwords).strip("[]").split():
                if "=" in o:
                    k, v = o.split("=", 1)
                    opts[k.lower()] = v
        if len(words) < 2:
            continue
        yield {"uri": words[0], "suites": [words[1]],
               "signed_by": opts.get("signed-by", "")}


def deb822_entries(fname):
    try:
        with open(fname) as f:
            text = f.read()
    except OSError:
        return
    for stanza in text.split("\n\n"):
        fields = {}
        key = None
        for line in stanza.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and key:
                fields[key] += "\n" + line.strip()
                continue
            if ":" in line:
                key, val = line.split(":", 1)
                key = key.strip().lower()
                fields[key] = val.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        signed_by = fields.get("signed-by", "")
        if "\n" in signed_by or "BEGIN PGP" in signed_by:
            signed_by = ""  # inline key: let debootstrap use its default
        for uri in fields.get("uris", "").split():
            yield {"uri": uri, "suites": fields.get("suites", "").split(),
                   "signed_by": signed_by}


def main() -> int:
    entries = []
    entries.extend(one_line_entries(path("/etc/apt/sources.list")))
    for f in sorted(glob.glob(path("/etc/apt/sources.list.d/*.list"))):
        entries.extend(one_line_entries(f))
    for f in sorted(glob.glob(path("/etc/apt/sources.list.d/*.sources"))):
        entries.extend(deb822_entries(f))
    code = codename()
    pick = None
    for e in entries:
        if code and code in e["suites"]:
            pick = (code, e)
            break
    if pick is None:
        for e in entries:
            plain = [s for s in e["suites"] if "-" not in s and "/" not in s]
            if plain and "debian" in e["uri"]:
                pick = (plain[0], e)
                break
    if pick is None:
        print("no Debian apt source found", file=sys.stderr)
        return 1
    suite, e = pick
    keyring = e["signed_by"] or "-"
    print(suite, e["uri"].rstrip("/"), keyring)
    return 0


if __name__ == "__main__":
    sys.exit(main())
