"""The console's areas. Each module adds its pages to the one /admin blueprint (``web.bp``), so
every page sits behind the same guard (login, CSRF, no-store headers, error pages) and keeps
its ``console.<view>`` endpoint; its templates are in ``templates/console/<area>/``.

To add an area: write ``areas/<area>.py`` with routes on ``web.bp``, put its templates in
``templates/console/<area>/``, add the module to ``AREAS``, and give each of its endpoints the
least role that may use it (``roles.ENDPOINT_ROLES``, or ``roles.declare({...})`` in the
module): an endpoint without one is for administrators only.
"""

from __future__ import annotations

from importlib import import_module

# Importing a module registers its routes; the order does not matter (Werkzeug orders rules).
AREAS = (
    "ivr.console.areas.login",  # log in and out, the language switch
    "ivr.console.areas.home",  # the start page and search
    "ivr.console.areas.prompts",  # the prompt list (coverage), one prompt: words, audio, check
    "ivr.console.areas.recordings",  # a staff recording: upload, hear, publish; earlier audio
    "ivr.console.areas.flow",  # the call flow picture and outline
    "ivr.console.areas.directory",  # organizations and their phone numbers
    "ivr.console.areas.versions",  # versions, going back, who changed what
    "ivr.console.areas.accounts",  # accounts, roles and phone PINs; your own password
    "ivr.console.history_pages",  # what going back undoes; undo one change
    "ivr.console.draft_pages",  # drafts of words and numbers
    "ivr.console.sections",  # dates of the information
    "ivr.console.areas.reach",  # callbacks, opening hours, destination checks
    "ivr.console.areas.studio",  # the recording session: takes, publishing them, a phone PIN
)
# "What callers need" (ivr/console/needs.py) is a blueprint of its own, registered by create_app.


def load_areas() -> None:
    """Register every area's routes on the console blueprint (before it is registered)."""
    for module in AREAS:
        import_module(module)
