"""Audio build benchmark: full build of every prompt × language, then one edited text.

    .venv/bin/python benchmarks/audio_build.py [--jobs N] [--content prompts]

Builds into a temporary folder (the committed audio/ is not touched) and prints the full build
time, the incremental rebuild time after one text edit, and per language the total audio
seconds and bytes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr.audio.build import build_audio  # noqa: E402
from ivr.audio.manifest import load_manifest  # noqa: E402
from ivr.content import load_pack  # noqa: E402


class EditedPack:
    """The real pack with one prompt's text changed, as a staff edit would change it."""

    def __init__(self, pack: Any, lang: str, prompt_id: str, text: str) -> None:
        self._pack, self._edit = pack, (lang, prompt_id, text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pack, name)

    def texts(self, lang: str) -> Mapping[str, str]:
        texts = dict(self._pack.texts(lang))
        if lang == self._edit[0]:
            texts[self._edit[1]] = self._edit[2]
        return texts

    spoken = texts  # the build speaks spoken words; the edit has no pronunciations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--content", type=Path, default=ROOT / "prompts")
    args = parser.parse_args()

    pack = load_pack(args.content)
    langs = [language.code for language in pack.languages]
    count = len(pack.prompt_ids()) * len(langs)
    with tempfile.TemporaryDirectory() as folder:
        audio_dir = Path(folder)
        start = time.perf_counter()
        report = build_audio(pack, audio_dir, jobs=args.jobs)
        full = time.perf_counter() - start
        print(
            f"full build: {len(report.built)}/{count} prompts × languages in {full:.1f} s "
            f"({args.jobs} jobs, espeak-ng), {len(report.failed)} failed"
        )

        lang = langs[0]
        prompt_id = sorted(pack.texts(lang))[0]
        edited = EditedPack(pack, lang, prompt_id, pack.spoken(lang)[prompt_id] + " Gracias.")
        start = time.perf_counter()
        again = build_audio(edited, audio_dir, jobs=args.jobs)
        incremental = time.perf_counter() - start
        print(
            f"incremental rebuild after editing {lang} {prompt_id}: {incremental:.2f} s "
            f"(built {len(again.built)}, unchanged {len(again.unchanged)})"
        )

        manifest = load_manifest(audio_dir)
        print(f"{'lang':<6}{'prompts':>8}{'seconds':>10}{'bytes':>12}")
        for code in langs:
            entries = [e for (entry_lang, _), e in manifest.entries.items() if entry_lang == code]
            seconds = sum(e.duration for e in entries)
            size = sum((audio_dir / code / e.file).stat().st_size for e in entries)
            print(f"{code:<6}{len(entries):>8}{seconds:>10.1f}{size:>12,}")


if __name__ == "__main__":
    main()
