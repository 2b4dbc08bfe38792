% rebase('base.tpl')
<h1>{{t("Tulis Pesan", "Compose")}}</h1>
<p class="hint">{{t("Tiga langkah: pilih penerima, tulis pesan, lalu periksa pratinjau dan kirim.", "Three steps: choose recipients, write the message, then check the preview and send.")}}</p>
% if error:
<p class="error" role="alert">{{error}}</p>
% end
<form method="post" action="/compose" class="stack compose" id="compose" data-fragment-url="/compose/preview" data-fragment-target="#preview">
<input type="hidden" name="csrf" value="{{csrf}}">

<section class="card">
  <h2>1. {{t("Penerima", "Recipients")}}</h2>
  % if units:
  <label>{{t("Dikirim atas nama unit", "Sent for the unit")}}
    <select name="unit" id="unit">
      % for u in units:
      <option value="{{u['id']}}" {{!'selected' if u['id'] == form['unit'] else ''}}>{{u['name']}}</option>
      % end
    </select>
  </label>
  <p class="hint">{{t("Tanda tangan, kuota dan laporan bulanan mengikuti unit ini; hanya pengguna unit ini (dan admin) yang melihat kampanyenya.", "The signature, quota and monthly report follow this unit; only its users (and admins) see the campaign.")}}</p>
  % else:
  <input type="hidden" name="unit" value="{{form['unit']}}">
  % end
  <label>{{t("Kirim ke", "Send to")}}
    <select name="audience" id="audience">
      <option value="">{{t("— pilih penerima —", "— choose the recipients —")}}</option>
      <option value="{{ALL}}" {{!'selected' if form['audience'] == ALL else ''}}>{{t("Semua kontak", "All contacts")}} — {{fmt.num(everyone)}} {{t("penerima", "recipients")}}</option>
      <option value="{{FILTER}}" {{!'selected' if form['audience'] == FILTER else ''}}>{{t("Saringan baru (isi di bawah)", "A new filter (fill in below)")}}</option>
      % if audiences:
      <optgroup label="{{t('Audiens tersimpan', 'Saved audiences')}}">
      % for a in audiences:
      % c = a.get("counts") or {}
      <option value="{{a['name']}}" {{!'selected' if a['name'] == form['audience'] else ''}}>{{a['name']}} — {{fmt.num(c.get('reachable', 0))}} {{t("penerima", "recipients")}}{{(" (" + a['description'] + ")") if a.get('description') else ""}}</option>
      % end
      </optgroup>
      % end
      % if choices['tag']:
      <optgroup label="{{t('Kontak dengan tag', 'Contacts with a tag')}}">
      % for name in choices['tag']:
      <option value="{{TAG + name}}" {{!'selected' if form['audience'] == TAG + name else ''}}>{{t("Tag", "Tag")}} {{name}}</option>
      % end
      </optgroup>
      % end
    </select>
  </label>
  <fieldset id="compose-filter" class="row" data-choose-on-input="#audience" data-choose-value="{{FILTER}}">
    <legend>{{t("Saringan baru (dipakai bila “Saringan baru” dipilih)", "A new filter (used when “A new filter” is chosen)")}}</legend>
    <label>{{t("Desa/Kelurahan", "Village")}} <input name="f_desa" list="choices-desa" value="{{form['filter']['desa']}}" placeholder="{{t('mis. Sukajadi', 'e.g. Sukajadi')}}"></label>
    <label>{{t("Dusun", "Hamlet")}} <input name="f_dusun" list="choices-dusun" value="{{form['filter']['dusun']}}"></label>
    <label>RW <input name="f_rw" value="{{form['filter']['rw']}}" size="8" placeholder="1-3,5"></label>
    <label>RT <input name="f_rt" value="{{form['filter']['rt']}}" size="8" placeholder="01-04"></label>
    <label>{{t("Jabatan", "Role")}} <input name="f_role" list="choices-role" value="{{form['filter']['role']}}" placeholder="{{t('mis. Ketua RT', 'e.g. Ketua RT')}}"></label>
    <label>{{t("Tag", "Tag")}} <input name="f_tag" list="choices-tag" value="{{form['filter']['tag']}}"></label>
  </fieldset>
  % if not audiences:
  <p class="hint">{{t("Belum ada audiens tersimpan. Anda bisa memakai saringan di atas, atau menyimpan kelompok yang sering dipakai di", "No saved audience yet. Use the filter above, or save a group you use often on")}} <a href="/audiences">{{t("halaman Audiens", "the Audiences page")}}</a>.</p>
  % else:
  <p class="hint">{{t("Kelompok yang sering dipakai bisa disimpan di", "Groups you use often can be saved on")}} <a href="/audiences">{{t("halaman Audiens", "the Audiences page")}}</a>.</p>
  % end
