"""axe-core (the accessibility checker) for the browser tests: the pinned npm tarball,
checked against the registry's `integrity` pinned here, and its axe.min.js kept in
.cache/axe/ in the project (fetched once, on a fresh machine, from registry.npmjs.org).

To move to a newer axe-core: `npm view axe-core@4 version dist.integrity` (or
https://registry.npmjs.org/axe-core/<version>) and change the two lines below."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from bot.settings import PROJECT_ROOT

VERSION = "4.14.1"
INTEGRITY = "sha512-" + (  # the registry's dist.integrity for VERSION
    "FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
)
TARBALL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
MEMBER = "package/axe.min.js"
CACHE = PROJECT_ROOT / ".cache" / "axe"
DOWNLOAD_SECONDS = 120.0


def check_tarball(data: bytes) -> None:
    """Raises unless `data` is the pinned tarball (its sha512 is the registry's)."""
    algorithm, _, digest = INTEGRITY.partition("-")
    got = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if got != digest:
        raise RuntimeError(f"{TARBALL}: {algorithm} is {got}, not the pinned {digest}")


def axe_source(cache: Path = CACHE) -> str:
    """axe.min.js of the pinned axe-core, downloaded and checked the first time."""
    target = cache / f"axe-core-{VERSION}" / "axe.min.js"
    if not target.exists():
        with urllib.request.urlopen(TARBALL, timeout=DOWNLOAD_SECONDS) as response:
            data = response.read()
        check_tarball(data)
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            member = tar.extractfile(MEMBER)
            if member is None:
                raise RuntimeError(f"{TARBALL} has no {MEMBER}")
            script = member.read()
        target.parent.mkdir(parents=True, exist_ok=True)
        # written whole, then renamed: a parallel run never reads half a file
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(script)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    return target.read_text(encoding="utf-8")
