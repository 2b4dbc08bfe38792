"""Accounts (scrypt, roles, no default password) and office settings, through the CLI."""

from __future__ import annotations

import json

import pytest

from firmware.cli import main
from firmware.store import Store
from firmware.users import hash_password, verify_password


def run(capsys, *args) -> tuple[int, dict]:
    code = main(list(args))
    return code, json.loads(capsys.readouterr().out)


def test_password_hash_round_trip():
    stored = hash_password("rahasia-sekali-123")
    assert stored.startswith("scrypt$") and "rahasia" not in stored
    assert verify_password("rahasia-sekali-123", stored)
    assert not verify_password("rahasia-sekali-124", stored)
    assert not verify_password("x", "not-a-hash")
    assert hash_password("same-password-1") != hash_password("same-password-1")  # salted


def test_user_add_list_disable(tmp_path, capsys):
    s = ("--state-dir", str(tmp_path))
    code, out = run(capsys, "user", "add", "budi", "--role", "approver", *s)
    assert code == 0 and len(out["password"]) >= 20
    code, out = run(capsys, "user", "add", "budi", "--role", "approver", *s)
    assert code == 2 and "sudah ada" in out["pesan"]
    code, out = run(capsys, "user", "add", "Robert'); DROP TABLE users;--", "--role", "admin", *s)
    assert code == 2
    code, out = run(capsys, "user", "list", *s)
    assert [u["username"] for u in out["users"]] == ["budi"]
    assert "password_hash" not in out["users"][0]
    code, out = run(capsys, "user", "disable", "budi", *s)
    assert code == 0 and out["disabled"] is True
    with Store(tmp_path / "siaran.db") as store:
        actions = [r[0] for r in store.conn.execute("SELECT action FROM audit_log")]
        assert actions == ["user_add", "user_disable"] and store.verify_audit() is None


def test_settings(tmp_path, capsys):
    s = ("--state-dir", str(tmp_path))
    assert run(capsys, "setting", "set", "approval_threshold", "10", *s) == (0, {"approval_threshold": 10})
    assert run(capsys, "setting", "set", "cost_per_segment", "-5", *s)[0] == 2
    code, out = run(capsys, "setting", "list", *s)
    assert out["approval_threshold"]["value"] == 10 and out["approval_threshold"]["updated_by"].startswith("cli:")
    with pytest.raises(SystemExit):
        main(["setting", "set", "unknown_key", "1", *s])


def test_unusable_state_folder_is_a_clear_error(capsys):
    code, out = run(capsys, "status", "--state-dir", "/proc/siaran-cannot-exist")
    assert code == 1 and "Folder data" in out["pesan"]
