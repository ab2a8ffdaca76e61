"""A phone in the terminal: call the line, hear (or read) each prompt, type keys.

    python -m ivr.sim.phone                      # in-process, the app in development mode
    python -m ivr.sim.phone --url http://127.0.0.1:5000 --token "$TWILIO_AUTH_TOKEN"
    printf '1\\n\\n2\\n' | python -m ivr.sim.phone --mute
    python -m ivr.sim.phone --staff              # the staff recording line (in-process)

Each line typed is the keys pressed at one menu; an empty line is silence (the menu times
out). At a transfer the line typed picks how it ends: Enter or c = completed, b = busy,
n = no answer, f = failed. When the staff line records, the line typed is a sound file to
say, `m` to speak into the microphone (arecord, until Enter), or Enter for silence. `q` or
end of input hangs up.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from . import events as ev
from .captions import Captions, no_captions, pack_captions, server_captions
from .connect import connect
from .emulator import Call
from .media import MediaLibrary
from .player import Player
from .signing import CallParty, new_sid
from .transport import Transport
from .waits import (
    DTMF_KEYS,
    HANG_UP,
    DialResult,
    DialWait,
    GatherWait,
    HangUp,
    Press,
    RecordResult,
    RecordWait,
)

OUTCOMES = {"": "completed", "c": "completed", "b": "busy", "n": "no-answer", "f": "failed"}


class TerminalCaller:
    """A person at the keyboard: prints what the line says, asks what to press."""

    def __init__(
        self,
        transport: Transport,
        *,
        stdin: TextIO,
        stdout: TextIO,
        player: Player,
        captions: Captions = no_captions,
        names: Mapping[str, str] | None = None,
        espeak_voices: Mapping[str, str] | None = None,
        lang_key: str | None = None,
    ) -> None:
        self.transport = transport
        self.stdin = stdin
        self.stdout = stdout
        self.player = player
        self.captions = captions
        self.names = names or {}
        self.espeak_voices = espeak_voices or {}
        self.lang_key = lang_key
        self.shown = 0
        # The emulator records a gather's prompts after the caller answers; they were already
        # printed when the gather was reached, so the next ones in the transcript are skipped.
        self.skip = 0

    # -- the Caller interface -------------------------------------------------------------------

    def press(self, gather: GatherWait, transcript: ev.Transcript) -> Press | str | None | HangUp:
        self.show(transcript)
        for prompt in gather.prompts:
            self._announce(prompt)
        self.skip = len(gather.prompts)
        if self.lang_key:
            keys, self.lang_key = self.lang_key, None
            self._say(f"  keys> {keys}   (--lang-key)")
            return keys
        while True:
            line = self._ask("  keys (Enter = silence, q = hang up)> ")
            if line is None or line.lower() == "q":
                return HANG_UP
            keys = line.replace(" ", "")
            if not keys:
                self._say("  ...silence")
                return None
            if set(keys) <= DTMF_KEYS:
                return keys
            self._say("  keypad keys only: 0-9 * #")

    def dial(self, dial: DialWait, transcript: ev.Transcript) -> DialResult | str | HangUp:
        self.show(transcript)
        for number in dial.numbers:
            name = self.names.get(number, "a number not in the directory")
            self._say(f"  TRANSFER: dialling {number} ({name})")
        while True:
            line = self._ask(
                "  how does it end? Enter/c completed, b busy, n no answer, f failed> "
            )
            if line is None or line.lower() == "q":
                return HANG_UP
            if line.lower() in OUTCOMES:
                return OUTCOMES[line.lower()]
            self._say("  one of: c b n f")

    def record(self, wait: RecordWait, transcript: ev.Transcript) -> RecordResult | HangUp:
        """A staff call's <Record>: a sound file, the microphone, or silence."""
        self.show(transcript)
        self._say(f"  RECORDING (at most {wait.max_length} s; # ends it)")
        while True:
            line = self._ask("  sound file, m = microphone, Enter = silence, q = hang up> ")
            if line is None or line.lower() == "q":
                return HANG_UP
            if not line:
                self._say("  ...silence")
                return RecordResult(None, "timeout")
            if line.lower() == "m":
                audio = self._microphone(wait.max_length)
                if audio is not None:
                    return RecordResult(audio, "#")
                continue
            path = Path(line).expanduser()
            try:
                return RecordResult(path.read_bytes(), "#")
            except OSError as error:
                self._say(f"  cannot read {path}: {error.strerror}")

    def _microphone(self, max_seconds: int) -> bytes | None:
        arecord = shutil.which("arecord")
        if arecord is None:
            self._say("  no microphone here (arecord is not installed): give a sound file")
            return None
        recorder = subprocess.Popen(
            [
                arecord,
                "-q",
                "-f",
                "S16_LE",
                "-r",
                "8000",
                "-c",
                "1",
                "-t",
                "wav",
                "-d",
                str(max_seconds),
                "-",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._ask("  recording... press Enter to stop> ")
        recorder.terminate()
        audio, _ = recorder.communicate()
        return audio or None

    # -- output ---------------------------------------------------------------------------------

    def show(self, transcript: ev.Transcript) -> None:
        """Print the events not shown yet."""
        for event in transcript.events[self.shown :]:
            if self.skip and isinstance(event, ev.Prompt):
                self.skip -= 1
                continue
            self._show(event)
        self.shown = len(transcript.events)

    def _show(self, event: ev.Event) -> None:
        if isinstance(event, ev.Prompt):
            self._announce(event)
        elif isinstance(event, ev.Gather) and event.outcome == "timeout":
            self._say("  (no key pressed: the menu timed out)")
        elif isinstance(event, ev.Dial):
            self._say(f"  TRANSFER {event.outcome.upper()}")
        elif isinstance(event, ev.Record):
            self._say(
                f"  (recorded {event.seconds:.1f} s)" if event.sid else "  (nothing recorded)"
            )
        elif isinstance(event, ev.Text):
            self._say("  TEXT MESSAGE to your phone:")
            for line in event.body.splitlines():
                self._say(f"    | {line}")
        elif isinstance(event, ev.Request) and event.status != 200:
            self._say(f"  ! {event.method} {event.url} answered HTTP {event.status}")
        elif isinstance(event, ev.Error):
            self._say(f"  ERROR: {event.message}")
        elif isinstance(event, ev.Hangup):
            self._say(f"Call ended ({event.reason}) after {event.at:.0f} s of call time.")

    def _announce(self, prompt: ev.Prompt) -> None:
        """Caption a prompt, then play it when a player exists."""
        if isinstance(prompt, ev.Say):
            self._say(f"  [{prompt.language or 'say'}] {prompt.text}")
            self._speak(prompt)
        elif isinstance(prompt, ev.Play):
            caption = self.captions(prompt.url) if prompt.url else "(keypad tones)"
            self._say(f"  [audio {prompt.seconds:.1f}s] {caption or prompt.url}")
            if prompt.url and self.player.available:
                reply = self.transport.send("GET", prompt.url, None, {})
                if reply.status == 200:
                    self.player.play(reply.body)
        elif isinstance(prompt, ev.Pause):
            self._say(f"  (pause {prompt.seconds:g} s)")

    def _speak(self, say: ev.Say) -> None:
        # <Say> has no audio file: read it with espeak-ng when the machine can play sound.
        voice = self.espeak_voices.get(say.language)
        espeak = shutil.which("espeak-ng")
        if not (self.player.available and voice and espeak):
            return
        spoken = subprocess.run(
            [espeak, "-v", voice, "--stdout", say.text], capture_output=True, check=False
        )
        if spoken.returncode == 0:
            self.player.play(spoken.stdout)

    def _say(self, line: str) -> None:
        print(line, file=self.stdout, flush=True)

    def _ask(self, question: str) -> str | None:
        self.stdout.write(question)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            self._say("(end of input: hanging up)")
            return None
        if not self.stdin.isatty():
            self._say(line.rstrip("\n"))  # echo scripted input so the log reads like a call
        return line.strip()


def main(
    argv: list[str] | None = None, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ivr.sim.phone", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--url", help="call a running server (default: the app in-process)")
    parser.add_argument(
        "--token", help="Twilio auth token to sign with (default: $TWILIO_AUTH_TOKEN)"
    )
    parser.add_argument("--mute", action="store_true", help="captions only, play no sound")
    parser.add_argument("--lang-key", help="press this key at the first menu (the language menu)")
    parser.add_argument("--from", dest="caller", default="+15017122661", help="caller's number")
    parser.add_argument(
        "--staff",
        action="store_true",
        help="call the staff recording line (/voice/staff); in-process only, where the "
        "development fake of Twilio's Recordings API keeps the takes",
    )
    args = parser.parse_args(argv)

    line = connect(args.url, args.token)
    url = line.url + "/staff" if args.staff else line.url
    if args.staff and getattr(line.transport, "recordings", None) is None:
        print(
            "The staff line records through a fake of Twilio's Recordings API, which only the "
            "in-process line has: leave out --url.",
            file=stdout,
        )
        return 2
    transport, pack = line.transport, line.pack
    names, voices = {}, {}
    if pack is not None:
        names = {
            n.e164: f"{pack.organizations[n.org].name}, {n.label}" for n in pack.numbers.values()
        }
        voices = {
            lang.say_language: lang.tts.get("espeak", {}).get("voice", "")
            for lang in pack.languages
        }
    local = pack_captions(pack, line.catalogue) if pack is not None else no_captions
    # Against a running server, its captions: the words its live version plays, which staff
    # may have changed since this checkout's prompts/.
    captions = server_captions(line.url, local) if args.url else local
    caller = TerminalCaller(
        transport,
        stdin=stdin,
        stdout=stdout,
        player=Player(mute=args.mute),
        captions=captions,
        names=names,
        espeak_voices=voices,
        lang_key=args.lang_key,
    )
    call = Call(
        transport,
        url,
        auth_token=line.token,
        party=CallParty(caller=args.caller, call_sid=new_sid("CA")),
        media=MediaLibrary(transport),
    )
    print(f"Calling {url} ...", file=stdout, flush=True)
    transcript = call.run(caller)
    caller.show(transcript)
    return 1 if transcript.errors else 0


if __name__ == "__main__":
    sys.exit(main())
