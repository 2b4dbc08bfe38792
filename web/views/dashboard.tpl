% rebase('base.tpl')
<h1>{{t("Dasbor", "Dashboard")}}</h1>
% if not contacts:
<div class="card"><strong>{{t("Mulai di sini", "Start here")}}:</strong> {{t("impor daftar kontak (CSV atau Excel) di", "import a contact list (CSV or Excel) on")}} <a href="/import">{{t("Kontak → Impor", "Contacts → Import")}}</a>, {{t("lalu tulis pesan di", "then write a message on")}} <a href="/compose">{{t("Tulis Pesan", "Compose")}}</a>.</div>
% end
<div id="live" data-refresh="/dashboard/live">
% include('dashboard_live.tpl')
</div>
