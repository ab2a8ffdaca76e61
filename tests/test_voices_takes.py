"""Every take is checked before it is kept: trimmed, levelled, or refused with a plain reason."""

from __future__ import annotations

import pytest
from voices_support import clipped, quiet, silence, speak, tone, wav

from ivr.audio.loudness import TARGET_DBOV, active_speech_level
from ivr.audio.pipeline import PAD_MS, read_ulaw
from ivr.audio.takes import TakeRefused, allowed_seconds, check_take, record_limit

WORDS = "La ayuda legal de las organizaciones es gratis."
EXPECTED = 2.6  # about what espeak-ng takes for WORDS at the line's pace


def test_a_good_take_is_trimmed_and_levelled():
    take = check_take(speak(WORDS), EXPECTED)
    audio = read_ulaw(take.audio.data)
    # Half a second of room silence at each end became the pipeline's pads.
    assert take.seconds == pytest.approx(len(audio) / 1000 - 2 * PAD_MS / 1000, abs=0.01)
    assert take.seconds < 4.0
    assert active_speech_level(audio).active_dbov == pytest.approx(TARGET_DBOV, abs=1.0)
    report = take.report()
    assert report["expected"] == EXPECTED and report["clipped_share"] == 0


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: silence(3.0), "silent"),
        (lambda: quiet(WORDS), "quiet"),
        (lambda: clipped(WORDS), "clipping"),
        (lambda: speak("sí"), "too_short"),
        (lambda: speak(" ".join([WORDS] * 4)), "too_long"),
        (lambda: b"not audio at all", "unreadable"),
        (lambda: b"", "unreadable"),
    ],
)
def test_refused_takes_say_why(make, code):
    with pytest.raises(TakeRefused) as refused:
        check_take(make(), EXPECTED)
    assert refused.value.code == code
    assert str(refused.value).startswith("the take")


def test_a_hum_without_words_is_judged_by_its_length():
    """A steady tone is sound, not silence: only the length check can refuse it here."""
    assert check_take(tone(2.5), EXPECTED).seconds == pytest.approx(2.5, abs=0.1)
    with pytest.raises(TakeRefused, match="too long"):
        check_take(tone(12.0), EXPECTED)


def test_no_length_check_without_the_computer_voice_length():
    assert check_take(speak("sí"), 0).seconds > 0


def test_the_allowed_lengths_and_the_phone_limit():
    low, high = allowed_seconds(0.3)  # one digit
    assert low == pytest.approx(0.15) and high == pytest.approx(2.1)
    low, high = allowed_seconds(10.0)
    assert low == pytest.approx(4.35) and high == pytest.approx(31.2)
    assert record_limit(0.3) == 5 and record_limit(10.0) == 34


def test_a_stereo_upload_in_another_format_is_read_too():
    import io

    from pydub import AudioSegment

    mono = AudioSegment.from_file(io.BytesIO(speak(WORDS)), format="wav")
    stereo = AudioSegment.from_mono_audiosegments(mono, mono).set_frame_rate(44100)
    out = io.BytesIO()
    stereo.export(out, format="ogg")
    assert check_take(out.getvalue(), EXPECTED).seconds == pytest.approx(
        check_take(wav(mono), EXPECTED).seconds, abs=0.15
    )
