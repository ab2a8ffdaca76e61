"""Step -> TwiML. The only place in the line that makes TwiML.

Prompts go inside <Gather> so a key pressed while they play cuts them short (barge-in).
Each prompt is a <Play> of its audio when the audio catalogue holds current audio for its
exact spoken words, else a <Say> of those words in the language's own Twilio voice. A
language Twilio has no voice for (Haitian Kreyòl) is never read by another language's
voice: it gets offline audio of its current words, made on demand (ivr/audio/offline.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from twilio.twiml.voice_response import Gather, VoiceResponse

from .content import ContentPack
from .flow import CallState, Prompt, Step

log = logging.getLogger(__name__)

StateUrl = Callable[[CallState], str]
AudioUrl = Callable[[Prompt], "str | None"]


def no_audio(prompt: Prompt) -> None:
    return None


def _speak(
    verb, pack: ContentPack, prompt: Prompt, audio_url: AudioUrl, offline_url: AudioUrl
) -> None:
    url = audio_url(prompt)
    if url:
        verb.play(url)
        return
    lang = pack.language(prompt.lang)
    if lang.has_say_voice:
        verb.say(prompt.text, voice=lang.say_voice, language=lang.say_language)
        return
    url = offline_url(prompt)
    if url:
        verb.play(url)
        return
    # No voice can say it in its language: a short silence, never another language's voice.
    log.error("no audio for %s %s and no voice for the language", prompt.lang, prompt.id)
    verb.pause(length=1)


def render(
    step: Step,
    pack: ContentPack,
    state_url: StateUrl,
    audio_url: AudioUrl = no_audio,
    offline_url: AudioUrl = no_audio,
) -> str:
    response = VoiceResponse()
    if step.gather is not None:
        action = state_url(step.gather)
        gather = Gather(
            input="dtmf",
            num_digits=1,
            timeout=step.timeout,
            # No key ends input early: '#' is the end-call key, delivered as a digit.
            finish_on_key="",
            action=action,
            method="POST",
            action_on_empty_result=True,
        )
        for prompt in step.prompts:
            _speak(gather, pack, prompt, audio_url, offline_url)
        response.append(gather)
        # Unreachable with actionOnEmptyResult, kept so a caller is never left in silence
        # should Twilio fall through the <Gather>: it posts as no input.
        response.redirect(action, method="POST")
        return str(response)
    for prompt in step.prompts:
        _speak(response, pack, prompt, audio_url, offline_url)
    if step.dial is not None:
        dial = response.dial(
            action=state_url(step.dial_action), method="POST", timeout=step.dial.timeout
        )
        dial.number(step.dial.e164)
    elif step.redirect is not None:
        response.redirect(state_url(step.redirect), method="POST")
    else:
        response.hangup()
    return str(response)


def reject(reason: str = "busy") -> str:
    """Turn a ringing call away without answering it: the caller pays nothing and Twilio
    bills nothing (only as the first verb; the missed-call number, ivr/callbacks)."""
    response = VoiceResponse()
    response.reject(reason=reason)
    return str(response)


def hang_up() -> str:
    """Just hang up (an answering machine on a call the line placed; a destination check)."""
    response = VoiceResponse()
    response.hangup()
    return str(response)
