"""Tests for ``lamella_core._client.auth.BasicAuth``, following aiohttp's documented behaviour."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from yarl import URL

from lamella_core._client.auth import BasicAuth


def test_fields_and_defaults() -> None:
    auth = BasicAuth("nkim")
    assert auth == ("nkim", "", "latin1")
    assert (auth.login, auth.password, auth.encoding) == ("nkim", "", "latin1")
    login, password, encoding = BasicAuth("a", "b", "utf-8")
    assert (login, password, encoding) == ("a", "b", "utf-8")
    assert isinstance(auth, tuple)
    assert BasicAuth._fields == ("login", "password", "encoding")


def test_equality_hash_and_repr() -> None:
    assert BasicAuth("u", "p") == BasicAuth("u", "p")
    assert hash(BasicAuth("u", "p")) == hash(BasicAuth("u", "p"))
    assert BasicAuth("u", "p") != BasicAuth("u", "q")
    assert repr(BasicAuth("u", "p")) == "BasicAuth(login='u', password='p', encoding='latin1')"


@pytest.mark.parametrize(("login", "password"), [(None, "p"), ("u", None), ("us:er", "p")])
def test_invalid_arguments(login: Any, password: Any) -> None:
    with pytest.raises(ValueError):
        BasicAuth(login, password)


def test_colon_allowed_in_password() -> None:
    assert BasicAuth("u", "p:a:ss").password == "p:a:ss"


def test_encode() -> None:
    assert BasicAuth("nkim", "pwd").encode() == "Basic bmtpbTpwd2Q="
    assert BasicAuth("nkim").encode() == "Basic bmtpbTo="


def test_encode_uses_the_encoding() -> None:
    latin = BasicAuth("\xfc", "p").encode()
    utf8 = BasicAuth("\xfc", "p", "utf-8").encode()
    assert base64.b64decode(latin.split()[1]) == b"\xfc:p"
    assert base64.b64decode(utf8.split()[1]) == b"\xc3\xbc:p"


def test_encode_unencodable_characters() -> None:
    with pytest.raises(UnicodeEncodeError):
        BasicAuth("\u20ac", "p").encode()


def test_decode_round_trip() -> None:
    auth = BasicAuth("nkim", "pwd")
    assert BasicAuth.decode(auth.encode()) == auth
    assert BasicAuth.decode("basic bmtpbTpwd2Q=") == auth


def test_decode_with_encoding() -> None:
    header = "Basic " + base64.b64encode("\xfc:p\xe4ss".encode()).decode()
    assert BasicAuth.decode(header, encoding="utf-8") == ("\xfc", "p\xe4ss", "utf-8")


def test_decode_empty_password_and_colons_in_password() -> None:
    header = "Basic " + base64.b64encode(b"user:").decode()
    assert BasicAuth.decode(header) == ("user", "", "latin1")
    header = "Basic " + base64.b64encode(b"user:a:b").decode()
    assert BasicAuth.decode(header).password == "a:b"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Basic", "Could not parse"),
        ("Digest bmtpbTpwd2Q=", "Unknown authorization method"),
        ("Basic ???", "Invalid base64"),
        ("Basic bmtpbTpwd2Q", "Invalid base64"),
        ("Basic \u00e9", "Invalid base64"),
        ("Basic " + base64.b64encode(b"nocolon").decode(), "Invalid credentials"),
    ],
)
def test_decode_errors(header: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BasicAuth.decode(header)


def test_from_url() -> None:
    assert BasicAuth.from_url(URL("http://user:pass@example.com")) == BasicAuth("user", "pass")
    assert BasicAuth.from_url(URL("http://user@example.com")) == BasicAuth("user", "")
    assert BasicAuth.from_url(URL("http://:pass@example.com")) == BasicAuth("", "pass")
    assert BasicAuth.from_url(URL("http://example.com")) is None


def test_from_url_decodes_percent_escapes_and_keeps_encoding() -> None:
    auth = BasicAuth.from_url(URL("http://us%3Aer:p%40ss@example.com"), encoding="utf-8")
    assert auth == ("us:er", "p@ss", "utf-8")


def test_from_url_needs_a_url() -> None:
    with pytest.raises(TypeError):
        BasicAuth.from_url("http://user:pass@example.com")  # type: ignore[arg-type]
