% rebase('base.tpl')
% c = m['counts']
% sh = m.get('sheet') or {}
<p><a href="/import">← {{t("Unggah file lain", "Upload another file")}}</a></p>
<h1>{{t("Periksa sebelum menyimpan", "Check before saving")}}</h1>
<ol class="steps"><li>1. {{t("Unggah file", "Upload file")}}</li><li class="on">2. {{t("Periksa", "Check")}}</li><li>3. {{t("Simpan", "Save")}}</li></ol>
<p><strong>{{m['name']}}</strong>{{(" · tag " + m['tag']) if m.get('tag') else ""}} · {{fmt.num(m['rows'])}} {{t("baris data", "data rows")}} · <span class="muted">{{t("diunggah", "uploaded")}} {{fmt.time(m['at'])}}</span></p>
<p class="hint">{{t("Ini pratinjau: belum ada yang disimpan.", "This is a preview: nothing has been saved yet.")}}</p>

<section class="grid totals" id="import-counts">
  % for key, label, hint in (("new", t("Kontak baru", "New contacts"), ""), ("updated", t("Diperbarui", "Updated"), t("nomor sudah ada, datanya berubah", "known number, data changes")), ("unchanged", t("Tidak berubah", "Unchanged"), ""), ("opted_out", t("Berhenti langganan", "Opted out"), t("diimpor tetapi tidak akan dikirimi SMS", "imported but will not get SMS")), ("duplicate_in_file", t("Ditolak: dobel di file", "Rejected: twice in the file"), t("nomor sudah ada di baris sebelumnya; baris pertama yang dipakai", "the number is on an earlier row; the first row is used")), ("invalid", t("Ditolak: nomor salah", "Rejected: wrong number"), t("nomor salah atau kosong", "wrong or empty number"))):
  <div class="card"><div class="muted">{{label}}</div><div class="big" data-count="{{key}}">{{fmt.num(c.get(key, 0))}}</div>
  % if hint:
  <div class="hint">{{hint}}</div>
  % end
  </div>
  % end
</section>

<section class="card" id="import-sheet">
  <h2>{{t("Cara file dibaca", "How the file was read")}}</h2>
  <p>{{t("Format", "Format")}}: {{(sh.get('format') or '-').upper()}}
  % if sh.get('sheet'):
  · {{t("sheet", "sheet")}} "{{sh['sheet']}}"
  % end
  % if sh.get('encoding'):
  · {{sh['encoding']}}
  % end
  % if sh.get('delimiter'):
  · {{t("pemisah", "separator")}} "{{sh['delimiter']}}"
  % end
  · {{t("judul kolom di baris", "header on row")}} {{sh.get('header_row') or "-"}}</p>
  <div class="table-wrap"><table id="import-columns">
    <thead><tr><th>{{t("Data Siaran", "Siaran field")}}</th><th>{{t("Kolom di file", "Column in the file")}}</th></tr></thead>
    <tbody>
    % for key, label in (sh.get('columns') or {}).items():
    <tr><td>{{t(*labels[key]) if key in labels else key}}</td><td>{{label}}</td></tr>
    % end
    </tbody>
  </table></div>
  % if sh.get('ignored_columns'):
  <p class="muted">{{t("Kolom yang tidak diimpor (tidak diperlukan)", "Columns not imported (not needed)")}}: {{", ".join(sh['ignored_columns'])}}</p>
  % end
  % if len(sh.get('sheets') or []) > 1:
  <form method="post" action="/import/sheet" class="row" id="import-sheet-choice">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="token" value="{{token}}">
    <label>{{t("Baca sheet lain", "Read another sheet")}}
      <select name="sheet">
      % for name in sh['sheets']:
        <option value="{{name}}"{{!' selected' if name == sh.get('sheet') else ''}}>{{name}}</option>
      % end
      </select>
    </label>
    <button>{{t("Baca ulang", "Read again")}}</button>
  </form>
  % end
  % if sh.get('notes'):
  <ul class="warnings">
  % for n in sh['notes']:
    <li>{{n.get('pesan') if lang == 'id' else n.get('note')}}</li>
  % end
  </ul>
  % end
</section>

% if m['rejected_total']:
<section class="card" id="import-rejected">
  <h2>{{t("Baris yang ditolak", "Rejected rows")}} ({{fmt.num(m['rejected_total'])}}: {{fmt.num(c.get('invalid', 0))}} {{t("nomor salah", "wrong number")}}, {{fmt.num(c.get('duplicate_in_file', 0))}} {{t("dobel di file", "twice in the file")}})</h2>
  <p><a class="button" href="/import/{{token}}/rejected" download>{{t("Unduh semua baris yang ditolak (CSV untuk Excel)", "Download all rejected rows (CSV for Excel)")}}</a></p>
  <div class="table-wrap"><table>
    <thead><tr><th class="num">{{t("Baris", "Row")}}</th><th>{{t("Nama", "Name")}}</th><th>{{t("Nomor seperti tertulis", "Number as typed")}}</th><th>{{t("Alasan", "Reason")}}</th></tr></thead>
    <tbody>
    % for p in m['rejected']:
    <tr><td class="num">{{p['row']}}</td><td>{{p['name'] or "-"}}</td><td>{{p['number'] or "-"}}</td><td>{{p['alasan'] if lang == 'id' else p['reason']}}</td></tr>
    % end
    </tbody>
  </table></div>
  % if m['rejected_total'] > len(m['rejected']):
  <p class="muted">{{t("Ditampilkan", "Showing")}} {{len(m['rejected'])}} {{t("dari", "of")}} {{fmt.num(m['rejected_total'])}}; {{t("semuanya ada di file CSV.", "all of them are in the CSV file.")}}</p>
  % end
</section>
% end

% if m['warnings_total']:
<section class="card" id="import-warnings">
  <h2>{{t("Catatan (tetap diimpor)", "Remarks (still imported)")}} ({{fmt.num(m['warnings_total'])}})</h2>
  <ul class="warnings">
  % for p in m['warnings']:
    <li>{{t("Baris", "Row")}} {{p['row']}} ({{p['name'] or "-"}}): {{p['alasan'] if lang == 'id' else p['reason']}}</li>
  % end
  </ul>
</section>
% end

<section class="row">
% if c.get('new', 0) + c.get('updated', 0) + c.get('unchanged', 0) + c.get('opted_out', 0) > 0:
<form method="post" action="/import/commit" class="inline" id="import-commit">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <input type="hidden" name="token" value="{{token}}">
  <button class="primary">3. {{t("Simpan ke daftar kontak", "Save to the contact list")}}</button>
</form>
% else:
<p class="error">{{t("Tidak ada baris yang dapat diimpor dari file ini.", "No row of this file can be imported.")}}</p>
% end
<form method="post" action="/import/cancel" class="inline">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <input type="hidden" name="token" value="{{token}}">
  <button>{{t("Batal", "Cancel")}}</button>
</form>
</section>
