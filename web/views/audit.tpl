% rebase('base.tpl')
<h1>{{t("Log Audit", "Audit log")}}</h1>
<p class="hint">{{t("Setiap perubahan dicatat dengan siapa dan kapan. Catatan saling terkait dengan hash (SHA-256): mengubah, menghapus atau menyisipkan satu baris memutus rantainya.", "Every change is recorded with who and when. Rows are chained by hash (SHA-256): editing, deleting or inserting a row breaks the chain.")}}
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
  ({{fmt.time(verify['row']['at'], seconds=True)}}, {{verify['row']['actor']}}, {{verify['row']['action']}})
  % end
  . {{t("Catatan itu (atau yang tepat sebelumnya) telah diubah, dihapus atau disisipkan di luar Siaran. Simpan salinan berkas data dan laporkan ke admin.", "That row (or the one just before it) was edited, deleted or inserted outside Siaran. Keep a copy of the data file and tell an admin.")}}</div>
% end
% end

<form method="get" action="/audit" class="row card filters" role="search">
  <label>{{t("Pelaku", "Actor")}} <input name="actor" value="{{actor}}" placeholder="web:admin, daemon, cli:…"></label>
  <label>{{t("Tindakan", "Action")}}
    <select name="action">
      <option value="">{{t("Semua", "All")}}</option>
      % for a in actions:
      <option value="{{a}}"{{!' selected' if a == action else ''}}>{{a}}</option>
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
<div class="table-wrap">
<table class="audit">
  <thead><tr><th>#</th><th>{{t("Waktu", "Time")}}</th><th>{{t("Pelaku", "Actor")}}</th><th>{{t("Tindakan", "Action")}}</th><th>{{t("Rincian", "Detail")}}</th></tr></thead>
  <tbody>
  % for r in rows:
  <tr data-audit="{{r['id']}}"{{!' class="broken"' if verify and verify.get('broken') == r['id'] else ''}}><td class="num">{{r['id']}}</td><td>{{fmt.time(r['at'], seconds=True)}}</td><td>{{r['actor']}}</td><td>{{r['action']}}</td><td class="detail">{{r['text']}}</td></tr>
  % end
  </tbody>
</table>
</div>
<nav class="pager">
  % if pager['prev']:
  <a href="{{pager['prev']}}">« {{t("Lebih baru", "Newer")}}</a>
  % end
  % if pager['next']:
  <a href="{{pager['next']}}">{{t("Lebih lama", "Older")}} »</a>
  % end
</nav>
% end
