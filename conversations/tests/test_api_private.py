"""Private conversations API: the seller's inbox (beyond the reference)."""

from __future__ import annotations

import pytest
from django.db import transaction

from conversations.models import Conversation, Message
from webhooks import services as webhook_services
from webhooks.models import Event

pytestmark = pytest.mark.django_db

TOKEN = "visitor-token-1"


def start(public, token=TOKEN, subject="Question", message="Hello?"):
    response = public.post(
        "/conversations", {"subject": subject, "initialMessage": message}, cart=token
    )
    assert response.status_code == 201, response.content
    return response.json()["data"]["id"]


def test_inbox_lists_conversations_with_unread_counts(public, private):
    older = start(public, subject="Older")
    newer = start(public, token="t2", subject="Newer")
    public.post(f"/conversations/{older}/messages", {"body": "Anyone?"}, cart=TOKEN)

    response = private.get("/conversations")
    assert response.status_code == 200
    body = response.json()
    assert [c["id"] for c in body["data"]] == [older, newer]  # latest activity first
    assert body["meta"]["total"] == 2
    first = body["data"][0]
    assert first["unreadCount"] == 2 and first["messageCount"] == 2
    assert first["status"] == "open" and first["subject"] == "Older"
    assert (
        first["customerId"] is None
        and first["mode"] == "test"
        and first["email"] is None
    )
    assert "visitorToken" not in first

    private.patch(f"/conversations/{newer}", {"status": "closed"})

    def ids(status):
        response = private.get("/conversations", query={"status": status})
        return [c["id"] for c in response.json()["data"]]

    assert ids("open") == [older]
    assert ids("closed") == [newer]
    assert (
        private.get("/conversations", query={"status": "archived"}).status_code == 422
    )


def test_reading_as_seller_marks_visitor_messages_read(public, private):
    conv = start(public)
    assert private.get(f"/conversations/{conv}").json()["data"]["unreadCount"] == 1
    response = private.get(f"/conversations/{conv}/messages")
    assert response.status_code == 200
    [message] = response.json()["data"]
    assert message["sender"] == "visitor" and message["body"] == "Hello?"
    assert message["conversationId"] == conv and message["readAt"] is None
    assert private.get(f"/conversations/{conv}").json()["data"]["unreadCount"] == 0
    assert Message.objects.get().read_at is not None


def test_seller_reply(public, private):
    conv = start(public)
    response = private.post(
        f"/conversations/{conv}/messages", {"body": "Yes, 5-7 days."}
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["sender"] == "seller" and data["body"] == "Yes, 5-7 days."
    visitor_view = public.get(f"/conversations/{conv}/messages", cart=TOKEN).json()[
        "data"
    ]
    assert [m["sender"] for m in visitor_view] == ["visitor", "seller"]

    events = Event.objects.filter(type="conversation.message_created").order_by(
        "created_at"
    )
    assert [e.data["sender"] for e in events] == ["visitor", "seller"]
    assert events.last().data == {
        "id": data["id"],
        "conversationId": conv,
        "sender": "seller",
        "body": "Yes, 5-7 days.",
        "readAt": None,
        "createdAt": data["createdAt"],
    }
    for body in ["", "x" * 4001]:
        assert (
            private.post(f"/conversations/{conv}/messages", {"body": body}).status_code
            == 422
        )


def test_message_created_event_is_delivered_to_webhooks(
    public, private, shop, settings
):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True
    from webhooks.tests.receiver import Receiver, start_receiver

    receiver = Receiver()
    server = start_receiver(receiver)
    try:
        webhook_services.webhook_endpoint_create(
            store=shop.store, url=receiver.url, events=["conversation.message_created"]
        )
        conv = start(public)
        [request] = receiver.wait_for(1)
        payload = request.json()
        assert payload["type"] == "conversation.message_created"
        assert payload["data"]["conversationId"] == conv
        assert payload["data"]["body"] == "Hello?"
    finally:
        server.shutdown()
        server.server_close()


def test_patch_status(public, private):
    conv = start(public)
    response = private.patch(f"/conversations/{conv}", {"status": "closed"})
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "closed"
    assert Conversation.objects.get().status == "closed"
    assert (
        private.patch(f"/conversations/{conv}", {"status": "deleted"}).status_code
        == 422
    )
    assert private.patch(f"/conversations/{conv}", {}).status_code == 422
    # A seller reply reopens it.
    private.post(f"/conversations/{conv}/messages", {"body": "Following up"})
    assert Conversation.objects.get().status == "open"


def test_other_store_and_other_mode_cannot_see_conversations(
    public, shop, other_shop, api_client_for
):
    conv = start(public)
    clients = (
        api_client_for("private", other_shop.sk),
        api_client_for("private", shop.live_sk),
    )
    for client in clients:
        assert client.get("/conversations").json()["data"] == []
        assert client.get(f"/conversations/{conv}").status_code == 404
        assert (
            client.patch(f"/conversations/{conv}", {"status": "closed"}).status_code
            == 404
        )
        assert client.get(f"/conversations/{conv}/messages").status_code == 404
        assert (
            client.post(f"/conversations/{conv}/messages", {"body": "x"}).status_code
            == 404
        )
    assert Conversation.objects.get().status == "open"
    assert Message.objects.count() == 1


def test_inbox_query_count_is_constant(public, private, django_assert_max_num_queries):
    for n in range(8):
        start(public, token=f"t{n}")
    with django_assert_max_num_queries(6):
        response = private.get("/conversations")
    assert len(response.json()["data"]) == 8


def test_rate_limits_follow_the_brief(public, private):
    conv = start(public)
    expected = [
        ("get", "/conversations", None, "240"),
        ("get", f"/conversations/{conv}", None, "240"),
        ("patch", f"/conversations/{conv}", {"status": "open"}, "120"),
        ("get", f"/conversations/{conv}/messages", None, "240"),
        ("post", f"/conversations/{conv}/messages", {"body": "x"}, "120"),
    ]
    for method, path, body, limit in expected:
        response = getattr(private, method)(path, **({"data": body} if body else {}))
        assert response["X-RateLimit-Limit"] == limit, (method, path)


def test_broker_outage_does_not_break_posting(public, monkeypatch):
    from kombu.exceptions import OperationalError

    from conversations import tasks

    def down(*args, **kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(tasks.message_notify, "delay", down)
    conv = start(public)
    assert Message.objects.filter(conversation_id=conv).count() == 1


def test_demo_seed_is_idempotent(shop):
    from conversations import demo

    with transaction.atomic():
        demo.seed(store=shop.store)
        demo.seed(store=shop.store)
    conversation = Conversation.objects.get(store=shop.store)
    assert [m.sender for m in conversation.messages.all()] == ["visitor", "seller"]
