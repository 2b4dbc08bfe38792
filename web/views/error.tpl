% rebase('base.tpl')
<h1>{{title}}</h1>
% if detail:
<p class="error">{{detail}}</p>
% end
<p><a href="/">{{t("Ke dasbor", "To the dashboard")}}</a></p>
