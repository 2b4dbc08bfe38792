% p = get('p')
% if not p:
<p class="{{'error' if get('kind') == 'error' else 'hint'}}" data-preview="message">{{get('message') or t("Pratinjau belum tersedia.", "No preview yet.")}}</p>
% else:
% seg = p['segments']
% fix = p['gsm7_fix']
% info = get('info')
<div class="preview" data-preview="ok" data-encoding="{{p['encoding']}}" data-segments="{{seg['total']}}">
  % if p['emergency']:
  <p class="pill failed">{{t("DARURAT: mengabaikan penahanan dan jam kirim", "EMERGENCY: ignores the hold and sending hours")}}</p>
  % end
  <dl class="facts">
    <dt>{{t("Penerima", "Recipients")}}</dt>
    <dd><strong data-recipients="{{p['recipients']}}">{{fmt.num(p['recipients'])}}</strong>
      <span class="muted">({{p['audience']['description']}}{{t(f"; {p['audience']['opted_out']} berhenti langganan, {p['audience']['dead']} nomor mati tidak dikirimi" if p['audience']['opted_out'] or p['audience']['dead'] else "", f"; {p['audience']['opted_out']} opted out, {p['audience']['dead']} dead numbers skipped" if p['audience']['opted_out'] or p['audience']['dead'] else "")}})</span>
      % if p['recipients'] > threshold:
      <br><span class="pill awaiting_approval">{{t("Lebih dari", "More than")}} {{fmt.num(threshold)}} {{t("penerima: perlu persetujuan pengguna lain (penyetuju atau admin) sebelum dikirim", "recipients: another user (approver or admin) must approve it before it is sent")}}</span>
      % end
    </dd>
    % if info:
    <dt>{{t("Karakter", "Characters")}}</dt>
    <dd>{{info.characters}} <span class="muted">({{t("contoh penerima pertama; sisa", "first recipient's text;")}} {{info.remaining}} {{t("di SMS terakhir", "left in the last SMS")}})</span></dd>
    % end
    <dt>{{t("Jenis karakter", "Character set")}}</dt>
    <dd>
      % if p['encoding'] == 'gsm7':
      <span class="pill delivered">{{t("huruf biasa (GSM-7)", "plain (GSM-7)")}}</span> <span class="muted">{{t("160 karakter per SMS", "160 characters per SMS")}}</span>
      % else:
      <span class="pill failed">{{t("karakter khusus (UCS-2)", "special characters (UCS-2)")}}</span> <span class="muted">{{t("hanya 70 karakter per SMS, jadi lebih banyak SMS dan biaya lebih mahal (", "only 70 characters per SMS, so more SMS and a higher cost (")}}{{fmt.num(p['ucs2_recipients'])}} {{t("pesan)", "messages)")}}</span>
      % end
    </dd>
    <dt>{{t("Jumlah SMS", "SMS segments")}}</dt>
    <dd><span class="counter"><strong class="{{'bad' if seg['per_message_max'] > 1 else ''}}">{{seg['per_message_max']}}</strong> {{t("SMS per penerima (paling banyak)", "SMS per recipient (at most)")}}, {{t("rata-rata", "average")}} {{seg['per_message_avg']}}; {{t("total", "total")}} <strong>{{fmt.num(seg['total'])}}</strong> SMS</span></dd>
    % r = p.get('route') or {}
    % if not (r.get('smpp') or {}).get('accounts'):
    <dt>{{t("Perkiraan biaya", "Estimated cost")}}</dt>
    <dd><strong>{{fmt.rupiah(p['cost']['total_rupiah'])}}</strong> <span class="muted">({{fmt.rupiah(p['cost']['per_segment_rupiah'])}} {{t("per SMS", "per SMS")}})</span></dd>
    <dt>{{t("Perkiraan waktu kirim", "Estimated sending time")}}</dt>
    <dd>
      % include('eta.tpl', eta=p['time'])
    </dd>
    % else:
    % ch = r['channel']
    <dt>{{t("Jalur kirim", "Sending route")}}</dt>
    <dd data-route-channel="{{ch or 'either'}}"><strong>{{t("Modem kotak", "The box's modems") if ch == 'modem' else (t("Operator (SMPP)", "Operator (SMPP)") if ch == 'smpp' else t("Modem dan operator, mana yang lebih dulu bebas", "Modems and operator, whichever is free first"))}}</strong>
      % if r['choice'] == 'auto':
      <span class="muted">({{t("otomatis", "automatic")}}: {{t(f"lebih dari {fmt.num(r['threshold'])} penerima lewat operator; darurat atau modem penuh (lebih dari {fmt.num(r['overflow_minutes'])} menit) lewat keduanya", f"more than {fmt.num(r['threshold'])} recipients by the operator; emergencies or full modems (over {fmt.num(r['overflow_minutes'])} minutes) by both")}})</span>
      % end
    </dd>
    <dt>{{t("Biaya dan waktu per jalur", "Cost and time per route")}}</dt>
    <dd>
      <div class="table-wrap">
      <table class="routes">
        <thead><tr><th>{{t("Jalur", "Route")}}</th><th class="num">{{t("Perkiraan biaya", "Estimated cost")}}</th><th>{{t("Perkiraan waktu", "Estimated time")}}</th></tr></thead>
        <tbody>
        % m, o = r['modem'], r['smpp']
        <tr data-route="modem" class="{{'chosen' if ch in ('modem', None) else ''}}"><td>{{t("Modem kotak", "The box's modems")}}</td>
          <td class="num"><strong>{{fmt.rupiah(m['cost_rupiah'])}}</strong> <span class="muted">({{fmt.rupiah(m['price_per_part'][0])}} {{t("per SMS", "per SMS")}})</span></td>
          <td>
          % include('eta.tpl', eta=p['time'])
          </td></tr>
        <tr data-route="smpp" class="{{'chosen' if ch in ('smpp', None) else ''}}"><td>{{t("Operator (SMPP)", "Operator (SMPP)")}} <span class="muted">({{fmt.num(o['accounts'])}} {{t("akun", "account(s)")}}, {{fmt.num(o['rate'])}} {{t("SMS/detik", "SMS/s")}})</span></td>
          <td class="num"><strong data-smpp-cost="{{o['cost_rupiah']}}">{{fmt.rupiah(o['cost_rupiah'])}}</strong> <span class="muted">({{fmt.rupiah(o['price_per_part'][0])}}{{(" – " + fmt.rupiah(o['price_per_part'][1])) if o['price_per_part'][1] != o['price_per_part'][0] else ""}} {{t("per SMS", "per SMS")}})</span></td>
          <td data-smpp-minutes="{{o['minutes']}}">± {{t(o['human'], o['human_en'])}}
          % if p['time'].get('reason') == 'hold' and not p['emergency']:
          <span class="muted">({{t("setelah penahanan dicabut", "once the hold is lifted")}})</span>
          % end
          </td></tr>
        </tbody>
      </table>
      </div>
    </dd>
    % end
  </dl>

  % if fix['ucs2_chars'] or fix['ucs2_chars_from_contacts']:
  <div class="card ucs2" data-ucs2="1">
    <strong>{{t("Karakter khusus ini membuat satu SMS hanya muat 70 karakter (lebih mahal). Ganti atau hapus:", "These special characters make one SMS hold only 70 characters (costlier). Replace or remove them:")}}</strong>
    <ul class="chars">
    % for ch in fix['ucs2_chars']:
      <li title="U+{{"%04X" % ord(ch[0])}}"><code>{{ch if ch.strip() else "·"}}</code>
      % if ch in fix['replacements']:
        {{t("ganti dengan", "replace with")}} <code>{{fix['replacements'][ch] or t("(hapus)", "(remove)")}}</code>
      % else:
        — {{t("tidak ada pengganti; hapus bila bisa", "no look-alike; remove it if you can")}}
      % end
      </li>
    % end
    </ul>
    % if fix['ucs2_chars_from_contacts']:
    <p class="hint">{{t("Dari data kontak (nama, desa ...):", "From contact data (names, villages ...):")}} {{" ".join(fix['ucs2_chars_from_contacts'])}}</p>
    % end
    % if fix['suggested_text']:
    <p>{{t("Usulan teks dengan karakter biasa:", "Suggested text with plain characters:")}}</p>
    <div class="suggested" id="suggested">{{fix['suggested_text']}}</div>
    <button type="button" data-use-text="#text" data-text-from="#suggested">{{t("Pakai teks usulan ini", "Use this suggested text")}}</button>
    % if get('no_lookalike'):
    <p class="hint">{{t("Masih perlu dihapus manual:", "Still to remove by hand:")}} {{" ".join(no_lookalike)}}</p>
    % end
    % end
  </div>
  % end

  % for w in p['warnings']:
  % if w['code'] == 'spans_desa':
  % include('wilayah_warning.tpl', ww=w)
  % end
  % end
  % if [w for w in p['warnings'] if w['code'] != 'spans_desa']:
  <ul class="warnings">
  % for w in [w for w in p['warnings'] if w['code'] != 'spans_desa']:
    <li data-warning="{{w['code']}}">{{w['pesan'] if lang == 'id' else w['message']}}
    % if w.get('found'):
      <span class="muted">({{", ".join(str(x) for x in w['found'][:10])}})</span>
    % end
    </li>
  % end
  </ul>
  % end

  % include('preview_examples.tpl', p=p)
</div>
% end
