"""Dashboard inbox: escaping, unread counts, reply, close, tenancy."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from conversations.models import Conversation, Message
from core import services as core_services

pytestmark = pytest.mark.django_db

TOKEN = "visitor-token-1"
XSS = "<script>alert('pwned')</script>"


@pytest.fixture
def merchant(shop):
    user, _ = core_services.merchant_add(store=shop.store, email="owner@acme.test")
    client = Client()
    client.force_login(user)
    return client


def start(public, subject="Question", message="Hello?", token=TOKEN):
    response = public.post(
        "/conversations", {"subject": subject, "initialMessage": message}, cart=token
    )
    assert response.status_code == 201
    return Conversation.objects.get(pk=response.json()["data"]["id"])


def change_url(conversation):
    return f"/admin/conversations/conversation/{conversation.pk}/change/"


def test_message_bodies_are_escaped_in_the_dashboard(public, merchant):
    conversation = start(
        public, subject=f"Subject {XSS}", message=f"Body {XSS}\nsecond line"
    )
    html = merchant.get(change_url(conversation)).content.decode()
    assert (
        "Body &lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;\nsecond line"
        in html
    )
    assert XSS not in html
    listing = merchant.get("/admin/conversations/conversation/").content.decode()
    assert "Subject &lt;script&gt;" in listing
    assert XSS not in listing


def test_inbox_shows_unread_counts_and_filters_by_status(public, merchant):
    open_one = start(public, subject="Open one")
    closed_one = start(public, subject="Closed one", token="t2")
    Conversation.objects.filter(pk=closed_one.pk).update(status="closed")
    public.post(f"/conversations/{open_one.pk}/messages", {"body": "More"}, cart=TOKEN)

    response = merchant.get(
        "/admin/conversations/conversation/", {"status__exact": "open"}
    )
    assert response.status_code == 200
    rows = {c.pk: c.unread_count for c in response.context["cl"].result_list}
    assert rows == {open_one.pk: 2}
    response = merchant.get(
        "/admin/conversations/conversation/", {"status__exact": "closed"}
    )
    assert [c.pk for c in response.context["cl"].result_list] == [closed_one.pk]

    # Opening the conversation marks the visitor's messages read.
    merchant.get(change_url(open_one))
    assert not Message.objects.filter(
        conversation=open_one, read_at__isnull=True
    ).exists()


def test_reply_from_the_change_page(
    public, merchant, django_capture_on_commit_callbacks
):
    conversation = start(public)
    public.post(
        f"/conversations/{conversation.pk}/email",
        {"email": "ada@example.com"},
        cart=TOKEN,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = merchant.post(
            change_url(conversation),
            {"status": "open", "reply": "Yes, we <ship> there."},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    reply = conversation.messages.get(sender="seller")
    assert reply.body == "Yes, we <ship> there."
    assert reply.author.email == "owner@acme.test"
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    visitor_view = public.get(
        f"/conversations/{conversation.pk}/messages", cart=TOKEN
    ).json()
    assert visitor_view["data"][-1]["body"] == "Yes, we <ship> there."


def test_reply_and_close_together(public, merchant):
    conversation = start(public)
    merchant.post(change_url(conversation), {"status": "closed", "reply": "Bye"})
    conversation.refresh_from_db()
    assert conversation.status == "closed"
    assert conversation.messages.filter(sender="seller", body="Bye").exists()


def test_close_and_reopen_actions(public, merchant):
    a, b = start(public), start(public, token="t2")
    response = merchant.post(
        "/admin/conversations/conversation/",
        {"action": "close", "_selected_action": [a.pk, b.pk]},
    )
    assert response.status_code == 302
    assert set(Conversation.objects.values_list("status", flat=True)) == {"closed"}
    merchant.post(
        "/admin/conversations/conversation/",
        {"action": "reopen", "_selected_action": [a.pk]},
    )
    assert Conversation.objects.get(pk=a.pk).status == "open"


def test_merchant_sees_only_their_stores_conversations(
    public, merchant, other_shop, api_client_for
):
    other_public = api_client_for("public", other_shop.pk)
    theirs = start(other_public, subject="Their question")
    mine = start(public, subject="My question")
    listing = merchant.get("/admin/conversations/conversation/")
    assert [c.pk for c in listing.context["cl"].result_list] == [mine.pk]
    assert merchant.get(change_url(theirs)).status_code == 404
    merchant.post(change_url(theirs), {"status": "open", "reply": "Hijack"})
    assert not Message.objects.filter(body="Hijack").exists()


def test_every_link_of_the_list_opens_its_conversation(public, merchant):
    """The list links carry admin-quoted ids (``_`` is ``_5F``): each must open."""
    conversation = start(public, subject="Where is my parcel?")
    listing = merchant.get("/admin/conversations/conversation/").content.decode()
    links = re.findall(
        r'href="(/admin/conversations/conversation/[^"]+/change/)', listing
    )
    assert links and all("_5F" in link for link in links)
    for link in links:
        response = merchant.get(link)
        assert response.status_code == 200, link
        assert "Where is my parcel?" in response.content.decode()
    assert not Message.objects.filter(
        conversation=conversation, read_at__isnull=True
    ).exists()
