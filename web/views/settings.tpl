% rebase('base.tpl')
% TOML = "/etc/siaran/siaran.toml"
<h1>{{t("Pengaturan", "Settings")}}</h1>
<nav class="row subnav"><a href="#hold">{{t("Penahanan", "Hold")}}</a> <a href="#office">{{t("Biaya & persetujuan", "Cost & approval")}}</a> <a href="#config">{{t("Jam kirim & batas SIM", "Send window & SIM limits")}}</a> <a href="#templates">{{t("Template", "Templates")}}</a> <a href="/settings/smpp">{{t("Akun operator (SMPP)", "Operator accounts (SMPP)")}}</a> <a href="#device">{{t("Perangkat", "Device")}}</a></nav>

<section class="card" id="hold">
  <h2>{{t("Tahan semua pengiriman", "Hold all sending")}}</h2>
  <p class="hint">{{t("Selama penahanan aktif tidak ada pesan biasa yang dikirim (antrean tetap tersimpan). Pesan DARURAT (yang dicentang “darurat” saat ditulis, mis. peringatan banjir) tetap dikirim. Gunakan untuk masa tenang Pemilu atau saat ada kesalahan isi pesan.", "While the hold is on no ordinary message is sent (the queue is kept). EMERGENCY messages (ticked “emergency” when written, e.g. flood warnings) still go out. Use it for an election quiet period or when a message went wrong.")}}</p>
  % if hold_error:
  <p class="error" role="alert">{{hold_error}}</p>
  % end
  % if hold_state.active:
  <p>{{t("Pengiriman sedang ditahan (lihat pita merah di atas).", "Sending is on hold now (see the red band above).")}}</p>
  <form method="post" action="/hold" class="row" data-confirm="{{t('Cabut penahanan? Pesan yang antre akan mulai dikirim.', 'Lift the hold? Queued messages will start going out.')}}">
    <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="off">
    <label>{{t("Catatan (opsional)", "Note (optional)")}} <input name="reason" maxlength="200" placeholder="{{t('mis. Masa tenang selesai', 'e.g. quiet period over')}}"></label>
    <button class="primary">{{t("Cabut penahanan", "Lift the hold")}}</button>
  </form>
  % else:
  <p>{{t("Penahanan tidak aktif: pesan dikirim seperti biasa.", "The hold is off: messages are sent as usual.")}}
    % if hold_state.set_at:
    <span class="muted">({{t("terakhir diubah oleh", "last changed by")}} {{fmt.actor(hold_state.set_by)}}, {{fmt.time(hold_state.set_at)}})</span>
    % end
  </p>
  <form method="post" action="/hold" class="row" data-confirm="{{t('Aktifkan penahanan? Hanya pesan darurat yang akan dikirim.', 'Turn the hold on? Only emergency messages will be sent.')}}">
    <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="on">
    <label>{{t("Alasan (wajib)", "Reason (required)")}} <input name="reason" required maxlength="200" placeholder="{{t('mis. Masa tenang Pemilu', 'e.g. election quiet period')}}"></label>
    <button class="danger">{{t("Aktifkan penahanan", "Turn the hold on")}}</button>
  </form>
  % end
</section>