</section>
% include('contacts_datalists.tpl')

<section class="card">
  <h2>2. {{t("Pesan", "Message")}}</h2>
  <details class="templates">
    <summary>{{t("Pakai template siap pakai (banjir, longsor, imunisasi, Covid-19, PBB, undangan ...)", "Use a ready template (flood, landslide, immunisation, Covid-19, tax, invitation ...)")}}</summary>
    <ul class="template-list">
    % for i, tpl in enumerate(templates):
      <li>
        <strong>{{tpl['name']}}</strong> <span class="pill">{{tpl['category'] or "-"}}</span>
        <div class="tpl-text" id="tpl-{{i}}">{{tpl['text']}}</div>
        <button type="button" data-use-text="#text" data-text-from="#tpl-{{i}}">{{t("Pakai teks ini", "Use this text")}}</button>
        <noscript><a href="/compose?template={{tpl['name']}}&amp;audience={{form['audience']}}">{{t("Pakai teks ini", "Use this text")}}</a></noscript>
        % if tpl['blanks']:
        <span class="hint">{{t("Setelah dipakai, ganti", "After choosing it, replace")}} {{", ".join("[[" + b + "]]" for b in tpl['blanks'])}} {{t("dengan keterangan sebenarnya.", "with the real details.")}}</span>
        % end
      </li>
    % end
    </ul>
  </details>
  <label for="text">{{t("Teks pesan", "Message text")}}</label>
  <textarea name="text" id="text" rows="6" maxlength="{{1800}}">{{form['text']}}</textarea>
  <div class="hint placeholders">
    {{t("Isian otomatis — ketik persis seperti ini di teks, Siaran menggantinya untuk setiap penerima:", "Automatic fields — type them exactly like this in the text; Siaran fills them in for each recipient:")}}
    <ul>
    % for key, (id_text, en_text) in placeholders.items():
      <li><code>{{"{" + key + "}"}}</code> = {{t(id_text, en_text)}} <span class="muted">({{t("bila kosong", "if empty")}}: “{{form['fallbacks'].get(key) or fallback_defaults[key]}}”)</span></li>
    % end
    </ul>
    <p id="phrase-help">{{t("Bagian yang diapit kurung siku hilang seluruhnya bila datanya kosong: “AWAS BANJIR[ di RW {rw}]!” menjadi “AWAS BANJIR di RW 03!”, atau “AWAS BANJIR!” bila RW kontak tidak diketahui. Pilihan dipisah | : [RT {rt}/RW {rw}|RW {rw}] memakai yang pertama yang datanya lengkap.", "A part in square brackets disappears whole when its data is empty: “AWAS BANJIR[ di RW {rw}]!” becomes “AWAS BANJIR di RW 03!”, or “AWAS BANJIR!” when the contact's RW is unknown. Choices separated by | : [RT {rt}/RW {rw}|RW {rw}] use the first whose data is complete.")}}</p>
  </div>
  <details>
    <summary>{{t("Ubah pengganti bila data kontak kosong", "Change what is used when a contact's field is empty")}}</summary>
    <div class="row">
    % for key in placeholders:
      <label>{{"{" + key + "}"}}
        <input type="text" name="fb_{{key}}" value="{{form['fallbacks'].get(key, '')}}" placeholder="{{fallback_defaults[key]}}" maxlength="100">
      </label>
    % end
    </div>
  </details>
</section>

