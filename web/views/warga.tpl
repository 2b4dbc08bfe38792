% rebase('base.tpl')
% approver = user.can("approver")
% operator = user.can("operator")
% shown = (lambda n: fmt.national(n) if operator else fmt.masked(fmt.national(n)))
% ya, ganti, daftar, info = config.consent_keywords, config.change_keywords, config.subscribe_keywords, config.info_keywords
<h1>{{t("SMS Warga", "Resident SMS")}}</h1>

<section class="card" id="help">
  <h2>{{t("Yang bisa dikirim warga lewat SMS", "What residents can text")}}</h2>
  <p class="hint">{{t("Warga membalas ke nomor SIM kotak ini. Huruf besar/kecil, spasi dan tanda baca tidak berpengaruh (\"ya.\", \" Ya \", \"SETUJU!\" sama saja). Setiap balasan otomatis masuk antrean seperti pesan lain (ikut batas kirim per SIM dan jam kirim), dicatat di log audit, dibuat satu SMS, tidak pernah dikirim ke nomor yang sudah berhenti langganan, dan paling banyak", "Residents reply to this box's SIM number. Case, spaces and punctuation do not matter (\"ya.\", \" Ya \", \"SETUJU!\" are the same). Every automatic reply goes through the queue like any message (per-SIM limits and the send window apply), is recorded in the audit log, fits one SMS, is never sent to a number that opted out, and at most")}} {{config.keyword_replies_per_hour}} {{t("balasan per nomor per jam, agar balas-membalas dengan mesin penjawab lain tidak menghabiskan pulsa.", "replies go to one number per hour, so a loop with another automatic system cannot use up the credit.")}}</p>
  <table class="keywords" id="keyword-help">
    <thead><tr><th>{{t("Warga mengirim", "Resident texts")}}</th><th>{{t("Yang terjadi", "What happens")}}</th></tr></thead>
    <tbody>
      <tr><td><code>{{" / ".join(ya)}}</code></td><td>{{t("Kesediaan menerima informasi dicatat (sumber: SMS, waktu, dan pesan kampanye yang dijawab). Bila nomor itu sedang diminta menjadi nomor baru lewat GANTI, balasan ini mengonfirmasi pergantian. Dari nomor yang tidak terdaftar: tidak ada yang dicatat; dibalas cara mendaftar.", "Consent to receive information is recorded (basis: consent, source: SMS, the time, and the campaign message it answered). If the number is the new number of a pending GANTI, this confirms the change. From an unknown number: nothing is recorded; the reply says how to register.")}}</td></tr>
      <tr><td><code>{{ganti[0]}} 08…</code></td><td>{{t("Kontak yang terdaftar minta pindah ke nomor baru. Nomor baru dikirimi SMS konfirmasi dan harus membalas", "A registered contact asks to move to a new number. The new number gets a confirmation SMS and must answer")}} <code>{{ya[0]}}</code> {{t("dalam", "within")}} {{"%g" % config.number_change_hours}} {{t("jam; baru setelah itu kontak pindah. Riwayat nomor lama tetap. Ditolak bila nomor baru sudah berhenti langganan atau sudah dipakai kontak lain. Kantor dapat menyetujui atau menolak permintaan di bawah.", "hours; only then does the contact move. The old number's history stays. Refused when the new number opted out or belongs to another contact. The office can approve or reject requests below.")}}</td></tr>
      <tr><td><code>{{daftar[0]}} {{t("kelurahan", "kelurahan")}} [RT/RW] [{{t("nama", "name")}}]</code></td><td>{{t("Warga bergabung ke daftar wilayahnya (sudah pasti bersedia), diberi tag", "The resident joins their wilayah's list (with consent), tagged")}} <code>daftar-sms</code>. {{t("Contoh", "Example")}}: <code>{{daftar[0]}} Sukamaju 03/05 Budi</code>. {{t("Nama kelurahan yang tidak dikenal atau ada di beberapa kecamatan dijawab dengan daftar nama yang benar.", "An unknown kelurahan, or one in several kecamatan, is answered with the valid names.")}}</td></tr>
      <tr><td><code>{{" / ".join(info)}}</code></td><td>{{t("Dibalas daftar kata kunci dan kontak kantor", "Answered with the keyword list and the office's contact")}}: “{{info_text}}”</td></tr>
      <tr><td><code>{{" / ".join(config.optout_keywords)}}</code></td><td>{{t("Berhenti langganan: tidak ada SMS lagi ke nomor itu (kecuali konfirmasinya). Kata kunci lain dari nomor itu diabaikan; berlangganan lagi lewat kantor.", "Opt-out: no more SMS to that number (except its confirmation). Other keywords from that number are ignored; re-subscribing goes through the office.")}}</td></tr>
      <tr><td>{{t("Pesan lain", "Anything else")}}</td><td>{{t("Masuk Kotak Masuk untuk dibaca petugas.", "Goes to the Inbox for staff to read.")}}</td></tr>
    </tbody>
  </table>
  % if user.can("admin"):
  <p><a href="/settings#keywords">{{t("Ubah kata kunci dan kontak kantor", "Change the keywords and the office contact")}}</a></p>
  % end
