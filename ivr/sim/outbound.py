"""The far end of a call the line placed through the (fake) Calls API, played as Twilio plays it.

A test, or the browser phone, picks how the called phone answers:

    human      a person answers: with MachineDetection, Twilio first decides (AnsweredBy=human)
               and then requests `Url` with AnsweredBy and MachineDetectionDuration; the call
               runs like any other; at the end the status callback says `completed`
    machine    voicemail answers: AnsweredBy=machine_start (MachineDetection=Enable) or
               machine_end_beep (DetectMessageEnd); the line must hang up at once
    fax        AnsweredBy=fax
    unknown    detection could not tell (AnsweredBy=unknown)
    busy, no-answer, failed
               nobody answers: `Url` is never requested; the status callback carries that
               status, CallDuration 0 and the SIP code (486, 487, 404)

With AsyncAmd=true, `Url` is requested at once without AnsweredBy and the verdict goes to
AsyncAmdStatusCallback (CallSid, AccountSid, AnsweredBy, MachineDetectionDuration).
Sources: shared/twiml/rest-calls.json (answering_machine_detection, status_callback).
"""

from __future__ import annotations

from .calls import CallBook, PlacedCall
from .emulator import Call
from .events import Transcript
from .media import MediaLibrary
from .signing import CallParty, signed_headers
from .transport import Transport
from .waits import Caller, Ended, Wait
from .webhooks import StatusCallback, send_status, status_params

ANSWERS = ("human", "machine", "fax", "unknown", "busy", "no-answer", "failed")
NOT_ANSWERED = ("busy", "no-answer", "failed")
DETECTION_MS = {"human": "2400", "machine": "4210", "fax": "1800", "unknown": "30000"}


def answered_by(call: PlacedCall, how: str) -> str | None:
    """The AnsweredBy value Twilio reports for ``how``; None without answering-machine
    detection (or when nobody answered)."""
    mode = call.form.get("MachineDetection", "")
    if how in NOT_ANSWERED or mode not in ("Enable", "DetectMessageEnd"):
        return None
    if how == "machine":
        return "machine_start" if mode == "Enable" else "machine_end_beep"
    return how


def status_callback(call: PlacedCall, answered: str | None) -> StatusCallback | None:
    url = call.form.get("StatusCallback")
    if not url:
        return None
    extra = {"AnsweredBy": answered} if answered else {}
    return StatusCallback(
        url=url,
        method=call.form.get("StatusCallbackMethod", "POST").upper(),
        events=call.events,
        extra=extra,
    )


def party(call: PlacedCall) -> CallParty:
    return CallParty(
        caller=call.from_,
        line=call.to,
        call_sid=call.sid,
        account_sid=call.account_sid,
        direction="outbound-api",
    )


def answer(
    call: PlacedCall,
    how: str,
    transport: Transport,
    *,
    auth_token: str,
    book: CallBook | None = None,
    media: MediaLibrary | None = None,
) -> tuple[Call | None, Wait]:
    """The called phone answers (or not) as ``how`` says; returns the emulated call (None
    when nobody answered) and where it waits first."""
    if how not in ANSWERS:
        raise ValueError(f"an outbound call is answered by one of {ANSWERS}, not {how!r}")
    if call.ended:
        return None, Ended(f"the call was already {call.status}")
    verdict = answered_by(call, how)
    callback = status_callback(call, verdict)
    the_party = party(call)
    if how in NOT_ANSWERED:
        if callback is not None:
            _progress(transport, auth_token, callback, the_party, ("initiated", "ringing"))
            send_status(
                transport,
                auth_token,
                callback,
                status_params(the_party, how, callback, sequence=_sequence(callback, how)),
            )
        if book is not None:
            book.update(call.sid, status=how)
        return None, Ended(how)
    if callback is not None:
        _progress(transport, auth_token, callback, the_party, ("initiated", "ringing", "answered"))
    async_amd = call.form.get("AsyncAmd", "").lower() == "true"
    start = {}
    if verdict is not None and not async_amd:
        start = {"AnsweredBy": verdict, "MachineDetectionDuration": DETECTION_MS[how]}

    def report_verdict() -> bool:
        """Asynchronous detection: the verdict goes to AsyncAmdStatusCallback while the
        first document plays; True if the line then ended the call through the REST API."""
        url = call.form.get("AsyncAmdStatusCallback")
        if verdict is None or not url:
            return False
        form = {
            "AccountSid": call.account_sid,
            "CallSid": call.sid,
            "AnsweredBy": verdict,
            "MachineDetectionDuration": DETECTION_MS[how],
        }
        headers = signed_headers(auth_token, url, form)
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
        transport.send("POST", url, form, headers)
        fresh = book.get(call.sid) if book is not None else None
        return fresh is not None and fresh.ended

    emulated = Call(
        transport,
        call.form.get("Url", ""),
        auth_token=auth_token,
        party=the_party,
        method=call.form.get("Method", "POST").upper(),
        media=media,
        fallback_url=call.form.get("FallbackUrl"),
        start_params=start,
        status_callback=callback,
        after_answer=report_verdict if async_amd else None,
    )
    if book is not None:
        book.update(call.sid, status="in-progress", answered_by=verdict)
    wait = emulated.start()
    if isinstance(wait, Ended) and book is not None:
        book.update(call.sid, status="completed")
    return emulated, wait


def run(
    call: PlacedCall,
    how: str,
    transport: Transport,
    caller: Caller,
    *,
    auth_token: str,
    book: CallBook | None = None,
    max_waits: int = 200,
) -> Transcript:
    """Answer as ``how`` says, then let ``caller`` press keys until the call ends."""
    emulated, wait = answer(call, how, transport, auth_token=auth_token, book=book)
    if emulated is None:
        return Transcript()
    for _ in range(max_waits):
        if isinstance(wait, Ended):
            break
        wait = emulated.answer(wait, caller)
    else:
        wait = emulated._hangup("caller hung up")  # a machine never stops listening: end it
    if book is not None:
        book.update(call.sid, status="completed")
    return emulated.transcript


def _sequence(callback: StatusCallback, final: str) -> int:
    """The SequenceNumber of the terminal event: the events sent before it, counted."""
    before = {"busy": ("initiated", "ringing"), "no-answer": ("initiated", "ringing")}
    return sum(1 for event in before.get(final, ("initiated",)) if event in callback.events)


def _progress(
    transport: Transport,
    auth_token: str,
    callback: StatusCallback,
    the_party: CallParty,
    happened: tuple[str, ...],
) -> None:
    """The progress events the line asked for (StatusCallbackEvent), in order."""
    names = {"initiated": "initiated", "ringing": "ringing", "answered": "in-progress"}
    sequence = 0
    for event in happened:
        if event in callback.events:
            params = status_params(the_party, names[event], callback, sequence=sequence)
            send_status(transport, auth_token, callback, params)
            sequence += 1
