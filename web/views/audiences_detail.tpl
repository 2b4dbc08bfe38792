% rebase('base.tpl')
<p><a href="/audiences">← {{t("Semua audiens", "All audiences")}}</a></p>
<h1>{{a['name']}}</h1>
% if error:
<p class="error" role="alert">{{error}}</p>
% end
% if aud is not None:
<section class="card" id="audience-definition">
  <p><strong>{{t("Saringan", "Filters")}}:</strong> {{aud.describe()}}</p>
  <div class="table-wrap"><table>
  % labels = {"desa": t("Desa/Kelurahan", "Village"), "dusun": t("Dusun", "Hamlet"), "rw": "RW", "rt": "RT", "role": t("Jabatan", "Role"), "tag": "Tag", "everyone": t("Semua kontak", "All contacts")}
  % for key, values in definition.items():
  <tr><th>{{labels.get(key, key)}}</th><td>{{", ".join(values) if isinstance(values, list) else t("ya", "yes")}}</td></tr>
  % end
  </table></div>
  <p class="muted">{{t("Dibuat oleh", "Created by")}} {{fmt.actor(a['created_by'])}} · {{fmt.time(a['created_at'])}} · {{t("diubah", "changed")}} {{fmt.time(a['updated_at'])}}
  % if used:
  · {{t("dipakai", "used by")}} {{used}} {{t("kampanye", "campaign(s)")}}
  % end
  </p>
</section>
<section class="grid totals" id="audience-counts">
  % for key, label in (("matched", t("Cocok", "Matched")), ("reachable", t("Bisa dikirimi", "Reachable")), ("opted_out", t("Berhenti langganan", "Opted out")), ("dead", t("Nomor mati", "Dead numbers"))):
  <div class="card"><div class="muted">{{label}}</div><div class="big" data-count="{{key}}">{{fmt.num(counts[key])}}</div></div>
  % end
</section>
% if ww:
% include('wilayah_warning.tpl', ww=ww)
% end
<h2>{{t("Penerima pertama", "First recipients")}}</h2>
% if not people:
<p class="muted">{{t("Tidak ada kontak yang dapat dikirimi dalam audiens ini.", "No reachable contact in this audience.")}}</p>
% else:
<div class="table-wrap">
<table id="audience-recipients">
  <thead><tr><th>{{t("Nama", "Name")}}</th><th>{{t("Nomor HP", "Phone")}}</th><th>{{t("Desa/Kel.", "Village")}}</th><th>RW/RT</th><th>{{t("Jabatan", "Role")}}</th></tr></thead>
  <tbody>
  % for p in people:
  <tr><td><a href="/contacts/{{p['id']}}">{{p['name'] or t("(tanpa nama)", "(no name)")}}</a></td><td class="nowrap">{{p['shown']}}</td><td>{{p['desa'] or "-"}}</td><td>{{p['rw'] or "-"}}/{{p['rt'] or "-"}}</td><td>{{p['role'] or "-"}}</td></tr>
  % end
  </tbody>
</table>
</div>
% if counts['reachable'] > len(people):
<p class="muted">{{t("Ditampilkan", "Showing")}} {{len(people)}} {{t("dari", "of")}} {{fmt.num(counts['reachable'])}}.</p>
% end
% end
% end
% if user.can("operator"):
<section class="row">
  <a class="button" href="/audiences?edit={{a['id']}}#builder">{{t("Ubah", "Edit")}}</a>
  <form method="post" action="/audiences/{{a['id']}}/delete" class="inline" data-confirm="{{t('Hapus audiens ini? Kontaknya tidak ikut terhapus.', 'Delete this audience? Its contacts are not deleted.')}}">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <button class="danger">{{t("Hapus audiens", "Delete audience")}}</button>
  </form>
</section>
% end
% if user.can("admin"):
<section class="card" id="audience-unit">
<h2>{{t("Unit", "Unit")}}</h2>
<p class="hint">{{t("Audiens bersama terlihat oleh semua unit. Audiens khusus satu unit hanya terlihat dan dipakai oleh unit itu (dan admin).", "A shared audience is seen by every unit. An audience private to one unit is seen and used only by that unit (and admins).")}}</p>
<form method="post" action="/audiences/{{a['id']}}/unit" class="row">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <select name="unit" aria-label="{{t('Unit', 'Unit')}}">
    <option value="">{{t("Bersama (semua unit)", "Shared (every unit)")}}</option>
    % for un in units:
    <option value="{{un['id']}}"{{!' selected' if un['id'] == a['unit_id'] else ''}}>{{t("Khusus", "Private to")}} {{un['name']}}</option>
    % end
  </select>
  <button>{{t("Simpan", "Save")}}</button>
</form>
</section>
% end
