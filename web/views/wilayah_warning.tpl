% # An audience whose RW/RT filter names no desa/kelurahan (firmware.people.audience.wilayah_warning): say so, with counts per kelurahan.
<div class="card warn" id="wilayah-warning" data-warning="spans_desa" role="note">
  <p><strong>{{t("Perhatian:", "Note:")}}</strong> {{ww['pesan'] if lang == 'id' else ww['message']}}</p>
  % if ww['per_desa']:
  <div class="table-wrap"><table id="per-desa">
    <thead><tr><th>{{t("Desa/Kelurahan", "Village")}}</th><th class="num">{{t("Cocok", "Matched")}}</th><th class="num">{{t("Bisa dikirimi", "Reachable")}}</th></tr></thead>
    <tbody>
    % for g in ww['per_desa']:
    <tr data-desa="{{g['desa'] or ''}}"><td>{{g['desa'] or t("(tanpa desa/kelurahan)", "(no village)")}}</td><td class="num" data-count="matched">{{fmt.num(g['matched'])}}</td><td class="num" data-count="reachable">{{fmt.num(g['reachable'])}}</td></tr>
    % end
    </tbody>
  </table></div>
  % end
</div>
