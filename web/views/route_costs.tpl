% # Cost and time of a campaign (its preview ``p``): the modems' alone, or per route once an operator account exists.
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
