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

% # w is None for an upload previewed by an older Siaran: nothing is known about its wilayah
% w = sh.get('wilayah')
% if w is not None and not w.get('column'):
<section class="card" id="import-wilayah" data-desa="{{w.get('desa') or ''}}" data-source="{{w.get('source') or ''}}">
  <h2>{{t("Desa/Kelurahan daftar ini", "This list's village (desa/kelurahan)")}}</h2>
  % if w.get('desa'):
  <p>{{t("Semua kontak di file ini dicatat sebagai warga", "Every contact in this file is recorded as living in")}} <strong data-wilayah="desa">{{w['desa']}}</strong>
  % if w.get('kecamatan'):
  , {{t("Kecamatan", "District")}} <strong data-wilayah="kecamatan">{{w['kecamatan']}}</strong>
  % end
  .
  % if w.get('source') == 'title':
  <span class="muted">{{t("Diambil dari judul file", "Taken from the file's title")}}: “{{w.get('found_in')}}”.</span>
  % elif w.get('source') == 'file_name':
  <span class="muted">{{t("Diambil dari nama file", "Taken from the file name")}}: “{{w.get('found_in')}}”.</span>
  % elif w.get('source') == 'given':
  <span class="muted">{{t("Diisi oleh Anda.", "Typed by you.")}}</span>
  % end
  </p>
  <p class="hint">{{t("Kalau salah, ketik yang benar di bawah lalu klik Pakai. Ketik - bila daftar ini bukan untuk satu desa/kelurahan.", "If this is wrong, type the right one below and click Use. Type - if this list is not for one village.")}}</p>
  % elif w.get('source') == 'cleared':
  <p id="import-wilayah-cleared">{{t("Anda memilih: daftar ini tidak untuk satu desa/kelurahan. Kontaknya disimpan tanpa desa/kelurahan.", "You chose: this list is not for one village. Its contacts are saved without one.")}}</p>
  % else:
  <p class="error" id="import-no-wilayah">{{t("Daftar ini tidak menyebut desa/kelurahan: tidak ada kolom Desa/Kelurahan, dan judul maupun nama file tidak menyebutnya.", "This list names no village: there is no Desa/Kelurahan column, and neither its title nor its file name names one.")}}
  {{t("Tanpa desa/kelurahan, audiens “RW 01” akan menjangkau RW 01 di semua kelurahan.", "Without it, an audience “RW 01” reaches RW 01 of every kelurahan.")}}</p>
  <p class="hint">{{t("Ketik desa/kelurahan daftar ini di bawah, lalu klik Pakai.", "Type this list's village below, then click Use.")}}</p>
  % end
  % if w.get('headings'):
  <p class="muted">{{t("Judul bagian di dalam tabel (berlaku untuk baris di bawahnya)", "Section headings inside the table (apply to the rows below them)")}}: {{", ".join(w['headings'])}}</p>
  % end
  % if w.get('without'):
  <p class="error" data-wilayah="without">{{fmt.num(w['without'])}} {{t("kontak tanpa desa/kelurahan.", "contacts without a village.")}}</p>
  % end
  <form method="post" action="/import/wilayah" class="row" id="import-wilayah-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="token" value="{{token}}">
    <label>{{t("Desa/Kelurahan", "Village (desa/kelurahan)")}} <input name="desa" maxlength="100" value="{{w.get('desa') or ''}}" placeholder="{{t('mis. Sukamaju', 'e.g. Sukamaju')}}"></label>
    <label>{{t("Kecamatan (boleh kosong)", "District (kecamatan, optional)")}} <input name="kecamatan" maxlength="100" value="{{w.get('kecamatan') or ''}}"></label>
    <button>{{t("Pakai untuk seluruh file", "Use for the whole file")}}</button>
  </form>
</section>
% elif w is not None and w.get('without'):
<section class="card" id="import-wilayah">
  <p class="error" data-wilayah="without">{{fmt.num(w['without'])}} {{t("kontak tanpa desa/kelurahan: sel Desa/Kelurahan-nya kosong.", "contacts without a village: their Desa/Kelurahan cell is empty.")}}</p>
</section>
% end

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
