"""Twilio's Fallback URL resumes a call whose webhook failed (a killed worker, a timeout), and a
static TwiML document gives the help number when the whole app is down."""

from xml.etree import ElementTree

from conftest import TOKEN, sign

from ivr import create_app
from ivr.sim import Call, FlaskTransport, ScriptedCaller
from ivr.sim import events as ev
from ivr.sim.transport import Reply

BASE = "https://line.example.org"
KEYS = ["1", "0", "2", None, "*", "4"]  # Spanish, help, organizations, silence, main, children


class KilledWorker:
    """Passes requests to the app, except the `nth` webhook, which dies as a killed gunicorn
    worker's does: the connection drops and Twilio sees no answer."""

    def __init__(self, transport, nth):
        self.transport, self.nth, self.seen = transport, nth, 0

    def send(self, method, url, form, headers):
        self.seen += 1
        if self.seen == self.nth:
            return Reply(502, "text/html", b"Bad Gateway", 0.01)
        return self.transport.send(method, url, form, headers)


def line():
    return create_app(
        {"ENV": {"TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": BASE}, "TESTING": True}
    )


def heard(transcript):
    return [
        (type(p).__name__, getattr(p, "url", None) or getattr(p, "text", None))
        for p in transcript.prompts
    ]


def call(app, transport, fallback=True):
    emulated = Call(
        transport,
        BASE + "/voice",
        auth_token=TOKEN,
        fallback_url=BASE + "/voice/fallback" if fallback else None,
    )
    return emulated.run(ScriptedCaller(list(KEYS)))


def test_the_fallback_url_resumes_a_step_deep_in_a_call():
    app = line()
    whole = call(app, FlaskTransport(app))
    for nth in (1, 4, 6):  # the first webhook, and steps deep in the help pages
        resumed = call(app, KilledWorker(FlaskTransport(app), nth))
        requests = resumed.of(ev.Request)
        assert requests[nth - 1].status == 502
        assert requests[nth].url == BASE + "/voice/fallback" and requests[nth].status == 200
        assert heard(resumed) == heard(whole)  # the caller hears exactly the same call
    assert not whole.errors and len(heard(whole)) > 20


def test_without_a_fallback_url_the_same_failure_ends_the_call():
    app = line()
    broken = call(app, KilledWorker(FlaskTransport(app), 4), fallback=False)
    assert broken.ended and len(broken.of(ev.Request)) == 4


def fallback(client, error_url, **form):
    params = {"CallSid": "CA1", "ErrorCode": "11200", "ErrorUrl": error_url, **form}
    url = "http://localhost/voice/fallback"
    return client.post(
        "/voice/fallback", data=params, headers={"X-Twilio-Signature": sign(url, params)}
    )


def actions(response):
    root = ElementTree.fromstring(response.data)
    return [e.get("action") or e.text for e in root if e.tag in ("Gather", "Redirect", "Dial")]


def test_a_failed_step_is_answered_as_that_step_would_have_been(client, post):
    direct = post("/voice/children_menu?lang=en", Digits="2")
    resumed = fallback(client, "http://localhost/voice/children_menu?lang=en", Digits="2")
    assert resumed.status_code == 200 and resumed.data == direct.data


def test_a_failed_first_webhook_gets_the_language_menu(client, post):
    assert fallback(client, "http://localhost/voice").data == post("/voice").data


def test_other_urls_get_the_help_number_and_the_main_menu_in_the_callers_language(client):
    for error_url in [
        "https://evil.example.com/voice/main?lang=en",
        "http://localhost/voice/fallback?lang=en",
        "http://localhost/voice/main/extra?lang=en",
        "http://localhost/admin?lang=en",
        "http://localhost:99999/voice/main?lang=en",
        "not a url",
    ]:
        response = fallback(client, error_url, Digits="1")
        assert response.status_code == 200
        language = "en" if "localhost/" in error_url else "es"
        root = ElementTree.fromstring(response.data)
        said = " ".join(s.text for s in root.iter("Say"))
        played = " ".join(p.text for p in root.iter("Play"))
        # the apology with the Jewish Family Service hotline, said slowly or played
        assert "8 5 8, 6 3 7" in said or f"/audio/{language}/common.error." in played
        assert actions(response) == [f"/voice/main?lang={language}"]


def test_the_fallback_is_signed_like_every_webhook(client):
    assert (
        client.post("/voice/fallback", data={"ErrorUrl": "http://localhost/voice"}).status_code
        == 403
    )


def test_fallback_twiml_gives_the_help_number_in_every_language(app, pack, tmp_path):
    out = tmp_path / "fallback.xml"
    result = app.test_cli_runner().invoke(args=["fallback-twiml", "--output", str(out)])
    assert result.exit_code == 0, result.output
    root = ElementTree.fromstring(out.read_text(encoding="utf-8"))
    says = list(root.iter("Say"))
    voiced = [lang for lang in pack.languages if lang.has_say_voice]
    assert [s.get("language") for s in says] == [lang.say_language for lang in voiced]
    assert all("8 5 8" in s.text or "858" in s.text for s in says)
    assert root[-1].tag == "Hangup"


def test_fallback_twiml_never_reads_kreyol_in_another_languages_voice(app, pack, tmp_path):
    out = tmp_path / "fallback.xml"
    result = app.test_cli_runner().invoke(args=["fallback-twiml", "--output", str(out)])

    kreyol = pack.language("ht")
    assert not kreyol.has_say_voice
    assert f"{kreyol.name} is left out" in result.output  # said to the operator, not callers
    root = ElementTree.fromstring(out.read_text(encoding="utf-8"))
    assert list(root.iter("Pause")) == []
    with_audio = app.test_cli_runner().invoke(
        args=["fallback-twiml", "--audio-base", "https://files.example.org/audio"]
    )
    assert "/audio/ht/" in with_audio.output  # played from its recordings


def test_fallback_twiml_can_play_committed_audio_from_absolute_urls(app, pack, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["fallback-twiml", "--audio-base", "https://files.example.org/audio"]
    )
    assert result.exit_code == 0, result.output
    root = ElementTree.fromstring(result.output)
    plays = [p.text for p in root.iter("Play")]
    assert plays and all(p.startswith("https://files.example.org/audio/") for p in plays)
