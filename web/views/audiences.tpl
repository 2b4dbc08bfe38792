% rebase('base.tpl')
<h1>{{t("Audiens", "Audiences")}}</h1>
<p class="hint">{{t("Audiens adalah kelompok penerima yang disimpan, mis. 'Ketua RT Kelurahan Sukajadi RW 01-05'. Jumlahnya dihitung ulang setiap kali dari daftar kontak terbaru.", "An audience is a saved group of recipients, e.g. 'RT heads of Sukajadi RW 01-05'. Its count is worked out again every time from the latest contact list.")}}</p>

<h2>{{t("Audiens tersimpan", "Saved audiences")}}</h2>
% if not saved:
<p class="muted">{{t("Belum ada audiens tersimpan.", "No saved audience yet.")}}</p>
% else:
<div class="table-wrap">
<table id="saved-audiences">
  <thead><tr><th>{{t("Nama", "Name")}}</th><th>{{t("Saringan", "Filters")}}</th><th class="num">{{t("Cocok", "Matched")}}</th><th class="num">{{t("Bisa dikirimi", "Reachable")}}</th><th class="num">{{t("Berhenti langganan", "Opted out")}}</th><th class="num">{{t("Nomor mati", "Dead")}}</th></tr></thead>
  <tbody>
  % for a in saved:
  <tr data-audience="{{a['id']}}">
    <td><a href="/audiences/{{a['id']}}">{{a['name']}}</a></td>
    % if a.get('error'):
    <td colspan="5" class="error">{{t("Definisi rusak", "Broken definition")}}</td>
    % else:
    <td>{{a['description']}}
    % if a.get('spans_desa'):
      <span class="pill warn" data-spans-desa="1" title="{{t('RW/RT tanpa desa/kelurahan: mencakup semua kelurahan', 'RW/RT without a village: covers every kelurahan')}}">{{t("semua kelurahan", "every kelurahan")}}</span>
    % end
    </td>
    <td class="num">{{fmt.num(a['counts']['matched'])}}</td>
    <td class="num"><strong>{{fmt.num(a['counts']['reachable'])}}</strong></td>
    <td class="num">{{fmt.num(a['counts']['opted_out'])}}</td>
    <td class="num">{{fmt.num(a['counts']['dead'])}}</td>
    % end
  </tr>
  % end
  </tbody>
</table>
</div>
% end

<h2 id="builder">{{t("Ubah audiens", "Edit audience") if form.get('id') else t("Buat audiens", "Build an audience")}}</h2>
% if error:
<p class="error" role="alert" id="audience-error">{{error}}</p>
% end
<form method="post" action="/audiences" class="stack card" id="audience-form" data-fragment-url="/audiences/count" data-fragment-target="#audience-count">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % if form.get('id'):
  <input type="hidden" name="id" value="{{form['id']}}">
  % end
  <div class="row">
    <label>{{t("Desa/Kelurahan", "Village")}} <input name="desa" list="choices-desa" value="{{form['desa']}}" placeholder="{{t('mis. Sukajadi, Cipaganti', 'e.g. Sukajadi, Cipaganti')}}"></label>
    <label>{{t("Dusun", "Hamlet")}} <input name="dusun" list="choices-dusun" value="{{form['dusun']}}"></label>
    <label>RW <input name="rw" value="{{form['rw']}}" size="10" placeholder="1-3,5"></label>
    <label>RT <input name="rt" value="{{form['rt']}}" size="10" placeholder="01-04"></label>
  </div>
  <div class="row">
    <label>{{t("Jabatan", "Role")}} <input name="role" list="choices-role" value="{{form['role']}}" placeholder="{{t('mis. Ketua RT, Ketua RW', 'e.g. Ketua RT, Ketua RW')}}"></label>
    <label>{{t("Tag", "Tag")}} <input name="tag" list="choices-tag" value="{{form['tag']}}"></label>
    <label class="check"><input type="checkbox" name="everyone" value="1"{{!' checked' if form.get('everyone') else ''}}> {{t("Semua kontak (tanpa saringan)", "All contacts (no filter)")}}</label>
    <label class="check"><input type="checkbox" name="consent_only" value="1"{{!' checked' if form.get('consent_only') else ''}}> {{t("Hanya nomor yang setuju (membalas YA, mendaftar lewat SMS, atau dicatat kantor)", "Consented numbers only (answered YA, joined by SMS, or recorded by the office)")}}</label>
  </div>
  <p class="hint">{{t("Beberapa nilai dipisah koma berarti 'atau' (Sukajadi, Cipaganti); saringan yang berbeda berarti 'dan'. RW/RT boleh rentang: 1-3,5. Huruf besar/kecil dan awalan 'Kelurahan', 'Desa', 'RW' diabaikan.", "Several values separated by commas mean 'or' (Sukajadi, Cipaganti); different filters mean 'and'. RW/RT may be ranges: 1-3,5. Case and the prefixes 'Kelurahan', 'Desa', 'RW' are ignored.")}}</p>
  <div id="audience-count" class="card" aria-live="polite">
  % if get('count_view'):
  % include('audiences_count.tpl', **count_view)
  % else:
  <p class="hint">{{t("Jumlah penerima muncul di sini saat Anda mengisi saringan.", "The number of recipients shows here as you fill in the filters.")}}</p>
  % end
  </div>
  <div class="row">
    <button formaction="/audiences/count" formmethod="post">{{t("Hitung penerima", "Count recipients")}}</button>
  </div>
  % if user.can("operator"):
  <div class="row">
    <label>{{t("Nama audiens", "Audience name")}} <input name="name" maxlength="100" value="{{form['name']}}" placeholder="{{t('mis. Ketua RT Sukajadi', 'e.g. RT heads Sukajadi')}}"></label>
    <button class="primary">{{t("Simpan audiens", "Save audience")}}</button>
  </div>
  % if form.get('id'):
  <p class="hint">{{t("Dengan nama lain, audiens disimpan sebagai audiens baru.", "With another name, it is saved as a new audience.")}}</p>
  % end
  % end
</form>
% include('contacts_datalists.tpl')
