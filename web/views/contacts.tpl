% rebase('base.tpl')
<h1>{{t("Kontak", "Contacts")}}</h1>
% if user.can("operator"):
<p class="row"><a class="button primary" href="/import">{{t("Impor daftar kontak (CSV/Excel)", "Import a contact list (CSV/Excel)")}}</a> <a class="button" href="/audiences">{{t("Audiens", "Audiences")}}</a></p>
% end
<section class="grid totals" id="contact-totals">
  <div class="card"><div class="muted">{{t("Semua kontak", "All contacts")}}</div><div class="big" data-total="all">{{fmt.num(totals['all'])}}</div></div>
  <div class="card"><div class="muted">{{t("Berhenti langganan", "Opted out")}}</div><div class="big" data-total="optout">{{fmt.num(totals['optout'])}}</div></div>
  <div class="card"><div class="muted">{{t("Nomor mati", "Dead numbers")}}</div><div class="big" data-total="dead">{{fmt.num(totals['dead'])}}</div></div>
  % if filtered:
  <div class="card"><div class="muted">{{t("Sesuai saringan", "Matching the filter")}}</div><div class="big" data-total="matched">{{fmt.num(matched)}}</div></div>
  % end
</section>

<form method="get" action="/contacts" class="row card filters" role="search">
  <label>{{t("Cari nama atau nomor", "Search name or number")}} <input type="search" name="q" value="{{f['q']}}" placeholder="{{t('mis. Siti atau 0812', 'e.g. Siti or 0812')}}"></label>
  <label>{{t("Desa/Kelurahan", "Village")}} <input name="desa" list="choices-desa" value="{{f['desa']}}"></label>
  <label>{{t("Dusun", "Hamlet")}} <input name="dusun" list="choices-dusun" value="{{f['dusun']}}"></label>
  <label>RW <input name="rw" value="{{f['rw']}}" size="6" placeholder="1-3,5"></label>
  <label>RT <input name="rt" value="{{f['rt']}}" size="6" placeholder="01"></label>
  <label>{{t("Jabatan", "Role")}} <input name="role" list="choices-role" value="{{f['role']}}"></label>
  <label>{{t("Tag", "Tag")}} <input name="tag" list="choices-tag" value="{{f['tag']}}"></label>
  <label>{{t("Status", "Status")}}
    <select name="status">
      % for key, label in (("", t("Semua", "All")), ("reachable", t("Bisa dikirimi", "Reachable")), ("optout", t("Berhenti langganan", "Opted out")), ("dead", t("Nomor mati", "Dead number"))):
      <option value="{{key}}"{{!' selected' if f['status'] == key else ''}}>{{label}}</option>
      % end
    </select>
  </label>
  <button class="primary">{{t("Tampilkan", "Show")}}</button>
  % if filtered:
  <a href="/contacts">{{t("Hapus saringan", "Clear filters")}}</a>
  % end
</form>
% include('contacts_datalists.tpl')

% if error:
<p class="error" role="alert">{{error}}</p>
% end

% if not rows:
  % if totals['all'] == 0:
<div class="card">{{t("Belum ada kontak.", "No contacts yet.")}}
    % if user.can("operator"):
 <a href="/import">{{t("Impor daftar kontak dari file CSV atau Excel.", "Import a contact list from a CSV or Excel file.")}}</a>
    % end
</div>
  % else:
<p class="muted">{{t("Tidak ada kontak yang sesuai saringan.", "No contact matches the filter.")}}</p>
  % end
% else:
<p class="muted">{{t("Halaman", "Page")}} {{pg}} / {{pages}} · {{fmt.num(matched)}} {{t("kontak", "contacts")}}</p>
<div class="table-wrap">
<table id="contacts">
  <thead><tr><th>{{t("Nama", "Name")}}</th><th>{{t("Nomor HP", "Phone")}}</th><th>{{t("Desa/Kel.", "Village")}}</th><th>{{t("Dusun", "Hamlet")}}</th><th>RW/RT</th><th>{{t("Jabatan", "Role")}}</th><th>{{t("Tag", "Tags")}}</th><th>{{t("Status", "Status")}}</th></tr></thead>
  <tbody>
  % for r in rows:
  <tr data-contact="{{r['id']}}">
    <td><a href="/contacts/{{r['id']}}">{{r['name'] or t("(tanpa nama)", "(no name)")}}</a></td>
    <td class="nowrap">{{r['shown']}}</td>
    <td>{{r['desa'] or "-"}}</td>
    <td>{{r['dusun'] or "-"}}</td>
    <td>{{r['rw'] or "-"}}/{{r['rt'] or "-"}}</td>
    <td>{{r['role'] or "-"}}</td>
    <td>
    % for tg in r['tags']:
      <span class="pill">{{tg}}</span>
    % end
    </td>
    <td>
    % if r['opted_out']:
      <span class="pill cancelled">{{t("berhenti langganan", "opted out")}}</span>
    % end
    % if r['dead']:
      <span class="pill dead">{{t("nomor mati", "dead")}}</span>
    % end
    % if not r['opted_out'] and not r['dead']:
      <span class="pill ready">{{t("aktif", "active")}}</span>
    % end
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
<nav class="pager">
  % if prev_link:
  <a href="{{prev_link}}" rel="prev">← {{t("Sebelumnya", "Previous")}}</a>
  % end
  <span>{{pg}} / {{pages}}</span>
  % if next_link:
  <a href="{{next_link}}" rel="next">{{t("Berikutnya", "Next")}} →</a>
  % end
</nav>
% end
% if not user.can("operator"):
<p class="hint">{{t("Sebagai pemantau Anda melihat nomor tersamar; cari nomor dengan mengetik nomor lengkapnya.", "As a viewer you see masked numbers; to find a number, type it in full.")}}</p>
% end
