% rebase('base.tpl')
<p><a href="/campaigns">← {{t("Semua kampanye", "All campaigns")}}</a></p>
<h1>{{c['name']}}
% if c['emergency']:
<span class="pill failed">{{t("DARURAT", "EMERGENCY")}}</span>
% end
</h1>
% live_q = "&".join(x for x in (("state=" + state) if state else "", ("page=%d" % page_no) if page_no > 1 else "") if x)
% if live:
<div id="live" data-refresh="/campaigns/{{c['id']}}/live{{('?' + live_q) if live_q else ''}}">
% else:
<div id="live">
% end
% include('campaign_live.tpl')
</div>