<section class="card" id="office">
  <h2>{{t("Biaya dan persetujuan", "Cost and approval")}}</h2>
  % if error:
  <p class="error" role="alert">{{error}}</p>
  % end
  <form method="post" action="/settings" class="stack">
    <input type="hidden" name="csrf" value="{{csrf}}">
    % c = office['cost_per_segment']
    <label>{{t("Biaya per bagian SMS (Rupiah)", "Cost per SMS part (Rupiah)")}}
      <input type="number" name="cost_per_segment" min="0" max="100000" step="1" value="{{form.get('cost_per_segment', c['value'])}}">
      <span class="hint">{{t("Dipakai untuk perkiraan biaya kampanye. Tarif kartu prabayar Anda; bawaan", "Used for campaign cost estimates. Your prepaid SIMs' tariff; default")}} {{fmt.rupiah(c['default'])}}.
      % if c['set']:
      {{t("Diubah oleh", "Changed by")}} {{fmt.actor(c['updated_by'])}}, {{fmt.time(c['updated_at'])}}.
      % end
      </span>
    </label>
    % a = office['approval_threshold']
    <label>{{t("Batas persetujuan (jumlah penerima)", "Approval threshold (recipients)")}}
      <input type="number" name="approval_threshold" min="0" max="10000000" step="1" value="{{form.get('approval_threshold', a['value'])}}">
      <span class="hint">{{t("Kampanye dengan penerima lebih dari angka ini perlu disetujui pengguna lain (penyetuju/admin). Bawaan", "A campaign to more recipients than this needs another user's approval (approver/admin). Default")}} {{fmt.num(a['default'])}}.
      % if a['set']:
      {{t("Diubah oleh", "Changed by")}} {{fmt.actor(a['updated_by'])}}, {{fmt.time(a['updated_at'])}}.
      % end
      </span>
    </label>
    % if smpp_accounts:
    <fieldset class="stack" id="route-rule">
      <legend>{{t("Jalur kirim “Otomatis”", "The “Automatic” sending route")}}</legend>
      % r = office['smpp_auto_threshold']
      <label>{{t("Lewat operator bila penerima lebih dari", "By the operator when recipients are more than")}}
        <input type="number" name="smpp_auto_threshold" min="0" max="10000000" step="1" value="{{form.get('smpp_auto_threshold', r['value'])}}">
        <span class="hint">{{t("Kampanye yang lebih kecil lewat modem kotak. Bawaan", "Smaller campaigns go by the box's modems. Default")}} {{fmt.num(r['default'])}}.</span>
      </label>
      % o = office['smpp_overflow_minutes']
      <label>{{t("Modem dianggap penuh bila perlu lebih dari (menit)", "The modems count as full when they need more than (minutes)")}}
        <input type="number" name="smpp_overflow_minutes" min="0" max="100000" step="1" value="{{form.get('smpp_overflow_minutes', o['value'])}}">
        <span class="hint">{{t("Kampanye kecil yang akan selesai lebih lama dari ini lewat modem dikirim juga lewat operator. Pesan darurat selalu lewat jalur mana pun yang lebih dulu bebas. Bawaan", "A small campaign the modems would take longer than this to send goes by the operator too. Emergencies always take whichever route is free first. Default")}} {{fmt.num(o['default'])}}.</span>
      </label>
    </fieldset>
    % end
    <div><button class="primary">{{t("Simpan", "Save")}}</button></div>
  </form>
</section>

