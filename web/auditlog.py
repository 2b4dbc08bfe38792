"""The audit log as sentences a staffer reads: "staf mengimpor 61 kontak baru dari daftar.xlsx."

The audit table keeps a machine record (an action code and a JSON detail);
the page shows each row as one sentence in the reader's language, with the
raw detail behind a "Rincian" (details) toggle.  Actions without a sentence
here still read: "<who>: <action code>".  Every sentence is passed through
``mask_numbers_in`` so a phone number never shows in full.
"""

from __future__ import annotations

from typing import Any

from firmware.people.privacy import mask_numbers_in

#: action -> (Bahasa Indonesia, English); ``{who}`` is the actor as a name (Formats.actor), the other fields come
#: from the row's detail (numbers grouped, roles and states as words) and from :func:`_extra`.
SENTENCES: dict[str, tuple[str, str]] = {
    "login": ("{who} masuk ke Siaran.", "{who} logged in."),
    "login_failed": ("Percobaan masuk gagal dengan nama pengguna “{username}”.",
                     "A failed login with the username “{username}”."),
    "logout": ("{who} keluar.", "{who} logged out."),
    "password_change_failed": ("{who} gagal mengganti kata sandinya (kata sandi lama salah).",
                               "{who} failed to change their password (wrong old password)."),
    "user_add": ("{who} menambah pengguna {username} sebagai {role}.", "{who} added the user {username} as {role}."),
    "user_disable": ("{who} menonaktifkan pengguna {username}.", "{who} disabled the user {username}."),
    "user_enable": ("{who} mengaktifkan lagi pengguna {username}.", "{who} enabled the user {username} again."),
    "user_role": ("{who} mengubah peran {username} dari {from} menjadi {to}.",
                  "{who} changed {username}'s role from {from} to {to}."),
    "user_password": ("{who} mengatur kata sandi baru untuk {username}.", "{who} set a new password for {username}."),
    "user_unlock": ("{who} membuka kunci akun {username} (terkunci setelah {failures} kali salah kata sandi).",
                    "{who} unlocked {username}'s account (locked after {failures} wrong passwords)."),
    "import": ("{who} mengimpor {new} kontak baru dari {file} ({updated} diperbarui, {rejected} baris ditolak).",
               "{who} imported {new} new contacts from {file} ({updated} updated, {rejected} rows rejected)."),
    "import.dry_run": ("{who} memeriksa {file} tanpa menyimpan ({new} kontak baru, {rejected} baris ditolak).",
                       "{who} checked {file} without saving ({new} new contacts, {rejected} rows rejected)."),
    "import.rejected_download": ("{who} mengunduh daftar baris yang ditolak dari impor #{import_id}.",
                                 "{who} downloaded the rejected rows of import #{import_id}."),
    "contact.edit": ("{who} mengubah data kontak #{contact_id}.", "{who} edited contact #{contact_id}."),
    "contact.consent": ("{who} mencatat dasar pengiriman kontak #{contact_id}: {basis}.",
                        "{who} recorded contact #{contact_id}'s basis for messages: {basis}."),
    "contact.optout": ("{who} menghentikan pesan untuk kontak #{contact_id} ({suppressed} pesan antre dibatalkan).",
                       "{who} stopped messages to contact #{contact_id} ({suppressed} queued messages cancelled)."),
    "contact.purge": ("{who} menghapus {deleted} kontak yang tidak dikonfirmasi lebih dari {older_than_days} hari.",
                      "{who} deleted {deleted} contacts unconfirmed for more than {older_than_days} days."),
    "contact.delete": ("{who} menghapus data seorang warga atas permintaannya.",
                       "{who} deleted a resident's data at their request."),
    "contact.export": ("{who} mengekspor data seorang warga atas permintaannya.",
                       "{who} exported a resident's data at their request."),
    "optout": ("Seorang warga membalas {keyword}: nomornya tidak dikirimi pesan lagi ({suppressed} pesan antre "
               "dibatalkan).", "A resident replied {keyword}: their number gets no more messages "
               "({suppressed} queued messages cancelled)."),
    "campaign_create": ("{who} membuat kampanye {campaign} “{name}” untuk {reachable} penerima.",
                        "{who} created campaign {campaign} “{name}” for {reachable} recipients."),
    "campaign_submit": ("{who} mengirim kampanye {campaign}: {queued} pesan masuk antrean.",
                        "{who} sent campaign {campaign}: {queued} messages queued."),
    "campaign_submit.awaiting": ("{who} mengajukan kampanye {campaign} untuk disetujui ({reachable} penerima, "
                                 "lebih dari batas {threshold}).",
                                 "{who} submitted campaign {campaign} for approval ({reachable} recipients, "
                                 "more than the limit of {threshold})."),
    "campaign_approve": ("{who} menyetujui kampanye {campaign}: {queued} pesan masuk antrean.",
                         "{who} approved campaign {campaign}: {queued} messages queued."),
    "campaign_reject": ("{who} menolak kampanye {campaign}: {reason}", "{who} rejected campaign {campaign}: {reason}"),
    "campaign_cancel": ("{who} membatalkan kampanye {campaign} ({messages} pesan tidak jadi dikirim).",
                        "{who} cancelled campaign {campaign} ({messages} messages not sent)."),
    "campaign_paused": ("{who} menjeda kampanye {campaign} ({messages} pesan menunggu).",
                        "{who} paused campaign {campaign} ({messages} messages wait)."),
    "campaign_running": ("{who} melanjutkan kampanye {campaign} ({messages} pesan kembali antre).",
                         "{who} resumed campaign {campaign} ({messages} messages queued again)."),
    "campaign_retry": ("{who} mengirim ulang {messages} pesan kampanye {campaign} yang gagal atau tidak pasti.",
                       "{who} retried {messages} failed or unknown messages of campaign {campaign}."),
    "campaign_report": ("{who} mengunduh laporan kampanye {campaign}.", "{who} downloaded campaign {campaign}'s report."),
    "audience_save": ("{who} menyimpan audiens “{name}”.", "{who} saved the audience “{name}”."),
    "audience_update": ("{who} mengubah audiens “{name}”.", "{who} changed the audience “{name}”."),
    "audience_delete": ("{who} menghapus audiens “{name}”.", "{who} deleted the audience “{name}”."),
    "inbox_handled": ("{who} menandai {changed} pesan masuk sudah ditangani.",
                      "{who} marked {changed} incoming messages as handled."),
    "inbox_unhandled": ("{who} menandai {changed} pesan masuk belum ditangani.",
                        "{who} marked {changed} incoming messages as not handled."),
    "inbox_reply": ("{who} membalas pesan masuk #{inbox}.", "{who} replied to incoming message #{inbox}."),
    "hold_on": ("{who} menahan semua pengiriman. Alasan: {reason}.", "{who} put all sending on hold. Reason: {reason}."),
    "hold_off": ("{who} mencabut penahanan; pengiriman berjalan lagi.", "{who} lifted the hold; sending resumes."),
    "modem_request": ("{who} meminta modem {modem} {kind}.", "{who} asked modem {modem} to {kind}."),
    "modem_dead": ("Modem {modem} tidak menjawab lagi dan dianggap mati.",
                   "Modem {modem} stopped answering and is considered dead."),
    "recover_in_flight": ("Siaran dimulai ulang: {requeued} pesan dikembalikan ke antrean, {unknown} tidak pasti.",
                          "Siaran restarted: {requeued} messages queued again, {unknown} unknown."),
    "test_sms": ("{who} mengirim SMS uji ke {to}.", "{who} sent a test SMS to {to}."),
    "shutdown": ("Kotak Siaran dimatikan dengan tombolnya.", "The Siaran box was shut down with its button."),
    "send": ("{who} mengirim {queued} pesan.", "{who} sent {queued} messages."),
    "api_send": ("{who} mengirim {queued} pesan lewat API.", "{who} sent {queued} messages through the API."),
    "api_token_create": ("{who} membuat token API “{name}”.", "{who} created the API token “{name}”."),
    "api_token_revoke": ("{who} mencabut token API “{name}”.", "{who} revoked the API token “{name}”."),
    "setting": ("{who} mengubah pengaturan {key} menjadi {value}.", "{who} changed the setting {key} to {value}."),
    "template_add": ("{who} menambah template “{name}”.", "{who} added the template “{name}”."),
    "template_edit": ("{who} mengubah template “{name}”.", "{who} changed the template “{name}”."),
    "template_delete": ("{who} menghapus template “{name}”.", "{who} deleted the template “{name}”."),
    "restore": ("{who} memulihkan data dari cadangan {source}.", "{who} restored the data from the backup {source}."),
    # Resident keywords (SMS Warga): the box acts and answers by itself.
    "keyword_reply": ("{who} menjawab SMS {keyword} seorang warga ({outcome}).",
                      "{who} answered a resident's {keyword} SMS ({outcome})."),
    "keyword_reply.new_number": ("{who} mengirim SMS ke nomor baru seorang warga ({outcome}).",
                                 "{who} sent an SMS to a resident's new number ({outcome})."),
    "keyword_reply_held": ("{who} tidak menjawab SMS {keyword} seorang warga ({why}).",
                           "{who} did not answer a resident's {keyword} SMS ({why})."),
    "keyword_ignored": ("{who} mengabaikan SMS {keyword} dari nomor yang sudah berhenti langganan.",
                        "{who} ignored a {keyword} SMS from a number that opted out."),
    "contact.subscribe": ("Seorang warga mendaftar lewat SMS ke {place}: kontak #{contact_id}.",
                          "A resident joined {place} by SMS: contact #{contact_id}."),
    "number_change_request": ("Kontak #{contact_id} minta ganti nomor lewat SMS: {state}.",
                              "Contact #{contact_id} asked by SMS to change number: {state}."),
    "number_change": ("{who}: ganti nomor #{change} {state}.", "{who}: number change #{change} {state}."),
    "number_change_expired": ("{count} permintaan ganti nomor kedaluwarsa (tidak dijawab YA).",
                              "{count} number change request(s) expired (no YA)."),
    "unit_add": ("{who} menambah unit {name}.", "{who} added the unit {name}."),
    "unit_change": ("{who} mengubah unit {name}.", "{who} changed the unit {name}."),
    "user_unit": ("{who} memindahkan {username} ke unit {unit}.", "{who} moved {username} to the unit {unit}."),
    "campaign_over_quota": ("Kampanye darurat {campaign} melebihi kuota bulanan unit {unit_name} ({needed} SMS; kuota "
                            "{quota}, sudah terpakai {used_before}): tetap dikirim.",
                            "Emergency campaign {campaign} goes beyond unit {unit_name}'s monthly quota ({needed} SMS; "
                            "quota {quota}, {used_before} already used): sent all the same."),
    "unit_report": ("{who} mengunduh laporan bulanan unit {month}.", "{who} downloaded the monthly unit report {month}."),
    "contact.private": ("{who} mengubah unit {contacts} kontak ({changed} berubah).",
                        "{who} changed the unit of {contacts} contacts ({changed} changed)."),
    "audience_private": ("{who} mengubah unit audiens “{name}”.", "{who} changed the unit of the audience “{name}”."),
    "smpp_account_add": ("{who} menambah akun operator {name} ({system_id} di {host}:{port}, pengirim {source_addr}).",
                         "{who} added the operator account {name} ({system_id} at {host}:{port}, sender {source_addr})."),
    "smpp_account_edit": ("{who} mengubah akun operator {name}{password_note}.",
                          "{who} changed the operator account {name}{password_note}."),
    "smpp_account_delete": ("{who} menghapus akun operator {name}.", "{who} deleted the operator account {name}."),
}
#: Words for the codes of the resident keyword rows (outcomes, states, reasons).
KEYWORD_WORDS = {
    "consent": ("kesediaan dicatat", "consent recorded"), "unknown_sender": ("nomor belum terdaftar",
                                                                              "number not registered"),
    "change_requested": ("permintaan ganti nomor dicatat", "number change recorded"),
    "change_confirmation": ("minta konfirmasi nomor baru", "asked the new number to confirm"),
    "change_confirmed": ("ganti nomor dikonfirmasi", "number change confirmed"),
    "change_approved": ("ganti nomor disetujui kantor", "number change approved by the office"),
    "change_usage": ("cara menulis GANTI", "how to write GANTI"), "change_same": ("nomor sama", "same number"),
    "change_new_opted_out": ("nomor baru sudah berhenti langganan", "the new number opted out"),
    "change_new_is_contact": ("nomor baru milik kontak lain", "the new number is another contact's"),
    "subscribed": ("terdaftar", "registered"), "subscribed_known": ("sudah terdaftar", "already registered"),
    "subscribe_usage": ("cara menulis DAFTAR", "how to write DAFTAR"),
    "subscribe_unknown_place": ("kelurahan tidak dikenal", "unknown kelurahan"),
    "subscribe_ambiguous": ("kelurahan kurang jelas", "ambiguous kelurahan"), "info": ("info", "info"),
    "rate_limited": ("batas balasan per jam tercapai", "hourly reply limit reached"),
    "opted_out": ("nomor sudah berhenti langganan", "the number opted out"),
    "pending": ("menunggu balasan YA dari nomor baru", "waiting for YA from the new number"),
    "rejected": ("ditolak", "rejected"), "confirmed": ("dikonfirmasi", "confirmed"),
    "approved": ("disetujui", "approved"), "expired": ("kedaluwarsa", "expired"),
}
#: Words for values that are codes in the detail.
KINDS = {"balance": ("memeriksa pulsa", "check the balance")}
BASES = {"public_service": ("layanan publik", "public service"), "consent": ("persetujuan warga", "consent")}


