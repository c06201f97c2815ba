"""What a council's IT team installs from deploy/: the systemd unit passes `systemd-analyze
verify`, and the nginx sample passes `nginx -t` (both from Debian's packages, installed by
.ci/run), with the sample's paths pointed at this checkout. And the assistant imports nothing
from the test extras, so the production install (scripts/setup-venv --production) runs it."""

import os
import shutil
import subprocess
import sys

import pytest

from bot.names import ROOT

DEPLOY = ROOT / "deploy"


def tool(name: str) -> str:
    found = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.path.exists(p)), None
    )
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"CI must check deploy/: {name} is missing (scripts/install-deploy-checkers)")
    pytest.skip(f"{name} is not installed (scripts/install-deploy-checkers)")


def test_the_systemd_units_are_valid(tmp_path):
    """The assistant's service, and the monthly report's service and timer."""
    analyze = tool("systemd-analyze")
    settings = tmp_path / "promisebot.env"
    settings.write_text((ROOT / ".env.example").read_text())
    units = sorted(DEPLOY.glob("*.service")) + sorted(DEPLOY.glob("*.timer"))
    assert [u.name for u in units] == ["promisebot-report.service", "promisebot.service", "promisebot-report.timer"]
    for unit in units:
        (tmp_path / unit.name).write_text(
            unit.read_text()
            .replace("/etc/promisebot/promisebot.env", str(settings))
            .replace("/opt/promisebot", str(ROOT))
        )
    checked = subprocess.run(
        [analyze, "verify", *(str(tmp_path / u.name) for u in units)], capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0 and checked.stderr.strip() == "", checked.stderr  # unknown keys only warn


def test_the_nginx_sample_is_valid_and_keeps_the_host_and_the_real_address(tmp_path):
    nginx = tool("nginx")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=test",
            "-keyout",
            str(tmp_path / "key.pem"),
            "-out",
            str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    sample = (DEPLOY / "nginx" / "promisebot.conf").read_text()
    # Behind nginx's default Host ($proxy_host) every web chat message failed the Origin check.
    assert sample.count("proxy_set_header Host $host;") == 3 and "Host $proxy_host" not in sample
    assert sample.count("proxy_set_header X-Forwarded-For $remote_addr;") == 2
    site = tmp_path / "site.conf"
    site.write_text(
        sample.replace("/etc/ssl/promisebot/fullchain.pem", str(tmp_path / "cert.pem")).replace(
            "/etc/ssl/promisebot/privkey.pem", str(tmp_path / "key.pem")
        )
    )
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n client_body_temp_path {tmp_path}/body;\n proxy_temp_path {tmp_path}/proxy;\n"
        f" include {site};\n}}\n"
    )
    checked = subprocess.run(
        [nginx, "-t", "-c", str(main), "-p", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr


@pytest.mark.slow
def test_the_assistant_needs_nothing_from_the_test_extras():
    """Every module of bot/ and actions/ imports with pytest, selenium, hypothesis and aiosmtpd
    made unimportable, as on a server installed without them."""
    script = """
import importlib, pkgutil, sys
for name in ("pytest", "selenium", "hypothesis", "aiosmtpd"):
    sys.modules[name] = None  # import fails, as if not installed
import bot, actions
for package in (bot, actions):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if ".migrations." not in module.name:
            importlib.import_module(module.name)
print("imported")
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0 and "imported" in run.stdout, run.stderr[-2000:]
