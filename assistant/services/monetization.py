"""In-skill purchasing, offline: the skill's products, the Monetization API, and entitlements that persist.

Products are ASK CLI in-skill product definitions (``skill-package/isps/<type>/<name>.json``: ``type``,
``referenceName``, ``publishingInformation.locales.<locale>.{name, summary, description, customProductPrompts}``),
read from the skill's own ``isps/`` folder or from ``assistant skill install --isps DIR``. Each gets a stable
``productId`` (``amzn1.adg.product.<uuid5>`` of skill and reference name), as Amazon's console would assign one.

The API (``MonetizationServiceClient``): ``GET /v1/users/~current/skills/~current/inSkillProducts`` (filters
``productType``, ``purchasable``, ``entitled``; ``nextToken``/``maxResults``), ``…/inSkillProducts/{productId}``,
and ``…/inSkillProductsTransactions``. A product is ``ENTITLED`` once bought through the spoken purchase flow
(``assistant.runtime.purchase``); nothing is ever charged, and ``assistant skill purchases NAME --reset`` forgets
what was bought. A consumable's ``activeEntitlementCount`` counts its purchases.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.errors import SkillError
from assistant.services.server import Answer, ApiError, Call, Route
from assistant.skills.store import AttributeStore

TYPES = ("ENTITLEMENT", "SUBSCRIPTION", "CONSUMABLE")
"""In-skill product types."""
_NAMESPACE = uuid.UUID("0c1e0b7a-5b0e-4a4e-9a55-7a1c2b3d4e5f")


class ProductError(SkillError):
    """An in-skill product definition that cannot be used; says which file and what."""


@dataclass(frozen=True, slots=True)
class Product:
    """One in-skill product."""

    product_id: str
    """``amzn1.adg.product.<uuid>``."""
    reference_name: str
    """The developer's name for it (``Greetings_Pack``)."""
    type: str
    """ENTITLEMENT, SUBSCRIPTION or CONSUMABLE."""
    name: str
    """What the user hears (``Greetings Pack``)."""
    summary: str
    """One sentence about it."""
    description: str
    """More about it."""
    purchase_prompt: str
    """``customProductPrompts.purchasePromptDescription``: said before asking to buy."""
    bought_card: str
    """``customProductPrompts.boughtCardDescription``: said after buying."""


def product_id(skill: str, reference_name: str) -> str:
    """The stable productId of ``reference_name`` in ``skill``."""
    return "amzn1.adg.product." + str(uuid.uuid5(_NAMESPACE, f"{skill}/{reference_name}"))