class _Values(dict):
    """Detail values for ``str.format_map``: a field the row does not have reads "?" instead of failing."""

    def __missing__(self, key: str) -> str:
        return "?"


def _shown(value: Any, fmt) -> str:
    if isinstance(value, bool):
        return fmt.t("ya", "yes") if value else fmt.t("tidak", "no")
    if isinstance(value, (int, float)):
        return fmt.num(value)
    if value is None or value == "":
        return "-"
    return str(value)


def _extra(action: str, detail: dict, fmt) -> dict[str, Any]:
    """Fields a sentence needs that the detail holds under another shape (counts, roles, codes)."""
    out: dict[str, Any] = {}
    if "campaign" in detail:
        out["campaign"] = f"#{detail['campaign']}"
    if action.startswith("import"):
        counts = detail.get("counts") or {}
        out.update(new=counts.get("new", 0), updated=counts.get("updated", 0),
                   rejected=counts.get("invalid", 0) + counts.get("duplicate_in_file", 0),
                   file=detail.get("file_name") or fmt.t("sebuah berkas", "a file"))
    for key in ("role", "from", "to"):
        if key in detail and action.startswith("user"):
            out[key] = fmt.role(str(detail[key]))
    if "kind" in detail:
        pair = KINDS.get(detail["kind"])
        out["kind"] = fmt.t(*pair) if pair else detail["kind"]
    if "basis" in detail:
        pair = BASES.get(detail["basis"])
        out["basis"] = fmt.t(*pair) if pair else detail["basis"]
    for key in ("outcome", "why", "state"):
        if key in detail and (action.startswith("keyword") or action.startswith("number_change")):
            pair = KEYWORD_WORDS.get(str(detail[key]))
            out[key] = fmt.t(*pair) if pair else detail[key]
    if action == "contact.subscribe":
        out["place"] = " ".join([str(detail.get("desa") or "?")]
                                + [f"{k.upper()} {detail[k]}" for k in ("rt", "rw") if detail.get(k)])
    if action == "number_change_expired":
        out["count"] = len(detail.get("changes") or [])
    if action == "smpp_account_edit":
        out["password_note"] = fmt.t(", termasuk kata sandinya", ", including its password") \
            if detail.get("password_changed") else ""
    if action.startswith("hold") and not detail.get("reason"):
        out["reason"] = fmt.t("tidak disebut", "none given")
    return out


