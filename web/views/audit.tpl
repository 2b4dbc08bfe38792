% rebase('base.tpl')
<h1>{{t("Log Audit", "Audit log")}}</h1>
<p class="hint">{{t("Setiap perubahan dicatat: siapa, kapan, apa. Catatan ini tidak bisa diubah diam-diam: tombol Periksa di bawah menunjukkan bila ada catatan yang diubah, dihapus atau disisipkan di luar Siaran.", "Every change is recorded: who, when, what. The record cannot be changed quietly: the Verify button below shows whether any entry was edited, deleted or inserted outside Siaran.")}}
% if limited:
{{t("Catatan login dan akun pengguna hanya terlihat oleh admin.", "Login and user-account entries are visible to admins only.")}}
% end
</p>

<form method="get" action="/audit/verify" class="row">
  <button class="primary">{{t("Periksa keutuhan rantai", "Verify the chain")}}</button>
</form>
% if verify:
% if verify['ok']:
<div class="card verify ok" id="verify-result" data-intact="1"><strong>{{t("UTUH", "INTACT")}}</strong>: {{t("seluruh", "all")}} {{fmt.num(verify['rows'])}} {{t("catatan terkait dengan benar; tidak ada yang diubah, dihapus atau disisipkan.", "rows chain correctly; none was edited, deleted or inserted.")}}</div>
% else:
<div class="card verify broken" id="verify-result" data-intact="0" data-broken="{{verify['broken']}}"><strong>{{t("RUSAK", "BROKEN")}}</strong>: {{t("rantai putus pada catatan", "the chain breaks at row")}} #{{verify['broken']}}
  % if verify.get('row'):
  ({{fmt.time(verify['row']['at'], seconds=True)}}, {{fmt.actor(verify['row']['actor'])}}, {{verify['row']['action']}})
  % end
  . {{t("Catatan itu (atau yang tepat sebelumnya) telah diubah, dihapus atau disisipkan di luar Siaran. Simpan salinan berkas data dan laporkan ke admin.", "That row (or the one just before it) was edited, deleted or inserted outside Siaran. Keep a copy of the data file and tell an admin.")}}</div>
% end
% end

<form method="get" action="/audit" class="row card filters" role="search">
  <label>{{t("Oleh siapa", "Who")}} <input name="actor" value="{{actor}}" placeholder="{{t('nama pengguna, mis. staf', 'a username, e.g. staf')}}"></label>
  <label>{{t("Tindakan", "Action")}}
    <select name="action">
      <option value="">{{t("Semua", "All")}}</option>
      % for a, label in actions:
      <option value="{{a}}"{{!' selected' if a == action else ''}}>{{label}}</option>
      % end
    </select>
  </label>
  <button>{{t("Tampilkan", "Show")}}</button>
  % if actor or action:
  <a href="/audit">{{t("Hapus saringan", "Clear filters")}}</a>
  % end
</form>

% if not rows:
<p class="muted">{{t("Tidak ada catatan yang sesuai.", "No entry matches.")}}</p>
% else:
<p class="muted">{{t("Catatan", "Entries")}} {{fmt.num(pager['total'])}} · {{t("halaman", "page")}} {{pager['page']}}/{{pager['pages']}}</p>
<ol class="audit" reversed>
  % for r in rows:
  <li data-audit="{{r['id']}}"{{!' class="broken"' if verify and verify.get('broken') == r['id'] else ''}}>
    <span class="muted">{{fmt.time(r['at'])}}</span> · <span class="sentence">{{r['sentence']}}</span>
    <details><summary>{{t("Rincian", "Details")}}</summary>
      <dl class="detail"><dt>{{t("Catatan", "Entry")}}</dt><dd class="num">#{{r['id']}}</dd>
        <dt>{{t("Waktu", "Time")}}</dt><dd>{{fmt.time(r['at'], seconds=True)}}</dd>
        <dt>{{t("Oleh", "By")}}</dt><dd>{{r['who']}} <span class="muted">({{r['actor']}})</span></dd>
        <dt>{{t("Kode tindakan", "Action code")}}</dt><dd><code>{{r['action']}}</code></dd>
        <dt>{{t("Data", "Data")}}</dt><dd class="detail">{{r['text']}}</dd></dl>
    </details>
  </li>
  % end
</ol>
<nav class="pager">
  % if pager['prev']:
  <a href="{{pager['prev']}}">« {{t("Lebih baru", "Newer")}}</a>
  % end
  % if pager['next']:
  <a href="{{pager['next']}}">{{t("Lebih lama", "Older")}} »</a>
  % end
</nav>
% end
