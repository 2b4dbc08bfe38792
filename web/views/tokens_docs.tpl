% rebase('base.tpl')
<h1>{{doc['info']['title']}} {{doc['info']['version']}}</h1>
<p>{{t("Dokumen mesin (OpenAPI 3.1):", "Machine-readable document (OpenAPI 3.1):")}} <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></p>
<div class="card api-intro">
% for para in doc['info']['description'].split("\n\n"):
<p>{{para.replace("**", "").replace("`", "")}}</p>
% end
</div>
% for op in operations:
<section class="card api-op">
  <h2><code class="method">{{op['method']}}</code> <code>{{op['path']}}</code></h2>
  <p><strong>{{op['summary']}}</strong></p>
  <p>{{op['description'].replace("`", "")}}</p>
  % if op['public']:
  <p class="muted">{{t("Token: tidak perlu", "Token: not needed")}}</p>
  % end
</section>
% end