<section class="card" id="keywords">
  <h2>{{t("Kata kunci SMS warga", "Resident keywords")}}</h2>
  <p class="hint">{{t("Yang bisa dikirim warga selain kata berhenti langganan, dan apa yang terjadi: lihat", "What residents may text besides the stop keywords, and what happens: see")}} <a href="/warga">{{t("SMS Warga", "Resident SMS")}}</a>. {{t("Pisahkan beberapa kata dengan koma; satu kata hanya boleh punya satu arti. Kosongkan isian untuk kembali ke nilai berkas", "Separate several words with commas; a word may have one meaning only. Leave a field empty to go back to the file's value")}} <code>{{TOML}}</code>.</p>
  % if get('keywords_error'):
  <p class="error" role="alert" id="keywords-error">{{keywords_error}}</p>
  % end
  % kf = get('keywords_form') or {}
  <form method="post" action="/settings/keywords" class="stack" id="keywords-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <div class="row">
      <label>{{t("Setuju", "Consent")}} <input name="consent" value="{{kf.get('consent', ', '.join(effective.consent_keywords))}}" maxlength="200" size="14"></label>
      <label>{{t("Ganti nomor", "Number change")}} <input name="change" value="{{kf.get('change', ', '.join(effective.change_keywords))}}" maxlength="200" size="10"></label>
      <label>{{t("Daftar", "Subscribe")}} <input name="subscribe" value="{{kf.get('subscribe', ', '.join(effective.subscribe_keywords))}}" maxlength="200" size="10"></label>
      <label>{{t("Info/bantuan", "Info/help")}} <input name="info" value="{{kf.get('info', ', '.join(effective.info_keywords))}}" maxlength="200" size="14"></label>
    </div>
    <div class="row">
      <label>{{t("Kontak kantor (disebut di balasan INFO)", "Office contact (said in the INFO reply)")}} <input name="office_contact" value="{{kf.get('office_contact', effective.office_contact)}}" maxlength="60" size="32" placeholder="Kel. Sukamaju 022-0000000"></label>
      <label>{{t("Balasan otomatis per nomor per jam", "Automatic replies per number an hour")}} <input type="number" name="replies_per_hour" min="1" max="60" value="{{kf.get('replies_per_hour', effective.keyword_replies_per_hour)}}"></label>
      <label>{{t("Batas jam konfirmasi ganti nomor", "Hours to confirm a number change")}} <input type="number" name="change_hours" min="1" max="720" value="{{kf.get('change_hours', '%g' % effective.number_change_hours)}}"></label>
    </div>
    <div><button class="primary">{{t("Simpan kata kunci", "Save keywords")}}</button></div>
  </form>
</section>

<section class="card" id="config">
  <h2>{{t("Jam kirim, batas per SIM, kata kunci berhenti", "Send window, per-SIM limits, stop keywords")}}</h2>
  <p class="hint">{{t("Berlaku untuk layanan pengirim dalam beberapa detik, tanpa mulai ulang. Kosongkan isian untuk kembali ke nilai berkas", "Applied by the sending service within seconds, no restart. Leave a field empty to go back to the file's value")}} <code>{{TOML}}</code>.</p>
  % if get('rules_error'):
  <p class="error" role="alert">{{rules_error}}</p>
  % end
  % rf = get('rules_form') or {}
  <form method="post" action="/settings/rules" class="stack" id="rules-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <div class="row">
      <label>{{t("Jam kirim mulai", "Send window start")}} <input name="window_start" value="{{rf.get('window_start', effective.window_start)}}" placeholder="06:00" pattern="[0-9]{1,2}:[0-9]{2}" size="6"></label>
      <label>{{t("Jam kirim selesai", "Send window end")}} <input name="window_end" value="{{rf.get('window_end', effective.window_end)}}" placeholder="21:00" pattern="[0-9]{1,2}:[0-9]{2}" size="6"></label>
      <span class="muted">{{fmt.zone}} · {{t("pesan darurat tidak terikat jam kirim", "emergencies ignore the window")}}</span>
    </div>
    % lim = effective.modems[0] if effective.modems else None
    <div class="row">
      <label>{{t("SMS per menit per SIM", "SMS a minute per SIM")}} <input type="number" name="per_minute" min="1" max="60" value="{{rf.get('per_minute', lim.per_minute if lim else (office_rules.get('sim_limits') or {}).get('per_minute', 20))}}"></label>
      <label>{{t("per jam", "an hour")}} <input type="number" name="per_hour" min="1" max="3600" value="{{rf.get('per_hour', lim.per_hour if lim else (office_rules.get('sim_limits') or {}).get('per_hour', 300))}}"></label>
      <label>{{t("per hari", "a day")}} <input type="number" name="per_day" min="1" max="50000" value="{{rf.get('per_day', lim.per_day if lim else (office_rules.get('sim_limits') or {}).get('per_day', 3000))}}"></label>
    </div>
    <p class="hint">{{t("Operator menganggap SIM yang mengirim terlalu cepat sebagai spam (XL: lebih dari 360 SMS per jam) dan bisa memblokirnya. Bawaan: 20/menit, 300/jam, 3.000/hari.", "Operators treat a SIM that sends too fast as spam (XL: more than 360 SMS an hour) and may block it. Default: 20/minute, 300/hour, 3,000/day.")}}</p>
    <label>{{t("Kata kunci berhenti langganan (pisahkan dengan koma)", "Opt-out keywords (comma-separated)")}} <input name="optout_keywords" value="{{rf.get('optout_keywords', ', '.join(effective.optout_keywords))}}" maxlength="200"></label>
    <div><button class="primary">{{t("Simpan aturan kirim", "Save sending rules")}}</button></div>
  </form>
  % if office_rules:
  <p class="muted">{{t("Diubah dari halaman ini", "Changed on this page")}}: {{", ".join(sorted(office_rules))}}.</p>
  % end
  <dl class="facts">
    <dt>{{t("Balasan otomatis bila warga membalas BERHENTI", "Automatic reply when a resident replies BERHENTI (stop)")}}</dt>
    <dd>{{config.optout_confirmation}}</dd>
    <dt>{{t("Kode USSD cek pulsa", "Balance USSD codes")}}</dt>
    <dd>{{", ".join(k + " " + v for k, v in config.balance_codes) or "-"}} <span class="muted">({{t("di berkas", "in the file")}} <code>{{TOML}}</code>)</span></dd>
  </dl>
  % if effective.modems:
  <div class="table-wrap">
  <table class="limits">
    <thead><tr><th>{{t("Modem", "Modem")}}</th><th>{{t("Port", "Port")}}</th><th class="num">{{t("per menit", "per minute")}}</th><th class="num">{{t("per jam", "per hour")}}</th><th class="num">{{t("per hari", "per day")}}</th><th>{{t("Operator", "Operator")}}</th></tr></thead>
    <tbody>
    % for m in effective.modems:
    <tr><td>{{m.name}}</td><td>{{m.port}}</td><td class="num">{{m.per_minute}}</td><td class="num">{{m.per_hour}}</td><td class="num">{{fmt.num(m.per_day)}}</td><td>{{m.route or t("dari jaringan", "from the network")}}</td></tr>
    % end
    </tbody>
  </table>
  </div>
  % end
