% rebase('base.tpl')
<p><a href="/campaigns">← {{t("Semua kampanye", "All campaigns")}}</a></p>
<h1>{{c['name']}}
% if c['emergency']:
<span class="pill failed">{{t("DARURAT", "EMERGENCY")}}</span>
% end
</h1>
<section class="card">
  <dl class="facts">
    <dt>{{t("Status", "State")}}</dt><dd><span class="pill {{c['state']}}">{{fmt.state(c['state'])}}</span></dd>
    <dt>{{t("Audiens", "Audience")}}</dt><dd>{{audience}}</dd>
    <dt>{{t("Dibuat oleh", "Created by")}}</dt><dd>{{(c['created_by'] or "-").split(":", 1)[-1]}}, {{fmt.time(c['created_at'])}}</dd>
    % if c['approved_by']:
    <dt>{{t("Disetujui oleh", "Approved by")}}</dt><dd>{{c['approved_by']}}, {{fmt.time(c['approved_at'])}}</dd>
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
  <p class="error">{{t("Ditolak oleh", "Rejected by")}} {{rejected['by'].split(":", 1)[-1]}}: {{rejected['reason']}}</p>
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

% if live:
<div id="live" data-refresh="/campaigns/{{c['id']}}/live">
% else:
<div id="live">
% end
% include('campaign_live.tpl')
</div>

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
