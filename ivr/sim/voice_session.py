"""A whole language's recording session by phone, from a fresh start, with test audio.

    scripts/voice-session                 # Kreyòl
    scripts/voice-session --lang es -v    # Spanish, every part as it is recorded

What it does, all on this machine: a fake of Twilio's REST API on 127.0.0.1 (recordings are
fetched from it and deleted there, like Twilio's), the app in-process with a fresh database
(a temporary DATA_DIR), a staffer with a phone PIN, and the emulator calling the staff
recording line (POST /voice/staff). The "speaker" is espeak-ng at another pace than the
computer voice, saying the words the line reads out; every take is kept (1). Then the
speaker publishes the takes (one version), and a phone number the language says changes.

It prints the share of call time in a human voice before, after publishing and after the
number change, and exits 1 unless it went 0 % -> 100 % -> 100 % with every recording deleted
from the fake Twilio and the public line playing the human voice with the new number.
"""

from __future__ import annotations

import argparse
import io
import logging
import re
import subprocess
import sys
import tempfile
import time
from urllib.parse import parse_qs, urlsplit

from pydub import AudioSegment

from .. import create_app
from ..audio import splice
from . import events as ev
from .emulator import Call
from .guidance import plan
from .media import MediaLibrary
from .messages import FakeTwilioApi
from .signing import CallParty, new_sid
from .transport import FlaskTransport
from .waits import GatherWait, RecordResult, RecordWait

ACCOUNT = "AC" + "7" * 32
TOKEN = "voice-session-token"
SPEAKER = "speaker"
ESPEAK_VOICES = {"es": "es-419", "en": "en-us", "ht": "ht"}
SPEAKER_RATE = 140  # words a minute: slower than the computer voice, as people read


def speak(words: str, lang: str) -> bytes:
    """Test audio: espeak-ng saying ``words``, with room silence before and after, as an
    8 kHz phone call would carry it."""
    voice = ESPEAK_VOICES.get(lang, lang)
    raw = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(SPEAKER_RATE), "-p", "40", "--stdout", words],
        capture_output=True,
        check=True,
    ).stdout
    segment = AudioSegment.from_file(io.BytesIO(raw), format="wav")
    room = AudioSegment.silent(duration=400, frame_rate=segment.frame_rate)
    out = io.BytesIO()
    (room + segment + room).set_frame_rate(8000).set_channels(1).export(out, format="wav")
    return out.getvalue()


class Speaker:
    """Keys the PIN and the language, says each part the line asks for, keeps every take."""

    def __init__(self, app, pin: str, lang_key: str, lang: str, verbose: bool) -> None:
        self.app = app
        self.pin = pin
        self.lang_key = lang_key
        self.lang = lang
        self.verbose = verbose
        self.takes = 0
        self.refused = 0

    def press(self, wait: GatherWait, transcript: ev.Transcript) -> str | None:
        action = urlsplit(wait.action).path
        if action.endswith("/pin"):
            return self.pin + "#"
        if action.endswith("/language"):
            return self.lang_key
        if action.endswith("/choice"):
            if "take=" not in wait.action:  # refused: record it again
                self.refused += 1
                return "2"
            return "1"
        return None

    def dial(self, wait, transcript):  # the staff line transfers nobody
        return "completed"

    def record(self, wait: RecordWait, transcript: ev.Transcript) -> RecordResult:
        query = parse_qs(urlsplit(wait.action).query)
        with self.app.app_context():
            item = self.app.extensions["studio"].session(self.lang).item(query["item"][0])
        self.takes += 1
        if self.verbose:
            print(f"  {item.position:>4}  {item.clip.spoken}", flush=True)
        return RecordResult(speak(item.clip.spoken, self.lang), "#")


def coverage_line(app, lang: str, when: str) -> float:
    with app.app_context():
        c = app.extensions["studio"].coverage(lang)
    notes = []
    if c.computer_numbers:
        notes.append(f"numbers in the computer voice in {c.computer_numbers} prompt(s)")
    if c.draft_voice and c.share < 1:
        notes.append("its computer voice is a draft voice")
    note = f"  ({'; '.join(notes)})" if notes else ""
    print(
        f"{when:<34} {c.percent:5.1f} % of call time in a human voice "
        f"({c.human_prompts}/{c.prompts} prompts, weighted by the {c.weighted_by}){note}",
        flush=True,
    )
    return c.share


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def says(pack, lang: str, pid: str, number_id: str) -> bool:
    """The prompt says this directory number (in its words or alone)."""
    try:
        parts = splice.score(pack, lang, pid)
    except KeyError:
        return False
    return any(isinstance(p, splice.NumberPart) and p.number_id == number_id for p in parts)