</section>

<section class="card" id="changes">
  <h2>{{t("Permintaan ganti nomor", "Number change requests")}} <span class="badge" id="pending-count">{{counts.get('pending', 0)}}</span></h2>
  % if not pending:
  <p class="muted" id="changes-empty">{{t("Tidak ada permintaan yang menunggu.", "No request is waiting.")}}</p>
  % else:
  <div class="table-wrap">
  <table id="pending-changes">
    <thead><tr><th>{{t("Diminta", "Requested")}}</th><th>{{t("Kontak", "Contact")}}</th><th>{{t("Nomor lama", "Old number")}}</th><th>{{t("Nomor baru", "New number")}}</th><th>{{t("Kedaluwarsa", "Expires")}}</th><th></th></tr></thead>
    <tbody>
    % for r in pending:
    <tr data-change="{{r['id']}}">
      <td>{{fmt.time(r['requested_at'])}}</td>
      <td>{{r['contact_name'] or '-'}}{{' · ' + r['desa'] if r['desa'] else ''}}{{' RT ' + r['rt'] if r['rt'] else ''}}{{' RW ' + r['rw'] if r['rw'] else ''}}</td>
      <td>{{shown(r['old_number'])}}</td>
      <td>{{shown(r['new_number'])}}<br><span class="muted">{{t("menunggu balasan", "waiting for")}} {{ya[0]}}</span></td>
      <td>{{fmt.time(r['expires_at'])}}</td>
      <td>
        % if approver:
        <form method="post" action="/warga/changes/{{r['id']}}/approve" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button class="primary" name="approve">{{t("Setujui", "Approve")}}</button></form>
        <form method="post" action="/warga/changes/{{r['id']}}/reject" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button name="reject">{{t("Tolak", "Reject")}}</button></form>
        % end
      </td>
    </tr>
    % end
    </tbody>
  </table>
  </div>
  <p class="hint">{{t("Setujui hanya bila kantor sudah memastikan nomor baru dengan cara lain (mis. menelepon): kontak langsung pindah tanpa balasan YA, dan nomor baru diberi tahu lewat SMS. Hanya penyetuju dan admin yang dapat memutuskan.", "Approve only when the office checked the new number another way (e.g. by phone): the contact moves without a YA, and the new number is told by SMS. Only approvers and admins decide.")}}</p>
  % end
  % if settled:
  <details>
    <summary>{{t("Riwayat ganti nomor", "Number change history")}}</summary>
    <table id="settled-changes">
      <thead><tr><th>{{t("Diminta", "Requested")}}</th><th>{{t("Kontak", "Contact")}}</th><th>{{t("Nomor lama → baru", "Old → new number")}}</th><th>{{t("Hasil", "Outcome")}}</th><th>{{t("Oleh", "By")}}</th></tr></thead>
      <tbody>
      % states = {"confirmed": t("dikonfirmasi warga", "confirmed by the resident"), "approved": t("disetujui kantor", "approved by the office"), "rejected": t("ditolak", "rejected"), "expired": t("kedaluwarsa", "expired")}
      % reasons = {"new_opted_out": t("nomor baru sudah berhenti langganan", "the new number opted out"), "new_is_contact": t("nomor baru milik kontak lain", "the new number is another contact's"), "office": t("oleh kantor", "by the office"), "superseded": t("diganti permintaan baru", "replaced by a newer request"), "contact_gone": t("kontak sudah dihapus", "the contact was deleted")}
      % for r in settled:
      <tr data-change="{{r['id']}}" data-state="{{r['state']}}">
        <td>{{fmt.time(r['requested_at'])}}</td>
        <td>{{r['contact_name'] or '-'}}</td>
        <td>{{shown(r['old_number'])}} → {{shown(r['new_number'])}}</td>
        <td>{{states.get(r['state'], r['state'])}}{{' (' + reasons.get(r['reason'], r['reason']) + ')' if r['reason'] else ''}}</td>
        <td>{{fmt.actor(r['decided_by'])}} {{fmt.time(r['decided_at']) if r['decided_at'] else ''}}</td>
      </tr>
      % end
      </tbody>
    </table>
  </details>
  % end
