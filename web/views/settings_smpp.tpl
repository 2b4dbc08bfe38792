% rebase('base.tpl')
<h1>{{t("Akun operator (SMPP)", "Operator accounts (SMPP)")}}</h1>
<p class="hint">{{t("Jalur operator mengirim lewat akun SMS massal dari operator atau agregator (SMPP 3.4), di samping SIM di kotak ini: untuk kampanye besar (ribuan sampai ratusan ribu penerima) dengan nama pengirim terdaftar (“SMS masking”, mis. PEMKAB-BLTR). Data akun diberikan penyedia; lihat README bagian akun operator untuk daftar pertanyaannya.", "The operator route sends through a bulk SMS account from an operator or aggregator (SMPP 3.4), beside this box's SIMs: for big campaigns (thousands to hundreds of thousands of recipients) with a registered sender name (“SMS masking”, e.g. PEMKAB-BLTR). The provider gives the account's details; the README's operator account section lists what to ask.")}} <a href="/settings">{{t("Kembali ke Pengaturan", "Back to Settings")}}</a></p>

<section class="card" id="smpp-accounts">
  <h2>{{t("Akun", "Accounts")}}</h2>
  % if not accounts:
  <p class="muted">{{t("Belum ada akun operator: semua pesan dikirim lewat modem kotak.", "No operator account yet: every message goes through the box's modems.")}}</p>
  % else:
  <div class="table-wrap">
  <table class="smpp-accounts">
    <thead><tr><th>{{t("Nama", "Name")}}</th><th>{{t("Server", "Server")}}</th><th>System ID</th><th>{{t("Pengirim", "Sender")}}</th><th class="num">{{t("SMS/detik", "SMS/s")}}</th><th class="num">{{t("Jendela", "Window")}}</th><th class="num">{{t("Harga/bagian", "Price/part")}}</th><th>{{t("Asal", "From")}}</th><th></th></tr></thead>
    <tbody>
    % for a in accounts:
    <tr data-smpp-account="{{a['name']}}">
      <td>{{a['name']}}</td>
      <td>{{a['host']}}:{{a['port']}}{{!' <span class="pill">TLS</span>' if a['tls'] else ''}}</td>
      <td>{{a['system_id']}}{{(" (" + a['system_type'] + ")") if a.get('system_type') else ""}}</td>
      <td>{{a['source_addr']}}</td>
      <td class="num">{{fmt.num(a['rate'])}}</td>
      <td class="num">{{a['window']}}</td>
      <td class="num">{{fmt.rupiah(a['price_per_part'])}}</td>
      % if a['source'] == 'file':
      <td><span class="muted">{{t("berkas konfigurasi", "configuration file")}}</span></td><td></td>
      % else:
      <td>{{t("halaman ini", "this page")}}</td>
      <td><a href="/settings/smpp/{{a['name']}}">{{t("Ubah", "Edit")}}</a>
        <form method="post" action="/settings/smpp/{{a['name']}}/delete" class="inline" data-confirm="{{t('Hapus akun operator ini? Pesan yang menunggu jalur operator tetap antre sampai ada akun lagi.', 'Delete this operator account? Messages waiting for the operator route stay queued until there is an account again.')}}"><input type="hidden" name="csrf" value="{{csrf}}"><button class="link">{{t("Hapus", "Delete")}}</button></form>
      </td>
      % end
    </tr>
    % end
    </tbody>
  </table>
  </div>
  <p class="hint">{{t("Memeriksa akun (sambung, satu SMS, laporan terkirim): di konsol kotak jalankan", "To check an account (connect, one SMS, its receipt): on the box's console run")}} <code>siaran smpp test --account NAMA --to 0812xxxxxxxx</code>.</p>
  % end
</section>

