% rebase('base.tpl')
<h1>{{t("Persetujuan", "Approvals")}}</h1>
<p class="hint">{{t("Kampanye untuk lebih dari", "Campaigns to more than")}} {{fmt.num(threshold)}} {{t("penerima harus diperiksa dan disetujui oleh pengguna lain (penyetuju atau admin) sebelum dikirim. Pembuat kampanye tidak boleh menyetujui kampanyenya sendiri.", "recipients must be checked and approved by another user (approver or admin) before they are sent. The creator may not approve their own campaign.")}}</p>
% if not items:
<p class="muted">{{t("Tidak ada kampanye yang menunggu persetujuan.", "No campaign awaits approval.")}}</p>
% end
% for it in items:
% c = it['c']
% p = it['p']
<section class="card approval" data-campaign="{{c['id']}}">
  % if user.within is None or user.within == c['unit_id']:
  <h2><a href="/campaigns/{{c['id']}}">{{c['name']}}</a>
  % else:
  <h2>{{c['name']}} <span class="muted">({{t("unit", "unit")}} {{c['unit']}})</span>
  % end
  % if c['emergency']:
  <span class="pill failed">{{t("DARURAT", "EMERGENCY")}}</span>
  % end
  </h2>
  % if c['emergency']:
  <p class="flash warn" data-bypass="hold">{{t("Pesan DARURAT: begitu disetujui, dikirim lebih dulu dari semua pesan lain, walaupun PENAHANAN aktif dan di luar jam kirim.", "EMERGENCY message: once approved it goes before every other message, even while the HOLD is on and outside sending hours.")}}</p>
  % end
  <div class="sms">{{c['text']}}</div>
  % if it['error']:
  <p class="error">{{it['error']}}</p>
  % end
  % if p:
  <dl class="facts">
    <dt>{{t("Dibuat oleh", "Created by")}}</dt><dd>{{fmt.actor(c['created_by'])}}, {{fmt.time(c['created_at'])}}</dd>
    <dt>{{t("Audiens", "Audience")}}</dt><dd>{{p['audience']['description']}}</dd>
    <dt>{{t("Penerima", "Recipients")}}</dt><dd><strong>{{fmt.num(p['recipients'])}}</strong></dd>
    <dt>{{t("Jumlah SMS", "SMS segments")}}</dt><dd>{{p['segments']['per_message_max']}} {{t("per penerima (paling banyak)", "per recipient (at most)")}}; {{t("total", "total")}} {{fmt.num(p['segments']['total'])}} ({{t("huruf biasa, 160 karakter per SMS", "plain, 160 characters per SMS") if p['encoding'] == 'gsm7' else t("karakter khusus, hanya 70 karakter per SMS", "special characters, only 70 characters per SMS")}})</dd>
    % include('route_costs.tpl', p=p)
    % if c['send_at']:
    <dt>{{t("Mulai kirim", "Starts")}}</dt><dd>{{fmt.time(c['send_at'])}}</dd>
    % end
    % if c['expires_at']:
    <dt>{{t("Batas waktu", "Expires")}}</dt><dd>{{fmt.time(c['expires_at'])}}</dd>
    % end
  </dl>
  % if p['warnings']:
  <ul class="warnings">
  % for w in p['warnings']:
    <li>{{w['pesan'] if lang == 'id' else w['message']}}</li>
  % end
  </ul>
  % end
  % include('preview_examples.tpl', p=p)
  % end
  % if user.can("approver"):
  % own = (c['created_by'] or "").split(":", 1)[-1].strip().lower() == me.lower()
  % if own:
  <p class="hint">{{t("Ini kampanye Anda sendiri: pengguna lain harus menyetujuinya.", "This is your own campaign: another user must approve it.")}}</p>
  % end
  <div class="row actions">
    <form method="post" action="/approvals/{{c['id']}}/approve" data-confirm="{{t('Setujui dan kirim kampanye ini sekarang?', 'Approve and send this campaign now?')}}"><input type="hidden" name="csrf" value="{{csrf}}"><button class="primary">{{t("Setujui dan kirim", "Approve and send")}}</button></form>
    <form method="post" action="/approvals/{{c['id']}}/reject" class="row"><input type="hidden" name="csrf" value="{{csrf}}">
      <label>{{t("Alasan penolakan", "Reason for rejecting")}} <input type="text" name="reason" maxlength="500" required></label>
      <button class="danger">{{t("Tolak", "Reject")}}</button>
    </form>
  </div>
  % else:
  <p class="hint">{{t("Hanya penyetuju atau admin yang dapat menyetujui.", "Only an approver or admin can approve.")}}</p>
  % end
</section>
% end
