from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from ivr import create_app
from ivr.content import load_pack

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "test-auth-token"


@pytest.fixture(scope="session")
def pack():
    return load_pack(ROOT / "prompts")


@pytest.fixture
def app():
    return create_app({"ENV": {"TWILIO_AUTH_TOKEN": TOKEN}, "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def sign(url: str, params: dict, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


@pytest.fixture
def post(client):
    """POST a webhook signed as Twilio signs it; returns the response."""

    def _post(path: str, **params):
        url = "http://localhost" + path
        params = {"CallSid": "CA123", "AccountSid": "AC123", **params}
        return client.post(path, data=params, headers={"X-Twilio-Signature": sign(url, params)})

    return _post
