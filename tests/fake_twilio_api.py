"""The fake Messages API the tests point twilio's client at (it lives in ivr/sim/messages.py,
where development uses it too)."""

from ivr.sim.messages import HANG, FakeTwilioApi, Recorded

__all__ = ["HANG", "FakeTwilioApi", "Recorded"]
