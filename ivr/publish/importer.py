"""``flask --app ivr db import-data-dir``: bring a file-based DATA_DIR into the database.

It lives here, above :mod:`ivr.db`, because it writes versions through
:class:`~ivr.publish.versions.VersionStore`; the app factory adds the command to the ``db``
group (:func:`ivr.db.cli.db_cli`), so ``ivr.db`` knows nothing of publishing.

The old layout (before the database)::

    DATA_DIR/content/LIVE                         the live version's id
    DATA_DIR/content/versions/000007/pack/...     the pack's YAML files
    DATA_DIR/content/versions/000007/manifest.json
    DATA_DIR/content/versions/000007/version.json who, when, what (written last)
    DATA_DIR/content/audio/<lang>/<file>.wav      audio published from the console
    DATA_DIR/content/drafts/<id>/{audio.wav,draft.json}
    DATA_DIR/content/audit.jsonl                  one JSON object a line
    DATA_DIR/staff.sqlite3                        tables staff, login_failures

Version ids are kept. Whatever the database has already is left alone, so running the import
again adds nothing (and never moves a live pointer the database already has).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from ..audio.manifest import Manifest, file_hash, utc_now
from ..db import Database, insert_ignore
from ..db.schema import audio, audit, drafts, live, login_failures, staff, versions
from .versions import VersionStore

CONTENT = "content"
STAFF_DB = "staff.sqlite3"


@dataclass
class ImportReport:
    """What was added and what was there already, by kind."""

    added: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def count(self, kind: str, added: bool) -> None:
        target = self.added if added else self.present
        target[kind] = target.get(kind, 0) + 1

    def lines(self) -> list[str]:
        kinds = sorted(set(self.added) | set(self.present))
        lines = [
            f"{kind}: {self.added.get(kind, 0)} imported, {self.present.get(kind, 0)} already there"
            for kind in kinds
        ]
        return (lines or ["nothing to import"]) + self.notes


def import_data_dir(database: Database, root: Path) -> ImportReport:
    """Import what ``root`` holds that the database lacks (see the module docstring)."""
    root = Path(root)
    report = ImportReport()
    store = VersionStore(database)
    content = root / CONTENT
    audit_rows = _audit_lines(content / "audit.jsonl", report)
    actions = {str(row.get("version")): row.get("action") for row in audit_rows}
    with database.publishing() as conn:
        _versions(conn, store, content / "versions", actions, report)
        _live(conn, content / "LIVE", report)
        _audio(conn, content / "audio", report)
        _drafts(conn, content / "drafts", report)
        _audit(conn, audit_rows, report)
        _staff(conn, root / STAFF_DB, report)
    return report


def _versions(
    conn: sa.Connection, store, folder: Path, actions: dict[str, str | None], report
) -> None:
    if not folder.is_dir():
        return
    existing = set(conn.execute(sa.select(versions.c.id)).scalars())
    previous: int | None = None
    for path in sorted(folder.iterdir(), key=lambda p: (not p.name.isdigit(), p.name)):
        meta_path = path / "version.json"
        if not (path.name.isdigit() and meta_path.is_file()):
            continue  # a publish that crashed before its version.json never happened
        number = int(path.name)
        if number in existing:
            report.count("versions", added=False)
            previous = number
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        pack = path / "pack"
        files = {
            p.relative_to(pack).as_posix(): p.read_bytes()
            for p in sorted(pack.rglob("*"))
            if p.is_file() and not p.name.startswith(".")
        }
        manifest = Manifest.from_bytes((path / "manifest.json").read_bytes())
        version = store.write(
            conn,
            files,
            manifest,
            author=meta.get("author", "?"),
            summary=meta.get("summary", ""),
            action=actions.get(str(number)) or "imported",
            parent=str(previous) if previous is not None else None,
        )
        # write() numbers after the newest; the old id is kept instead.
        conn.execute(
            sa.update(versions)
            .where(versions.c.id == int(version.id))
            .values(id=number, created=meta.get("created", utc_now()))
        )
        existing.add(number)
        report.count("versions", added=True)
        previous = number


def _live(conn: sa.Connection, pointer: Path, report: ImportReport) -> None:
    if not pointer.is_file():
        return
    wanted = int(pointer.read_text().strip())
    current = conn.execute(sa.select(live.c.version_id).where(live.c.id == 1)).scalar()
    if current is not None:
        report.count("live pointer", added=False)
        if current != wanted:
            report.notes.append(
                f"the database already serves version {current}; the old LIVE ({wanted}) "
                "was left alone"
            )
        return
    conn.execute(
        sa.update(live).where(live.c.id == 1).values(version_id=wanted, serial=live.c.serial + 1)
    )
    report.count("live pointer", added=True)


def _audio(conn: sa.Connection, folder: Path, report: ImportReport) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*/*.wav")):
        lang, name = path.parent.name, path.name
        if file_hash(lang, name) is None:
            continue
        there = conn.execute(
            sa.select(audio.c.file).where(audio.c.lang == lang, audio.c.file == name)
        ).first()
        if not there:
            data = path.read_bytes()
            insert_ignore(
                conn,
                audio,
                [
                    {
                        "lang": lang,
                        "file": name,
                        "created": utc_now(),
                        "size": len(data),
                        "data": data,
                    }
                ],
            )
        report.count("audio files", added=not there)


def _drafts(conn: sa.Connection, folder: Path, report: ImportReport) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        meta_path, wav = path / "draft.json", path / "audio.wav"
        if not (meta_path.is_file() and wav.is_file()):
            continue
        there = conn.execute(sa.select(drafts.c.id).where(drafts.c.id == path.name)).first()
        if not there:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            conn.execute(
                sa.insert(drafts).values(
                    id=path.name,
                    lang=meta["lang"],
                    prompt_id=meta["prompt_id"],
                    text=meta["text"],
                    duration=float(meta["duration"]),
                    author=meta["author"],
                    original=meta["original"],
                    created=meta["created"],
                    data=wav.read_bytes(),
                )
            )
        report.count("drafts", added=not there)


def _audit_lines(path: Path, report: ImportReport) -> list[dict]:
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            report.notes.append("an unreadable audit line was skipped")
    return rows


def _audit(conn: sa.Connection, rows: list[dict], report: ImportReport) -> None:
    def key(at, who, action, what, summary, version) -> tuple:
        return (at, who, action, what, summary, str(version) if version is not None else None)

    have = {
        key(*row)
        for row in conn.execute(
            sa.select(
                audit.c.at,
                audit.c.who,
                audit.c.action,
                audit.c.what,
                audit.c.summary,
                audit.c.version_id,
            )
        )
    }
    for row in rows:
        entry = key(
            row["when"], row["who"], row["action"], row["what"], row["summary"], row.get("version")
        )
        new = entry not in have
        if new:
            conn.execute(
                sa.insert(audit).values(
                    at=entry[0],
                    who=entry[1],
                    action=entry[2],
                    what=entry[3],
                    summary=entry[4],
                    version_id=int(entry[5]) if entry[5] is not None else None,
                )
            )
            have.add(entry)
        report.count("audit entries", added=new)


def _staff(conn: sa.Connection, path: Path, report: ImportReport) -> None:
    if not path.is_file():
        return
    old = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        accounts = old.execute("SELECT name, password_hash, created FROM staff").fetchall()
        try:
            failures = old.execute(
                "SELECT key, count, last_failure, locked_until FROM login_failures"
            ).fetchall()
        except sqlite3.OperationalError:
            failures = []
    finally:
        old.close()
    for name, password_hash, created in accounts:
        there = conn.execute(sa.select(staff.c.name).where(staff.c.name == name)).first()
        if not there:
            conn.execute(
                sa.insert(staff).values(name=name, password_hash=password_hash, created=created)
            )
        report.count("staff accounts", added=not there)
    for key, count, last_failure, locked_until in failures:
        there = conn.execute(
            sa.select(login_failures.c.key).where(login_failures.c.key == key)
        ).first()
        if not there:
            conn.execute(
                sa.insert(login_failures).values(
                    key=key, count=count, last_failure=last_failure, locked_until=locked_until
                )
            )
        report.count("login failure counters", added=not there)


@click.command("import-data-dir")
@click.argument(
    "path", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path)
)
@with_appcontext
def import_command(path: Path | None) -> None:
    """Import an old file-based DATA_DIR (default: DATA_DIR): versions (same ids), the live
    pointer, the audit log, published audio, drafts and staff accounts. Running it again adds
    nothing."""
    root = path or current_app.config["SETTINGS"].data_dir
    report = import_data_dir(current_app.extensions["db"], root)
    for line in report.lines():
        click.echo(line)