def sentence_key(action: str, detail: Any) -> str:
    """Which sentence a row gets (a submit that waits for approval reads differently from one that was queued)."""
    if action == "campaign_submit" and isinstance(detail, dict) and detail.get("state") == "awaiting_approval":
        return "campaign_submit.awaiting"
    if action == "keyword_reply" and isinstance(detail, dict) and detail.get("to_sender") is False:
        return "keyword_reply.new_number"
    return action


def sentence(row: dict, fmt) -> str:
    """One audit row (``actor``, ``action``, ``detail``) as a sentence in the reader's language, numbers masked."""
    action = str(row.get("action") or "")
    detail = row.get("detail") if isinstance(row.get("detail"), dict) else {}
    who = fmt.actor(row.get("actor"))
    pair = SENTENCES.get(sentence_key(action, row.get("detail")))
    if pair is None:
        return mask_numbers_in(f"{who}: {action}")
    values = _Values({k: _shown(v, fmt) for k, v in detail.items()})
    values.update({k: _shown(v, fmt) for k, v in _extra(action, detail, fmt).items()})
    values["who"] = who
    text = fmt.t(*pair).format_map(values)
    return mask_numbers_in(text[:1].upper() + text[1:])


def action_label(action: str, fmt) -> str:
    """An action code as words for the filter list: the sentence's verb phrase without the names and numbers."""
    pair = ACTION_LABELS.get(action)
    return fmt.t(*pair) if pair else action


