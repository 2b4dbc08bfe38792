% if daemon_health:
<section class="card error" id="daemon-health">
  <strong>{{t("Layanan pengirim tidak berjalan", "The sending service is not running")}}:</strong> {{daemon_health.get("pesan", "")}}
  <div class="muted">{{daemon_health.get("reason", "")}}</div>
  <code>{{daemon_health.get("fix", "")}}</code>
</section>
% end
<section class="card" id="panel-mirror">
  <h2>{{t("Lampu di kotak Siaran", "Lights on the Siaran box")}}</h2>
  <div class="leds">
  % for led in ("power", "network", "sending", "attention"):
  % pattern = leds.get(led, "off")
    <span class="led {{led}} {{pattern}}" data-led="{{led}}" data-pattern="{{pattern}}"><i></i>{{fmt.lamp(led, pattern)}}</span>
  % end
  </div>
  <p class="hint"><a href="/card">{{t("Arti setiap lampu", "What each light means")}}</a></p>
  % if isinstance(throttled, dict) and throttled.get("under_voltage"):
  <p class="error">{{t("Tegangan listrik kurang terdeteksi (under-voltage): ganti adaptor daya Pi dengan 5V 3A yang baik.", "Under-voltage seen: replace the Pi's power supply with a good 5 V 3 A one.")}} ({{throttled.get("raw", "")}})</p>
  % end
  % if usb_state:
  % from firmware.box.panel import usb_status
  % us = usb_status(usb_state)
  % label = {"busy": t("sedang dibaca: JANGAN dicabut", "being read: do NOT pull it out"), "done": t("selesai: aman dicabut", "finished: safe to remove"), "error": t("bermasalah: lihat laporan di flashdisk", "problem: see the report on the stick"), "idle": t("tidak ada", "none")}[us]
  % if us != "idle":
  <p class="usb {{us}}">{{t("Flashdisk", "USB stick")}}: <span class="pill">{{label}}</span> {{usb_state.get("pesan", "") if isinstance(usb_state, dict) else ""}}</p>
  % end
  % end
</section>

<section class="grid" id="queue">
  % for key, label in (("queued", t("Antre", "Queued")), ("sending", t("Sedang dikirim", "Sending")), ("sent", t("Terkirim, menunggu laporan", "Sent, awaiting report")), ("delivered", t("Diterima", "Delivered")), ("failed", t("Gagal", "Failed"))):
  <div class="card"><div class="muted">{{label}}</div><div class="big" data-count="{{key}}">{{fmt.num(counts.get(key, 0))}}</div></div>
  % end
  <div class="card"><div class="muted">{{t("Balasan baru", "New replies")}}</div><div class="big"><a href="/inbox?kind=reply&amp;handled=0">{{fmt.num(inbox_new)}}</a></div></div>
</section>

<section>
<h2>{{t("Kampanye berjalan", "Running campaigns")}}</h2>
% if not campaigns:
<p class="muted">{{t("Tidak ada kampanye yang sedang berjalan.", "No campaign is running.")}}</p>
% end
% for c in campaigns:
<div class="card campaign-progress" data-campaign="{{c['id']}}">
  <a href="/campaigns/{{c['id']}}"><strong>{{c['name']}}</strong></a> <span class="pill {{c['state']}}">{{fmt.state(c['state'])}}</span>
  % if c['emergency']:
  <span class="pill failed">{{t("DARURAT", "EMERGENCY")}}</span>
  % end
  <progress max="100" value="{{c['pct']}}">{{fmt.pct(c['pct'])}}</progress>
  <div class="muted">{{fmt.pct(c['pct'])}} · {{t("terkirim", "sent")}} {{fmt.num(c['sent'])}} / {{fmt.num(c['total'])}} · {{t("diterima", "delivered")}} {{fmt.num(c['delivered'])}} · {{t("gagal", "failed")}} {{fmt.num(c['failed'])}}{{(" · " + t("tidak pasti", "unknown") + " " + fmt.num(c['unknown'])) if c['unknown'] else ""}}
  % if c['eta']:
  ·
  % include('eta.tpl', eta=c['eta'])
  % end
  </div>
