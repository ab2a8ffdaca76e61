"""Telephony audio for every prompt: engines, the pydub pipeline, the manifest and catalogue."""
