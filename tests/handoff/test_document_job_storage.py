"""Where generated and uploaded files are kept: the environment picks local media (default) or
S3-compatible object storage (django-storages), as a deploy would set it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

SHOW_STORAGE = """
import json, django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
storage = storages["default"]
options = settings.STORAGES["default"].get("OPTIONS", {})
print(json.dumps({
    "class": f"{type(storage).__module__}.{type(storage).__qualname__}",
    "bucket": getattr(storage, "bucket_name", None),
    "endpoint": getattr(storage, "endpoint_url", None),
    "region": getattr(storage, "region_name", None),
    "location": getattr(storage, "location", None),
    "access_key": getattr(storage, "access_key", None),
    "secret_key": getattr(storage, "secret_key", None),
    "addressing_style": getattr(storage, "addressing_style", None),
    "file_overwrite": getattr(storage, "file_overwrite", None),
    "default_acl": getattr(storage, "default_acl", "unset"),
    "options": sorted(options),
}))
"""


def _run(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "maestro.settings",
        "DJANGO_DEBUG": "1",
        "MAESTRO_VAR_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", SHOW_STORAGE],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _storage(env: dict[str, str], tmp_path: Path) -> dict:
    result = _run(env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_files_are_local_media_by_default(tmp_path):
    shown = _storage({}, tmp_path)
    assert shown["class"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert shown["location"] == str(tmp_path / "media")


def test_the_environment_selects_s3_compatible_object_storage(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t\n")
    shown = _storage(
        {
            "MAESTRO_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "maestro-files",
            "AWS_S3_ENDPOINT_URL": "https://minio.internal:9000",
            "AWS_S3_REGION_NAME": "eu-west-1",
            "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
            "AWS_SECRET_ACCESS_KEY_FILE": str(secret),
            "AWS_LOCATION": "maestro",
            "AWS_S3_ADDRESSING_STYLE": "path",
        },
        tmp_path,
    )
    assert shown["class"] == "storages.backends.s3.S3Storage"
    assert shown["bucket"] == "maestro-files"
    assert shown["endpoint"] == "https://minio.internal:9000"
    assert shown["region"] == "eu-west-1"
    assert shown["location"] == "maestro"
    assert (shown["access_key"], shown["secret_key"]) == ("AKIAEXAMPLE", "s3cr3t")
    assert shown["addressing_style"] == "path"
    # Private objects, and nothing overwritten: a taken name gets a suffix, as on disk.
    assert (shown["default_acl"], shown["file_overwrite"]) == (None, False)


def test_s3_without_credentials_leaves_them_to_boto3s_own_chain(tmp_path):
    shown = _storage({"MAESTRO_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "b"}, tmp_path)
    assert shown["class"] == "storages.backends.s3.S3Storage"
    assert (shown["access_key"], shown["secret_key"], shown["endpoint"]) == (None, None, None)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MAESTRO_STORAGE": "s3"}, "MAESTRO_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME."),
        ({"MAESTRO_STORAGE": "ftp"}, "MAESTRO_STORAGE must be filesystem or s3, got 'ftp'."),
    ],
)
def test_a_storage_setting_that_cannot_work_stops_start_up(tmp_path, env, message):
    result = _run(env, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
