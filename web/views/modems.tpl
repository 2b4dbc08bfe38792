% rebase('base.tpl')
% admin = user.can("admin")
<h1>{{t("Modem", "Modems")}}</h1>
<p class="hint">{{t("Keadaan setiap modem seperti dilaporkan layanan Siaran (diperbarui tiap menit).", "Each modem as the Siaran service reports it (refreshed every minute).")}} <a href="/modems">{{t("Muat ulang", "Reload")}}</a></p>

% if not modems:
<p class="muted" id="no-modems">{{t("Belum ada modem yang dilaporkan layanan Siaran. Periksa apakah layanan berjalan (sudo systemctl status siaran).", "No modem reported by the Siaran service yet. Check that the service runs (sudo systemctl status siaran).")}}</p>
% end

% for m in modems:
<section class="card modem-detail" id="modem-{{m['name']}}" data-modem="{{m['name']}}">
  <h2>{{m['name']}} <span class="pill {{m['state']}}">{{fmt.state(m['state'])}}</span></h2>
  % if m.get('state_reason') or fmt.state_hint(m['state']):
  <p class="{{'error' if m['state'] in ('dead', 'absent', 'recovering', 'parked', 'disk_full', 'storage_error', 'failed') else 'muted'}}">{{fmt.state_hint(m['state'])}}
    % if m.get('state_reason'):
    <span class="muted" data-reason>({{t("rincian teknis, dalam bahasa Inggris", "technical detail")}}: {{m['state_reason']}})</span>
    % end
  </p>
  % end
  % if m.get('parked_until') and m['state'] == 'parked':
  <p class="muted">{{t("Dicoba lagi", "Tried again")}}: {{fmt.time(m['parked_until'])}}</p>
  % end
  <div class="modem-grid">
  <dl class="facts">
    <dt>{{t("Sinyal", "Signal")}}</dt>
    <dd><span class="bars" title="{{m.get('signal_dbm') if m.get('signal_dbm') is not None else '-'}} dBm">{{"▮" * m['bars'] + "▯" * (5 - m['bars'])}}</span> {{m['signal_dbm'] if m.get('signal_dbm') is not None else "-"}} dBm ({{m['bars']}}/5)</dd>
    <dt>{{t("Operator", "Operator")}}</dt>
    <dd>{{m.get('operator') or "-"}}
      % if m.get('operator_code'):
      <span class="muted">({{m['operator_code']}})</span>
      % end
      % if m.get('route'):
      · {{t("melayani nomor", "serves numbers of")}} {{m['route']}}
      % end
    </dd>
    <dt>{{t("Jaringan", "Network")}}</dt>
    <dd title="{{m.get('registration') or ''}}">{{fmt.registration(m.get('registration'))}}</dd>
    <dt>{{t("Pulsa", "Balance")}}</dt>
    <dd class="balance">{{m.get('balance') or "-"}} <span class="muted">{{fmt.ago(m.get('balance_at'))}}</span></dd>
    <dt>{{t("Bagian SMS terkirim hari ini", "SMS parts sent today")}}</dt>
    <dd>{{fmt.num(m['sent_today'])}} / {{fmt.num(m['per_day'])}} <span class="muted">({{t("batas", "limits")}} {{m['per_minute']}}/{{t("mnt", "min")}}, {{m['per_hour']}}/{{t("jam", "h")}})</span>
      % if m['per_day']:
      <progress max="{{m['per_day']}}" value="{{min(m['sent_today'], m['per_day'])}}"></progress>
      % end
    </dd>
    <dt>{{t("Total bagian SMS terkirim", "SMS parts sent in all")}}</dt>
    <dd>{{fmt.num(m.get('sent_total') or 0)}}</dd>
    <dt>{{t("Gangguan", "Problems")}}</dt>
    <dd>
      % if m['errors']:
      % for cls, n in sorted(m['errors'].items()):
      <span class="pill">{{cls}}: {{n}}</span>
      % end
      % else:
      {{t("tidak ada", "none")}}
      % end
    </dd>
    <dt>{{t("Terakhir terlihat", "Last seen")}}</dt>
    <dd>{{fmt.ago(m.get('last_seen'))}}</dd>
    <dt>{{t("Perangkat", "Device")}}</dt>
    <dd>{{m.get('manufacturer') or ''}} {{m.get('model_name') or m.get('model') or '-'}} <span class="muted">{{m.get('revision') or ''}}</span><br>
      <span class="muted">{{t("Port", "Port")}} {{m.get('port') or '-'}} · IMEI {{m['imei4']}} · ICCID {{m['iccid4']}} · IMSI {{m['imsi4']}}</span></dd>
    <dt>{{t("Berjalan sejak", "Running since")}}</dt>
    <dd>{{fmt.time(m.get('started_at'))}} <span class="muted">· {{t("diperbarui", "updated")}} {{fmt.ago(m.get('updated_at'))}}</span></dd>
  </dl>
  <figure class="signal">
    {{!m['chart']}}
    <figcaption class="muted">{{t("Sinyal 24 jam terakhir (dBm; garis putus-putus: 5, 3 dan 1 bar; tanda merah: modem tidak siap).", "Signal over the last 24 hours (dBm; dashed lines: 5, 3 and 1 bars; red marks: modem not ready).")}}</figcaption>
  </figure>
  </div>

  % if m['requests']:
  <h3>{{t("Permintaan cek pulsa", "Balance check requests")}}</h3>
  <div class="table-wrap">
  <table class="requests">
    <thead><tr><th>{{t("Diminta", "Requested")}}</th><th>{{t("Oleh", "By")}}</th><th>{{t("Selesai", "Done")}}</th><th>{{t("Hasil", "Result")}}</th></tr></thead>
    <tbody>
    % for r in m['requests']:
    <tr data-request="{{r['id']}}"><td>{{fmt.time(r['requested_at'])}}</td><td>{{fmt.actor(r['requested_by'])}}</td>
      <td>{{fmt.time(r['done_at']) if r['done_at'] else t("menunggu modem", "waiting for the modem")}}</td><td>{{r['result'] or "-"}}</td></tr>
    % end
    </tbody>
  </table>
  </div>
  % end

  % if admin:
  <form method="post" action="/modems/{{m['name']}}/balance" class="row">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <button{{!' disabled' if m['pending'] else ''}}>{{t("Cek pulsa sekarang", "Check balance now")}}</button>
    <span class="hint">{{t("Modem menanyakan sisa pulsa ke operator (kode USSD) saat tidak sedang mengirim.", "The modem asks the operator for the balance (USSD code) when it is not sending.")}}</span>
  </form>
  % end
</section>
% end

% if admin:
<section class="card" id="test-send">
  <h2>{{t("Kirim SMS uji", "Send a test SMS")}}</h2>
  <p class="hint">{{t("Satu SMS masuk antrean dan dikirim sebelum kampanye biasa. Bukan pesan darurat: tetap menunggu bila di luar jam kirim atau pengiriman ditahan. Modem mana pun yang siap akan mengirimnya.", "One SMS is queued and goes before ordinary campaigns. It is not an emergency: it waits outside sending hours or while sending is on hold. Whichever modem is ready sends it.")}}</p>
  % if error:
  <p class="error" role="alert">{{error}}</p>
  % end
  <form method="post" action="/modems/test" class="stack">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{t("Nomor tujuan", "Recipient number")}} <input name="number" value="{{number}}" inputmode="tel" placeholder="0812..." required maxlength="40"></label>
    <label>{{t("Teks (kosongkan untuk teks uji bawaan)", "Text (leave empty for the default test text)")}} <textarea name="text" maxlength="1000">{{text}}</textarea></label>
    <div><button class="primary">{{t("Antrekan SMS uji", "Queue the test SMS")}}</button></div>
  </form>
</section>
% end
