% rebase('base.tpl')
<h1>{{t("Token API", "API tokens")}}</h1>
<p class="hint">{{t("Sistem lain (misalnya sistem peringatan dini BPBD) memakai token untuk mengirim pesan dan membaca status lewat", "Other systems (for example BPBD's early-warning system) use a token to send messages and read status through")}} <a href="/api/v1/docs">/api/v1</a> (<a href="/api/v1/openapi.json">OpenAPI</a>).</p>
% if get('new_token'):
<div class="card token-new" role="status">
  <h2>{{t("Token baru untuk", "New token for")}} {{new_name}}</h2>
  <p><strong>{{t("Salin sekarang: token ini hanya ditampilkan sekali.", "Copy it now: this token is shown only once.")}}</strong> {{t("Siaran hanya menyimpan sidik (SHA-256)-nya; bila hilang, cabut lalu buat yang baru.", "Siaran keeps only its fingerprint (SHA-256); if it is lost, revoke it and make a new one.")}}</p>
  <code class="token" id="new-token">{{new_token}}</code>
  <p class="hint">{{t("Kirim sebagai header", "Send it as the header")}} <code>Authorization: Bearer {{new_token[:12]}}…</code></p>
</div>
% end
<section class="card">
  <h2>{{t("Buat token", "Create a token")}}</h2>
  % if get('error'):
  <p class="error" role="alert">{{error}}</p>
  % end
  <form method="post" action="/tokens" class="stack">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{t("Nama sistem", "System name")}} <input name="name" required maxlength="64" value="{{get('token_name', '')}}" placeholder="BPBD EWS"></label>
    <fieldset class="token-scopes">
      <legend>{{t("Cakupan (scope)", "Scopes")}}</legend>
      % for key, (id_text, en_text) in scopes.items():
      <label class="check"><input type="checkbox" name="scope" value="{{key}}" {{'checked' if key in get('chosen', ()) else ''}}> <code>{{key}}</code>: {{t(id_text, en_text)}}</label>
      % end
    </fieldset>
    <label>{{t("Unit", "Unit")}}
      <select name="unit">
        <option value="">{{t("Semua unit (kampanye baru masuk unit pertama)", "Every unit (new campaigns go to the first unit)")}}</option>
        % for u in units:
        <option value="{{u['id']}}">{{u['name']}}</option>
        % end
      </select>
    </label>
    <p class="hint">{{t("Token untuk satu unit hanya membuat dan membaca kampanye unit itu (mis. sistem peringatan dini BPBD untuk unit BPBD).", "A token for one unit only creates and reads that unit's campaigns (e.g. BPBD's early-warning system for the BPBD unit).")}}</p>
    <div><button class="primary">{{t("Buat token", "Create token")}}</button></div>
  </form>
</section>
<h2>{{t("Token", "Tokens")}}</h2>
% if not tokens:
<p class="muted">{{t("Belum ada token.", "No tokens yet.")}}</p>
% else:
<div class="table-wrap">
<table class="tokens">
  <thead><tr><th>{{t("Nama", "Name")}}</th><th>{{t("Cakupan", "Scopes")}}</th><th>{{t("Dibuat", "Created")}}</th><th>{{t("Terakhir dipakai", "Last used")}}</th><th>{{t("Status", "Status")}}</th><th></th></tr></thead>
  <tbody>
  % for row in tokens:
  <tr class="{{'revoked' if row['revoked_at'] else ''}}">
    <td>{{row['name']}}</td>
    <td>{{", ".join(row['scopes'])}}<br><span class="muted">{{t("unit", "unit")}}: {{row['unit'] or t("semua", "all")}}</span></td>
    <td>{{fmt.time(row['created_at'])}}<br><span class="muted">{{fmt.actor(row['created_by'])}}</span></td>
    <td>{{fmt.ago(row['last_used_at']) if row['last_used_at'] else t("belum pernah", "never")}}</td>
    % if row['revoked_at']:
    <td><span class="pill cancelled">{{t("dicabut", "revoked")}}</span><br><span class="muted">{{fmt.time(row['revoked_at'])}} · {{fmt.actor(row['revoked_by'])}}</span></td>
    <td></td>
    % else:
    <td><span class="pill ready">{{t("aktif", "active")}}</span></td>
    <td><form method="post" action="/tokens/{{row['id']}}/revoke" class="inline" data-confirm="{{t('Cabut token ' + row['name'] + '? Sistem yang memakainya tidak bisa mengirim lagi.', 'Revoke the token ' + row['name'] + '? The system using it can no longer send.')}}"><input type="hidden" name="csrf" value="{{csrf}}"><button class="danger">{{t("Cabut", "Revoke")}}</button></form></td>
    % end
  </tr>
  % end
  </tbody>
</table>
</div>
% end
