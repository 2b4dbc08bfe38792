% rebase('base.tpl')
<p><a href="/contacts">← {{t("Kontak", "Contacts")}}</a></p>
<h1>{{t("Impor daftar kontak", "Import a contact list")}}</h1>
<ol class="steps"><li class="on">1. {{t("Unggah file", "Upload file")}}</li><li>2. {{t("Periksa", "Check")}}</li><li>3. {{t("Simpan", "Save")}}</li></ol>
% if error:
<div class="card" role="alert" id="import-error"><p class="error">{{t("File tidak dapat diimpor", "The file cannot be imported")}}: {{error}}</p>
<p class="hint">{{t("Perbaiki file di Excel lalu unggah lagi. Yang bisa dibaca: .xlsx (Excel) dan .csv. File .xls lama: buka di Excel lalu Simpan Sebagai .xlsx.", "Fix the file in Excel and upload it again. Readable: .xlsx (Excel) and .csv. An old .xls file: open it in Excel and Save As .xlsx.")}}</p></div>
% end
<form method="post" action="/import" enctype="multipart/form-data" class="stack card" id="import-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label>{{t("File daftar kontak (Excel .xlsx atau .csv, maksimal 20 MB)", "Contact list file (Excel .xlsx or .csv, at most 20 MB)")}}
    <input type="file" name="file" data-max-bytes="{{max_file_bytes}}" data-too-big="{{t('File ini lebih dari 20 MB: terlalu besar untuk diunggah. Bagi daftarnya menjadi beberapa file.', 'This file is over 20 MB: too big to upload. Split the list into several files.')}}" accept=".xlsx,.xlsm,.csv,.txt,.tsv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv" required></label>
  <label>{{t("Tag untuk semua kontak di file ini (boleh kosong)", "Tag for every contact in this file (optional)")}}
    <input name="tag" list="choices-tag" maxlength="64" value="{{tag}}" placeholder="{{t('mis. ketua-rt-2024', 'e.g. ketua-rt-2024')}}"></label>
  <datalist id="choices-tag">
  % for v in tags:
    <option value="{{v}}"></option>
  % end
  </datalist>
  <div><button class="primary">{{t("Unggah dan periksa", "Upload and check")}}</button></div>
  <p class="hint">{{t("Belum ada yang disimpan pada langkah ini: Anda melihat dulu berapa kontak baru, yang diperbarui dan baris yang ditolak.", "Nothing is saved at this step: you first see how many contacts are new, updated, and which rows are rejected.")}}</p>
</form>
<section class="card">
<h2>{{t("Cara menyiapkan file", "How to prepare the file")}}</h2>
<ul>
  <li>{{t("Satu baris per orang; baris judul kolom seperti: Nama, No. HP, Desa/Kelurahan, Dusun, RW, RT, Jabatan, Keterangan.", "One row per person; a header row such as: Nama, No. HP, Desa/Kelurahan, Dusun, RW, RT, Jabatan, Keterangan.")}}</li>
  <li>{{t("Nomor HP boleh ditulis 0812..., +62 812... atau 62812...; baris judul di atas tabel tidak apa-apa.", "Numbers may be written 0812..., +62 812... or 62812...; title rows above the table are fine.")}}</li>
  <li>{{t("Nomor yang sudah ada diperbarui, bukan digandakan. Sel kosong tidak menghapus data lama.", "Known numbers are updated, not duplicated. An empty cell never erases stored data.")}}</li>
</ul>
</section>
% if recent:
<h2>{{t("Impor terakhir", "Recent imports")}}</h2>
<div class="table-wrap">
<table id="recent-imports">
  <thead><tr><th>{{t("Waktu", "When")}}</th><th>{{t("File", "File")}}</th><th>{{t("Oleh", "By")}}</th><th>{{t("Jenis", "Kind")}}</th><th>{{t("Hasil", "Result")}}</th></tr></thead>
  <tbody>
  % for r in recent:
  % cnt = r['counts']
  <tr>
    <td>{{fmt.time(r['started_at'])}}</td>
    <td>{{r['file_name'] or "-"}}{{(" · tag " + r['tag']) if r['tag'] else ""}}</td>
    <td>{{fmt.actor(r['actor'])}}</td>
    <td>{{t("pratinjau", "preview") if r['dry_run'] else t("disimpan", "saved")}} · {{ {"web": t("lewat halaman ini", "on this page"), "usb": t("dari flashdisk", "from a USB stick"), "cli": t("di kotak Siaran", "on the Siaran box")}.get(r['source'], r['source']) }}</td>
    <td>
    % if 'error' in cnt:
      <span class="error">{{t("tidak terbaca", "unreadable")}}</span>
    % else:
      {{t("baru", "new")}} {{cnt.get('new', 0)}}, {{t("diperbarui", "updated")}} {{cnt.get('updated', 0)}}, {{t("tetap", "unchanged")}} {{cnt.get('unchanged', 0)}}, {{t("ditolak", "rejected")}} {{cnt.get('invalid', 0) + cnt.get('duplicate_in_file', 0)}}
    % end
    % if r['id'] in kept:
      <br><a href="/import/saved/{{r['id']}}/rejected" download data-rejected="{{r['id']}}">{{t("Unduh baris yang ditolak (CSV)", "Download the rejected rows (CSV)")}}</a>
    % end
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
<p class="hint">{{t(f"Baris yang ditolak dari impor yang sudah disimpan bisa diunduh selama {keep_days} hari, lalu dihapus. Isi file lainnya tidak disimpan.", f"The rejected rows of a saved import can be downloaded for {keep_days} days, then they are deleted. The rest of the file is not kept.")}}</p>
% end
