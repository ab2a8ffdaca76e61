"""The telephony pipeline, with real espeak-ng speech and real ffmpeg."""

from __future__ import annotations

import io

import pytest
from pydub import AudioSegment
from test_audio_support import MULAW, espeak_wav, ffmpeg, wav_bytes, wav_format

from ivr.audio.loudness import TARGET_DBOV, active_speech_level
from ivr.audio.pipeline import PAD_MS, AudioRejected, decode_telephony, to_telephony


@pytest.fixture(scope="module")
def speech() -> bytes:
    return espeak_wav("To hear this again, press 9.")


def test_engine_speech_comes_out_as_8khz_mono_mulaw_wav(speech):
    prompt = to_telephony(speech)

    assert wav_format(prompt.data) == {"format": MULAW, "channels": 1, "rate": 8000, "bits": 8}
    decoded = decode_telephony(prompt.data)
    assert (decoded.frame_rate, decoded.channels) == (8000, 1)
    assert 1.0 < len(decoded) / 1000 < 4.0
    assert prompt.duration == pytest.approx(len(decoded) / 1000, abs=0.01)


@pytest.mark.parametrize("gain_db", [-30, -12, 0])
def test_quiet_and_loud_inputs_are_levelled_to_the_same_target(speech, gain_db):
    louder_or_quieter = AudioSegment.from_wav(io.BytesIO(speech)).apply_gain(gain_db)

    prompt = to_telephony(wav_bytes(louder_or_quieter))

    measured = active_speech_level(decode_telephony(prompt.data)).active_dbov
    assert measured == pytest.approx(TARGET_DBOV, abs=1.0)


def test_levelling_never_clips(speech):
    prompt = to_telephony(speech)

    assert decode_telephony(prompt.data).max_dBFS < -0.5


def test_leading_and_trailing_silence_is_trimmed_to_a_short_pad(speech):
    voice = AudioSegment.from_wav(io.BytesIO(speech))
    padded = AudioSegment.silent(2000, voice.frame_rate) + voice + AudioSegment.silent(
        3000, voice.frame_rate
    )

    trimmed = to_telephony(wav_bytes(padded))
    untouched = to_telephony(speech)

    assert trimmed.duration == pytest.approx(untouched.duration, abs=0.05)
    decoded = decode_telephony(trimmed.data)
    assert decoded[: PAD_MS - 20].max_dBFS < -60  # the pad is silence
    assert decoded[PAD_MS + 50 : PAD_MS + 300].max_dBFS > -30  # then speech starts at once


@pytest.mark.parametrize(
    ("fmt", "args"),
    [
        ("mp3", ["-acodec", "libmp3lame", "-ar", "44100", "-ac", "2"]),
        ("ipod", ["-acodec", "aac", "-ar", "48000"]),  # .m4a as iPhones record it
        ("ogg", ["-acodec", "libvorbis"]),
        ("webm", ["-acodec", "libopus", "-ar", "48000"]),  # what browsers' MediaRecorder makes
        ("flac", []),
    ],
)
def test_staff_recording_formats_come_out_in_telephony_format(speech, fmt, args):
    recording = ffmpeg(speech, *args, fmt=fmt)

    prompt = to_telephony(recording)

    assert wav_format(prompt.data)["format"] == MULAW
    assert prompt.level_dbov == pytest.approx(TARGET_DBOV, abs=1.0)


def test_a_path_is_accepted_as_well_as_bytes(speech, tmp_path):
    path = tmp_path / "recording.wav"
    path.write_bytes(speech)

    assert to_telephony(path).data == to_telephony(speech).data


def test_the_same_input_always_gives_the_same_bytes(speech):
    # File names are hashes of the bytes: a rebuild of unchanged audio must not rename it.
    assert to_telephony(speech).data == to_telephony(speech).data


def test_a_file_that_is_not_audio_is_refused_naming_the_accepted_formats():
    with pytest.raises(AudioRejected, match=r"does not decode as audio \(accepted: wav, mp3"):
        to_telephony(b"this is a text file, not a recording\n" * 50)


def test_an_empty_file_is_refused():
    with pytest.raises(AudioRejected, match="is empty"):
        to_telephony(b"")


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(AudioRejected, match="cannot be read"):
        to_telephony(tmp_path / "nothing.wav")


def test_a_silent_recording_is_refused():
    silence = wav_bytes(AudioSegment.silent(3000, 44100))

    with pytest.raises(AudioRejected, match="is silent"):
        to_telephony(silence)


def test_a_recording_over_the_time_limit_is_refused(speech):
    with pytest.raises(AudioRejected, match="is too long: longer than the 1 s limit"):
        to_telephony(speech, max_seconds=1)


def test_a_file_over_the_size_limit_is_refused(speech, tmp_path):
    path = tmp_path / "huge.wav"
    path.write_bytes(speech)

    with pytest.raises(AudioRejected, match=r"is too large: 0\.\d MB, the limit is 0\.001 MB"):
        to_telephony(path, max_bytes=1000)

