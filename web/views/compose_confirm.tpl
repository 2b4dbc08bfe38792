% rebase('base.tpl')
<h1>{{t("Kirim pesan DARURAT?", "Send an EMERGENCY message?")}}</h1>
<section class="card emergency-confirm" id="emergency-confirm" data-recipients="{{p['recipients']}}">
  <p class="pill failed">{{t("DARURAT", "EMERGENCY")}}</p>
  <p><strong>{{t(f"Pesan ini akan dikirim ke {fmt.num(p['recipients'])} penerima, lebih dulu dari semua pesan lain.", f"This message goes to {fmt.num(p['recipients'])} recipients, before every other message.")}}</strong></p>
  <ul class="warnings">
    <li data-bypass="hold">{{t("Tetap dikirim walaupun PENAHANAN aktif.", "It is sent even while the HOLD is on.")}}
    % if hold.active:
      <strong>{{t("Penahanan sedang aktif", "The hold is on now")}}</strong> ({{t("alasan", "reason")}}: {{hold.reason or "-"}}).
    % end
    </li>
    <li data-bypass="window">{{t(f"Tetap dikirim di luar jam kirim ({window[0]}-{window[1]}), juga malam hari, tanpa batas harian.", f"It is sent outside sending hours ({window[0]}-{window[1]}), at night too, without daily limits.")}}</li>
    <li>{{t("Pakai HANYA untuk bencana (banjir, longsor, gempa), bukan untuk pengumuman biasa.", "Use ONLY for disasters (flood, landslide, earthquake), never for ordinary announcements.")}}</li>
  </ul>
  <dl class="facts">
    <dt>{{t("Nama kampanye", "Campaign name")}}</dt><dd>{{form['name'] or "-"}}</dd>
    <dt>{{t("Penerima", "Recipients")}}</dt><dd>{{fmt.num(p['recipients'])}} <span class="muted">({{p['audience']['description']}})</span></dd>
    <dt>{{t("Jumlah SMS", "SMS segments")}}</dt><dd>{{fmt.num(p['segments']['total'])}}</dd>
    <dt>{{t("Perkiraan biaya", "Estimated cost")}}</dt><dd>{{fmt.rupiah(p['cost']['total_rupiah'])}}</dd>
  </dl>
  % if p['sample']:
  <div class="muted">{{t("Contoh yang diterima", "Example received by")}} {{p['sample']['name'] or t("(tanpa nama)", "(no name)")}}:</div>
  <div class="sms">{{p['sample']['text']}}</div>
  % end
  <h2>{{t("Sebagian penerima", "Some of the recipients")}} ({{len(sample)}} {{t("dari", "of")}} {{fmt.num(p['recipients'])}})</h2>
  <div class="table-wrap"><table id="emergency-sample">
    <thead><tr><th>{{t("Nama", "Name")}}</th><th>{{t("Nomor", "Number")}}</th><th>{{t("Wilayah", "Area")}}</th></tr></thead>
    <tbody>
    % for r in sample:
    <tr><td>{{r['name'] or "-"}}</td><td class="number">{{r['number']}}</td><td>{{r['desa'] or ""}} {{("RW " + r['rw']) if r['rw'] else ""}} {{("RT " + r['rt']) if r['rt'] else ""}}</td></tr>
    % end
    </tbody>
  </table></div>
  <form method="post" action="/compose" class="row" id="emergency-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    % for key, value in carried:
    <input type="hidden" name="{{key}}" value="{{value}}">
    % end
    <button type="submit" name="confirm_emergency" value="1" class="danger" id="emergency-yes">{{t("Ya, kirim DARURAT sekarang", "Yes, send the EMERGENCY now")}}</button>
    <button type="submit" name="action" value="preview" id="emergency-back">{{t("Kembali dan ubah", "Go back and change")}}</button>
  </form>
</section>
