% # Everything on the campaign page that changes while it sends: state, actions, progress, chart and the
% # recipient rows shown. The page includes it; /campaigns/<id>/live sends it alone every few seconds.
<div data-live-state="{{c['state']}}"{{!' data-final="1"' if not live else ''}}>
<section class="card">
  <dl class="facts">
    <dt>{{t("Status", "State")}}</dt><dd><span class="pill {{c['state']}}">{{fmt.state(c['state'])}}</span></dd>
    <dt>{{t("Audiens", "Audience")}}</dt><dd>{{audience}}</dd>
    % if c.get('channel') in ('modem', 'smpp'):
    <dt>{{t("Jalur kirim", "Sending route")}}</dt><dd data-channel="{{c['channel']}}">{{t("Modem kotak", "The box's modems") if c['channel'] == 'modem' else t("Operator (SMPP)", "Operator (SMPP)")}}</dd>
    % end
    <dt>{{t("Dibuat oleh", "Created by")}}</dt><dd>{{fmt.actor(c['created_by'])}}, {{fmt.time(c['created_at'])}}</dd>
    <dt>{{t("Unit", "Unit")}}</dt><dd data-unit>{{c['unit'] or "-"}}{{(" · " + t("tanda tangan", "signature") + ": " + c['signature']) if c['signature'] else ""}}{{(" · " + t("darurat melebihi kuota bulanan unit", "emergency beyond the unit's monthly quota")) if c['over_quota'] else ""}}</dd>
    % if c['approved_by']:
    <dt>{{t("Disetujui oleh", "Approved by")}}</dt><dd>{{fmt.actor(c['approved_by'])}}, {{fmt.time(c['approved_at'])}}</dd>
    % end
    % if c['send_at']:
    <dt>{{t("Mulai kirim", "Starts")}}</dt><dd>{{fmt.time(c['send_at'])}}</dd>
    % end
    % if c['expires_at']:
    <dt>{{t("Batas waktu", "Expires")}}</dt><dd>{{fmt.time(c['expires_at'])}}</dd>
    % end
  </dl>
  <div class="sms" data-text="1">{{c['text']}}</div>
  % if get('rejected'):
  <p class="error">{{t("Ditolak oleh", "Rejected by")}} {{fmt.actor(rejected['by'])}}: {{rejected['reason']}}</p>
  % end
  % if c['state'] == 'awaiting_approval':
  <p class="flash warn">{{t("Menunggu persetujuan pengguna lain (penyetuju atau admin, bukan pembuatnya).", "Awaiting approval by another user (an approver or admin, not its creator).")}} <a href="/approvals">{{t("Buka Persetujuan", "Open Approvals")}}</a></p>
  % end
  % if user.can("operator"):
  <div class="row actions">
    % if c['state'] == 'running':
    <form method="post" action="/campaigns/{{c['id']}}/pause"><input type="hidden" name="csrf" value="{{csrf}}"><button>{{t("Jeda", "Pause")}}</button></form>
    % end
    % if c['state'] == 'paused':
    <form method="post" action="/campaigns/{{c['id']}}/resume"><input type="hidden" name="csrf" value="{{csrf}}"><button class="primary">{{t("Lanjutkan", "Resume")}}</button></form>
    % end
    % if c['state'] in ('running', 'paused', 'done') and (progress['counts'].get('failed') or progress['counts'].get('unknown')):
    <form method="post" action="/campaigns/{{c['id']}}/retry" data-confirm="{{t('Kirim ulang sekali lagi semua pesan yang gagal atau tidak pasti?', 'Send every failed or unknown message once more?')}}"><input type="hidden" name="csrf" value="{{csrf}}"><button>{{t("Kirim ulang yang gagal", "Retry failed")}} ({{fmt.num(progress['counts'].get('failed', 0) + progress['counts'].get('unknown', 0))}})</button></form>
    % end
    % if c['state'] in ('draft', 'awaiting_approval', 'approved', 'running', 'paused'):
    <form method="post" action="/campaigns/{{c['id']}}/cancel" data-confirm="{{t('Batalkan kampanye ini? Pesan yang belum terkirim tidak akan dikirim.', 'Cancel this campaign? Messages not yet sent will not be sent.')}}"><input type="hidden" name="csrf" value="{{csrf}}"><button class="danger">{{t("Batalkan", "Cancel")}}</button></form>
    % end
  </div>
  % end
</section>

