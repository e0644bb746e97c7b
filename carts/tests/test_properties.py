"""The totals identity on random carts built through the API (the engine's own property test
is in test_pricing.py; this one checks the wiring: lines, discounts, tax and shipping)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carts.models import TaxRate
from core.services import store_update

from .conftest import GB_ADDRESS, Cart
from .factories import make_discount, make_product, make_shipping_method, make_tax_rate

tokens = itertools.count()


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    lines=st.lists(
        st.tuples(st.integers(1, 60_000), st.integers(1, 9), st.booleans()),
        min_size=1,
        max_size=4,
    ),
    discount=st.sampled_from(
        [
            None,
            ("percentage", 15),
            ("percentage", 100),
            ("fixed", 999),
            ("fixed", 10**6),
            ("free_shipping", 0),
        ]
    ),
    inclusive=st.booleans(),
    ship=st.booleans(),
    with_address=st.booleans(),
)
def test_cart_totals_identity_over_http(
    public, shop, lines, discount, inclusive, ship, with_address
):
    store = shop.store
    store_update(store=store, data={"tax_inclusive": inclusive})
    if not TaxRate.objects.filter(
        store=store
    ).exists():  # examples share the fixture's store
        make_tax_rate(store, country_code="GB", rate="0.2")
        make_tax_rate(
            store,
            country_code="GB",
            rate="0.015",
            name="Levy",
            postcode_prefix="NW1",
            applies_to_shipping=False,
        )
    cart = Cart(public, token=f"prop-{next(tokens)}")
    for price, quantity, digital in lines:
        product = make_product(
            store,
            price=price,
            stock=50,
            product_type="digital" if digital else "physical",
        )
        assert cart.add(product, quantity).status_code == 200
    if discount:
        code = f"D{next(tokens)}"
        make_discount(store, code=code, type=discount[0], value=discount[1])
        assert cart.discount(code).status_code == 200
    if with_address:
        assert cart.checkout_data({"shippingAddress": GB_ADDRESS}).status_code == 200
        if ship and any(not digital for _, _, digital in lines):
            method = make_shipping_method(store, name=f"M{next(tokens)}", price=495)
            assert (
                cart.request(
                    "POST", "/cart/shipping-option", {"shippingOptionId": method.pk}
                ).status_code
                == 200
            )
    body = cart.get().json()["data"]
    t = {k: v["amount"] for k, v in body["totals"].items()}
    if inclusive:
        assert t["total"] == t["subtotal"] - t["discount"] + t["shipping"]
    else:
        assert t["total"] == t["subtotal"] - t["discount"] + t["shipping"] + t["tax"]
    assert t["subtotal"] == sum(i["subtotal"]["amount"] for i in body["items"])
    assert sum(b["amount"]["amount"] for b in body["taxBreakdown"]) == t["tax"]
    assert 0 <= t["discount"] <= t["subtotal"]
    assert body["taxInclusive"] is inclusive
    assert body["requiresShipping"] is any(not digital for _, _, digital in lines)
