% # The texts a campaign preview shows (firmware.campaigns.campaign.preview "examples"): the first recipient, the longest
% # text and the one with the least data, so the worst case is seen, not only the first contact.
% whys = {"first": t("Contoh", "Example"), "longest": t("Teks terpanjang", "Longest text"), "least_data": t("Data paling sedikit (bagian yang kosong dihapus)", "Least data (empty parts dropped)")}
% for i, ex in enumerate(p.get('examples') or ([dict(p['sample'], why=['first'])] if p['sample'] else [])):
<div class="sample" data-example="{{' '.join(ex['why'])}}">
  <div class="muted">{{" · ".join(whys[w] for w in ex['why'] if w in whys)}} — {{t("diterima", "received by")}} {{ex['name'] or t("(tanpa nama)", "(no name)")}} {{ex['number'] or ""}} · {{ex['segments']}} SMS:</div>
  <div class="sms"{{!' data-sample="1"' if i == 0 else ''}}>{{ex['text']}}</div>
</div>
% end