</section>

<section class="card" id="templates">
  <h2>{{t("Template pesan", "Message templates")}}</h2>
  <p class="hint">{{t("Isian per penerima", "Per-recipient placeholders")}}: {nama} {jabatan} {rt} {rw} {desa} {dusun}. {{t("Bagian yang harus diisi saat membuat kampanye ditulis", "Blanks to fill when making a campaign are written")}} [[tanggal]], [[tempat]]. {{t("Template bawaan tidak dapat diubah atau dihapus; simpan salinannya dengan nama lain.", "Shipped templates cannot be changed or deleted; save a copy under another name.")}}</p>
  <div class="table-wrap">
  <table class="templates">
    <thead><tr><th>{{t("Nama", "Name")}}</th><th>{{t("Kategori", "Category")}}</th><th>{{t("Teks", "Text")}}</th><th></th></tr></thead>
    <tbody>
    % for tp in templates:
    <tr data-template="{{tp['id']}}"><td>{{tp['name']}}
      % if tp['builtin']:
      <span class="pill">{{t("bawaan", "shipped")}}</span>
      % end
      <div class="muted" data-template-unit>{{tp['unit'] or t("semua unit", "every unit")}}</div>
      </td><td>{{tp['category'] or "-"}}</td><td class="msg">{{tp['text']}}</td>
      <td><a href="/settings/templates/{{tp['id']}}">{{t("Salin", "Copy") if tp['builtin'] else t("Ubah", "Edit")}}</a>
      % if not tp['builtin']:
      <form method="post" action="/settings/templates/{{tp['id']}}/delete" class="inline" data-confirm="{{t('Hapus template ini?', 'Delete this template?')}}"><input type="hidden" name="csrf" value="{{csrf}}"><button class="link">{{t("Hapus", "Delete")}}</button></form>
      % end
      </td></tr>
    % end
    </tbody>
  </table>
  </div>
  <h3>{{t("Tambah template", "Add a template")}}</h3>
  % if tpl_error:
  <p class="error" role="alert">{{tpl_error}}</p>
  % end
  <form method="post" action="/settings/templates" class="stack">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <div class="row">
      <label>{{t("Nama", "Name")}} <input name="name" required maxlength="100" value="{{tpl_form.get('name', '')}}"></label>
      <label>{{t("Kategori", "Category")}} <input name="category" maxlength="40" value="{{tpl_form.get('category', '')}}" placeholder="{{t('mis. undangan', 'e.g. invitation')}}"></label>
      <label>{{t("Unit", "Unit")}}
        <select name="unit">
          <option value="">{{t("Semua unit (bersama)", "Every unit (shared)")}}</option>
          % for un in units:
          <option value="{{un['id']}}"{{!' selected' if str(un['id']) == str(tpl_form.get('unit') or '') else ''}}>{{un['name']}}</option>
          % end
        </select>
      </label>
    </div>
    <label>{{t("Teks", "Text")}} <textarea name="text" required maxlength="1800">{{tpl_form.get('text', '')}}</textarea></label>
    <div><button class="primary">{{t("Tambah", "Add")}}</button></div>
  </form>