def parse_products(skill: str, folder: Path, locale: str = "en-US") -> list[Product]:
    """Every product defined by the JSON files under ``folder``; ProductError naming the file otherwise."""
    if not folder.is_dir():
        raise ProductError(f"{folder}: no such folder of in-skill products")
    products: dict[str, Product] = {}
    for path in sorted(folder.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ProductError(f"{path}: not a JSON in-skill product: {error}") from error
        if not isinstance(data, dict):
            raise ProductError(f"{path}: an in-skill product is a JSON object")
        kind, reference = data.get("type"), data.get("referenceName")
        if kind not in TYPES:
            raise ProductError(f"{path}: /type is {kind!r}, not one of {', '.join(TYPES)}")
        if not isinstance(reference, str) or not reference:
            raise ProductError(f"{path}: /referenceName is missing")
        locales = (data.get("publishingInformation") or {}).get("locales") or {}
        if not isinstance(locales, dict) or not locales:
            raise ProductError(f"{path}: /publishingInformation/locales is missing")
        text = locales.get(locale) or next(iter(locales.values()))
        if not isinstance(text, dict) or not isinstance(text.get("name"), str):
            raise ProductError(f"{path}: /publishingInformation/locales/{locale}/name is missing")
        prompts = text.get("customProductPrompts") or {}
        if reference in products:
            raise ProductError(f"{path}: a second product with referenceName {reference!r}")
        products[reference] = Product(
            product_id=product_id(skill, reference),
            reference_name=reference,
            type=kind,
            name=text["name"],
            summary=str(text.get("summary") or ""),
            description=str(text.get("description") or ""),
            purchase_prompt=str(prompts.get("purchasePromptDescription") or text.get("summary") or ""),
            bought_card=str(prompts.get("boughtCardDescription") or ""),
        )
    if not products:
        raise ProductError(f"{folder}: no in-skill product (*.json) in it")
    return list(products.values())


class Catalog:
    """Products and entitlements in the database, per skill."""

    def __init__(self, store: AttributeStore) -> None:
        self.store = store
        """The installation's database."""

    def load(self, skill: str, folder: Path, locale: str = "en-US") -> int:
        """Replace ``skill``'s products with those defined in ``folder``; returns how many (entitlements kept)."""
        products = parse_products(skill, folder, locale)
        with self.store.transaction(f"save the in-skill products of skill {skill!r}") as db:
            db.execute("DELETE FROM products WHERE skill = ?", (skill,))
            for product in products:
                db.execute(
                    "INSERT INTO products (skill, product_id, body) VALUES (?, ?, ?)",
                    (skill, product.product_id, json.dumps(asdict(product))),
                )
        return len(products)

    def restore(self, skill: str, products: list[Product]) -> None:
        """Replace ``skill``'s products with ``products`` (``assistant test`` copies them to its scratch data)."""
        with self.store.transaction(f"save the in-skill products of skill {skill!r}") as db:
            db.execute("DELETE FROM products WHERE skill = ?", (skill,))
            for product in products:
                db.execute(
                    "INSERT INTO products (skill, product_id, body) VALUES (?, ?, ?)",
                    (skill, product.product_id, json.dumps(asdict(product))),
                )

    def products(self, skill: str) -> list[Product]:
        """``skill``'s products, by reference name."""
        with self.store.transaction(f"read the in-skill products of skill {skill!r}") as db:
            rows = db.execute("SELECT body FROM products WHERE skill = ?", (skill,)).fetchall()
        products = [Product(**json.loads(row[0])) for row in rows]
        return sorted(products, key=lambda p: p.reference_name)

    def product(self, skill: str, product_id: str) -> Product | None:
        """One of ``skill``'s products, or None."""
        return next((p for p in self.products(skill) if p.product_id == product_id), None)

    def entitled(self, skill: str) -> dict[str, int]:
        """Product id → purchases, for what the user owns in ``skill``."""
        with self.store.transaction(f"read the purchases of skill {skill!r}") as db:
            rows = db.execute(
                "SELECT product_id, count FROM entitlements WHERE skill = ?", (skill,)
            ).fetchall()
        return {row[0]: int(row[1]) for row in rows}

    def buy(self, skill: str, product: Product) -> None:
        """Record a purchase (a consumable may be bought again: its count grows)."""
        with self.store.transaction(f"record a purchase of skill {skill!r}") as db:
            db.execute(
                "INSERT INTO entitlements (skill, product_id, purchased, count) VALUES (?, ?, ?, 1) "
                "ON CONFLICT (skill, product_id) DO UPDATE SET purchased = excluded.purchased, "
                "count = CASE WHEN ? THEN count + 1 ELSE 1 END",
                (skill, product.product_id, time.time(), product.type == "CONSUMABLE"),
            )

    def cancel(self, skill: str, product: Product) -> bool:
        """Forget a purchase (a refund or a cancelled subscription); False when there was none."""
        with self.store.transaction(f"cancel a purchase of skill {skill!r}") as db:
            removed = db.execute(
                "DELETE FROM entitlements WHERE skill = ? AND product_id = ?", (skill, product.product_id)
            ).rowcount
        return removed > 0

    def reset(self, skill: str) -> int:
        """Forget every purchase of ``skill``; returns how many."""
        with self.store.transaction(f"reset the purchases of skill {skill!r}") as db:
            return int(db.execute("DELETE FROM entitlements WHERE skill = ?", (skill,)).rowcount)


def in_skill_product(product: Product, owned: int) -> dict[str, Any]:
    """The API's ``InSkillProduct`` object."""
    entitled = owned > 0
    return {
        "productId": product.product_id,
        "referenceName": product.reference_name,
        "type": product.type,
        "name": product.name,
        "summary": product.summary,
        "entitled": "ENTITLED" if entitled else "NOT_ENTITLED",
        "entitlementReason": "PURCHASED" if entitled else "NOT_PURCHASED",
        "activeEntitlementCount": owned,
        "purchasable": "PURCHASABLE" if product.type == "CONSUMABLE" or not entitled else "NOT_PURCHASABLE",
        "purchaseMode": "TEST",
    }


def routes(catalog: Catalog) -> list[Route]:
    """The Monetization API's routes."""
    base = "/v1/users/~current/skills/~current/"

    def listing(call: Call) -> Answer:
        owned = catalog.entitled(call.grant.skill)
        items = [in_skill_product(p, owned.get(p.product_id, 0)) for p in catalog.products(call.grant.skill)]
        for key, param in (("type", "productType"), ("purchasable", "purchasable"), ("entitled", "entitled")):
            wanted = call.param(param)
            if wanted:
                items = [i for i in items if i[key] == wanted]
        start = int(call.param("nextToken") or 0)
        size = int(call.param("maxResults") or 100)
        page = items[start : start + size]
        more = start + size < len(items)
        return Answer(200, {
            "inSkillProducts": page,
            "isTruncated": more,
            "nextToken": str(start + size) if more else None,
        })

    def one(call: Call) -> Answer:
        product = catalog.product(call.grant.skill, call.params["product"])
        if product is None:
            raise ApiError(404, "NOT_FOUND", f"this skill has no in-skill product {call.params['product']!r}")
        return Answer(200, in_skill_product(product, catalog.entitled(call.grant.skill).get(product.product_id, 0)))

    def transactions(call: Call) -> Answer:
        owned = catalog.entitled(call.grant.skill)
        results = [
            {"productId": pid, "status": "COMPLETED", "createdTime": None, "lastModifiedTime": None}
            for pid in sorted(owned)
        ]
        return Answer(200, {"results": results, "metadata": {"resultSet": {"nextToken": None}}})

    return [
        Route("GET", base + "inSkillProducts", "Monetization API inSkillProducts", listing),
        Route("GET", base + "inSkillProducts/(?P<product>[^/]+)", "Monetization API inSkillProduct", one),
        Route("GET", base + "inSkillProductsTransactions", "Monetization API transactions", transactions),
    ]
