% rebase('base.tpl')
<h1>{{t("Kampanye", "Campaigns")}}</h1>
% if user.can("operator"):
<p><a class="button primary" href="/compose">{{t("Tulis pesan baru", "Write a new message")}}</a></p>
% end
% if not campaigns:
<p class="muted">{{t("Belum ada kampanye.", "No campaign yet.")}}</p>
% else:
<div class="table-wrap">
<table class="campaigns">
  <thead><tr><th>{{t("Nama", "Name")}}</th><th>{{t("Status", "State")}}</th><th>{{t("Kemajuan", "Progress")}}</th><th class="num">{{t("Penerima", "Recipients")}}</th><th class="num">{{t("Diterima", "Delivered")}}</th><th class="num">{{t("Gagal / tidak pasti", "Failed / unknown")}}</th><th>{{t("Dibuat", "Created")}}</th></tr></thead>
  <tbody>
  % for c in campaigns:
  <tr data-campaign="{{c['id']}}">
    <td><a href="/campaigns/{{c['id']}}">{{c['name']}}</a>
      % if c['emergency']:
      <span class="pill failed">{{t("DARURAT", "EMERGENCY")}}</span>
      % end
      <div class="muted">{{c['audience'] or "-"}}</div>
      % if user.within is None:
      <div class="muted" data-campaign-unit>{{t("Unit", "Unit")}}: {{c['unit'] or "-"}}</div>
      % end
      % if c['over_quota']:
      <span class="pill failed" data-over-quota>{{t("melebihi kuota", "beyond quota")}}</span>
      % end
      </td>
    <td><span class="pill {{c['state']}}">{{fmt.state(c['state'])}}</span></td>
    <td>
      % if c['total']:
      <progress max="100" value="{{c['pct']}}">{{fmt.pct(c['pct'])}}</progress> <span class="muted">{{fmt.pct(c['pct'])}}</span>
      % else:
      -
      % end
    </td>
    <td class="num">{{fmt.num(c['recipients'] if c['recipients'] is not None else c['total'])}}</td>
    <td class="num">{{fmt.num(c['delivered'])}}</td>
    <td class="num">{{fmt.num(c['failed'] + c['unknown'])}}</td>
    <td>{{fmt.time(c['created_at'])}}<div class="muted">{{fmt.actor(c['created_by'])}}</div></td>
  </tr>
  % end
  </tbody>
</table>
</div>
% end
