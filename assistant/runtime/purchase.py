"""The spoken purchase flow that a ``Connections.SendRequest`` directive (Buy, Upsell, Cancel) starts.

As on Alexa: the skill's session ends with the directive; the assistant itself talks to the user (nothing is
charged here, and it says so); then the skill gets a ``Connections.Response`` request in a new session, with the
``purchaseResult`` the user chose:

- **Buy**: "<purchase prompt> Buying it here costs nothing. Would you like to buy <name>?" yes → ACCEPTED (the
  entitlement is recorded), no → DECLINED. A product already owned (not a consumable) → ALREADY_PURCHASED at once.
- **Upsell**: the skill's ``upsellMessage``; yes leads to the Buy question, no → DECLINED.
- **Cancel**: "Would you like to cancel <name>?" yes → ACCEPTED (the entitlement is removed: a refund), no →
  DECLINED; a product not owned → NOT_ENTITLED.
- A product the skill does not have → ERROR, with ``status.code`` 400, as Alexa answers an invalid productId.
- Silence, stop or cancel, or a second answer that is neither yes nor no: DECLINED.

This module decides what to say and what to send; the engine holds the flow and does the talking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.runtime.envelopes import timestamp
from assistant.services.monetization import Catalog, Product

PURCHASE_NAMES = ("Buy", "Upsell", "Cancel")
"""The ``Connections.SendRequest`` names of in-skill purchasing."""
FREE = "Buying it here costs nothing."
"""Said before every purchase question: this assistant charges nothing."""


@dataclass(slots=True)
class PurchaseFlow:
    """One purchase conversation in progress."""

    skill: str
    """The skill's name."""
    name: str
    """Buy, Upsell or Cancel."""
    product_id: str
    """``payload.InSkillProduct.productId``."""
    product: Product | None
    """The product, None when the skill has none with that id."""
    token: str | None
    """The directive's ``token``, sent back in ``Connections.Response``."""
    stage: str = "confirm"
    """``offer`` (an Upsell's first question) or ``confirm`` (buy it? / cancel it?)."""
    reprompted: bool = False
    """True once the question was asked again."""
    owner: Any = None
    """The engine's handle on the skill (to open a new session with it)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a flow ended: what to say and what the skill hears."""

    say: str | None
    """Said by the assistant before the skill answers."""
    result: str
    """``purchaseResult``: ACCEPTED, DECLINED, ALREADY_PURCHASED, NOT_ENTITLED or ERROR."""
    status: tuple[str, str] = ("200", "OK")
    """``status.code`` and ``status.message``."""


def send_request(directives: tuple[dict[str, Any], ...]) -> dict[str, Any] | None:
    """The purchase ``Connections.SendRequest`` among a reply's directives, if any."""
    for directive in directives:
        if directive.get("type") == "Connections.SendRequest" and directive.get("name") in PURCHASE_NAMES:
            return directive
    return None


def begin(directive: dict[str, Any], catalog: Catalog, skill: str) -> tuple[PurchaseFlow, str | None, Outcome | None]:
    """A new flow, what to say (a question), or an outcome at once (nothing to ask)."""
    payload = _object(directive.get("payload"))
    item = _object(payload.get("InSkillProduct"))
    product_id = str(item.get("productId", ""))
    token = directive.get("token")
    product = catalog.product(skill, product_id)
    flow = PurchaseFlow(skill, str(directive.get("name")), product_id, product, token if isinstance(token, str) else None)
    if product is None:
        return flow, "Sorry, that product isn't available.", Outcome(
            None, "ERROR", ("400", f"the skill has no in-skill product {product_id!r}")
        )
    owned = catalog.entitled(skill).get(product.product_id, 0) > 0
    if flow.name == "Cancel":
        if not owned:
            return flow, f"You don't have {product.name}, so there is nothing to cancel.", Outcome(None, "NOT_ENTITLED")
        return flow, f"You have {product.name}. Would you like to cancel it and get a refund?", None
    if owned and product.type != "CONSUMABLE":
        return flow, f"You already have {product.name}.", Outcome(None, "ALREADY_PURCHASED")
    if flow.name == "Upsell":
        flow.stage = "offer"
        message = str(payload.get("upsellMessage") or product.summary)
        return flow, message, None
    return flow, buy_question(product), None


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def buy_question(product: Product) -> str:
    """The question before buying."""
    prompt = product.purchase_prompt.strip()
    return f"{prompt + ' ' if prompt else ''}{FREE} Would you like to buy {product.name}?"


def question(flow: PurchaseFlow) -> str:
    """The current question, asked again."""
    assert flow.product is not None
    if flow.name == "Cancel":
        return f"Would you like to cancel {flow.product.name}? Please say yes or no."
    if flow.stage == "offer":
        return f"Would you like to hear more about {flow.product.name}? Please say yes or no."
    return f"Would you like to buy {flow.product.name}? Please say yes or no."


def answer(flow: PurchaseFlow, yes: bool | None, catalog: Catalog) -> tuple[str | None, Outcome | None]:
    """The user's answer (None: neither yes nor no, or silence): what to say, and the outcome when it is over."""
    product = flow.product
    assert product is not None
    if yes is None:
        if flow.reprompted:
            return None, Outcome(None, "DECLINED")
        flow.reprompted = True
        return question(flow), None
    if not yes:
        return None, Outcome(None, "DECLINED")
    if flow.name == "Cancel":
        catalog.cancel(flow.skill, product)
        return None, Outcome(f"Okay, {product.name} is cancelled, and nothing was charged.", "ACCEPTED")
    if flow.stage == "offer":
        flow.stage = "confirm"
        flow.reprompted = False
        description = product.description.strip()
        return f"{description + ' ' if description else ''}{buy_question(product)}", None
    catalog.buy(flow.skill, product)
    bought = product.bought_card.strip()
    return None, Outcome(f"Great! You now have {product.name}.{' ' + bought if bought else ''}", "ACCEPTED")


def connections_response(flow: PurchaseFlow, outcome: Outcome, request_id: str, now: Any, locale: str) -> dict[str, Any]:
    """The ``request`` of the ``Connections.Response`` the skill gets."""
    request: dict[str, Any] = {
        "type": "Connections.Response",
        "requestId": request_id,
        "timestamp": timestamp(now),
        "locale": locale,
        "status": {"code": outcome.status[0], "message": outcome.status[1]},
        "name": flow.name,
        "payload": {"purchaseResult": outcome.result, "productId": flow.product_id},
    }
    if flow.token is not None:
        request["token"] = flow.token
    return request
