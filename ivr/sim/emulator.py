"""A TwiML interpreter that behaves like Twilio for the verbs the line uses: it executes each
document the app returns until the call needs the caller, and resumes it with the caller's reply.

The values it pauses at are in ivr/sim/waits.py; its requests to the app in ivr/sim/webhooks.py.
Semantics follow Twilio's TwiML reference; where a behaviour is subtle the comment cites it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urljoin

from . import events as ev
from .signing import new_sid
from .waits import (
    DIAL_OUTCOMES,
    DTMF_KEYS,
    HANG_UP,
    Caller,
    DialResult,
    DialWait,
    Ended,
    GatherWait,
    HangUp,
    Position,
    Press,
    RecordResult,
    RecordWait,
    Wait,
)
from .webhooks import CallWebhooks, Document

# Twilio plays a loop="0" prompt until the call ends; count it as this many passes.
LOOP_FOREVER = 1000
# Seconds of ringing or tones a caller hears before Twilio reports each <Dial> outcome
# (no-answer takes the whole Dial timeout).
DIAL_RING_SECONDS = {"completed": 6, "busy": 4, "failed": 1}
# <Reject reason="..."> (shared/twiml/rest-calls.json twiml_reject): only these two.
REJECT_REASONS = ("rejected", "busy")


class Call(CallWebhooks):
    """One emulated inbound call to `url`, reaching the app through `transport`."""

    # -- driving a call -------------------------------------------------------------------------

    def run(self, caller: Caller, max_waits: int = 500) -> ev.Transcript:
        """Place the call and let `caller` answer every gather and dial until it ends."""
        wait = self.start()
        for _ in range(max_waits):
            if isinstance(wait, Ended):
                return self.transcript
            wait = self.answer(wait, caller)
        self._fail(f"call still going after {max_waits} gathers and dials", self.url)
        return self.transcript

    def answer(self, wait: GatherWait | DialWait | RecordWait, caller: Caller) -> Wait:
        if isinstance(wait, GatherWait):
            return self.answer_gather(wait, caller.press(wait, self.transcript))
        if isinstance(wait, RecordWait):
            record = getattr(caller, "record", None)
            if record is None:
                return self.answer_record(wait, HANG_UP)
            return self.answer_record(wait, record(wait, self.transcript))
        return self.answer_dial(wait, caller.dial(wait, self.transcript))

    def start(self) -> Wait:
        # The first request of an incoming call says "ringing"; Twilio answers the call with
        # our TwiML. A call the line placed (Calls API) is already answered: "in-progress".
        status = "in-progress" if self.party.outbound else "ringing"
        params = self.party.base_params(status) | self.start_params
        document = self._request(self.url, self.method, params)
        if document is not None and not self.party.outbound:
            first = next(iter(document.root), None)
            if first is not None and first.tag == "Reject":
                return self._reject(first, document.url)
        self.answered = True
        if document is not None and self.after_answer is not None and self.after_answer():
            return self._hangup("ended through the REST API")
        return self._execute(document, 0)

    def _reject(self, verb: ET.Element, url: str) -> Ended:
        # <Reject> first: the call is never answered, so the caller pays nothing and Twilio
        # bills nothing (rest-calls.json twiml_reject); verbs after it are ignored.
        reason = verb.get("reason", "rejected")
        if reason not in REJECT_REASONS:
            self._error(f"<Reject reason={reason!r}> is not one of {REJECT_REASONS}", url)
            reason = "rejected"
        self.answered = False
        self.rejected = reason
        return self._hangup(f"<Reject reason={reason!r}>")

    def wait_at(self, position: Position) -> Wait:
        """Rebuild the wait at `position`, e.g. from a position the browser carried back."""
        return self._execute(self._document_at(position), position.index)

    # -- <Gather> -------------------------------------------------------------------------------

    def answer_gather(self, wait: GatherWait, reply: Press | str | None | HangUp) -> Wait:
        press = (Press(reply) if reply else None) if isinstance(reply, str) else reply
        if isinstance(press, HangUp):
            self._hear_prompts(wait.prompts, None)
            return self._hangup("caller hung up")
        if isinstance(press, Press) and set(press.keys) - DTMF_KEYS:
            raise ValueError(f"not keys on a phone keypad: {press.keys!r}")
        if isinstance(press, Press) and not wait.dtmf:
            press = None  # a speech-only Gather does not listen to keys
        # Any key stops the nested Say/Play at once ("barge-in"); the gather's timeout only
        # starts once the prompts end (https://www.twilio.com/docs/voice/twiml/gather#timeout).
        self._hear_prompts(wait.prompts, press.barge_in_at if press else None)
        if press is None or not press.keys:
            return self._gather_timed_out(wait)
        digits, finished_on_key = _collect(press.keys, wait.num_digits, wait.finish_on_key)
        complete = bool(finished_on_key) or (
            wait.num_digits is not None and len(digits) >= wait.num_digits
        )
        if not complete:
            # Twilio waits `timeout` seconds after the last key before submitting what it has.
            self.transcript.clock += wait.timeout
        outcome = "finish-key" if finished_on_key else "digits"
        self._emit(ev.Gather, press.keys, digits, finished_on_key, outcome, wait.action)
        params = self._params() | {
            "Digits": digits,
            "FinishedOnKey": finished_on_key,
            "msg": "Gather End",
        }
        return self._execute(self._request(wait.action, wait.method, params), 0)

    def _gather_timed_out(self, wait: GatherWait) -> Wait:
        self.transcript.clock += wait.timeout
        self._emit(ev.Gather, "", "", "", "timeout", wait.action)
        if wait.action_on_empty_result:
            # actionOnEmptyResult="true" posts to the action even with no input
            # (https://www.twilio.com/docs/voice/twiml/gather#actiononemptyresult).
            params = self._params() | {"Digits": "", "FinishedOnKey": "", "msg": "Gather End"}
            return self._execute(self._request(wait.action, wait.method, params), 0)
        # Without input Twilio goes on with the verb after the <Gather>
        # (https://www.twilio.com/docs/voice/twiml/gather#action).
        position = wait.position
        return self._execute(self._document_at(position), position.index + 1)

    # -- <Dial> ---------------------------------------------------------------------------------

    def answer_dial(self, wait: DialWait, reply: DialResult | str | HangUp) -> Wait:
        if isinstance(reply, HangUp):
            return self._hangup("caller hung up")
        result = DialResult(reply) if isinstance(reply, str) else reply
        if result.status not in DIAL_OUTCOMES:
            raise ValueError(f"dial outcome must be one of {DIAL_OUTCOMES}, not {result.status!r}")
        talk = result.seconds if result.status == "completed" else 0
        self._emit(ev.Dial, wait.numbers, result.status, talk, wait.caller_id, wait.action or "")
        self.transcript.clock += DIAL_RING_SECONDS.get(result.status, wait.timeout) + talk
        if wait.action is None:
            # Without an action Twilio continues with the next verb once the dial ends
            # (https://www.twilio.com/docs/voice/twiml/dial#action).
            position = wait.position
            return self._execute(self._document_at(position), position.index + 1)
        params = self._params() | {
            "DialCallStatus": result.status,
            "DialCallSid": new_sid("CA"),
            "DialCallDuration": str(talk),
            "DialBridged": "true" if result.status == "completed" else "false",
        }
        return self._execute(self._request(wait.action, wait.method, params), 0)

    # -- <Record> -------------------------------------------------------------------------------

    def answer_record(self, wait: RecordWait, reply: RecordResult | bytes | None | HangUp) -> Wait:
        """The caller spoke (or not). As Twilio: the recording is stored, then the action is
        requested with RecordingUrl, RecordingSid, RecordingDuration and Digits (the key
        that ended it, "hangup", or empty after silence or maxLength). A recording with no
        audio makes no request: the call goes on with the next verb (Twilio's documented
        rule for an empty recording). A caller who hangs up still gets the action request
        (Digits=hangup, CallStatus=completed), whose answer is ignored."""
        if isinstance(reply, HangUp):
            reply = RecordResult(None, "hangup")
        elif reply is None or isinstance(reply, bytes):
            reply = RecordResult(reply or None, "#" if reply else "timeout")
        ended_by = reply.ended_by
        if ended_by not in ("timeout", "hangup") and ended_by not in wait.finish_on_key:
            raise ValueError(f"{ended_by!r} does not end this <Record>")
        if wait.play_beep:
            self._hear(ev.Pause(0.0, 0.5, 0.5), 0.5)  # the beep
        wav, seconds = b"", 0.0
        if reply.audio:
            from .recordings import as_twilio_wav

            wav, seconds = as_twilio_wav(reply.audio, wait.max_length, wait.trim)
        self.transcript.clock = round(self.transcript.clock + seconds, 3)
        if ended_by == "timeout":
            self.transcript.clock += wait.timeout
        digits = "" if ended_by == "timeout" else ended_by
        if not wav or seconds <= 0:
            self._emit(ev.Record, 0.0, digits, "", wait.action)
            if ended_by == "hangup":
                return self._hangup("caller hung up")
            position = wait.position
            return self._execute(self._document_at(position), position.index + 1)
        if self.recordings is None:
            return self._fail("<Record> needs a recordings store (a fake Twilio REST API)", "")
        duration = max(1, round(seconds))
        sid, url = self.recordings.add(self.party.call_sid, wav, duration)
        self._emit(ev.Record, seconds, digits, sid, wait.action)
        status = "completed" if ended_by == "hangup" else "in-progress"
        params = self.party.base_params(status) | {
            "RecordingUrl": url,
            "RecordingSid": sid,
            "RecordingDuration": str(duration),
            "Digits": digits,
        }
        document = self._request(wait.action, wait.method, params)
        if ended_by == "hangup":
            return self._hangup("caller hung up")
        return self._execute(document, 0)

    # -- executing a document -------------------------------------------------------------------

    def _execute(self, document: Document | None, index: int) -> Wait:
        while document is not None:
            verbs = list(document.root)
            if index >= len(verbs):
                # Twilio hangs up when it runs out of verbs.
                return self._hangup("end of document")
            verb = verbs[index]
            position = Position(document.url, document.text, index)
            if verb.tag in ("Say", "Play", "Pause"):
                self._hear_prompts(self._prompts(document.url, [verb]), None)
                index += 1
            elif verb.tag == "Gather":
                return self._gather_wait(position, verb)
            elif verb.tag == "Dial":
                return self._dial_wait(position, verb)
            elif verb.tag == "Record":
                return self._record_wait(position, verb)
            elif verb.tag == "Redirect":
                url = urljoin(document.url, (verb.text or "").strip())
                method = self._method(verb, document.url)
                self._emit(ev.Redirect, url, method)
                document, index = self._request(url, method, self._params()), 0
            elif verb.tag == "Hangup":
                return self._hangup("<Hangup>")
            elif verb.tag == "Reject":
                # Only the first verb of the answer to a ringing call can refuse it; here the
                # call is already answered (and billed).
                return self._fail(
                    "<Reject> after the call was answered: it is billed", document.url
                )
            else:
                return self._fail(f"<{verb.tag}> is not emulated", document.url)
        return Ended("application error")

    def _gather_wait(self, position: Position, verb: ET.Element) -> GatherWait:
        url = position.url
        finish_on_key = verb.get("finishOnKey", "#")
        if finish_on_key not in DTMF_KEYS and finish_on_key != "":
            # Twilio warns (13310) and keeps its default.
            self._error(f"<Gather finishOnKey={finish_on_key!r}> is not a single key", url)
            finish_on_key = "#"
        num_digits = self._int(verb, "numDigits", None, url, minimum=1)
        empty_result = verb.get("actionOnEmptyResult", "false")
        if empty_result not in ("true", "false"):
            self._error(f"<Gather actionOnEmptyResult={empty_result!r}> is not true/false", url)
        return GatherWait(
            position=position,
            prompts=tuple(self._prompts(url, list(verb))),
            # No action means "post to the URL of the current document"
            # (https://www.twilio.com/docs/voice/twiml/gather#action).
            action=urljoin(url, verb.get("action", "")),
            method=self._method(verb, url),
            timeout=self._int(verb, "timeout", 5, url, minimum=0),
            num_digits=num_digits,
            finish_on_key=finish_on_key,
            action_on_empty_result=empty_result == "true",
            dtmf="dtmf" in verb.get("input", "dtmf").split(),
        )

    def _record_wait(self, position: Position, verb: ET.Element) -> RecordWait:
        url = position.url
        finish = verb.get("finishOnKey", "1234567890*#")
        if set(finish) - DTMF_KEYS:
            self._error(f"<Record finishOnKey={finish!r}> has keys a phone has not", url)
            finish = "1234567890*#"
        trim = verb.get("trim", "trim-silence")
        if trim not in ("trim-silence", "do-not-trim"):
            self._error(f"<Record trim={trim!r}> is not trim-silence or do-not-trim", url)
        beep = verb.get("playBeep", "true")
        if beep not in ("true", "false"):
            self._error(f"<Record playBeep={beep!r}> is not true/false", url)
        return RecordWait(
            position=position,
            # No action: Twilio requests the current document again
            # (https://www.twilio.com/docs/voice/twiml/record#action).
            action=urljoin(url, verb.get("action", "")),
            method=self._method(verb, url),
            timeout=self._int(verb, "timeout", 5, url, minimum=0),
            finish_on_key=finish,
            max_length=self._int(verb, "maxLength", 3600, url, minimum=1),
            play_beep=beep != "false",
            trim=trim != "do-not-trim",
        )

    def _dial_wait(self, position: Position, verb: ET.Element) -> Wait:
        url = position.url
        numbers = [(verb.text or "").strip()] if (verb.text or "").strip() else []
        for noun in verb:
            if noun.tag != "Number":
                return self._fail(f"<Dial><{noun.tag}> is not emulated", url)
            numbers.append((noun.text or "").strip())
        if not numbers or not all(numbers):
            return self._fail("<Dial> has no number to call", url)
        action = verb.get("action")
        return DialWait(
            position=position,
            numbers=tuple(numbers),
            action=urljoin(url, action) if action is not None else None,
            method=self._method(verb, url),
            timeout=self._int(verb, "timeout", 30, url, minimum=1),
            caller_id=verb.get("callerId", ""),
        )

    def _prompts(self, base_url: str, verbs: list[ET.Element]) -> list[ev.Prompt]:
        prompts: list[ev.Prompt] = []
        for verb in verbs:
            loop = self._int(verb, "loop", 1, base_url, minimum=0) or LOOP_FOREVER
            if verb.tag == "Say":
                text = " ".join("".join(verb.itertext()).split())
                seconds = ev.say_seconds(text) * loop
                prompts.append(
                    ev.Say(
                        0.0,
                        seconds,
                        seconds,
                        text=text,
                        voice=verb.get("voice", ""),
                        language=verb.get("language", ""),
                        loop=loop,
                    )
                )
            elif verb.tag == "Play":
                prompts.append(self._play(base_url, verb, loop))
            elif verb.tag == "Pause":
                length = float(self._int(verb, "length", 1, base_url, minimum=0))
                prompts.append(ev.Pause(0.0, length, length))
        return prompts

    def _play(self, base_url: str, verb: ET.Element, loop: int) -> ev.Play:
        if verb.get("digits"):
            # <Play digits="..."> sends DTMF tones, about half a second each.
            seconds = 0.5 * len(verb.get("digits", ""))
            return ev.Play(0.0, seconds, seconds, url="", loop=1)
        url = urljoin(base_url, (verb.text or "").strip())
        seconds = 0.0
        if not (verb.text or "").strip():
            self._error("<Play> has no URL", base_url)
        elif self.media is not None:
            media = self.media.fetch(url)
            if media.problem:
                self._error(f"{media.problem}: {url}", url)
            seconds = media.seconds * loop
        return ev.Play(0.0, seconds, seconds, url=url, loop=loop)

    def _hear_prompts(self, prompts: Sequence[ev.Prompt], barge_in_at: float | None) -> None:
        started = 0.0
        for prompt in prompts:
            if barge_in_at is not None and started + prompt.seconds > barge_in_at:
                heard = round(max(0.0, barge_in_at - started), 3)
                self._hear(prompt, heard, interrupted=True)
                return
            self._hear(prompt, prompt.seconds)
            started += prompt.seconds

    def _hear(self, prompt: ev.Prompt, heard: float, interrupted: bool = False) -> None:
        self.transcript.events.append(
            replace(prompt, at=self.transcript.clock, heard=heard, interrupted=interrupted)
        )
        self.transcript.clock = round(self.transcript.clock + heard, 3)

    # -- a verb's attributes --------------------------------------------------------------------

    def _method(self, verb: ET.Element, url: str) -> str:
        method = verb.get("method", "POST").upper()
        if method not in ("GET", "POST"):
            self._error(f"<{verb.tag} method={method!r}> is not GET or POST", url)
            return "POST"
        return method

    def _int(
        self, verb: ET.Element, name: str, default: int | None, url: str, minimum: int
    ) -> int | None:
        raw = verb.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            self._error(f"<{verb.tag} {name}={raw!r}> is not an integer >= {minimum}", url)
            return default
        return value


def _collect(keys: str, num_digits: int | None, finish_on_key: str) -> tuple[str, str]:
    """Digits Twilio submits for `keys`, and the finishing key if one ended the gather.

    The finishOnKey is not part of Digits; keys after the gather completes are lost
    (https://www.twilio.com/docs/voice/twiml/gather#finishonkey, #numdigits).
    """
    digits = ""
    for key in keys:
        if finish_on_key and key == finish_on_key:
            return digits, key
        digits += key
        if num_digits is not None and len(digits) >= num_digits:
            break
    return digits, ""
