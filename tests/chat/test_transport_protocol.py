"""Both chat transports implement every member of the ChatTransport Protocol with a signature its
callers (chat sync, the live signal, the outbox's delivery and in-doubt check) can use: a method added to the
Protocol, or changed on one transport only, fails here before a worker meets it."""

from __future__ import annotations

import inspect
import typing

import pytest

from accounts.models import Shop
from chat import transport as transports
from chat.transport import ChatTransport, OpenPlatformTransport, SellerCentreTransport

IMPLEMENTATIONS = [OpenPlatformTransport, SellerCentreTransport]


def protocol_members() -> dict[str, object]:
    """The Protocol's declared attributes (annotations) and methods."""
    methods = {
        name: member
        for name, member in vars(ChatTransport).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }
    attributes = {name: hint for name, hint in typing.get_type_hints(ChatTransport).items()}
    return {**attributes, **methods}


def _hints(function) -> dict[str, object]:
    return typing.get_type_hints(function, globalns=vars(transports))


def signature_problems(implementation: type, instance: object) -> list[str]:
    """What `implementation` lacks or declares differently from the Protocol (empty: it conforms)."""
    problems = []
    for name, member in protocol_members().items():
        if not hasattr(instance, name):
            problems.append(f"{name}: missing")
        elif inspect.isfunction(member):
            problems += [
                f"{name}: {p}" for p in _method_problems(member, getattr(implementation, name, None))
            ]
    return problems


def _method_problems(declared, implemented) -> list[str]:
    if not inspect.isfunction(implemented):
        return ["not a method"]
    want, have = inspect.signature(declared), inspect.signature(implemented)
    want_hints, have_hints = _hints(declared), _hints(implemented)
    problems = []
    for name, parameter in want.parameters.items():
        found = have.parameters.get(name)
        if found is None:
            problems.append(f"parameter {name} missing")
            continue
        if found.kind != parameter.kind:
            problems.append(f"parameter {name} is {found.kind.description}, not {parameter.kind.description}")
        if found.default != parameter.default:
            problems.append(f"parameter {name} defaults to {found.default!r}, not {parameter.default!r}")
        if name != "self" and have_hints.get(name) != want_hints.get(name):
            problems.append(f"parameter {name} is {have_hints.get(name)}, not {want_hints.get(name)}")
    for name, parameter in have.parameters.items():
        if name not in want.parameters and parameter.default is inspect.Parameter.empty:
            problems.append(f"parameter {name} is required but callers never pass it")
    if have_hints.get("return") != want_hints.get("return"):
        problems.append(f"returns {have_hints.get('return')}, not {want_hints.get('return')}")
    return problems


def instance_of(implementation: type) -> object:
    # An unsaved shop: building a transport reads settings and the shop, never Shopee.
    return implementation(Shop(name="賣場", region="SG", shop_id="1"))


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS, ids=lambda c: c.__name__)
def test_each_transport_implements_every_member_of_the_protocol_with_its_signature(implementation):
    instance = instance_of(implementation)
    assert signature_problems(implementation, instance) == []
    assert isinstance(instance, ChatTransport)


def test_the_protocol_declares_what_sync_the_live_signal_delivery_and_the_in_doubt_check_call():
    assert set(protocol_members()) == {
        "shop",
        "kind",
        "capabilities",
        "why_not",
        "echoes_request_id",
        "can",
        "open",
        "conversation_page",
        "message_page",
        "send",
        "upload_image",
        "find_sent",
        "mark_read",
        "signal",
        "session_lost",
    }


def test_a_transport_missing_a_method_or_naming_a_parameter_differently_is_caught():
    class Forgetful(OpenPlatformTransport):
        find_sent = None  # a method the Protocol declares, not implemented

        def send(self, *, to_id: str, text: str) -> dict:  # another shape than delivery calls
            return {}

        def mark_read(self, conversation_id: str, message_id: str, *, really: bool) -> None:
            return None

    problems = signature_problems(Forgetful, instance_of(Forgetful))
    assert "find_sent: not a method" in problems
    assert "send: parameter message_type missing" in problems
    assert "send: parameter text is required but callers never pass it" in problems
    assert any(p.startswith("send: returns") for p in problems)
    assert "mark_read: parameter really is required but callers never pass it" in problems
