"""National reports in an S3-compatible store: what the portal stores goes to the bucket, private,
under the portal's name, and comes back byte for byte through the download view's checks. Against
moto's S3 emulator, run in this process (no network, no cloud account)."""

import datetime
import os
import runpy
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from matrices import reports
from matrices.tests.helpers import CELL, published
from portal.testing.pages import logged_in

moto_server = pytest.importorskip(
    "moto.server", reason="moto[server] is not installed (requirements-dev.txt): no local S3 emulator"
)
boto3 = pytest.importorskip("boto3", reason="boto3 is not installed (requirements.txt)")
pytest.importorskip("storages.backends.s3", reason="django-storages is not installed (requirements.txt)")

pytestmark = pytest.mark.django_db

BUCKET = "portal-documents"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" + bytes(range(256)) * 64
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def s3_endpoint():
    """An S3 emulator on a free port of this machine, for the tests of this module."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, tmp_path):
    """A new empty bucket, and the default storage pointed at it as `PORTAL_S3_BUCKET` would."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "region_name": CREDENTIALS["region_name"],
                "default_acl": "private",
                "file_overwrite": False,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_a_report_goes_to_the_bucket_and_comes_back_through_the_download_view(
    bucket, settings, state_a, state_a_official, expert
):
    report = reports.upload(
        state_a,
        document=SimpleUploadedFile("Rapport national (final).pdf", PDF),
        report_date=datetime.date(2024, 3, 1),
        acting_user=state_a_official,
    )
    key = report.document.name
    assert key.startswith("reports/") and "/JAM-national-report-2024-03-01-" in key and "final" not in key
    stored = bucket.get_object(Bucket=BUCKET, Key=key)
    assert stored["Body"].read() == PDF
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert all("URI" not in grant["Grantee"] for grant in grants)  # private: no grant to all users
    assert not Path(settings.MEDIA_ROOT).exists()  # nothing on the local disk

    download = reverse("matrices:download_report", args=[report.pk])
    assert logged_in(None).get(download).status_code == 404  # no published matrix yet: not public
    response = logged_in(state_a_official).get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF

    published(state_a, state_a_official, expert, cells=[CELL])
    response = logged_in(None).get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


def test_two_reports_of_one_day_never_overwrite_each_other(bucket, state_a, state_a_official):
    day = datetime.date(2024, 3, 1)
    first, second = (
        reports.upload(
            state_a, document=SimpleUploadedFile("r.pdf", content), report_date=day, acting_user=state_a_official
        )
        for content in (PDF, PDF + b"v2")
    )
    assert first.document.name != second.document.name
    keys = {item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {first.document.name, second.document.name}


def test_a_report_missing_from_the_bucket_is_404(bucket, state_a, state_a_official):
    report = reports.upload(
        state_a,
        document=SimpleUploadedFile("r.pdf", PDF),
        report_date=datetime.date(2024, 3, 1),
        acting_user=state_a_official,
    )
    bucket.delete_object(Bucket=BUCKET, Key=report.document.name)
    assert logged_in(state_a_official).get(reverse("matrices:download_report", args=[report.pk])).status_code == 404


def test_the_settings_choose_the_bucket_only_when_one_is_named(monkeypatch):
    """PORTAL_S3_BUCKET and its companions make S3Storage the default storage; without it, the local disk."""
    for name in [name for name in os.environ if name.startswith("PORTAL_S3_")]:
        monkeypatch.delenv(name)
    settings_file = str(ROOT / "portal" / "settings.py")
    assert runpy.run_path(settings_file)["STORAGES"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }
    for name, value in {
        "PORTAL_S3_BUCKET": "documents",
        "PORTAL_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "PORTAL_S3_ACCESS_KEY_ID": "key",
        "PORTAL_S3_SECRET_ACCESS_KEY": "secret",
        "PORTAL_S3_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    storage = runpy.run_path(settings_file)["STORAGES"]["default"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    expected = {
        "bucket_name": "documents",
        "endpoint_url": "http://127.0.0.1:9000",
        "access_key": "key",
        "secret_key": "secret",
        "region_name": "eu-west-1",
        "default_acl": "private",
        "file_overwrite": False,
    }
    assert {name: storage["OPTIONS"].get(name) for name in expected} == expected
