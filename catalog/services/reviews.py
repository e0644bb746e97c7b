"""Reviews: submission, moderation and the approved-review totals on products."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.api.caching import catalog_version_bump
from core.exceptions import Conflict, field_error

from .. import events, signals
from ..models import Product, Review


def review_verified_purchase(
    *, product: Product, email: str, customer=None, mode: str
) -> bool:
    """True when ``email`` (or ``customer``) bought ``product`` in key ``mode`` (asked of
    the apps above through ``catalog.signals.purchase_verify``)."""
    if not email and customer is None:
        return False
    answers = signals.purchase_verify.send(
        sender=Product, product=product, email=email, customer=customer, mode=mode
    )
    return any(answer for _, answer in answers)


@transaction.atomic
def review_create(
    *,
    product: Product,
    rating: int,
    body: str,
    title: str = "",
    author_name: str = "",
    author_email: str = "",
    customer=None,
    mode: str,
) -> Review:
    """A review awaiting moderation. A guest must give an email; a logged-in customer's name
    and email fill the blanks. A second review of the same product by the same email is a 409."""
    email = (author_email or (customer.email if customer is not None else "")).strip()
    if not email:
        raise field_error("author_email", "The authorEmail field is required.")
    name = (author_name or (customer.full_name if customer is not None else "")).strip()
    # Per mode: a test review never stands in the way of the real one.
    duplicate = Review.objects.filter(
        product=product, author_email__iexact=email, mode=mode
    ).exclude(status=Review.Status.REJECTED)
    if duplicate.exists():
        raise Conflict(
            "You have already reviewed this product.", code="already_reviewed"
        )
    review = Review(
        store_id=product.store_id,
        mode=mode,
        product=product,
        customer=customer,
        rating=rating,
        title=title.strip(),
        body=body,
        author_name=name[:100],
        author_email=email,
        verified_purchase=review_verified_purchase(
            product=product, email=email, customer=customer, mode=mode
        ),
        status=Review.Status.PENDING,
    )
    review.full_clean(exclude=["store", "product", "customer"])
    review.save()
    events.review_created(review=review, mode=mode)
    return review


@transaction.atomic
def review_moderate(*, review: Review, status: str) -> Review:
    if status not in (Review.Status.APPROVED, Review.Status.REJECTED):
        raise field_error("status", "Status must be approved or rejected.")
    if review.status != status:
        review.status = status
        review.save(update_fields=["status", "updated_at"])
    return review


def review_totals_columns(review_model=Review) -> dict:
    """``Product.reviews_*`` as SQL over the product's approved reviews (also used by the
    migration that fills them, with its historical ``Review``)."""
    approved = (
        review_model.objects.filter(product=OuterRef("pk"), status="approved")
        .order_by()
        .values("product")
    )

    def total(mode: str, aggregate) -> Coalesce:
        rows = approved.filter(mode=mode).annotate(v=aggregate).values("v")[:1]
        return Coalesce(Subquery(rows), Value(0))

    return {
        "reviews_live_count": total("live", Count("pk")),
        "reviews_live_rating_sum": total("live", Sum("rating")),
        "reviews_test_count": total("test", Count("pk")),
        "reviews_test_rating_sum": total("test", Sum("rating")),
    }


@transaction.atomic
def product_review_totals_refresh(*, products: QuerySet) -> None:
    """Recount the approved-review totals of ``products`` from their reviews.

    The rows are locked first, so that a concurrent review write waits and then recounts
    with this one committed (a recount, not an increment: always right, whatever changed)."""
    locked = products.select_for_update().order_by("pk").values_list("store_id")
    stores = {store_id for (store_id,) in locked}
    products.update(**review_totals_columns())
    for store_id in stores:  # reviewCount and averageRating are on the public pages
        catalog_version_bump(store_id)


def review_totals_on_change(*, instance: Review, **kwargs) -> None:
    """``post_save`` / ``post_delete`` of a review, wherever it is written (services, the
    dashboard's change form and delete, a product's cascade)."""
    product_review_totals_refresh(
        products=Product.objects.filter(pk=instance.product_id)
    )
