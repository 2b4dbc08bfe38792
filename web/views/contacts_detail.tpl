% rebase('base.tpl')
<p><a href="/contacts">← {{t("Semua kontak", "All contacts")}}</a></p>
<h1>{{c['name'] or t("(tanpa nama)", "(no name)")}}</h1>

<section class="card" id="contact-facts">
  <p><strong>{{t("Nomor HP", "Phone number")}}:</strong> <span class="nowrap" id="contact-number">{{shown}}</span>
  % if user.can("admin"):
<section class="card" id="contact-unit">
<h2>{{t("Unit", "Unit")}}</h2>
<p class="hint">{{t("Kontak bersama dapat dikirimi semua unit. Kontak khusus satu unit hanya terlihat dan terjangkau oleh unit itu (dan admin).", "A shared contact can be reached by every unit. A contact private to one unit is seen and reached only by that unit (and admins).")}}</p>
<form method="post" action="/contacts/{{c['id']}}/unit" class="row">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <select name="unit" aria-label="{{t('Unit', 'Unit')}}">
    <option value="">{{t("Bersama (semua unit)", "Shared (every unit)")}}</option>
    % for un in units:
    <option value="{{un['id']}}"{{!' selected' if un['id'] == c['unit_id'] else ''}}>{{t("Khusus", "Private to")}} {{un['name']}}</option>
    % end
  </select>
  <button>{{t("Simpan", "Save")}}</button>
</form>
</section>
% end

% if user.can("operator"):
  <span class="hint">· {{t("nomor tidak dapat diubah; bila salah, hapus kontak lalu impor/tambah lagi dengan nomor yang benar", "the number cannot be changed; if it is wrong, delete the contact and import it again with the right number")}}</span>
  % end
  </p>
  <p><strong>{{t("Status", "Status")}}:</strong>
  % if optout:
    <span class="pill cancelled" id="optout-state">{{t("berhenti langganan", "opted out")}}</span>
    {{t("sejak", "since")}} {{fmt.time(optout['created_at'])}} · {{t("lewat", "via")}} {{ {"sms": t("balasan SMS", "SMS reply"), "web": t("halaman web", "web page"), "cli": t("perintah siaran", "siaran command"), "usb": "USB", "api": "API"}.get(optout['source'], optout['source']) }}{{(" (" + optout['keyword'] + ")") if optout['keyword'] else ""}}
    <br><span class="hint">{{t("Status berhenti langganan disimpan selamanya dan tidak dapat dibatalkan dari halaman ini (UU 27/2022).", "An opt-out is kept forever and cannot be undone from this page (UU 27/2022).")}}</span>
  % elif not c['dead']:
    <span class="pill ready">{{t("aktif", "active")}}</span>
  % end
  % if c['dead']:
    <span class="pill dead">{{t("nomor mati", "dead number")}}</span> {{c['dead_reason'] or ""}}
  % end
  </p>
  <p><strong>{{t("Tag", "Tags")}}:</strong>
  % for tg in tags:
    <span class="pill">{{tg}}</span>
  % end
  % if not tags:
    -
  % end
  </p>
  % if not user.can("operator"):
  <div class="table-wrap"><table id="contact-data">
  % for key, label in (("desa", t("Desa/Kelurahan", "Village")), ("kecamatan", t("Kecamatan", "District")), ("dusun", t("Dusun", "Hamlet")), ("rw", "RW"), ("rt", "RT"), ("role", t("Jabatan", "Role")), ("notes", t("Keterangan", "Notes"))):
    <tr><th>{{label}}</th><td>{{c[key] or "-"}}</td></tr>
  % end
  </table></div>
  % end
  <p class="muted">{{t("Dasar hukum", "Lawful basis")}}: {{t("layanan publik", "public service") if c['basis'] == 'public_service' else t("persetujuan", "consent")}}{{(" (" + (c['consent_source'] or "") + ", " + fmt.time(c['consent_at']) + ")") if c['basis'] == 'consent' else ""}}
  · {{t("dikonfirmasi", "confirmed")}} {{fmt.time(c['confirmed_at'])}} · {{t("dibuat", "created")}} {{fmt.time(c['created_at'])}} · {{t("diubah", "changed")}} {{fmt.time(c['updated_at'])}} · {{t("pesan ke nomor ini", "messages to this number")}}: {{fmt.num(sent)}}</p>