% f = form if form is not None else defaults
<section class="card" id="smpp-form-card">
  <h2>{{(t("Ubah akun", "Edit account") + " " + editing) if editing else t("Tambah akun", "Add an account")}}</h2>
  % if error:
  <p class="error" role="alert" data-error-field="{{error_field or ''}}">{{error}}</p>
  % end
  <form method="post" action="{{('/settings/smpp/' + editing) if editing else '/settings/smpp'}}" class="stack" id="smpp-form" autocomplete="off">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <div class="row">
      <label>{{t(*labels['name'])}} <input name="name" value="{{f.get('name', '')}}" maxlength="32" pattern="[A-Za-z0-9_.\-]{1,32}" {{!'readonly' if editing else 'required'}} placeholder="{{t('mis. telkomsel', 'e.g. telkomsel')}}"></label>
      <label>{{t(*labels['host'])}} <input name="host" value="{{f.get('host', '')}}" maxlength="253" required placeholder="smpp.operator.co.id"></label>
      <label>{{t(*labels['port'])}} <input name="port" value="{{f.get('port', '')}}" inputmode="numeric" size="6" required></label>
      <label class="check"><input type="checkbox" name="tls" value="1" {{!'checked' if f.get('tls') else ''}}> {{t("TLS (sambungan terenkripsi, bila penyedia menyediakan)", "TLS (encrypted connection, when the provider offers it)")}}</label>
    </div>
    <details{{!' open' if f.get('tls_ca') else ''}}>
      <summary>{{t(*labels['tls_ca'])}} — {{t("hanya bila penyedia memberi sertifikat sendiri", "only when the provider gives its own certificate")}}</summary>
      <label>{{t(*labels['tls_ca'])}} <textarea name="tls_ca" rows="4" cols="64" maxlength="20000" spellcheck="false" placeholder="-----BEGIN CERTIFICATE-----">{{f.get('tls_ca', '')}}</textarea></label>
    </details>
    <div class="row">
      <label>{{t(*labels['system_id'])}} <input name="system_id" value="{{f.get('system_id', '')}}" maxlength="15" required></label>
      <label>{{t(*labels['password'])}} <input type="password" name="password" value="" maxlength="8" autocomplete="new-password" {{!'' if editing else 'required'}} placeholder="{{t('kosongkan: tetap yang lama', 'leave empty: keep the old one') if editing else ''}}"></label>
      <label>{{t(*labels['system_type'])}} <input name="system_type" value="{{f.get('system_type', '')}}" maxlength="12" size="12"></label>
      <label>{{t(*labels['bind'])}}
        <select name="bind">
        % for b in binds:
          <option value="{{b}}"{{!' selected' if f.get('bind') == b else ''}}>{{b}}</option>
        % end
        </select>
      </label>
    </div>
    <p class="hint">{{t("Kata sandi tidak pernah ditampilkan lagi setelah disimpan, tidak dicatat di log maupun log audit.", "The password is never shown again once saved, nor written to the log or the audit log.")}}</p>
    <div class="row">
      <label>{{t(*labels['source_addr'])}} <input name="source_addr" value="{{f.get('source_addr', '')}}" maxlength="20" required placeholder="PEMKAB-BLTR"></label>
      <label>{{t(*labels['source_ton'])}}
        <select name="source_ton">
        % for v, label in ton_choices:
          <option value="{{'' if v is None else v}}"{{!' selected' if str(f.get('source_ton') if f.get('source_ton') is not None else '') == ('' if v is None else str(v)) else ''}}>{{label}}</option>
        % end
        </select>
      </label>
      <label>{{t(*labels['source_npi'])}}
        <select name="source_npi">
        % for v, label in npi_choices:
          <option value="{{'' if v is None else v}}"{{!' selected' if str(f.get('source_npi') if f.get('source_npi') is not None else '') == ('' if v is None else str(v)) else ''}}>{{label}}</option>
        % end
        </select>
      </label>
    </div>
    <p class="hint">{{t("Nama pengirim (maks. 11 karakter) harus didaftarkan ke operator lebih dulu. Otomatis: nama = TON 5/NPI 0, nomor = TON 1/NPI 1.", "A sender name (at most 11 characters) must be registered with the operator first. Automatic: a name = TON 5/NPI 0, a number = TON 1/NPI 1.")}}</p>
    <div class="row">
      <label>{{t(*labels['rate'])}} <input name="rate" value="{{f.get('rate', '')}}" inputmode="decimal" size="6" required></label>
      <label>{{t(*labels['window'])}} <input name="window" value="{{f.get('window', '')}}" inputmode="numeric" size="5" required></label>
      <label>{{t(*labels['enquire_link'])}} <input name="enquire_link" value="{{f.get('enquire_link', '')}}" inputmode="decimal" size="5" required></label>
      <label>{{t(*labels['validity_minutes'])}} <input name="validity_minutes" value="{{f.get('validity_minutes', '')}}" inputmode="numeric" size="6" required></label>
    </div>
    <div class="row">
      <label>{{t(*labels['price_per_part'])}} <input name="price_per_part" value="{{f.get('price_per_part', '')}}" inputmode="decimal" size="8" required></label>
      <label class="check"><input type="checkbox" name="registered_delivery" value="1" {{!'checked' if f.get('registered_delivery') else ''}}> {{t("Minta laporan terkirim (delivery receipt) untuk setiap pesan", "Ask for a delivery receipt for every message")}}</label>
    </div>
    <div class="row"><button class="primary">{{t("Simpan akun", "Save the account") if editing else t("Tambah akun", "Add the account")}}</button>
    % if editing:
    <a href="/settings/smpp">{{t("Batal", "Cancel")}}</a>
    % end
    </div>
  </form>
</section>