</div>
% end
</section>

<section>
<h2>{{t("Modem", "Modems")}}</h2>
% if not modems:
<p class="muted">{{t("Belum ada modem yang dilaporkan layanan Siaran. Periksa apakah layanan berjalan.", "No modem reported by the Siaran service yet. Check that the service runs.")}}</p>
% end
<div class="grid">
% for m in modems:
<div class="card modem" data-modem="{{m['name']}}">
  <strong>{{m['name']}}</strong> <span class="pill {{m['state']}}">{{fmt.state(m['state'])}}</span><br>
  <span class="bars" title="{{m.get('signal_dbm') or '-'}} dBm">{{"▮" * m['bars'] + "▯" * (5 - m['bars'])}}</span>
  {{m.get('operator') or "-"}}<br>
  {{t("Bagian SMS terkirim hari ini", "SMS parts sent today")}}: {{fmt.num(m['sent_today'])}} / {{fmt.num(m['per_day'])}}<br>
  {{t("Pulsa", "Balance")}}: {{m.get('balance') or "-"}} <span class="muted">{{fmt.ago(m.get('balance_at'))}}</span>
  % if m.get('state_reason') or fmt.state_hint(m['state']):
  <div class="muted">{{fmt.state_hint(m['state'])}}{{(" (" + t("rincian teknis, dalam bahasa Inggris", "technical detail") + ": " + m['state_reason'] + ")") if m.get('state_reason') else ""}}</div>
  % end
</div>
% end
</div>
</section>

% if smpp:
<section id="smpp-links">
<h2>{{t("Jalur operator (SMPP)", "Operator route (SMPP)")}}</h2>
<div class="grid">
% words = {"bound": ("tersambung", "connected"), "binding": ("menyambung", "connecting"), "starting": ("memulai", "starting"), "unbound": ("terputus, menyambung lagi", "disconnected, reconnecting"), "refused": ("ditolak server", "refused by the server"), "stopped": ("berhenti", "stopped"), "failed": ("gagal", "failed"), "not_seen": ("belum dijalankan layanan", "not started by the service yet")}
% for a in smpp:
% st = a['state'] if not a['stale'] else 'stale'
<div class="card smpp-link" data-smpp="{{a['name']}}" data-state="{{st}}">
  <strong>{{a['name']}}</strong>
  % if a['stale']:
  <span class="pill failed">{{t("tidak ada kabar", "no news")}}</span>
  % else:
  <span class="pill {{'ready' if a['state'] == 'bound' else ('failed' if a['state'] in ('refused', 'failed') else 'parked')}}">{{t(*words[a['state']]) if a['state'] in words else a['state']}}</span>
  % end
  {{(t("pengirim", "sender") + " " + a['source_addr']) if a.get('source_addr') else ""}}<br>
  {{t("Kecepatan sekarang", "Throughput now")}}: <span data-smpp-rate="{{a['rate_now']}}">{{fmt.num(a['rate_now'])}}</span> {{t("SMS/detik", "SMS/s")}}{{(" (" + t("batas", "limit") + " " + fmt.num(a['rate']) + ")") if a.get('rate') else ""}}<br>
  {{t("Jendela terpakai", "Window in use")}}: <span data-smpp-window="{{a['window_used']}}">{{a['window_used']}}</span>{{(" / " + str(a['window'])) if a.get('window') else ""}}<br>
  {{t("Terkirim sejak dinyalakan", "Sent since start")}}: {{fmt.num(a['sent_total'])}}
  % if a['stale']:
  <div class="muted">{{t("Layanan pengirim tidak melaporkan akun ini sejak", "The sending service has not reported this account since")}} {{fmt.time(a['updated_at']) if a.get('updated_at') else "-"}}.</div>
  % end
  % if a.get('last_error'):
  <div class="muted" data-smpp-error>{{t("Gangguan terakhir", "Last error")}}: {{a['last_error']}}</div>
  % end
</div>
% end
</div>
</section>
% end