</section>

<section class="card" id="consents">
  <h2>{{t("Kesediaan menerima info", "Consents")}}</h2>
  <p class="muted">{{t("Kontak yang bersedia", "Contacts who consented")}}: {{fmt.num(counts.get('basis_consent', 0))}} · {{t("tanpa (layanan publik)", "without (public service)")}}: {{fmt.num(counts.get('basis_public_service', 0))}} · {{t("lewat SMS", "by SMS")}}: {{fmt.num(counts.get('source_sms', 0))}}</p>
  <p class="hint">{{t("Untuk menanyakan kesediaan warga: Tulis Pesan dengan template", "To ask residents for consent: Compose with the template")}} <code>minta-persetujuan</code> (“{{t("Balas YA bila bersedia menerima informasi dari …", "Reply YA if you agree to receive information from …")}}”). {{t("Audiens dengan pilihan “Hanya nomor yang setuju” hanya menjangkau kontak yang sudah bersedia.", "An audience with “Consented numbers only” reaches only contacts who consented.")}}</p>
  % if consents:
  <div class="table-wrap">
  <table id="consent-list">
    <thead><tr><th>{{t("Waktu", "Time")}}</th><th>{{t("Kontak", "Contact")}}</th><th>{{t("Nomor", "Number")}}</th><th>{{t("Sumber", "Source")}}</th><th>{{t("Menjawab kampanye", "Answered campaign")}}</th></tr></thead>
    <tbody>
    % for r in consents:
    <tr>
      <td>{{fmt.time(r['at'])}}</td>
      <td>{{r['contact_name'] or '-'}}{{' · ' + r['desa'] if r['desa'] else ''}}</td>
      <td>{{shown(r['number'])}}</td>
      <td>{{r['source']}}{{' (' + r['keyword'] + ')' if r['keyword'] else ''}}</td>
      % if r['campaign_id']:
      <td><a href="/campaigns/{{r['campaign_id']}}">{{r['campaign_name'] or '#%d' % r['campaign_id']}}</a></td>
      % else:
      <td>-</td>
      % end
    </tr>
    % end
    </tbody>
  </table>
  </div>
  % else:
  <p class="muted" id="consents-empty">{{t("Belum ada kesediaan yang tercatat.", "No consent recorded yet.")}}</p>
  % end
</section>

<section class="card" id="silent">
  <h2>{{t("Belum pernah menjawab", "Never answered")}}</h2>
  % if not campaigns:
  <p class="muted">{{t("Belum ada kampanye yang menanyakan kesediaan warga.", "No consent-request campaign has been sent yet.")}}</p>
  % else:
  <form method="get" action="/warga#silent" class="row">
    <label>{{t("Kampanye", "Campaign")}}
      <select name="campaign">
        % for k in campaigns:
        <option value="{{k['id']}}"{{!' selected' if k['id'] == chosen else ''}}>#{{k['id']}} {{k['name']}}</option>
        % end
      </select>
    </label>
    <button>{{t("Tampilkan", "Show")}}</button>
  </form>
  <p class="muted" id="silent-total">{{fmt.num(silent_total)}} {{t("kontak menerima pesan ini dan belum menjawab apa pun (tidak YA, tidak BERHENTI, tidak ada SMS).", "contact(s) got this message and have not answered anything (no YA, no BERHENTI, no SMS).")}}</p>
  % if silent:
  <div class="table-wrap">
  <table id="silent-list">
    <thead><tr><th>{{t("Nama", "Name")}}</th><th>{{t("Nomor", "Number")}}</th><th>{{t("Wilayah", "Area")}}</th><th>{{t("Jabatan", "Role")}}</th><th>{{t("Terkirim", "Sent")}}</th></tr></thead>
    <tbody>
    % for r in silent:
    <tr><td>{{r['name'] or '-'}}</td><td>{{shown(r['number'])}}</td><td>{{r['desa'] or ''}}{{' RT ' + r['rt'] if r['rt'] else ''}}{{' RW ' + r['rw'] if r['rw'] else ''}}</td><td>{{r['role'] or ''}}</td><td>{{fmt.time(r['sent_at'])}}</td></tr>
    % end
    </tbody>
  </table>
  </div>
  % end
  % end
</section>
