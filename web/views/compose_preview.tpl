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
    <dt>{{t("Unit", "Unit")}}</dt>
    <dd data-unit="{{p['unit']['id']}}">{{p['unit']['name']}}
      % if p['unit']['signature']:
      <span class="muted">— {{t("tanda tangan ditambahkan di akhir setiap pesan dan ikut dihitung:", "signature added at the end of every message and counted:")}}</span> <q data-signature>{{p['unit']['signature']}}</q>
      % end
    </dd>
    % include('route_costs.tpl', p=p)
    % q = p['quota']
    % if q['quota'] is not None:
    <dt>{{t("Kuota bulan ini", "Quota this month")}}</dt>
    <dd data-quota-left="{{q['left']}}"><strong class="{{'bad' if seg['total'] > q['left'] else ''}}">{{fmt.num(q['left'])}}</strong> {{t("SMS tersisa dari", "SMS left of")}} {{fmt.num(q['quota'])}} ({{t("terpakai", "used")}} {{fmt.num(q['used'])}}, {{q['month']}})</dd>
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
