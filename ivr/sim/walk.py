"""The whole-tree walk: every state, every input, every language, through the emulator.

    python -m ivr.sim.walk                  # in-process, the app in development mode
    python -m ivr.sim.walk --url http://127.0.0.1:5000 --token "$TWILIO_AUTH_TOKEN"

Fails (exit 1) on any error status, malformed TwiML, dead end, audio that does not decode,
<Dial> to a number that is not a voice line of the directory, a situation whose guidance
a caller cannot reach, a phone number heard before any date on some path (ivr/sim/dated.py),
a sentence over 25 words, or wording a reviewer has not cleared (ivr/content/wording.py).
Prints the states explored, the time to guidance and to the first own number of every situation
in every language, and which directory numbers each language can reach.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from typing import Any

from ..content import ContentPack
from ..content.wording import MAX_SENTENCE_WORDS, long_sentences, review_notes
from . import events as ev
from .captions import pack_captions
from .connect import connect
from .dated import Undated, numbers_before_a_date
from .explore import Exploration, Explorer
from .guidance import Guidance, time_to_guidance
from .media import MediaLibrary
from .transport import Transport


@dataclass
class WalkReport:
    exploration: Exploration
    guidance: list[Guidance]
    pack: ContentPack
    seconds: float
    undated: list[Undated]

    @property
    def wording(self) -> list[str]:
        """Sentences too long to hold, and wording a reviewer has not cleared."""
        found = [
            f"{s.lang} {s.prompt}: a sentence of {s.words} words (at most {MAX_SENTENCE_WORDS})"
            for s in long_sentences(self.pack)
        ]
        return found + review_notes(self.pack)

    @property
    def problems(self) -> list[str]:
        found = [str(finding) for finding in self.exploration.findings]
        found += [str(u) for u in self.undated]
        found += self.wording
        found += [
            f"{g.situation} in {g.lang}: {g.problem}" for g in self.guidance if g.seconds is None
        ]
        situations = self.pack.situations()
        found += [
            f"{g.situation} in {g.lang}: its own contact number is never heard"
            for g in self.guidance
            if g.seconds is not None
            and not g.reference
            and g.contact_seconds is None
            and self.pack.flow.nodes[situations[g.situation]].contacts
        ]
        missing = {lang.code for lang in self.pack.languages} - self.exploration.languages
        found += [f"language {code} is never reached" for code in sorted(missing)]
        return found


def dial_check(pack: ContentPack):
    voice_lines = {n.e164: n for n in pack.numbers.values()}

    def check(number: str) -> str | None:
        entry = voice_lines.get(number)
        if entry is None:
            return "not a number of the directory"
        if not entry.voice:
            return f"directory number {entry.id} takes no voice calls"
        return None

    return check


def caption_for(pack: ContentPack, catalogue: Any = None):
    captions = pack_captions(pack, catalogue)

    def caption(prompt: ev.Prompt) -> str:
        if isinstance(prompt, ev.Play) and prompt.url:
            return captions(prompt.url) or prompt.url
        return prompt.caption

    return caption


def walk(
    pack: ContentPack,
    transport: Transport,
    url: str,
    auth_token: str = "",
    catalogue: Any = None,
) -> WalkReport:
    started = time.perf_counter()
    media = MediaLibrary(transport)
    caption = caption_for(pack, catalogue)
    exploration = Explorer(
        transport,
        url,
        auth_token=auth_token,
        media=media,
        check_dial=dial_check(pack),
        caption=caption,
    ).run()
    guidance = time_to_guidance(
        pack, transport, url, caption=caption, auth_token=auth_token, media=media
    )
    undated = numbers_before_a_date(exploration, pack)
    return WalkReport(exploration, guidance, pack, time.perf_counter() - started, undated)


def format_explanation(report: WalkReport, max_seconds: float) -> str:
    """For each situation over the target: what the caller heard before it, longest first."""
    lines = []
    for g in report.guidance:
        if g.seconds is None or g.seconds <= max_seconds or g.reference:
            continue
        lines += ["", f"{g.situation} in {g.lang}: {g.seconds:.1f} s before the guidance"]
        for text, seconds in sorted(g.heard, key=lambda part: -part[1]):
            lines.append(f"  {seconds:5.1f} s  {text[:80]}")
    return "\n".join(lines)


def format_report(report: WalkReport, max_seconds: float, max_contact_seconds: float = 30.0) -> str:
    pack, found = report.pack, report.exploration
    langs = [lang.code for lang in pack.languages]
    lines = [
        f"Whole-tree walk: {found.states} states explored with every key and silence "
        f"({found.requests} webhook requests, {report.seconds:.1f} s).",
        "",
        "Time to guidance: seconds of audio from answer to the first word of the guidance,",
        "for a first-time caller who presses each key as soon as its option is announced",
        f"(<Play> measured from its audio; <Say> at {ev.SAY_WORDS_PER_SECOND:g} words a second).",
        "",
        "To number: seconds from answer until the situation's own first contact number starts",
        "(inside its prompt, by the share of the spoken characters said before it).",
        "",
        f"  {'situation':<24} {'lang':<5} {'keys':<12} {'guidance':>8} {'to number':>9}  number",
    ]
    in_references = False
    for g in report.guidance:
        if g.reference and not in_references:
            in_references = True
            lines += [
                "",
                "Reference pages (through help, key 0; the target is for situations):",
                "",
                f"  {'page':<24} {'lang':<5} {'keys':<12} {'seconds':>8}",
            ]
        seconds = f"{g.seconds:8.1f}" if g.seconds is not None else "       -"
        late = g.seconds is not None and g.seconds > max_seconds and not g.reference
        if g.reference:
            lines.append(f"  {g.situation:<24} {g.lang:<5} {g.keys:<12} {seconds}")
            continue
        contact = f"{g.contact_seconds:9.1f}" if g.contact_seconds is not None else "        -"
        slow = g.contact_seconds is None or g.contact_seconds > max_contact_seconds
        flag = "  over target" if late else ("  number late" if slow else "")
        lines.append(
            f"  {g.situation:<24} {g.lang:<5} {g.keys:<12} {seconds} {contact}  "
            f"{g.contact or '-'}{flag}"
        )
    lines += ["", "Directory numbers: T = reachable by transfer, s = spoken to the caller", ""]
    lines.append(f"  {'number':<28} {'e164':<15} " + " ".join(f"{c:>3}" for c in langs))
    for number in pack.numbers.values():
        marks = []
        for code in langs:
            spoken = pack.texts(code).get(f"number.{number.id}", "")
            heard = found.heard.get(code, set())
            mark = "T" if number.e164 in found.dialled.get(code, set()) else ""
            if spoken and any(spoken in caption for caption in heard):
                mark += "s"
            marks.append(f"{mark or '-':>3}")
        lines.append(f"  {number.id:<28} {number.e164:<15} " + " ".join(marks))
    lines += ["", "Numbers heard before any date, sentences over 25 words, wording to review:", ""]
    for lang in langs:
        undated = sum(1 for u in report.undated if u.lang == lang)
        long = sum(1 for s in long_sentences(pack) if s.lang == lang)
        notes = sum(1 for n in review_notes(pack) if f"text/{lang}.yaml" in n)
        lines.append(
            f"  {lang}: {undated} number(s) before a date, {long} long sentence(s), "
            f"{notes} wording note(s)"
        )
    problems = report.problems
    lines += ["", f"{len(problems)} problem(s)" + (":" if problems else ".")]
    lines += [f"  - {problem}" for problem in problems]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ivr.sim.walk", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--url", help="walk a running server (default: the app in-process)")
    parser.add_argument(
        "--token", help="Twilio auth token to sign with (default: $TWILIO_AUTH_TOKEN)"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=30.0, help="time-to-guidance target to flag"
    )
    parser.add_argument(
        "--max-contact-seconds",
        type=float,
        default=30.0,
        help="target for a situation's first own contact number to flag",
    )
    parser.add_argument(
        "--explain", action="store_true", help="list what callers hear before late guidance"
    )
    args = parser.parse_args(argv)
    line = connect(args.url, args.token)
    if line.pack is None:
        print("the content pack does not load: run the validate command", file=sys.stderr)
        return 1
    report = walk(line.pack, line.transport, line.url, line.token, line.catalogue)
    print(format_report(report, args.max_seconds, args.max_contact_seconds))
    if args.explain:
        print(format_explanation(report, args.max_seconds))
    late = [
        g
        for g in report.guidance
        if not g.reference
        and g.seconds is not None
        and (
            g.seconds > args.max_seconds
            or (g.contact_seconds is not None and g.contact_seconds > args.max_contact_seconds)
        )
    ]
    return 1 if report.problems or late else 0


if __name__ == "__main__":
    sys.exit(main())