</section>

% if user.can("operator"):
<section class="card">
<h2>{{t("Ubah data", "Edit")}}</h2>
% if error:
<p class="error" role="alert">{{error}}</p>
% end
<form method="post" action="/contacts/{{c['id']}}" class="stack" id="contact-edit">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label>{{t("Nama", "Name")}} <input name="name" maxlength="200" value="{{form['name']}}"></label>
  <div class="row">
    <label>{{t("Desa/Kelurahan", "Village")}} <input name="desa" list="choices-desa" maxlength="100" value="{{form['desa']}}"></label>
    <label>{{t("Kecamatan", "District")}} <input name="kecamatan" maxlength="100" value="{{form['kecamatan']}}"></label>
    <label>{{t("Dusun", "Hamlet")}} <input name="dusun" list="choices-dusun" maxlength="100" value="{{form['dusun']}}"></label>
    <label>RW <input name="rw" size="5" maxlength="20" value="{{form['rw']}}"></label>
    <label>RT <input name="rt" size="5" maxlength="20" value="{{form['rt']}}"></label>
  </div>
  <label>{{t("Jabatan", "Role")}} <input name="role" list="choices-role" maxlength="100" value="{{form['role']}}"></label>
  <label>{{t("Keterangan", "Notes")}} <textarea name="notes" maxlength="500" rows="3">{{form['notes']}}</textarea></label>
  <div><button class="primary">{{t("Simpan", "Save")}}</button></div>
</form>
% include('contacts_datalists.tpl')
</section>

<section class="card">
<h2>{{t("Berhenti langganan", "Opt out")}}</h2>
% if optout:
<p>{{t("Nomor ini tidak akan dikirimi pesan lagi.", "This number will not be sent messages again.")}}</p>
% else:
<p>{{t("Bila warga ini meminta tidak dikirimi SMS lagi, catat di sini. Semua pesan yang masih antre untuknya dibatalkan. Ini tidak dapat dibatalkan.", "If this resident asked to get no more SMS, record it here. Every message still queued for them is withdrawn. This cannot be undone.")}}</p>
<form method="post" action="/contacts/{{c['id']}}/optout" data-confirm="{{t('Hentikan semua SMS ke nomor ini untuk selamanya?', 'Stop all SMS to this number for good?')}}">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <button>{{t("Catat berhenti langganan", "Record opt-out")}}</button>
</form>
% end
</section>

<section class="card">
<h2>{{t("Hapus kontak", "Delete contact")}}</h2>
<p>{{t("Menghapus nama, wilayah, tag dan balasan SMS orang ini. Pesan yang sudah terkirim tetap dihitung dalam laporan kampanye tanpa nomor dan isi.", "Deletes this person's name, area, tags and SMS replies. Messages already sent stay counted in campaign reports without number and text.")}}</p>
<form method="post" action="/contacts/{{c['id']}}/delete" class="stack" data-confirm="{{t('Hapus kontak ini? Tidak dapat dibatalkan.', 'Delete this contact? This cannot be undone.')}}">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label class="check"><input type="checkbox" name="suppress" value="1" checked> {{t("Blokir juga nomornya agar tidak masuk lagi lewat impor (disarankan bila warga meminta datanya dihapus)", "Also block the number so an import cannot bring it back (recommended when the resident asked to be deleted)")}}</label>
  <div><button class="danger">{{t("Hapus kontak", "Delete contact")}}</button></div>
</form>
</section>
% end

% if user.can("admin"):
<section class="card">
<h2>{{t("Data pribadi (UU 27/2022)", "Personal data (UU 27/2022)")}}</h2>
<p>{{t("Bila warga meminta salinan datanya, unduh semua yang disimpan Siaran tentang nomor ini (JSON). Pengunduhan dicatat di log audit.", "When a resident asks for a copy of their data, download everything Siaran stores about this number (JSON). The download is recorded in the audit log.")}}</p>
<form method="post" action="/contacts/{{c['id']}}/export">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <button>{{t("Unduh data orang ini", "Download this person's data")}}</button>
</form>
</section>
% end