<section class="card">
  <h2>3. {{t("Nama dan jadwal", "Name and schedule")}}</h2>
  <label>{{t("Nama kampanye (untuk arsip kantor, tidak dikirim)", "Campaign name (for the office's records, not sent)")}}
    <input type="text" name="name" value="{{form['name']}}" maxlength="100" placeholder="{{t('misalnya: Imunisasi Juli RW 03', 'e.g. Immunisation July RW 03')}}">
  </label>
  <div class="row">
    <label>{{t("Mulai kirim (kosongkan = sekarang)", "Start sending (empty = now)")}}
      <input type="datetime-local" name="send_at" value="{{form['send_at']}}" min="{{now_local}}">
    </label>
    <label>{{t("Batal kirim setelah (opsional)", "Stop sending after (optional)")}}
      <input type="datetime-local" name="expires_at" value="{{form['expires_at']}}" min="{{now_local}}">
    </label>
  </div>
  <p class="hint">{{t("Waktu kantor", "Office time")}} ({{fmt.zone or "UTC"}}). {{t("Pesan yang belum terkirim saat batas waktu lewat tidak dikirim lagi (cocok untuk undangan acara).", "Messages not yet sent when the limit passes are dropped (useful for event invitations).")}}</p>
  % if smpp_accounts:
  <fieldset class="row route-choice" id="route-choice">
    <legend>{{t("Jalur kirim", "Sending route")}}</legend>
    % for value, id_text, en_text in (("auto", "Otomatis", "Automatic"), ("modem", "Modem kotak", "The box's modems"), ("smpp", "Operator (SMPP)", "Operator (SMPP)")):
    <label class="check"><input type="radio" name="channel" value="{{value}}" {{!'checked' if form['channel'] == value else ''}}> {{t(id_text, en_text)}}</label>
    % end
  </fieldset>
  <p class="hint">{{t("Modem kotak: SIM di kotak ini, sesuai batas per SIM. Operator: akun SMS massal (cepat, dengan nama pengirim terdaftar; biaya sesuai kontrak). Otomatis: kampanye kecil lewat modem, kampanye besar lewat operator, dan lewat operator juga bila modem sedang penuh; pesan darurat lewat jalur mana pun yang lebih dulu bebas. Penahanan dan berhenti langganan berlaku di semua jalur.", "The box's modems: this box's SIMs, within the per-SIM limits. Operator: a bulk SMS account (fast, with a registered sender name; priced by contract). Automatic: small campaigns by modem, big ones by the operator, and by the operator too when the modems are full; emergencies by whichever route is free first. The hold and opt-outs apply to every route.")}}</p>
  % else:
  <input type="hidden" name="channel" value="auto">
  % end
  <label class="check emergency"><input type="checkbox" name="emergency" value="1" {{!'checked' if form['emergency'] else ''}}> <strong>{{t("DARURAT (bencana)", "EMERGENCY (disaster)")}}</strong></label>
  <p class="hint">{{t("Pesan darurat dikirim lebih dulu, tetap dikirim saat PENAHANAN aktif dan di luar jam kirim, tanpa batas harian. Pakai HANYA untuk bencana (banjir, longsor, gempa), bukan untuk pengumuman biasa.", "Emergency messages go first, are sent even while the HOLD is on and outside sending hours, without daily limits. Use ONLY for disasters (flood, landslide, earthquake), never for ordinary announcements.")}}</p>
</section>

<section class="card">
  <h2>{{t("Pratinjau", "Preview")}}</h2>
  <div id="preview" aria-live="polite">
  % if preview:
  % include('compose_preview.tpl', **preview)
  % else:
  <p class="hint">{{t("Pilih audiens dan tulis pesan: pratinjau (jumlah SMS, biaya, waktu) muncul di sini.", "Choose an audience and write the message: the preview (SMS count, cost, time) appears here.")}}</p>
  % end
  </div>
  <div class="row">
    <button type="submit" name="action" value="preview">{{t("Perbarui pratinjau", "Update preview")}}</button>
    <button type="submit" name="action" value="send" class="primary">{{t("Kirim", "Send")}}</button>
  </div>
</section>
</form>
