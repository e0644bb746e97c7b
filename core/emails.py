"""Transactional email: Django templates in ``templates/emails/``, HTML and plain text, in the
store's branding, sent with Django's mail API.

An app's Celery task (thin, taking ids, declared with ``EMAIL_TASK_OPTIONS``) builds a context
and calls :func:`email_send`; services queue it with ``core.outbox.enqueue`` inside their
transaction, so the email is sent after commit, on the ``emails`` queue, and retried until it
leaves (an SMTP error propagates from :func:`email_send` for that).

A shopper's email is written in the locale they used (``locale=``: an order's or login
token's), when the store supports it, else in the store's default locale
(:func:`core.locales.store_locale`). The templates are translatable with Django's i18n tags and
rendered under ``translation.override`` of that language; the catalogues are ``locale/`` (en,
fr, de; ``manage.py compilemessages`` after editing a ``.po`` file).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import strip_tags

from .locales import django_language, store_locale
from .money import format_minor, normalize_locale
from .outbox import OutboxTask

#: Options for ``@shared_task`` on email tasks, which services queue with
#: ``core.outbox.enqueue``: the outbox retries a failed send (30 s doubling to an hour, 8
#: attempts) and the limits stop a hung SMTP server from holding a worker.
EMAIL_TASK_OPTIONS = {"base": OutboxTask, "soft_time_limit": 60, "time_limit": 90}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def store_context(store) -> dict:
    branding = store.branding or {}
    return {
        "store": store,
        "store_name": store.name,
        "primary_color": branding.get("primary_color") or "#FF5C00",
        "logo_url": branding.get("logo_url"),
        "locale": store.locale,
    }


def money_text(amount: int, currency: str, store, locale: str | None = None) -> str:
    """Money for emails, in ``locale`` (the email's) or the store's default locale."""
    babel_locale = normalize_locale(locale) if locale else None
    return format_minor(int(amount), currency, babel_locale or store.locale)


def email_locale(store, locale: str | None = None) -> str:
    """The locale an email to a shopper who used ``locale`` is written in."""
    return store_locale(store, locale)


def email_render(
    *, template: str, context: dict, store, locale: str | None = None
) -> RenderedEmail:
    """Render ``emails/<template>.subject.txt``, ``.txt`` and ``.html`` in ``locale`` (one
    of the store's, else its default)."""
    language = email_locale(store, locale)
    ctx = {**store_context(store), "locale": language, **context}
    with translation.override(django_language(language)):
        subject = " ".join(
            render_to_string(f"emails/{template}.subject.txt", ctx).split()
        )
        html = render_to_string(f"emails/{template}.html", ctx)
        try:
            text = render_to_string(f"emails/{template}.txt", ctx)
        except Exception:
            text = strip_tags(html)
    return RenderedEmail(subject=subject, text=text.strip() + "\n", html=html)


def sender_for(store) -> str:
    """``DEFAULT_FROM_EMAIL``'s address under the store's name, quoted as RFC 5322 wants, so a
    name with ``<``, a comma, quotes or non-ASCII letters stays a display name."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = " ".join((store.name or "").split())  # no line breaks in a header
    return formataddr((name, address or settings.DEFAULT_FROM_EMAIL))


def email_send(
    *,
    store,
    to: list[str] | str,
    template: str,
    context: dict,
    reply_to: list[str] | None = None,
    locale: str | None = None,
) -> int:
    """Render and send one email (in ``locale`` when the store supports it); SMTP errors
    propagate so the calling task retries."""
    recipients = [to] if isinstance(to, str) else list(to)
    recipients = [r for r in recipients if r]
    if not recipients:
        return 0
    rendered = email_render(
        template=template, context=context, store=store, locale=locale
    )
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=sender_for(store),
        to=recipients,
        reply_to=reply_to
        or ([store.notification_email] if store.notification_email else None),
    )
    message.attach_alternative(rendered.html, "text/html")
    return message.send(fail_silently=False)