% pr = progress
% counts = pr['counts']
<div class="card campaign-progress" data-campaign="{{c['id']}}" data-pct="{{pr['pct']}}">
  <span class="pill {{c['state']}}" data-state="{{c['state']}}">{{fmt.state(c['state'])}}</span>
  % if not pr['total'] and c['state'] in ('draft', 'awaiting_approval'):
  % # Nothing is queued before approval: "terkirim 0 / 0" would say the campaign has no recipients.
  <div data-not-queued>{{t("Belum ada yang diantrekan: pesan masuk antrean setelah", "Nothing queued yet: messages are queued once it is")}} {{t("disetujui", "approved") if c['state'] == 'awaiting_approval' else t("dikirim", "sent")}}.</div>
  % else:
  <progress max="100" value="{{pr['pct']}}">{{fmt.pct(pr['pct'])}}</progress>
  <div><strong>{{fmt.pct(pr['pct'])}}</strong> {{t("selesai", "finished")}} · {{t("terkirim", "sent")}} {{fmt.num(pr['sent'])}} / {{fmt.num(pr['total'])}} · {{t("diterima", "delivered")}} {{fmt.num(pr['delivered'])}} · {{t("gagal", "failed")}} {{fmt.num(pr['failed'])}}{{(" · " + t("tidak pasti", "unknown") + " " + fmt.num(pr['unknown'])) if pr['unknown'] else ""}}
  % if pr['outstanding']:
  · {{t("belum dikirim", "still to send")}} {{fmt.num(pr['outstanding'])}}
  % end
  </div>
  % end
  % if pr['eta']:
  <div class="muted">{{t("Perkiraan waktu", "Estimated time")}}:
  % include('eta.tpl', eta=pr['eta'])
  </div>
  % end
  % if c['state'] == 'paused':
  <div class="muted">{{t("Dijeda: tidak ada yang dikirim sampai dilanjutkan.", "Paused: nothing is sent until it is resumed.")}}</div>
  % elif get('hold') and hold.active and not c['emergency'] and pr['outstanding'] and not pr['eta']:
  <div class="muted">{{t("Penahanan aktif: kampanye ini menunggu sampai penahanan dicabut.", "Hold is on: this campaign waits until the hold is lifted.")}}</div>
  % end
</div>
<div class="grid counts">
  % for key in ("queued", "paused", "sending", "sent", "delivered", "failed", "unknown", "cancelled", "expired", "suppressed"):
  % if counts.get(key):
  <a class="card" href="/campaigns/{{c['id']}}?state={{key}}#recipients"><span class="muted">{{fmt.state(key)}}</span><br><span class="big" data-count="{{key}}">{{fmt.num(counts[key])}}</span></a>
  % end
  % end
</div>
<h2>{{t("Pengiriman dari waktu ke waktu", "Deliveries over time")}}</h2>
% if chart:
<div class="chart-wrap">{{!chart}}</div>
% else:
<p class="muted">{{t("Grafik muncul setelah pesan pertama terkirim.", "The chart appears once the first message is sent.")}}</p>
% end

<section id="recipients">
<h2>{{t("Penerima", "Recipients")}}</h2>
<p><a class="button" href="/campaigns/{{c['id']}}/report.csv" download>{{t("Unduh laporan (CSV untuk Excel)", "Download report (CSV for Excel)")}}</a></p>
<nav class="filters">
  <a href="/campaigns/{{c['id']}}#recipients" class="pill {{'on' if not state else ''}}">{{t("semua", "all")}} ({{fmt.num(progress['total'])}})</a>
  % for key in states:
  % if progress['counts'].get(key):
  <a href="/campaigns/{{c['id']}}?state={{key}}#recipients" class="pill {{key}} {{'on' if state == key else ''}}">{{fmt.state(key)}} ({{fmt.num(progress['counts'][key])}})</a>
  % end
  % end
</nav>
% if not rows:
<p class="muted">{{t("Belum ada pesan untuk ditampilkan.", "No messages to show yet.")}}</p>
% else:
<div class="table-wrap">
<table class="recipients">
  <thead><tr><th>{{t("Nama", "Name")}}</th><th>{{t("Nomor", "Number")}}</th><th>{{t("Wilayah", "Area")}}</th><th>{{t("Status", "State")}}</th><th>{{t("Alasan", "Reason")}}</th><th>{{t("Dikirim", "Sent")}}</th><th>{{t("Selesai", "Finished")}}</th></tr></thead>
  <tbody>
  % for r in rows:
  <tr data-message="{{r['id']}}">
    <td>{{r['name'] or "-"}}</td>
    <td class="number">{{r['shown_number']}}</td>
    <td>{{r['desa'] or ""}} {{("RT " + r['rt']) if r['rt'] else ""}} {{("RW " + r['rw']) if r['rw'] else ""}}</td>
    <td><span class="pill {{r['state']}}">{{fmt.state(r['state'])}}</span></td>
    <td>{{r['reason']}}</td>
    <td>{{fmt.time(r['sent_at'])}}</td>
    <td>{{fmt.time(r['done_at'])}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
% end
% if pages > 1:
% q = ("state=" + state + "&") if state else ""
<div class="pager">
  % if page_no > 1:
  <a href="/campaigns/{{c['id']}}?{{q}}page={{page_no - 1}}#recipients">← {{t("Sebelumnya", "Previous")}}</a>
  % end
  <span>{{t("Halaman", "Page")}} {{page_no}} / {{pages}}</span>
  % if page_no < pages:
  <a href="/campaigns/{{c['id']}}?{{q}}page={{page_no + 1}}#recipients">{{t("Berikutnya", "Next")}} →</a>
  % end
</div>
% end
</section>
</div>
