% if counts is not None:
<div class="audience-counts" data-matched="{{counts['matched']}}" data-reachable="{{counts['reachable']}}">
  <p><strong class="big">{{fmt.num(counts['reachable'])}}</strong> {{t("kontak akan dikirimi SMS", "contacts will get the SMS")}}</p>
  <p class="muted">{{t("Cocok", "Matched")}} <span data-count="matched">{{fmt.num(counts['matched'])}}</span> · {{t("bisa dikirimi", "reachable")}} <span data-count="reachable">{{fmt.num(counts['reachable'])}}</span> · {{t("berhenti langganan", "opted out")}} <span data-count="opted_out">{{fmt.num(counts['opted_out'])}}</span> · {{t("nomor mati", "dead")}} <span data-count="dead">{{fmt.num(counts['dead'])}}</span></p>
  <p class="hint audience-description">{{description}}</p>
</div>
% if get('ww'):
% include('wilayah_warning.tpl', ww=ww)
% end
% elif empty:
<p class="hint">{{t("Isi minimal satu saringan (desa, dusun, RW, RT, jabatan atau tag), atau centang 'semua kontak', untuk melihat jumlahnya.", "Fill in at least one filter (village, hamlet, RW, RT, role or tag), or tick 'all contacts', to see the count.")}}</p>
% else:
<p class="error" role="alert">{{error}}</p>
% end
