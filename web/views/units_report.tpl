% rebase('base.tpl')
<h1>{{t("Laporan bulanan per unit", "Monthly report per unit")}}</h1>
<p class="hint">{{t("Untuk bagian keuangan: jumlah kampanye, pesan, SMS yang diserahkan ke modem bulan ini (setiap percobaan dihitung, karena operator menagihnya), biaya, pesan diterima dan gagal, tingkat terkirim (diterima ÷ pesan), kuota dan pesan darurat yang melebihi kuota. Waktu kantor", "For the finance office: campaigns, messages, SMS parts handed to the modems in the month (every try counts: the operator charges it), cost, messages delivered and failed, delivery rate (delivered ÷ messages), the quota and emergencies beyond it. Office time")}} ({{fmt.zone or "UTC"}}).</p>
% if error:
<p class="error" role="alert">{{error}}</p>
% end
<form method="get" action="/units/report" class="row">
  <label>{{t("Bulan", "Month")}} <input type="month" name="month" value="{{month}}" pattern="[0-9]{4}-[0-9]{2}"></label>
  <button>{{t("Tampilkan", "Show")}}</button>
  <a class="button" id="unit-report-csv" href="/units/report.csv?month={{month}}" download>{{t("Unduh CSV (Excel)", "Download CSV (Excel)")}}</a>
</form>
<div class="table-wrap">
<table class="unit-report">
  <thead><tr><th>{{t("Unit", "Unit")}}</th><th class="num">{{t("Kampanye", "Campaigns")}}</th><th class="num">{{t("Pesan", "Messages")}}</th><th class="num">{{t("SMS", "SMS parts")}}</th><th class="num">{{t("Biaya", "Cost")}}</th><th class="num">{{t("Diterima", "Delivered")}}</th><th class="num">{{t("Gagal", "Failed")}}</th><th class="num">{{t("Tingkat terkirim", "Delivery rate")}}</th><th class="num">{{t("Kuota", "Quota")}}</th><th class="num">{{t("Darurat melebihi kuota", "Emergencies beyond quota")}}</th></tr></thead>
  <tbody>
  % for r in rows:
  <tr data-unit="{{r['unit']}}">
    <td>{{r['unit']}}</td>
    <td class="num">{{fmt.num(r['kampanye'])}}</td>
    <td class="num">{{fmt.num(r['pesan'])}}</td>
    <td class="num" data-parts="{{r['bagian_sms']}}">{{fmt.num(r['bagian_sms'])}}</td>
    <td class="num">{{fmt.rupiah(r['biaya_rp'])}}</td>
    <td class="num">{{fmt.num(r['diterima'])}}</td>
    <td class="num">{{fmt.num(r['gagal'])}}</td>
    <td class="num">{{'-' if r['tingkat_terkirim_persen'] is None else str(r['tingkat_terkirim_persen']).replace('.', ',' if lang == 'id' else '.') + ' %'}}</td>
    <td class="num">{{'-' if r['kuota'] is None else fmt.num(r['kuota_terpakai']) + ' / ' + fmt.num(r['kuota'])}}</td>
    <td class="num">{{fmt.num(r['darurat_melebihi_kuota'])}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
