"""The pricing engine on its own: rules, rounding, tax matching, and the totals identity."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from carts import pricing
from carts.pricing import (
    Destination,
    DiscountRule,
    PriceLine,
    ShippingRule,
    StoreSettings,
    TaxRule,
    allocate,
    match_tax_rates,
)

GBP = StoreSettings(currency="GBP")
GB = Destination("GB")
VAT = TaxRule(id="txr_vat", country_code="GB", name="VAT", rate=Decimal("0.2"))


def line(key="a", price=2400, qty=1, **kw):
    return PriceLine(
        key=key,
        product_id=kw.pop("product_id", f"prod_{key}"),
        unit_price=price,
        quantity=qty,
        **kw,
    )


def test_reference_numbers_spring20_on_three_candles():
    result = pricing.price(
        lines=[line(price=2400, qty=3)],
        destination=GB,
        settings=GBP,
        discount=DiscountRule(code="SPRING20", type="percentage", value=20),
        tax_rates=[VAT],
    )
    assert (
        result.subtotal.amount,
        result.discount.amount,
        result.tax.amount,
        result.total.amount,
    ) == (7200, 1440, 1152, 6912)
    assert result.tax_rate == Decimal("0.2")
    assert [
        (t.name, t.amount.amount, t.jurisdiction) for t in result.tax_breakdown
    ] == [("VAT", 1152, "GB")]


def test_reference_numbers_without_discount():
    result = pricing.price(
        lines=[line(qty=2)], destination=GB, settings=GBP, tax_rates=[VAT]
    )
    assert (result.subtotal.amount, result.tax.amount, result.total.amount) == (
        4800,
        960,
        5760,
    )


def test_tax_inclusive_store_contains_tax_in_prices():
    settings_ = StoreSettings(currency="GBP", tax_inclusive=True)
    result = pricing.price(
        lines=[line(price=1200, qty=1)],
        destination=GB,
        settings=settings_,
        tax_rates=[VAT],
    )
    assert result.tax.amount == 200  # 1200 / 1.2 * 0.2
    assert result.total.amount == 1200
    assert result.tax_inclusive is True


def test_tax_is_charged_on_the_discounted_amount_and_on_shipping_when_it_applies():
    shipping = ShippingRule(id="shm_1", name="Tracked", price=500)
    no_ship_tax = TaxRule(
        id="txr_2",
        country_code="GB",
        name="VAT",
        rate=Decimal("0.2"),
        applies_to_shipping=False,
    )
    with_ship = pricing.price(
        lines=[line(price=1000)],
        destination=GB,
        settings=GBP,
        shipping=shipping,
        tax_rates=[VAT],
        discount=DiscountRule(code="X", type="fixed", value=100),
    )
    assert with_ship.tax.amount == 180 + 100
    assert with_ship.shipping_tax.amount == 100
    without = pricing.price(
        lines=[line(price=1000)],
        destination=GB,
        settings=GBP,
        shipping=shipping,
        tax_rates=[no_ship_tax],
    )
    assert without.tax.amount == 200 and without.shipping_tax.amount == 0
    assert without.total.amount == 1000 + 500 + 200


def test_rounding_is_half_up_per_line():
    rate = TaxRule(id="t", country_code="GB", name="VAT", rate=Decimal("0.05"))
    # 0.05 * 10 = 0.5 -> 1 per line (half-up), so two lines give 2 (not round(1.0) on the sum).
    result = pricing.price(
        lines=[line("a", 10), line("b", 10)],
        destination=GB,
        settings=GBP,
        tax_rates=[rate],
    )
    assert [ln.tax.amount for ln in result.lines] == [1, 1]
    assert result.tax.amount == 2
    assert pricing.round_minor(Decimal("2.5")) == 3
    assert pricing.round_minor(Decimal("3.5")) == 4
    assert pricing.round_minor(Decimal("2.4999")) == 2


def test_percentage_applies_to_qualifying_lines_only():
    rule = DiscountRule(
        code="C", type="percentage", value=50, product_ids=frozenset({"prod_a"})
    )
    result = pricing.price(
        lines=[line("a", 1000), line("b", 1000)],
        destination=GB,
        settings=GBP,
        discount=rule,
    )
    assert [ln.discount.amount for ln in result.lines] == [500, 0]


def test_category_restriction_matches_line_categories():
    rule = DiscountRule(
        code="C", type="percentage", value=10, category_ids=frozenset({"cat_x"})
    )
    lines = [line("a", 1000, category_ids=frozenset({"cat_x"})), line("b", 1000)]
    result = pricing.price(lines=lines, destination=GB, settings=GBP, discount=rule)
    assert [ln.discount.amount for ln in result.lines] == [100, 0]


def test_fixed_discount_is_allocated_proportionally_with_remainder_to_largest_line():
    rule = DiscountRule(code="F", type="fixed", value=1000)
    lines = [line("a", 1000), line("b", 2000), line("c", 3000)]
    result = pricing.price(lines=lines, destination=GB, settings=GBP, discount=rule)
    # Shares: 166.67, 333.33, 500 -> floors 166, 333, 500 (999); the penny goes to the largest.
    assert [ln.discount.amount for ln in result.lines] == [166, 333, 501]
    assert result.discount.amount == 1000


def test_fixed_discount_never_exceeds_the_qualifying_subtotal():
    rule = DiscountRule(
        code="F", type="fixed", value=5000, product_ids=frozenset({"prod_a"})
    )
    result = pricing.price(
        lines=[line("a", 1200), line("b", 900)],
        destination=GB,
        settings=GBP,
        discount=rule,
    )
    assert [ln.discount.amount for ln in result.lines] == [1200, 0]
    assert result.total.amount == 900


def test_allocate_spills_the_remainder_when_the_largest_line_is_full():
    assert allocate(2, [1, 1, 1]) == [1, 1, 0]
    assert allocate(0, [5, 5]) == [0, 0]
    assert allocate(7, [0, 0]) == [0, 0]
    assert allocate(100, [30, 30]) == [30, 30]


def test_free_shipping_discount_zeroes_shipping_and_threshold_uses_discounted_subtotal():
    shipping = ShippingRule(id="s", name="Tracked 48", price=395, free_above=5000)
    free = pricing.price(
        lines=[line(price=1000)],
        destination=GB,
        settings=GBP,
        shipping=shipping,
        discount=DiscountRule(code="SHIP", type="free_shipping", value=0),
    )
    assert free.shipping.amount == 0 and free.discount.amount == 0
    # 5200 subtotal, 10% off -> 4680 < 5000: shipping is charged.
    below = pricing.price(
        lines=[line(price=5200)],
        destination=GB,
        settings=GBP,
        shipping=shipping,
        discount=DiscountRule(code="T", type="percentage", value=10),
    )
    assert below.shipping.amount == 395
    above = pricing.price(
        lines=[line(price=5200)], destination=GB, settings=GBP, shipping=shipping
    )
    assert above.shipping.amount == 0


def test_digital_only_cart_needs_no_shipping():
    shipping = ShippingRule(id="s", name="Tracked", price=395)
    result = pricing.price(
        lines=[line(requires_shipping=False)],
        destination=GB,
        settings=GBP,
        shipping=shipping,
    )
    assert result.requires_shipping is False and result.shipping.amount == 0


def test_weight_counts_shipping_lines_only():
    result = pricing.price(
        lines=[
            line("a", qty=2, weight_grams=300),
            line("b", weight_grams=1000, requires_shipping=False),
        ],
        destination=GB,
        settings=GBP,
    )
    assert result.weight_grams == 600


def test_discount_rejections_name_the_reason():
    rule = DiscountRule(code="BIG", type="percentage", value=10, minimum_subtotal=5000)
    result = pricing.price(
        lines=[line(price=1000)], destination=GB, settings=GBP, discount=rule
    )
    assert result.discount_applied is False
    assert result.discount_rejection.code == "discount_minimum_not_met"
    assert "£50.00" in result.discount_rejection.message
    assert result.messages[0].code == "discount_removed"
    restricted = DiscountRule(
        code="R", type="percentage", value=10, product_ids=frozenset({"prod_z"})
    )
    rejection = pricing.discount_rejection(restricted, [line()], GBP)
    assert rejection.code == "discount_not_applicable"


# -- tax matching ----------------------------------------------------------------------------


def rate(
    id, country="US", name="Sales tax", value="0.05", state="", prefix="", ship=True
):
    return TaxRule(
        id=id,
        country_code=country,
        name=name,
        rate=Decimal(value),
        state=state,
        postcode_prefix=prefix,
        applies_to_shipping=ship,
    )


def test_state_and_local_rates_stack_and_the_most_specific_of_a_name_wins():
    rates = [
        rate("t1", state="CA", value="0.0725"),
        rate("t2", name="Local tax", prefix="900", value="0.0225"),
        rate("t3", name="Local tax", prefix="9001", value="0.03"),
        rate("t4", state="NY", value="0.04"),
    ]
    matched = match_tax_rates(rates, Destination("US", "CA", "90012"))
    assert [r.id for r in matched] == ["t1", "t3"]
    result = pricing.price(
        lines=[line(price=10000)],
        destination=Destination("US", "CA", "90012"),
        settings=StoreSettings(currency="USD"),
        tax_rates=rates,
    )
    assert result.tax.amount == 725 + 300
    assert result.tax_rate == Decimal("0.1025")
    assert [t.jurisdiction for t in result.tax_breakdown] == ["US-CA", "US-9001"]


def test_region_rate_replaces_the_country_rate_of_the_same_name():
    rates = [
        rate("es", country="ES", name="VAT", value="0.21"),
        rate("cn", country="ES", name="VAT", value="0", state="CN"),
    ]
    assert [r.id for r in match_tax_rates(rates, Destination("ES", "CN"))] == ["cn"]
    assert [r.id for r in match_tax_rates(rates, Destination("ES", "MD"))] == ["es"]


def test_canada_gst_plus_pst():
    rates = [
        rate("gst", country="CA", name="GST", value="0.05"),
        rate("pst", country="CA", name="PST", value="0.07", state="BC"),
    ]
    result = pricing.price(
        lines=[line(price=1000)],
        destination=Destination("CA", "BC", "V5K 0A1"),
        settings=StoreSettings(currency="CAD"),
        tax_rates=rates,
    )
    assert [t.name for t in result.tax_breakdown] == ["GST", "PST"]
    assert result.tax.amount == 120


def test_postcode_prefix_matches_ignoring_case_and_spaces():
    rates = [rate("ldn", country="GB", name="City levy", prefix="nw1")]
    assert match_tax_rates(rates, Destination("GB", "", "NW1 6XE"))
    assert not match_tax_rates(rates, Destination("GB", "", "N1 6XE"))
    assert not match_tax_rates(rates, Destination("FR", "", "NW1 6XE"))


# -- the totals identity, for every cart -------------------------------------------------------

line_strategy = st.builds(
    lambda i, price, qty, cats, ship, weight: PriceLine(
        key=f"l{i}",
        product_id=f"prod_{i % 4}",
        unit_price=price,
        quantity=qty,
        category_ids=frozenset(cats),
        requires_shipping=ship,
        weight_grams=weight,
    ),
    st.integers(0, 50),
    st.integers(0, 200_000),
    st.integers(1, 40),
    st.sets(st.sampled_from(["cat_a", "cat_b", "cat_c"]), max_size=2),
    st.booleans(),
    st.integers(0, 5000),
)

discount_strategy = st.one_of(
    st.none(),
    st.builds(
        lambda kind, value, minimum, products, cats: DiscountRule(
            code="CODE",
            type=kind,
            value=min(value, 100) if kind == "percentage" else value,
            minimum_subtotal=minimum,
            product_ids=frozenset(products),
            category_ids=frozenset(cats),
        ),
        st.sampled_from(["percentage", "fixed", "free_shipping"]),
        st.integers(1, 500_000),
        st.one_of(st.none(), st.integers(0, 100_000)),
        st.sets(st.sampled_from([f"prod_{i}" for i in range(4)]), max_size=2),
        st.sets(st.sampled_from(["cat_a", "cat_b"]), max_size=1),
    ),
)

tax_strategy = st.lists(
    st.builds(
        lambda i, name, value, state, prefix, ship: TaxRule(
            id=f"t{i}",
            country_code="US",
            name=name,
            rate=Decimal(value) / 10000,
            state=state,
            postcode_prefix=prefix,
            applies_to_shipping=ship,
        ),
        st.integers(0, 1000),
        st.sampled_from(["Sales tax", "Local tax", "County tax"]),
        st.integers(0, 3000),
        st.sampled_from(["", "CA", "NY"]),
        st.sampled_from(["", "9", "90", "1"]),
        st.booleans(),
    ),
    max_size=5,
    unique_by=lambda r: r.id,
)

shipping_strategy = st.one_of(
    st.none(),
    st.builds(
        lambda price, free: ShippingRule(
            id="s", name="S", price=price, free_above=free
        ),
        st.integers(0, 5000),
        st.one_of(st.none(), st.integers(0, 200_000)),
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(line_strategy, max_size=8, unique_by=lambda ln: ln.key),
    discount=discount_strategy,
    rates=tax_strategy,
    shipping=shipping_strategy,
    inclusive=st.booleans(),
    destination=st.builds(
        Destination,
        st.just("US"),
        st.sampled_from(["", "CA", "NY"]),
        st.sampled_from(["", "90012", "10001", "94105"]),
    ),
)
def test_totals_identity_holds_for_every_cart(
    lines, discount, rates, shipping, inclusive, destination
):
    result = pricing.price(
        lines=lines,
        destination=destination,
        settings=StoreSettings(currency="USD", tax_inclusive=inclusive),
        discount=discount,
        shipping=shipping,
        tax_rates=rates,
    )
    subtotal, disc = result.subtotal.amount, result.discount.amount
    ship, tax, total = result.shipping.amount, result.tax.amount, result.total.amount
    if inclusive:
        assert total == subtotal - disc + ship
        assert tax <= subtotal - disc + ship
    else:
        assert total == subtotal - disc + ship + tax
    assert min(subtotal, disc, ship, tax, total) >= 0
    assert sum(ln.subtotal.amount for ln in result.lines) == subtotal
    assert sum(ln.discount.amount for ln in result.lines) == disc
    assert sum(ln.tax.amount for ln in result.lines) + result.shipping_tax.amount == tax
    assert sum(t.amount.amount for t in result.tax_breakdown) == (tax if lines else 0)
    for priced, original in zip(result.lines, lines, strict=True):
        assert 0 <= priced.discount.amount <= priced.subtotal.amount
        if result.discount_applied and not discount.qualifies(original):
            assert priced.discount.amount == 0
    if result.discount_applied and discount.type == "fixed":
        qualifying = sum(ln.subtotal for ln in lines if discount.qualifies(ln))
        assert disc == min(discount.value, qualifying)
    if result.discount_applied and discount.type == "free_shipping":
        assert ship == 0
