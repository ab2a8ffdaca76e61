"""A gunicorn worker's memory over a long day: at start, after 10,000 webhooks, after staff work.

    .venv/bin/python benchmarks/memory.py [--webhooks 10000] [--edits 50] [--recordings 20]

Starts the Procfile's gunicorn (``ivr.wsgi:app``, its workers and threads, on 127.0.0.1) in
production mode with signed webhooks and the embedded SQLite database in a temporary DATA_DIR,
and prints every worker's resident memory (VmRSS, and its peak VmHWM, from /proc/<pid>/status):

1. after start (each worker has built its app);
2. after ``--webhooks`` Twilio webhooks, each signed for the server's URL: a shuffled mix of
   every request the emulator's explorer makes (every state of the call, every key, silence and
   every <Dial> outcome, in every language), from callers in several countries, plus the
   <Play> audio Twilio would fetch;
3. after "a day's staff work" through the console over HTTP, logged in: ``--edits`` published
   edits (words in every language, and phone numbers, each with its new computer audio),
   ``--recordings`` uploaded recordings published, and every console page in both interface
   languages (the flow picture and the counts CSV included) after every few changes;
4. after a fifth as many webhooks again (what is left once the line is back to calls only).

Nothing is asserted: the aim is every worker under 100 MB throughout. Takes about 2-3 minutes.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import TOKEN, procfile_command, start_server  # noqa: E402

from ivr import create_app  # noqa: E402
from ivr.content import load_pack  # noqa: E402
from ivr.security import compute_signature  # noqa: E402
from ivr.sim.explore import Explorer  # noqa: E402
from ivr.sim.transport import FlaskTransport, Reply  # noqa: E402

PASSWORD = "correct horse battery"
SECRET = "m" * 40
# Callers from where the line's callers are: numbers are spoken by caller country.
CALLERS = ("+525512345678", "+12025550143", "+50221234567", "+50493456789", "+5073456789")
# A word put before a prompt's words: a new text that stays valid (no numeral to misread).
WORDS = ("Atención", "Aviso", "Nota", "Escuche", "Importante", "Ahora", "Recuerde", "Hoy")
PLAY = re.compile(r"<Play[^>]*>([^<]+)</Play>")


class Recorder:
    """A transport that remembers every webhook it carries (the explorer's requests)."""

    def __init__(self, inner: FlaskTransport) -> None:
        self.inner = inner
        self.webhooks: list[tuple[str, dict[str, str]]] = []
        self.audio: set[str] = set()

    def send(self, method, url, form, headers) -> Reply:
        reply = self.inner.send(method, url, form, headers)
        if method == "POST" and form is not None:
            parts = urlsplit(url)
            self.webhooks.append((parts.path + (f"?{parts.query}" if parts.query else ""), form))
            self.audio.update(urlsplit(u).path for u in PLAY.findall(reply.body.decode()))
        return reply


def explored_webhooks(env: dict[str, str]) -> tuple[list[tuple[str, dict[str, str]]], list[str]]:
    app = create_app({"ENV": env})
    logging.getLogger().setLevel(logging.WARNING)  # the exploration's call log is not a result
    recorder = Recorder(FlaskTransport(app))
    Explorer(recorder, "http://localhost/voice", auth_token=TOKEN).run()
    app.extensions["staff"].add("ana", PASSWORD)  # the same DATA_DIR as the server's
    app.extensions["db"].close()
    return recorder.webhooks, sorted(recorder.audio)


# -- the server and its workers --------------------------------------------------------------


def start(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    process, voice = start_server("ivr.wsgi:app", env, ready="/admin/login", stderr=subprocess.PIPE)
    threading.Thread(target=_drain, args=(process,), daemon=True).start()
    return process, voice.removesuffix("/voice")


ERRORS: deque[str] = deque(maxlen=60)  # the end of gunicorn's error log, shown if a step fails


def _drain(process: subprocess.Popen) -> None:
    for line in process.stderr:
        if not line.startswith("INFO "):
            ERRORS.append(line.rstrip())


def workers(master: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] == str(master):
                found.append(int(stat.parent.name))
        except (OSError, IndexError):
            continue
    return sorted(found)


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def settle(master: int, count: int) -> None:
    """Until ``count`` workers exist and their memory stops moving (they have built the app)."""
    last: list[float] = []
    for _ in range(100):
        pids = workers(master)
        now = [memory(pid)[0] for pid in pids]
        if len(pids) >= count and last == now:
            return
        last = now
        time.sleep(0.5)


def report(label: str, master: int, seconds: float) -> None:
    cells = []
    for pid in workers(master):
        rss, peak = memory(pid)
        cells.append(f"{rss:6.1f} MB (peak {peak:6.1f})")
    print(f"{label:<34} {'   '.join(cells)}   [{seconds:5.1f} s]", flush=True)


# -- callers ----------------------------------------------------------------------------------


def send_webhooks(
    base: str, webhooks: list[tuple[str, dict[str, str]]], audio: list[str], count: int
) -> tuple[int, int]:
    """``count`` signed webhooks drawn from ``webhooks`` (and the audio Twilio fetches after
    every tenth); returns (requests sent, answers that were not 200)."""
    rng = random.Random(7)
    plan = [rng.choice(webhooks) for _ in range(count)]
    local = threading.local()
    failures = [0]

    def one(item: tuple[int, tuple[str, dict[str, str]]]) -> None:
        n, (path, form) = item
        if not hasattr(local, "session"):
            local.session = requests.Session()
        form = {**form, "From": CALLERS[n % len(CALLERS)], "CallSid": "CA" + secrets.token_hex(16)}
        signature = compute_signature(TOKEN.encode(), base + path, form.items())
        answer = local.session.post(
            base + path, data=form, headers={"X-Twilio-Signature": signature}, timeout=15
        )
        bad = answer.status_code != 200
        if n % 10 == 0 and audio:
            bad |= local.session.get(base + audio[n % len(audio)], timeout=15).status_code != 200
        if bad:
            failures[0] += 1

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one, enumerate(plan)))
    return count + count // 10, failures[0]


