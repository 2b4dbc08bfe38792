"""Accounts (scrypt, roles, no default password) and office settings, through the CLI."""

from __future__ import annotations

import json

import pytest

from firmware.cli import main
from firmware.queue.store import Store
from firmware.office.users import hash_password, verify_password


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


def test_set_password_role_and_the_last_admin_guard(store):
    from firmware.office import users
    from firmware.office.users import UserError

    users.add_user(store, "admin", "admin", "rahasia-admin-123", actor="cli:root")
    users.add_user(store, "budi", "operator", "rahasia-budi-123", actor="cli:root")
    users.set_password(store, "budi", "baru-sekali-123", actor="web:admin")
    assert users.check_password(store, "budi", "baru-sekali-123")
    assert not users.check_password(store, "budi", "rahasia-budi-123") and not users.check_password(store, "x", "y")
    with pytest.raises(UserError, match="at least 10"):
        users.set_password(store, "budi", "pendek", actor="web:admin")
    with pytest.raises(UserError, match="no user"):
        users.set_password(store, "siapa", "panjang-sekali-1", actor="web:admin")
    # The only active admin can be neither disabled nor demoted ...
    with pytest.raises(UserError, match="last active admin") as exc:
        users.set_disabled(store, "admin", True, actor="web:admin")
    assert "admin aktif terakhir" in exc.value.pesan
    with pytest.raises(UserError, match="last active admin"):
        users.set_role(store, "admin", "approver", actor="web:admin")
    # ... until there is another one; a disabled admin does not count.
    users.set_role(store, "budi", "admin", actor="web:admin")
    users.set_disabled(store, "admin", True, actor="web:budi")
    with pytest.raises(UserError, match="last active admin"):
        users.set_role(store, "budi", "viewer", actor="web:budi")
    users.set_disabled(store, "admin", False, actor="web:budi")
    users.set_role(store, "budi", "viewer", actor="web:admin")
    with pytest.raises(UserError):
        users.set_role(store, "budi", "root", actor="web:admin")
    assert users.get_user(store, "budi")["role"] == "viewer"
    rows = store.conn.execute("SELECT action, detail FROM audit_log").fetchall()
    assert [r[0] for r in rows] == ["user_add", "user_add", "user_password", "user_role", "user_disable",
                                    "user_enable", "user_role"]
    assert all("baru-sekali" not in r[1] for r in rows)
    assert store.verify_audit() is None


def test_setting_check_value_shared_by_cli_and_page():
    from firmware.commands.settings import check_value

    assert check_value("cost_per_segment", 200.0) == (200, "", "")
    assert check_value("cost_per_segment", 2.5)[0] == 2.5
    value, reason, pesan = check_value("approval_threshold", -1)
    assert value is None and "between" in reason and "antara" in pesan
    assert check_value("nope", 1)[0] is None


def test_console_reset_lets_a_locked_out_admin_back_in(tmp_path, capsys, monkeypatch):
    """The only admin forgot the password and tripped the login lock: the console resets it,
    ends the old sessions and lifts the lock; set-role keeps the last-admin guard."""
    import io

    from web import auth

    s = ("--state-dir", str(tmp_path))
    assert run(capsys, "user", "add", "admin", "--role", "admin", *s)[0] == 0
    assert run(capsys, "user", "add", "budi", "--role", "operator", *s)[0] == 0
    with Store(tmp_path / "siaran.db") as store:
        old_session = auth.start_session(store, "admin", "192.0.2.10")
        for _ in range(8):
            auth.check_login(store, "admin", "salah-kata-sandi", "192.0.2.10")
        assert auth.login_wait(store, "admin", "192.0.2.10") > 0
    code, out = run(capsys, "user", "reset-password", "admin", *s)
    assert code == 0 and out["reset"] is True and len(out["password"]) >= 20
    with Store(tmp_path / "siaran.db") as store:
        assert auth.session_user(store, old_session) is None, "the old session must end"
        assert auth.check_login(store, "admin", out["password"], "192.0.2.10").username == "admin"
        assert store.verify_audit() is None
    monkeypatch.setattr("sys.stdin", io.StringIO("dipilih-sendiri-123\n"))
    code, out = run(capsys, "user", "reset-password", "budi", "--password-stdin", *s)
    assert code == 0 and "password" not in out
    code, out = run(capsys, "user", "reset-password", "siapa", *s)
    assert code == 2 and out["pesan"]
    assert run(capsys, "user", "set-role", "budi", "--role", "approver", *s) == (
        0, {"username": "budi", "role": "approver"})
    code, out = run(capsys, "user", "set-role", "admin", "--role", "viewer", *s)
    assert code == 2 and "admin aktif terakhir" in out["pesan"]
    with Store(tmp_path / "siaran.db") as store:
        assert auth.check_login(store, "budi", "dipilih-sendiri-123", "192.0.2.11").username == "budi"
