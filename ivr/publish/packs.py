"""A version's files made into a validated pack, exactly as ``python -m ivr validate`` does.

The same files make the same (immutable) pack, so the last few are kept: a change loads the
would-be pack before the publish lock and again inside it, and it is the next change's base.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from ..content import ContentPack, load_pack

#: Validated packs kept by the files that made them.
PACKS_KEPT = 4
_PACKS: OrderedDict[str, ContentPack] = OrderedDict()
_PACKS_LOCK = threading.Lock()


def validated_pack(files: dict[str, bytes]) -> ContentPack:
    """The pack these files make, validated (ContentError naming every problem if they are
    refused)."""
    key = hashlib.sha256(
        b"".join(
            hashlib.sha256(name.encode() + b"\0" + data).digest()
            for name, data in sorted(files.items())
        )
    ).hexdigest()
    with _PACKS_LOCK:
        if key in _PACKS:
            _PACKS.move_to_end(key)
            return _PACKS[key]
    with tempfile.TemporaryDirectory(prefix="ivr-pack-") as folder:
        for name, data in files.items():
            path = Path(folder) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        pack = load_pack(Path(folder))
    with _PACKS_LOCK:
        _PACKS[key] = pack
        while len(_PACKS) > PACKS_KEPT:
            _PACKS.popitem(last=False)
    return pack
