"""Customer tasks: thin wrappers around services."""

from celery import shared_task

from core.emails import EMAIL_TASK_OPTIONS

from . import services


@shared_task(**EMAIL_TASK_OPTIONS)
def login_link_email_send(token_id: str, raw_token: str) -> int:
    """Email the login link of a token (the raw token exists only here and in the email)."""
    return services.login_link_email_send(token_id=token_id, raw_token=raw_token)


@shared_task
def login_tokens_purge() -> int:
    """Delete login tokens that stopped working more than a day ago."""
    return services.login_tokens_purge()