# -- staff --------------------------------------------------------------------------------------


class Staff:
    """A browser on the console: cookies by hand, since production's are Secure (https only)
    and this talks plain HTTP to loopback."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def _keep(self, response: requests.Response) -> requests.Response:
        for cookie in response.cookies:
            self.cookies[cookie.name] = cookie.value or ""
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        if found:
            self.csrf = found[1]
        return response

    def get(self, path: str, expect: int = 200) -> requests.Response:
        response = self._keep(
            self.session.get(self.base + path, cookies=self.cookies, allow_redirects=False)
        )
        if response.status_code != expect:
            raise SystemExit(f"GET {path}: HTTP {response.status_code}")
        return response

    def post(self, path: str, data: dict, files: dict | None = None) -> requests.Response:
        response = self._keep(
            self.session.post(
                self.base + path,
                data={"csrf_token": self.csrf, **data},
                files=files,
                cookies=self.cookies,
                allow_redirects=False,
            )
        )
        if response.status_code not in (200, 302, 303):
            problems = re.findall(r'class="problem[^"]*"[^>]*>(.*?)<', response.text, re.S)
            raise SystemExit(f"POST {path}: HTTP {response.status_code} {problems}")
        return response

    def login(self) -> None:
        self.get("/admin/login")
        self.post("/admin/login", {"name": "ana", "password": PASSWORD})
        self.get("/admin/")


def console_pages(staff: Staff, pack, rng: random.Random) -> int:
    """Every kind of console page, as a staff member clicking through them."""
    langs = [lang.code for lang in pack.languages]
    prompts = sorted(pack.prompt_ids())
    paths = [
        "/admin/",
        "/admin/search?q=oprima",
        "/admin/search?q=asilo&page=2",
        "/admin/coverage",
        "/admin/coverage?status=todo&page=2",
        "/admin/directory",
        "/admin/versions",
        "/admin/versions?page=2",
        "/admin/audit",
        "/admin/audit?who=ana&page=2",
        "/admin/drafts",
        "/admin/sections",
        "/admin/needs/",
        "/admin/needs/counts.csv",
        "/admin/flow",
    ]
    for lang in langs:
        paths += [f"/admin/coverage?lang={lang}", f"/admin/flow?lang={lang}"]
        paths += [f"/admin/prompts/{lang}/{p}" for p in rng.sample(prompts, 3)]
    for path in paths:
        page = staff.get(path)
        for player in re.findall(r'src="(/admin/audio/[^"]+)"', page.text)[:2]:
            staff.get(player)
    versions = re.findall(r"/admin/versions/(\d+)/restore", staff.get("/admin/versions").text)
    for version in versions[:2]:
        staff.get(f"/admin/versions/{version}/restore")
    return len(paths) + len(versions[:2])


def staff_day(base: str, args: argparse.Namespace, data: Path, master: int = 0) -> dict[str, int]:
    from ivr.console import phones

    pack = load_pack(ROOT / "prompts")
    rng = random.Random(11)
    staff = Staff(base)
    staff.login()
    done = {"text edits": 0, "number edits": 0, "recordings": 0, "pages": 0}
    took = dict.fromkeys(done, 0.0)
    langs = [lang.code for lang in pack.languages]
    editable = pack.prompt_ids()  # authored prompts ("checked.<node>" and the like are derived)
    texts = sorted((lang, p) for lang in langs for p in pack.raw_texts(lang) if p in editable)
    numbers = sorted(pack.numbers)
    # A number's new digits are spoken in many prompts of every language (a TTS run each):
    # a tenth of the edits are numbers, the rest words.
    work = ["number"] * (args.edits // 10) + ["text"] * (args.edits - args.edits // 10)
    work += ["recording"] * args.recordings
    rng.shuffle(work)
    for n, kind in enumerate(work):
        began = time.monotonic()
        if kind == "text":
            lang, prompt = rng.choice(texts)
            raw = pack.raw_texts(lang)[prompt]
            staff.post(f"/admin/prompts/{lang}/{prompt}/text", {"text": f"{WORDS[n % 8]}. {raw}"})
            done["text edits"] += 1
        elif kind == "number":
            number_id = rng.choice(numbers)
            old = pack.numbers[number_id]
            # Every other one new digits (spoken in every language: a TTS run per prompt
            # and language, the slowest edit there is), else the flyer's words for it.
            digits = done["number edits"] % 2 == 0
            e164 = old.e164[:-2] + f"{(int(old.e164[-2:]) + n) % 100:02d}" if digits else old.e164
            form = {
                "e164": e164,
                "country": phones.country_of(old.e164),
                "label": old.label if digits else f"{old.label} ({WORDS[n % 8]})",
                "dial_from": old.dial_from or "",
                "confirmed": e164,
                **{f"channel_{c}": "on" for c in old.channels},
            }
            staff.post(f"/admin/directory/numbers/{number_id}", form)
            done["number edits"] += 1
        else:
            lang, prompt = rng.choice(texts)
            wav = data / f"take{n}.wav"
            subprocess.run(
                ["espeak-ng", "-v", "es", "-w", str(wav), f"Grabación {n}: oprima uno."],
                check=True,
            )
            with wav.open("rb") as take:
                staged = staff.post(
                    f"/admin/prompts/{lang}/{prompt}/upload",
                    {},
                    files={"audio": (f"take{n}.wav", take, "audio/wav")},
                )
            draft = re.search(r"/draft/([^/?]+)", staged.headers.get("Location", ""))
            if draft is None:
                raise SystemExit(f"the upload was not staged: {staged.text[:2000]}")
            staff.get(f"/admin/prompts/{lang}/{prompt}/draft/{draft[1]}")
            staff.get(f"/admin/drafts/{draft[1]}.wav")
            staff.post(f"/admin/prompts/{lang}/{prompt}/draft/{draft[1]}/publish", {})
            done["recordings"] += 1
        took[f"{kind} edits" if kind != "recording" else "recordings"] += time.monotonic() - began
        if n % 10 == 9:  # staff look at what they did, in one interface language or the other
            began = time.monotonic()
            staff.post("/admin/language", {"lang": ("es", "en")[(n // 10) % 2]})
            done["pages"] += console_pages(staff, pack, rng)
            took["pages"] += time.monotonic() - began
        if args.steps:
            rss = " ".join(f"{memory(pid)[0]:6.1f}" for pid in workers(master))
            print(
                f"  {n + 1:3} {kind:<10} {time.monotonic() - began:5.1f} s  RSS {rss}", flush=True
            )
    return {f"{kind} ({took[kind]:.0f} s)": count for kind, count in done.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--webhooks", type=int, default=10_000)
    parser.add_argument("--edits", type=int, default=50, help="published text and number edits")
    parser.add_argument("--recordings", type=int, default=20)
    parser.add_argument("--steps", action="store_true", help="memory after each staff step")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="hotline-memory-") as folder:
        data = Path(folder)
        env = {
            **os.environ,
            "HOTLINE_ENV": "production",
            "TWILIO_AUTH_TOKEN": TOKEN,
            "SECRET_KEY": SECRET,
            "DATA_DIR": str(data / "data"),
            "DATABASE_URL": "",
        }
        started = time.monotonic()
        webhooks, audio = explored_webhooks(env)
        print(
            f"{len(webhooks)} distinct webhooks explored, {len(audio)} audio files played "
            f"[{time.monotonic() - started:.1f} s]",
            flush=True,
        )
        process, base = start(env)
        try:
            count = len(workers(process.pid))
            settle(process.pid, count)
            print(f"gunicorn {' '.join(procfile_command('ivr.wsgi:app', 0)[1:])}")
            print(f"{'':<34} {'   '.join(f'worker {n + 1:<22}' for n in range(count))}")
            report("after start", process.pid, time.monotonic() - started)

            sent, failed = send_webhooks(base, webhooks, audio, args.webhooks)
            report(
                f"after {sent} requests ({failed} failed)", process.pid, time.monotonic() - started
            )

            done = staff_day(base, args, data, process.pid)
            time.sleep(2)  # the workers' live-version threads catch up with the last publish
            report("after staff work", process.pid, time.monotonic() - started)
            print("  staff work: " + ", ".join(f"{v} {k}" for k, v in done.items()))

            sent, failed = send_webhooks(base, webhooks, audio, args.webhooks // 5)
            report(f"after {sent} more ({failed} failed)", process.pid, time.monotonic() - started)
        except SystemExit:
            print("\n".join(ERRORS), file=sys.stderr)
            raise
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
