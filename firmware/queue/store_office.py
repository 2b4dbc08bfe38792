"""The store's verbs for what the office keeps in the file: its own templates and its settings.

:class:`OfficeRows` is a mixin of :class:`firmware.queue.store.Store` (it uses the store's ``conn``,
``tx``, ``clock`` and ``_audit``).  Settings are JSON values in ``settings`` with who changed them
(:mod:`firmware.office.settings` gives them meaning); templates are the office's own (shipped ones are
installed by :mod:`firmware.campaigns.templates_builtin` and never changed here).
"""

from __future__ import annotations

import json

from firmware.errors import StoreError


class OfficeRows:
    """Verbs for ``templates`` and ``settings`` (mixed into the Store)."""

    # -- templates (the office's own; shipped ones are installed by templates_builtin) ----

    def save_template(self, name: str, text: str, *, category: str | None = None, by: str,
                      template_id: int | None = None) -> int:
        """Add a template (or change the office's own ``template_id``); return its id. Audited.

        A shipped template (``builtin = 1``) is never changed here: a new release would overwrite it."""
        now = self.clock()
        with self.tx() as c:
            clash = c.execute("SELECT id FROM templates WHERE name = ? AND id IS NOT ?", (name, template_id)).fetchone()
            if clash is not None:
                raise StoreError(f"a template named {name!r} exists", f"Template bernama {name!r} sudah ada.")
            if template_id is None:
                template_id = c.execute(
                    "INSERT INTO templates (name, category, text, builtin, created_at) VALUES (?,?,?,0,?)",
                    (name, category, text, now)).lastrowid
                self._audit(c, by, "template_add", {"template": template_id, "name": name}, now)
                return template_id
            row = c.execute("SELECT builtin FROM templates WHERE id = ?", (template_id,)).fetchone()
            if row is None:
                raise StoreError(f"no template {template_id}", f"Tidak ada template {template_id}.")
            if row["builtin"]:
                raise StoreError("a shipped template cannot be changed; save a copy under another name",
                                 "Template bawaan tidak dapat diubah; simpan salinan dengan nama lain.")
            c.execute("UPDATE templates SET name = ?, category = ?, text = ? WHERE id = ?",
                      (name, category, text, template_id))
            self._audit(c, by, "template_edit", {"template": template_id, "name": name}, now)
            return template_id

    def delete_template(self, template_id: int, *, by: str) -> str:
        """Delete the office's own template ``template_id``; return its name. Audited.

        Refused for a shipped template and for one a campaign was made from (the link is kept)."""
        now = self.clock()
        with self.tx() as c:
            row = c.execute("SELECT name, builtin FROM templates WHERE id = ?", (template_id,)).fetchone()
            if row is None:
                raise StoreError(f"no template {template_id}", f"Tidak ada template {template_id}.")
            if row["builtin"]:
                raise StoreError("a shipped template cannot be deleted", "Template bawaan tidak dapat dihapus.")
            used = c.execute("SELECT COUNT(*) FROM campaigns WHERE template_id = ?", (template_id,)).fetchone()[0]
            if used:
                raise StoreError(f"template used by {used} campaign(s)",
                                 f"Template dipakai oleh {used} kampanye; tidak dapat dihapus.")
            c.execute("DELETE FROM templates WHERE id = ?", (template_id,))
            self._audit(c, by, "template_delete", {"template": template_id, "name": row["name"]}, now)
            return row["name"]

    # -- settings ------------------------------------------------------------

    def get_setting(self, key: str, default=None):
        """The JSON value of ``settings[key]``, or ``default`` when unset or unreadable."""
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        if row is None:
            return default
        try:
            return json.loads(row[0])
        except ValueError:
            return default

    def setting_age(self, key: str) -> float | None:
        """Seconds since ``settings[key]`` was written (None when unset)."""
        row = self.conn.execute("SELECT updated_at FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else self.clock() - row[0]

    def set_setting(self, key: str, value, *, by: str, audit: bool = False) -> None:
        """Write ``settings[key]`` as JSON (audited when a person changed it)."""
        now = self.clock()
        with self.tx() as c:
            c.execute("INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?,?,?,?)"
                      " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,"
                      " updated_by = excluded.updated_by", (key, json.dumps(value, ensure_ascii=False), now, by))
            if audit:
                self._audit(c, by, "setting", {"key": key, "value": value}, now)

    def settings(self) -> dict[str, dict]:
        """Every setting with who changed it last."""
        return {r["key"]: {"value": json.loads(r["value"]), "updated_by": r["updated_by"], "updated_at": r["updated_at"]}
                for r in self.conn.execute("SELECT key, value, updated_at, updated_by FROM settings ORDER BY key")}