</section>

<section class="card" id="device">
  <h2>{{t("Perangkat", "Device")}}</h2>
  <dl class="facts">
    <dt>{{t("Tegangan listrik", "Power supply")}}</dt>
    <dd id="undervoltage">
    % if throttled is None:
    <span class="muted">{{t("Belum ada data (bukan Raspberry Pi, atau layanan belum membacanya).", "No data yet (not a Raspberry Pi, or the service has not read it).")}}</span>
    % elif 'under_voltage' in (throttled.get('flags') or []):
    <span class="error">{{t("TEGANGAN KURANG (under-voltage) sekarang: ganti adaptor daya dengan 5V 3A yang baik; modem bisa mati saat mengirim.", "UNDER-VOLTAGE now: replace the power supply with a good 5 V 3 A one; modems can brown out while sending.")}}</span>
    % elif throttled.get('under_voltage'):
    <span class="warn-text">{{t("Tegangan kurang pernah terjadi sejak menyala (sekarang normal). Periksa adaptor daya dan kabel.", "Under-voltage happened since boot (normal now). Check the power supply and cable.")}}</span>
    % else:
    {{t("Normal", "Normal")}}
    % end
    % if throttled:
    <br><span class="muted">{{t("Tanda", "Flags")}}: {{", ".join(throttled.get('flags') or []) or "-"}} · raw {{throttled.get('raw', '-')}} · {{fmt.time(throttled.get('at'))}}</span>
    % end
    </dd>
    <dt>{{t("Flashdisk (USB)", "USB stick")}}</dt>
    <dd id="usb-state">
    % if not usb_state:
    <span class="muted">{{t("Belum ada flashdisk yang diproses.", "No USB stick processed yet.")}}</span>
    % else:
    % us = usb_state.get('state') or '-'
    <span class="pill {{'failed' if us == 'error' else ('done' if us in ('safe_to_remove', 'done') else '')}}">{{ {"busy": t("sedang diproses: jangan dicabut", "busy: do not remove"), "safe_to_remove": t("aman dicabut", "safe to remove"), "done": t("selesai", "done"), "error": t("gagal", "error"), "idle": t("diam", "idle")}.get(us, us) }}</span>
    {{usb_state.get('device') or ''}} <span class="muted">{{fmt.time(usb_state.get('at'))}}</span>
    % if usb_state.get('detail'):
    <br>{{usb_state.get('detail')}}
    % end
    % end
    </dd>
  </dl>
</section>
