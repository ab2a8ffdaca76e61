"""Where the console's pages lived before they were split by area (``areas/``). Kept so that
modules written against it (sections.py, history_pages.py, draft_pages.py) still import their
helpers by the old names; new code imports from ``common``, ``changes`` or its area. Remove
this file once nothing imports it.
"""

from __future__ import annotations

from .areas.prompts import prompt_page as _prompt_page
from .changes import FIELDS, action_name, describe, readable_change
from .common import catalogue, live_pack, publisher, require
from .common import check_prompt as _check_prompt
from .common import flash_refused as _flash_refused
from .common import live_names as _names
from .common import refused as _problems
from .common import version_note as _version_note
from .common import who as _who

__all__ = [
    "FIELDS",
    "_check_prompt",
    "_flash_refused",
    "_names",
    "_problems",
    "_prompt_page",
    "_version_note",
    "_who",
    "action_name",
    "catalogue",
    "describe",
    "live_pack",
    "publisher",
    "readable_change",
    "require",
]
