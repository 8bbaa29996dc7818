import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _check(**env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "minqing", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = _check(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        MINQING_SECRET_KEY=secrets.token_urlsafe(60),
        MINQING_ALLOWED_HOSTS="minqing.example.gov.cn",
        MINQING_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _check(
        DJANGO_SETTINGS_MODULE="config.settings.prod", MINQING_SECRET_KEY="", MINQING_VAR_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "MINQING_SECRET_KEY" in result.stderr


def test_production_cookies_are_secure_and_sessions_time_out(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        MINQING_SECRET_KEY=secrets.token_urlsafe(60),
        MINQING_VAR_DIR=str(tmp_path),
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.DEBUG, s.SESSION_COOKIE_AGE)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.split() == ["True", "True", "True", "False", "1800"], out.stderr


def test_select_boxes_say_please_choose_in_chinese(client, tree, people):
    client.force_login(people.officer)
    page = client.get("/petitions/new/").content.decode()
    assert "- 请选择 -" in page and "Select an option" not in page
