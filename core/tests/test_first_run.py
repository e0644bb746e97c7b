"""A fresh clone: every folder the platform writes to is created by the code that writes it."""

from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.utils import ConnectionHandler


def test_sqlite_creates_the_database_folder(tmp_path, django_db_blocker):
    """`make run` on a fresh clone: var/ does not exist until the database is opened."""
    path = tmp_path / "fresh-clone" / "var" / "db.sqlite3"
    handler = ConnectionHandler(
        {"default": {"ENGINE": "core.backends.sqlite3", "NAME": path}}
    )
    connection = handler["default"]
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("CREATE TABLE probe (id integer)")
    finally:
        connection.close()
    assert path.is_file()


def test_sqlite_in_memory_needs_no_folder(django_db_blocker):
    handler = ConnectionHandler(
        {"default": {"ENGINE": "core.backends.sqlite3", "NAME": ":memory:"}}
    )
    connection = handler["default"]
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        connection.close()


def test_email_and_media_folders_are_created_on_first_write(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "var" / "emails")
    settings.MEDIA_ROOT = tmp_path / "var" / "media"

    mail.send_mail("Hello", "Body", "shop@localhost", ["sam@example.com"])
    name = default_storage.save("products/a.txt", ContentFile(b"x"))

    assert len(list((tmp_path / "var" / "emails").iterdir())) == 1
    assert (tmp_path / "var" / "media" / name).read_bytes() == b"x"