ACTION_LABELS: dict[str, tuple[str, str]] = {
    "login": ("masuk", "log in"), "login_failed": ("gagal masuk", "failed login"), "logout": ("keluar", "log out"),
    "password_change_failed": ("gagal ganti kata sandi", "failed password change"),
    "user_add": ("tambah pengguna", "add user"), "user_disable": ("nonaktifkan pengguna", "disable user"),
    "user_enable": ("aktifkan pengguna", "enable user"), "user_role": ("ubah peran", "change role"),
    "user_password": ("atur kata sandi", "set password"), "user_unlock": ("buka kunci akun", "unlock account"),
    "import": ("impor kontak", "import contacts"), "import.dry_run": ("periksa berkas impor", "check import file"),
    "import.rejected_download": ("unduh baris ditolak", "download rejected rows"),
    "contact.edit": ("ubah kontak", "edit contact"), "contact.consent": ("catat dasar pengiriman", "record basis"),
    "contact.optout": ("hentikan pesan ke kontak", "stop messages to contact"),
    "contact.purge": ("hapus kontak lama", "purge old contacts"), "contact.delete": ("hapus data warga", "delete data"),
    "contact.export": ("ekspor data warga", "export data"), "optout": ("warga berhenti langganan", "resident opted out"),
    "campaign_create": ("buat kampanye", "create campaign"), "campaign_submit": ("kirim/ajukan kampanye", "submit campaign"),
    "campaign_approve": ("setujui kampanye", "approve campaign"), "campaign_reject": ("tolak kampanye", "reject campaign"),
    "campaign_cancel": ("batalkan kampanye", "cancel campaign"), "campaign_paused": ("jeda kampanye", "pause campaign"),
    "campaign_running": ("lanjutkan kampanye", "resume campaign"), "campaign_retry": ("kirim ulang", "retry"),
    "campaign_report": ("unduh laporan", "download report"), "audience_save": ("simpan audiens", "save audience"),
    "audience_update": ("ubah audiens", "change audience"), "audience_delete": ("hapus audiens", "delete audience"),
    "inbox_handled": ("tandai ditangani", "mark handled"), "inbox_unhandled": ("tandai belum ditangani", "mark unhandled"),
    "inbox_reply": ("balas pesan masuk", "reply"), "hold_on": ("tahan pengiriman", "hold on"),
    "hold_off": ("cabut penahanan", "hold off"), "modem_request": ("permintaan ke modem", "modem request"),
    "modem_dead": ("modem mati", "modem dead"), "recover_in_flight": ("mulai ulang", "restart"),
    "test_sms": ("SMS uji", "test SMS"), "shutdown": ("matikan kotak", "shut down"), "send": ("kirim", "send"),
    "api_send": ("kirim lewat API", "send via API"), "api_token_create": ("buat token API", "create API token"),
    "api_token_revoke": ("cabut token API", "revoke API token"), "setting": ("ubah pengaturan", "change setting"),
    "template_add": ("tambah template", "add template"), "template_edit": ("ubah template", "change template"),
    "template_delete": ("hapus template", "delete template"), "restore": ("pulihkan cadangan", "restore backup"),
    "keyword_reply": ("jawab kata kunci SMS", "answer keyword SMS"),
    "keyword_reply_held": ("kata kunci tidak dijawab", "keyword not answered"),
    "keyword_ignored": ("kata kunci diabaikan", "keyword ignored"),
    "contact.subscribe": ("warga daftar lewat SMS", "resident joined by SMS"),
    "number_change_request": ("minta ganti nomor", "number change request"),
    "number_change": ("ganti nomor", "number change"),
    "number_change_expired": ("ganti nomor kedaluwarsa", "number change expired"),
    "unit_add": ("tambah unit", "add unit"), "unit_change": ("ubah unit", "change unit"),
    "user_unit": ("pindah unit", "move to unit"),
    "campaign_over_quota": ("darurat melebihi kuota", "emergency over quota"),
    "unit_report": ("unduh laporan unit", "download unit report"),
    "contact.private": ("ubah unit kontak", "change contacts' unit"),
    "audience_private": ("ubah unit audiens", "change audience's unit"),
    "smpp_account_add": ("tambah akun operator", "add operator account"),
    "smpp_account_edit": ("ubah akun operator", "change operator account"),
    "smpp_account_delete": ("hapus akun operator", "delete operator account"),
}
