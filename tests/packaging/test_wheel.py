"""The package as a user installs it: a wheel (not the checkout, not an editable install).

The wheel is built from a copy of the sources with pip (``pip wheel``, which fetches the
build backend from the package index as ``pip install .`` does) and installed without its
dependencies into a fresh virtual environment outside the checkout; that environment sees
this one's dependencies through a path file, but not its ``nianbao``. From a directory
outside the checkout, the installed ``nianbao`` then parses a seed, creates the archive's
tables on SQLite and on PostgreSQL (its migrations are inside the wheel), and runs the demo
(the sample portal and the sources file are inside the wheel too).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import DATA

ROOT = Path(__file__).resolve().parents[2]
# What the wheel is built from: the project file, the README it names, the three packages.
SOURCES = ("pyproject.toml", "README.md", "crawler", "archive", "parsers")
NETWORK_TROUBLE = ("Could not find a version", "No matching distribution", "Connection", "Temporary failure",
                   "Max retries", "Network is unreachable")

pytestmark = pytest.mark.wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """A fresh venv outside the checkout with the wheel installed: its ``nianbao`` and env."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, src / name)
    dist = work / "dist"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
                           capture_output=True, text=True, timeout=240, cwd=work)
    if built.returncode and any(s in built.stdout + built.stderr for s in NETWORK_TROUBLE):
        pytest.skip(f"the build backend could not be fetched from the package index: {built.stderr[-300:]}")
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next(dist.glob("nianbao-*.whl"))

    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    # This environment's dependencies, appended after the new site-packages: a path line, so
    # the path files in there (this checkout's editable nianbao) are not run.
    ours = [p for p in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()}
            if Path(p).is_dir()]
    (purelib / "zz_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, capture_output=True, text=True, timeout=240)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NIANBAO_DB", "VIRTUAL_ENV")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    home = work / "home"  # outside the checkout: the cwd of every command
    home.mkdir()
    env["HOME"] = str(home)
    return {"nianbao": str(env_dir / "bin" / "nianbao"), "python": str(python), "env": env, "cwd": home,
            "wheel": wheel, "purelib": purelib}


def _run(installed: dict, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([installed["nianbao"], *args], capture_output=True, text=True, timeout=timeout,
                          cwd=installed["cwd"], env=installed["env"])


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    found = subprocess.run([installed["python"], "-c", "import archive, crawler, parsers; "
                            "print(archive.__file__); print(crawler.__file__); print(parsers.__file__)"],
                           capture_output=True, text=True, check=True, cwd=installed["cwd"], env=installed["env"])
    for path in found.stdout.split():
        assert Path(path).is_relative_to(installed["purelib"]), path


def test_the_wheel_carries_the_migrations_and_the_data(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    migrations = {f"archive/migrations/versions/{p.name}" for p in (ROOT / "archive/migrations/versions").glob("*.py")}
    assert migrations and migrations <= names
    assert {"archive/migrations/env.py", "archive/migrations/script.py.mako", "crawler/sources.toml",
            "archive/web/templates/base.html", "archive/web/static/style.css",
            "crawler/sample_portal/site/index.html"} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_parse_a_seed(installed):
    truth = json.loads(next((DATA / "truth").glob("*.json")).read_text(encoding="utf-8"))
    done = _run(installed, "parse", str(DATA / "seeds" / truth["source"]), "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert (record["agency"], record["year"], record["template"]) == (truth["agency"], truth["year"], truth["template"])
    assert record["facts"] == pytest.approx(truth["facts"])


def test_db_upgrade_on_sqlite(installed, tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    done = _run(installed, "db", "upgrade", "--db", url)
    assert done.returncode == 0, done.stderr
    assert "is up to date" in done.stdout
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        head = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    assert {"agencies", "reports", "versions", "events", "alembic_version"} <= tables
    assert head == _head()


@pytest.mark.postgres
def test_db_upgrade_on_postgresql(installed, pg_url):
    done = _run(installed, "db", "upgrade", "--db", pg_url)
    assert done.returncode == 0, done.stderr
    import sqlalchemy as sa

    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        head = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        tables = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert head == _head() and {"agencies", "reports", "versions", "events"} <= tables


def test_demo(installed, tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    done = _run(installed, "demo", "--db", url, timeout=240)
    assert done.returncode == 0, done.stderr
    found = re.search(r"reports in the archive \((\d+)\)", done.stdout)
    assert found and int(found.group(1)) >= 3, done.stdout
    listed = _run(installed, "reports", "--db", url, "--json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == int(found.group(1))


def _head() -> str:
    """The newest revision of the checkout's migrations (the wheel must carry the same)."""
    from alembic.script import ScriptDirectory

    from archive import db

    return ScriptDirectory.from_config(db.alembic_config("sqlite://")).get_current_head()
