% rebase('base.tpl')
<h1>{{t("Unit (Dinas)", "Units (agencies)")}}</h1>
<p class="hint">{{t("Beberapa dinas dapat memakai satu perangkat Siaran (mis. Diskominfo, Damkar, BPBD, Dinkes). Setiap pengguna masuk satu unit: operator, penyetuju dan pemantau hanya melihat dan mengelola kampanye unitnya sendiri; admin melihat semua. Kampanye disetujui oleh penyetuju dari unit yang sama, kecuali pesan DARURAT (penyetuju mana pun). Tanda tangan unit ditambahkan di akhir setiap pesan dan ikut dihitung dalam jumlah SMS dan biaya. Nama pengirim (maks. 11 huruf/angka, boleh spasi atau - . _ &) dipakai jalur operator (SMPP) untuk kampanye unit itu (SMS masking; daftarkan dulu ke penyedia). Kuota bulanan (jumlah SMS) menolak kampanye yang melebihinya; pesan darurat tetap dikirim dan ditandai di laporan.", "Several agencies can share one Siaran box (e.g. Diskominfo, the fire brigade, BPBD, health). Every user belongs to one unit: operators, approvers and viewers see and manage only their own unit's campaigns; admins see all. An approver of the same unit approves a campaign, except EMERGENCY messages (any approver). The unit's signature is added at the end of every message and counted in the SMS count and cost. The sender name (at most 11 letters/digits, spaces or - . _ & allowed) is what the operator route (SMPP) sends the unit's campaigns under (SMS masking; register it with the provider first). A monthly quota (SMS parts) refuses campaigns that would go beyond it; emergencies still go out and are flagged in the report.")}} <a href="/units/report">{{t("Laporan bulanan per unit", "Monthly report per unit")}}</a></p>
% if error:
<p class="error" role="alert">{{error}}</p>
% end
<div class="table-wrap">
<table class="units">
  <thead><tr><th>{{t("Nama", "Name")}}</th><th>{{t("Tanda tangan", "Signature")}}</th><th>{{t("Nama pengirim", "Sender name")}}</th><th>{{t("Kuota bulanan (SMS)", "Monthly quota (SMS)")}}</th><th>{{t("Biaya per SMS", "Cost per SMS")}}</th><th class="num">{{t("Pengguna", "Users")}}</th><th></th></tr></thead>
  <tbody>
  % for u in units:
  % q = u['quota_status']
  % e = edit if edit and edit['id'] == u['id'] else None
  <tr data-unit="{{u['name']}}">
    <td><input form="unit-{{u['id']}}" name="name" required maxlength="60" value="{{e['name'] if e else u['name']}}" aria-label="{{t('Nama', 'Name')}}"></td>
    <td><input form="unit-{{u['id']}}" name="signature" maxlength="60" value="{{e['signature'] if e else u['signature']}}" placeholder="-Damkar" aria-label="{{t('Tanda tangan', 'Signature')}}"></td>
    <td><input form="unit-{{u['id']}}" name="sender_name" maxlength="11" size="11" value="{{e['sender_name'] if e else (u['sender_name'] or '')}}" aria-label="{{t('Nama pengirim', 'Sender name')}}"></td>
    <td><input form="unit-{{u['id']}}" name="monthly_quota" inputmode="numeric" size="8" value="{{e['monthly_quota'] if e else ('' if u['monthly_quota'] is None else u['monthly_quota'])}}" placeholder="{{t('tanpa kuota', 'no quota')}}" aria-label="{{t('Kuota bulanan', 'Monthly quota')}}">
      <div class="muted" data-quota-used="{{q['used']}}">{{t("terpakai", "used")}} {{fmt.num(q['used'])}} ({{q['month']}})</div></td>
    <td><input form="unit-{{u['id']}}" name="cost_per_part" inputmode="decimal" size="6" value="{{e['cost_per_part'] if e else ('' if u['cost_per_part'] is None else fmt.num(u['cost_per_part']))}}" placeholder="{{fmt.num(default_cost)}}" aria-label="{{t('Biaya per SMS', 'Cost per SMS')}}"></td>
    <td class="num">{{fmt.num(u['users'])}}</td>
    <td><form method="post" action="/units/{{u['id']}}" id="unit-{{u['id']}}" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button>{{t("Simpan", "Save")}}</button></form></td>
  </tr>
  % end
  </tbody>
</table>
</div>
<p class="hint">{{t("Kosongkan kuota bila tidak dibatasi; kosongkan biaya untuk memakai biaya per SMS di Pengaturan. Pindahkan pengguna antar unit di halaman Pengguna.", "Leave the quota empty for none; leave the cost empty to use the cost per SMS from Settings. Move users between units on the Users page.")}}</p>

<section class="card" id="add-unit">
  <h2>{{t("Tambah unit", "Add a unit")}}</h2>
  <form method="post" action="/units" class="stack">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <div class="row">
      <label>{{t("Nama", "Name")}} <input name="name" required maxlength="60" value="{{form.get('name', '')}}" placeholder="Damkar"></label>
      <label>{{t("Tanda tangan", "Signature")}} <input name="signature" maxlength="60" value="{{form.get('signature', '')}}" placeholder="-Damkar Kota Bandung"></label>
      <label>{{t("Nama pengirim (opsional)", "Sender name (optional)")}} <input name="sender_name" maxlength="11" value="{{form.get('sender_name', '')}}" placeholder="DAMKARBDG"></label>
      <label>{{t("Kuota bulanan, SMS (opsional)", "Monthly quota, SMS (optional)")}} <input name="monthly_quota" inputmode="numeric" value="{{form.get('monthly_quota', '')}}"></label>
      <label>{{t("Biaya per SMS, Rp (opsional)", "Cost per SMS, Rp (optional)")}} <input name="cost_per_part" inputmode="decimal" value="{{form.get('cost_per_part', '')}}"></label>
    </div>
    <div><button class="primary">{{t("Tambah", "Add")}}</button></div>
  </form>
</section>