def public_call(app, keys: list[str]) -> ev.Transcript:
    """A caller on the public line pressing ``keys`` (the language first), then hanging up."""
    transport = FlaskTransport(app)
    call = Call(
        transport,
        "http://localhost/voice",
        auth_token=TOKEN,
        party=CallParty(caller="+15550100142", call_sid=new_sid("CA")),
        media=MediaLibrary(transport),
    )
    presses = list(keys)

    class Caller:
        def press(self, wait, transcript):
            return presses.pop(0) if presses else "#"

        def dial(self, wait, transcript):
            return "completed"

    return call.run(Caller())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/voice-session", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--lang", default="ht", help="the language to record (default: ht)")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every part")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    api = FakeTwilioApi(ACCOUNT, TOKEN).start()
    data = tempfile.TemporaryDirectory(prefix="voice-session-")
    try:
        env = {
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_API_BASE": api.base_url,
            "SECRET_KEY": "voice-session-secret",
            "DATA_DIR": data.name,
        }
        logging.basicConfig(level=logging.WARNING)  # create_app's INFO setup is then a no-op
        app = create_app({"ENV": env})
        logging.getLogger("ivr").setLevel(logging.WARNING)
        pack = app.extensions["content"].current()
        language = pack.language(args.lang)
        if language is None:
            print(f"unknown language {args.lang!r}", file=sys.stderr)
            return 2
        app.extensions["staff"].add(SPEAKER, "a long enough password")
        app.extensions["staff"].set_language(SPEAKER, "en")
        with app.app_context():
            pin = app.extensions["staff"].set_pin(SPEAKER)
            parts = len(app.extensions["studio"].session(args.lang).items)
        print(f"Recording {language.name} ({args.lang}) by phone: {parts} parts", flush=True)
        before = coverage_line(app, args.lang, "before the session:")

        speaker = Speaker(app, pin, language.key, args.lang, args.verbose)
        transport = FlaskTransport(app)
        call = Call(
            transport,
            "http://localhost/voice/staff",
            auth_token=TOKEN,
            party=CallParty(caller="+15550100199", call_sid=new_sid("CA")),
            media=MediaLibrary(transport),
            recordings=api.recordings,
            max_requests=20 * parts,
        )
        transcript = call.run(speaker, max_waits=20 * parts)
        said = [p.text for p in transcript.of(ev.Say)]
        print(
            f"the call: {speaker.takes} takes said, {speaker.refused} refused and said again, "
            f"{transcript.clock / 60:.0f} minutes of call time; the line's last words: "
            f"{said[-1]!r}",
            flush=True,
        )
        problems = [e.message for e in transcript.errors]
        kept_at_twilio = api.recordings.kept()
        fetched = sum(1 for method, _ in api.recordings.requests if method == "GET")
        deleted = sum(1 for method, _ in api.recordings.requests if method == "DELETE")
        print(
            f"fake Twilio: {fetched} recordings fetched, {deleted} deleted, "
            f"{len(kept_at_twilio)} still stored",
            flush=True,
        )

        with app.app_context():
            studio = app.extensions["studio"]
            publisher = app.extensions["publisher"]
            version = studio.publish(args.lang, author=SPEAKER, speaker=SPEAKER)
            if version is not None:
                print(f"published as version {version.id}: {version.summary}")
        published = coverage_line(app, args.lang, "after publishing the takes:")

        # A number the language says changes: the human voice says the new one at once.
        with app.app_context():
            pack = publisher.pack()
            number_id = "aol_mx" if "aol_mx" in pack.numbers else next(iter(pack.numbers))
            old = pack.numbers[number_id].e164
            new = old[:-1] + ("1" if old[-1] != "1" else "2")
            publisher.set_number(number_id, e164=new, author="editor")
            pack = publisher.pack()
            manifest = publisher.store.snapshot().manifest
            saying = [
                pid for pid in pack.spoken(args.lang) if says(pack, args.lang, pid, number_id)
            ]
            human = [
                pid
                for pid in saying
                if (entry := manifest.get(args.lang, pid)) is not None
                and entry.staff_recorded
                and entry.speaks(pack.spoken(args.lang)[pid])
            ]
        print(
            f"changed {number_id}: {old} -> {new}; {len(human)} of the {len(saying)} prompts "
            "that say it are in the human voice, with the new number",
            flush=True,
        )
        after = coverage_line(app, args.lang, "after the number change:")

        # A caller goes where the number is said: the human voice, the new number.
        node = next(
            n.id
            for n in pack.flow.nodes.values()
            if any(says(pack, args.lang, pid, number_id) for pid in n.prompts)
        )
        route = plan(pack, args.lang, node) or []
        heard = public_call(app, [key for key, _ in route])
        manifest = app.extensions["content"].snapshot().manifest
        files = {e.file: e for e in manifest.entries.values() if e.language == args.lang}
        played = [files.get(p.url.rsplit("/", 1)[-1]) for p in heard.of(ev.Play)]
        played = [e for e in played if e is not None]
        said_number = [e for e in played if says(pack, args.lang, e.prompt_id, number_id)]
        right = [
            e
            for e in said_number
            if e.staff_recorded
            and e.speaks(pack.spoken(args.lang)[e.prompt_id])
            and digits(new) in digits(e.text)
            and digits(old) not in digits(e.text)
        ]
        print(
            f"a caller at {node}: {sum(e.staff_recorded for e in played)} of {len(played)} "
            f"{language.name} prompts heard in the human voice; {len(right)} of "
            f"{len(said_number)} saying {number_id} said the new number",
            flush=True,
        )

        ok = (
            before == 0
            and published >= 0.9999
            and after >= 0.9999
            and not problems
            and not kept_at_twilio
            and deleted == fetched == speaker.takes
            and human == saying
            and played
            and all(e.staff_recorded for e in played)
            and said_number
            and right == said_number
        )
        for problem in problems:
            print(f"PROBLEM: {problem}", file=sys.stderr)
        print(f"{'OK' if ok else 'FAILED'} in {time.perf_counter() - started:.0f} s")
        return 0 if ok else 1
    finally:
        api.stop()
        data.cleanup()


if __name__ == "__main__":
    sys.exit(main())
