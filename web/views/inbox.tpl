% rebase('base.tpl')
% kind_labels = {"reply": t("Balasan", "Reply"), "optout": t("Berhenti langganan", "Opt-out"), "keyword": t("Kata kunci (otomatis)", "Keyword (automatic)"), "junk": t("Tak terbaca", "Unreadable")}
% operator = user.can("operator")
<h1>{{t("Kotak Masuk", "Inbox")}}</h1>
<p class="hint">{{t("SMS yang dikirim warga ke nomor SIM di kotak Siaran ini. Balasan berisi kata kunci berhenti (mis. STOP, BERHENTI) otomatis memblokir nomor itu dari semua pengiriman berikutnya; kata kunci lain (YA, GANTI, DAFTAR, INFO) dijawab otomatis, lihat", "SMS residents sent to this box's SIM numbers. A reply consisting of a stop keyword (e.g. STOP, BERHENTI) automatically blocks that number from every later send; other keywords (YA, GANTI, DAFTAR, INFO) are answered automatically, see")}} <a href="/warga">{{t("SMS Warga", "Resident SMS")}}</a>.</p>

<form method="get" action="/inbox" class="row card filters" role="search">
  <label>{{t("Jenis", "Kind")}}
    <select name="kind">
      <option value="">{{t("Semua", "All")}}</option>
      % for key in ("reply", "optout", "keyword", "junk"):
      <option value="{{key}}"{{!' selected' if kind == key else ''}}>{{kind_labels[key]}} ({{fmt.num(counts.get(key, 0))}} {{t("baru", "new")}})</option>
      % end
    </select>
  </label>
  <label>{{t("Status", "Status")}}
    <select name="handled">
      <option value="">{{t("Semua", "All")}}</option>
      <option value="0"{{!' selected' if handled == '0' else ''}}>{{t("Belum ditangani", "Not handled")}}</option>
      <option value="1"{{!' selected' if handled == '1' else ''}}>{{t("Sudah ditangani", "Handled")}}</option>
    </select>
  </label>
  <button class="primary">{{t("Tampilkan", "Show")}}</button>
  % if kind or handled:
  <a href="/inbox">{{t("Hapus saringan", "Clear filters")}}</a>
  % end
</form>

% if not rows:
<p class="muted" id="inbox-empty">{{t("Tidak ada pesan masuk yang sesuai.", "No incoming message matches.")}}</p>
% else:
<p class="muted">{{t("Pesan", "Messages")}} {{fmt.num(pager['total'])}} · {{t("halaman", "page")}} {{pager['page']}}/{{pager['pages']}}</p>
% if operator:
<form method="post" action="/inbox/handled" id="inbox-bulk">
<input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="next" value="{{here}}">
</form>
% end
<div class="table-wrap">
<table class="inbox">
  <thead><tr>
    % if operator:
    <th><span class="sr-only">{{t("Pilih", "Select")}}</span></th>
    % end
    <th>{{t("Diterima", "Received")}}</th><th>{{t("Pengirim", "Sender")}}</th><th>{{t("Pesan", "Message")}}</th><th>{{t("Jenis", "Kind")}}</th><th>{{t("Status", "Status")}}</th>
  </tr></thead>
  <tbody>
  % for r in rows:
  <tr data-inbox="{{r['id']}}" class="{{'handled' if r['handled'] else 'new'}}">
    % if operator:
    <td>{{!'<input type="checkbox" name="id" value="%d" form="inbox-bulk" aria-label="pilih">' % r['id'] if not r['handled'] else ''}}</td>
    % end
    <td>{{fmt.time(r['received_at'])}}<br><span class="muted">{{r['modem'] or ''}}</span></td>
    <td>
      % if not r['number']:
      -
      % elif operator:
      {{fmt.national(r['number'])}}
      % else:
      {{fmt.masked(fmt.national(r['number']))}}
      % end
      % if r['contact_name']:
      <br>{{!'<a href="/contacts/%d">' % r['contact_id']}}{{r['contact_name']}}</a>
      % elif r['number']:
      <br><span class="muted">{{t("bukan kontak", "not a contact")}}</span>
      % end
    </td>
    <td class="msg">{{r['text']}}</td>
    <td><span class="pill {{'failed' if r['kind'] == 'optout' else ('unknown' if r['kind'] == 'junk' else '')}}">{{kind_labels.get(r['kind'], r['kind'])}}</span>
      % if r['optout_at']:
      <div class="muted optout-note">{{t("Nomor ini berhenti langganan sejak", "This number opted out on")}} {{fmt.time(r['optout_at'])}}: {{t("tidak akan dikirimi lagi.", "it is no longer sent anything.")}}</div>
      % end
    </td>
    <td>
      % if r['handled']:
      <span class="pill done">{{t("sudah ditangani", "handled")}}</span>
      % if r['handled_by']:
      <div class="muted handled-by">{{t("oleh", "by")}} {{fmt.actor(r['handled_by'])}}, {{fmt.time(r['handled_at'])}}</div>
      % end
      % if r['reply_id']:
      <div class="muted">{{t("dibalas", "replied")}}: <span class="pill {{r['reply_state']}}">{{fmt.state(r['reply_state'])}}</span></div>
      % end
      % if operator:
      <form method="post" action="/inbox/{{r['id']}}/handled" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="next" value="{{here}}"><input type="hidden" name="handled" value="0"><button class="link">{{t("batalkan", "undo")}}</button></form>
      % end
      % else:
      <span class="pill queued">{{t("baru", "new")}}</span>
      % if operator:
      <form method="post" action="/inbox/{{r['id']}}/handled" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="next" value="{{here}}"><input type="hidden" name="handled" value="1"><button>{{t("Tandai ditangani", "Mark handled")}}</button></form>
      % end
      % end
      <div><a href="/inbox/{{r['id']}}" class="reply-link">{{t("Balas", "Reply") if operator else t("Buka", "Open")}}</a></div>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
% if operator:
<p><button form="inbox-bulk" class="button">{{t("Tandai yang dipilih sudah ditangani", "Mark the selected as handled")}}</button></p>
% end
<nav class="pager">
  % if pager['prev']:
  <a href="{{pager['prev']}}">« {{t("Sebelumnya", "Previous")}}</a>
  % end
  % if pager['next']:
  <a href="{{pager['next']}}">{{t("Berikutnya", "Next")}} »</a>
  % end
</nav>
% end
