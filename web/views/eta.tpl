% # One time estimate (firmware/queue/estimate.py), shown the same way on every page: why it does not move, or how long.
% if eta:
<span class="eta" data-eta="{{eta.get('reason') or 'sending'}}" data-finish="{{int(eta['finish_ts']) if eta.get('finish_ts') else ''}}">
% if eta.get('note'):
<strong>{{eta['note'] if lang == 'id' else eta['note_en']}}</strong>
% if eta.get('finish_ts'):
· {{t("perkiraan selesai", "expected to finish")}} {{fmt.time(eta['finish_ts'])}}
% elif eta['human'] != eta['note']:
· {{eta['human'] if lang == 'id' else eta['human_en']}}
% end
% else:
{{eta['human'] if lang == 'id' else eta['human_en']}} {{t("lagi", "from now")}} · {{t("selesai sekitar", "done around")}} {{fmt.time(eta['finish_ts'])}}
% end
</span>
% end
