"""Public conversations API: the visitor side, tied to the X-Cart-Token."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from conversations.models import Conversation, Message
from customers.models import Customer, CustomerSession
from webhooks.models import Event

pytestmark = pytest.mark.django_db

TOKEN = "visitor-token-1"


def start(public, token=TOKEN, **body):
    body = body or {
        "subject": "Question about shipping",
        "initialMessage": "Do you ship to Norway?",
    }
    response = public.post("/conversations", body, cart=token)
    assert response.status_code == 201, response.content
    return response.json()["data"]


def test_start_a_conversation(public, shop):
    data = start(public)
    assert data["id"].startswith("conv_")
    assert data["subject"] == "Question about shipping"
    assert data["createdAt"].endswith("Z")
    assert data["unreadCount"] == 0
    assert data["status"] == "open"
    assert data["email"] is None
    conversation = Conversation.objects.get(pk=data["id"])
    assert conversation.store == shop.store
    assert conversation.visitor_token == TOKEN
    assert conversation.customer is None
    [message] = conversation.messages.all()
    assert message.sender == "visitor" and message.body == "Do you ship to Norway?"
    assert data["lastMessageAt"] == message.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_start_without_a_message_or_subject(public):
    data = start(public, subject="")
    assert data["subject"] == ""
    assert data["lastMessageAt"] is None
    assert not Message.objects.exists()


def test_start_requires_the_cart_token_and_valid_input(public):
    response = public.post("/conversations", {"subject": "Hi"})
    assert response.status_code == 422
    assert "X-Cart-Token" in response.json()["error"]["fields"]
    for body, field in [
        ({"initialMessage": ""}, "initialMessage"),
        ({"initialMessage": "x" * 4001}, "initialMessage"),
        ({"subject": "s" * 201}, "subject"),
        ({"initialMessage": ["a"]}, "initialMessage"),
    ]:
        response = public.post("/conversations", body, cart=TOKEN)
        assert response.status_code == 422, body
        assert field in response.json()["error"]["fields"]
    assert not Conversation.objects.exists()


def test_start_ties_the_authenticated_customer(public, shop):
    customer = Customer.objects.create(store=shop.store, email="ada@example.com")
    CustomerSession.objects.create(
        store=shop.store,
        mode="test",
        cart_token=TOKEN,
        customer=customer,
        verified_at=timezone.now(),
    )
    data = start(public)
    assert Conversation.objects.get(pk=data["id"]).customer == customer
    # The seller's replies reach the signed-in customer without asking for an email.
    assert data["email"] == "ada@example.com"
    # Another visitor token is anonymous.
    other = start(public, token="someone-else")
    assert Conversation.objects.get(pk=other["id"]).customer is None
    assert other["email"] is None


def test_current_conversation(public, private):
    assert public.get("/conversations/current", cart=TOKEN).status_code == 404
    first = start(public)
    second = start(public, subject="Another question")
    current = public.get("/conversations/current", cart=TOKEN).json()["data"]
    assert current["id"] == second["id"]
    assert current["unreadCount"] == 0

    private.patch(f"/conversations/{second['id']}", {"status": "closed"})
    assert (
        public.get("/conversations/current", cart=TOKEN).json()["data"]["id"]
        == first["id"]
    )
    private.patch(f"/conversations/{first['id']}", {"status": "closed"})
    assert public.get("/conversations/current", cart=TOKEN).status_code == 404
    assert public.get("/conversations/current").status_code == 422


def test_unread_count_and_reading_marks_seller_messages_read(public, private):
    conv = start(public)
    private.post(f"/conversations/{conv['id']}/messages", {"body": "Yes, 5-7 days."})
    private.post(f"/conversations/{conv['id']}/messages", {"body": "By tracked post."})
    current = public.get("/conversations/current", cart=TOKEN).json()["data"]
    assert current["unreadCount"] == 2
    last = Message.objects.filter(sender="seller").order_by("-created_at").first()
    assert current["lastMessageAt"] == last.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    response = public.get(f"/conversations/{conv['id']}/messages", cart=TOKEN)
    assert response.status_code == 200
    data = response.json()["data"]
    assert [(m["sender"], m["body"]) for m in data] == [
        ("visitor", "Do you ship to Norway?"),
        ("seller", "Yes, 5-7 days."),
        ("seller", "By tracked post."),
    ]
    assert set(data[0]) == {"id", "sender", "body", "createdAt"}
    assert data[0]["id"].startswith("cmsg_")
    assert "meta" not in response.json()
    assert (
        public.get("/conversations/current", cart=TOKEN).json()["data"]["unreadCount"]
        == 0
    )
    # Replying marked the visitor's message read for the seller.
    assert not Message.objects.filter(sender="visitor", read_at__isnull=True).exists()


def test_messages_after_a_given_message(public, private):
    conv = start(public)
    first = public.get(f"/conversations/{conv['id']}/messages", cart=TOKEN).json()[
        "data"
    ][0]
    private.post(f"/conversations/{conv['id']}/messages", {"body": "Reply"})
    newer = public.get(
        f"/conversations/{conv['id']}/messages",
        cart=TOKEN,
        query={"after": first["id"]},
    ).json()["data"]
    assert [m["body"] for m in newer] == ["Reply"]
    response = public.get(
        f"/conversations/{conv['id']}/messages",
        cart=TOKEN,
        query={"after": "cmsg_nope"},
    )
    assert response.status_code == 404


def test_post_a_message(public, shop):
    conv = start(public, subject="Hello")
    response = public.post(
        f"/conversations/{conv['id']}/messages",
        {"body": "  Great, thanks!  "},
        cart=TOKEN,
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["sender"] == "visitor" and data["body"] == "Great, thanks!"
    assert data["id"].startswith("cmsg_")

    event = Event.objects.filter(type="conversation.message_created").latest(
        "created_at"
    )
    assert event.data["id"] == data["id"]
    assert event.data["conversationId"] == conv["id"]
    assert event.data["sender"] == "visitor"
    assert event.mode == "test"


@pytest.mark.parametrize(
    "body", ["", "   ", "x" * 4001, None, ["a"], {"a": 1}, "nul\x00byte"]
)
def test_message_body_must_be_plain_text_of_1_to_4000_chars(public, body):
    conv = start(public, subject="x")
    response = public.post(
        f"/conversations/{conv['id']}/messages", {"body": body}, cart=TOKEN
    )
    assert response.status_code == 422, response.content
    assert "body" in response.json()["error"]["fields"]
    assert not Message.objects.exists()


def test_message_of_exactly_4000_chars_and_html_is_kept_as_text(public):
    conv = start(public, subject="x")
    ok = public.post(
        f"/conversations/{conv['id']}/messages", {"body": "y" * 4000}, cart=TOKEN
    )
    assert ok.status_code == 201
    html = "<script>alert('x')</script> <b>bold</b>"
    response = public.post(
        f"/conversations/{conv['id']}/messages", {"body": html}, cart=TOKEN
    )
    assert response.json()["data"]["body"] == html
    assert Message.objects.get(pk=response.json()["data"]["id"]).body == html


def test_conversation_is_visible_only_to_its_token(
    public, shop, other_shop, api_client_for
):
    conv = start(public)
    other_public = api_client_for("public", other_shop.pk)
    for client, token in [(public, "another-token"), (other_public, TOKEN)]:
        assert (
            client.get(f"/conversations/{conv['id']}/messages", cart=token).status_code
            == 404
        )
        assert (
            client.post(
                f"/conversations/{conv['id']}/messages", {"body": "hi"}, cart=token
            ).status_code
            == 404
        )
        assert (
            client.post(
                f"/conversations/{conv['id']}/email", {"email": "a@b.co"}, cart=token
            ).status_code
            == 404
        )
        assert client.get("/conversations/current", cart=token).status_code == 404
    # The live publishable key is another visitor space too.
    live = api_client_for("public", shop.live_pk)
    assert (
        live.get(f"/conversations/{conv['id']}/messages", cart=TOKEN).status_code == 404
    )
    assert Message.objects.count() == 1
    assert Conversation.objects.get().email == ""


def test_attach_an_email_and_receive_seller_replies(
    public, private, make_store, api_client_for
):
    conv = start(public)
    response = public.post(
        f"/conversations/{conv['id']}/email", {"email": "ada@example.com"}, cart=TOKEN
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"id": conv["id"], "email": "ada@example.com"}
    assert (
        public.post(
            f"/conversations/{conv['id']}/email", {"email": "nope"}, cart=TOKEN
        ).status_code
        == 422
    )
    assert (
        public.post(f"/conversations/{conv['id']}/email", {}, cart=TOKEN).status_code
        == 422
    )

    mail.outbox.clear()
    private.post(f"/conversations/{conv['id']}/messages", {"body": "Yes <b>we</b> do."})
    [email] = mail.outbox
    assert email.to == ["ada@example.com"]
    assert "Yes <b>we</b> do." in email.body
    html = email.alternatives[0][0]
    assert "Yes &lt;b&gt;we&lt;/b&gt; do." in html
    assert "<b>we</b>" not in html


def test_store_is_emailed_about_visitor_messages(make_store, api_client_for):
    shop = make_store(notification_email="inbox@acme.test")
    public = api_client_for("public", shop.pk)
    conv = start(public)
    [email] = mail.outbox
    assert email.to == ["inbox@acme.test"]
    assert "Question about shipping" in email.subject
    assert "Do you ship to Norway?" in email.body
    assert f"/admin/conversations/conversation/{conv['id']}/change/" in email.body
    public.post(
        f"/conversations/{conv['id']}/messages",
        {"body": "<script>x</script>"},
        cart=TOKEN,
    )
    assert len(mail.outbox) == 2
    assert "&lt;script&gt;x&lt;/script&gt;" in mail.outbox[1].alternatives[0][0]


def test_no_email_without_an_address(public, private):
    conv = start(public)  # the store has no notification email
    private.post(
        f"/conversations/{conv['id']}/messages", {"body": "Reply"}
    )  # no visitor email
    assert mail.outbox == []


def test_visitor_message_reopens_a_closed_conversation(public, private):
    conv = start(public)
    private.patch(f"/conversations/{conv['id']}", {"status": "closed"})
    public.post(
        f"/conversations/{conv['id']}/messages", {"body": "One more thing"}, cart=TOKEN
    )
    assert Conversation.objects.get(pk=conv["id"]).status == "open"


def test_disabled_feature_is_a_404(make_store, api_client_for):
    from core.models import default_features

    shop = make_store(features={**default_features(), "conversations": False})
    public = api_client_for("public", shop.pk)
    response = public.post("/conversations", {"subject": "x"}, cart=TOKEN)
    assert response.status_code == 404
    assert "not enabled" in response.json()["error"]["message"]


def test_rate_limits_follow_endpoints_md(public):
    conv = start(public)
    cid = conv["id"]
    expected = [
        ("get", "/conversations/current", None, "120"),
        ("post", f"/conversations/{cid}/email", {"email": "a@b.co"}, "30"),
        ("get", f"/conversations/{cid}/messages", None, "120"),
        ("post", f"/conversations/{cid}/messages", {"body": "x"}, "30"),
        ("post", "/conversations", {"subject": "x"}, "10"),
    ]
    for method, path, body, limit in expected:
        kwargs = {"cart": TOKEN}
        if method == "post":
            response = public.post(path, body, **kwargs)
        else:
            response = public.get(path, **kwargs)
        assert response["X-RateLimit-Limit"] == limit, (method, path)


def test_start_is_limited_to_10_a_minute(public):
    for _ in range(9):  # one already counted below
        start(public, subject="x")
    assert (
        public.post("/conversations", {"subject": "x"}, cart=TOKEN).status_code == 201
    )
    response = public.post("/conversations", {"subject": "x"}, cart=TOKEN)
    assert response.status_code == 429
    assert Conversation.objects.count() == 10
