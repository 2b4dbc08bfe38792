% pr = progress
% counts = pr['counts']
<div class="card campaign-progress" data-campaign="{{c['id']}}" data-pct="{{pr['pct']}}">
  <span class="pill {{c['state']}}" data-state="{{c['state']}}">{{fmt.state(c['state'])}}</span>
  <progress max="100" value="{{pr['pct']}}">{{pr['pct']}}%</progress>
  <div><strong>{{pr['pct']}}%</strong> {{t("selesai", "finished")}} · {{t("terkirim", "sent")}} {{fmt.num(pr['sent'])}} / {{fmt.num(pr['total'])}} · {{t("diterima", "delivered")}} {{fmt.num(pr['delivered'])}} · {{t("gagal", "failed")}} {{fmt.num(pr['failed'])}}
  % if pr['outstanding']:
  · {{t("belum dikirim", "still to send")}} {{fmt.num(pr['outstanding'])}}
  % end
  </div>
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
